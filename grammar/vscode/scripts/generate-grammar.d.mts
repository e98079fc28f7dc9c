/** The keywords that open a top-level declaration. */
export declare const DECLARATION_KEYWORDS: readonly string[];

/** Builds the TextMate grammar object for the given lexer keywords. */
export declare function buildGrammar(keywords: readonly string[]): object;

/** Renders the grammar as the committed JSON text. */
export declare function renderGrammar(
  keywords: readonly string[],
): Promise<string>;
