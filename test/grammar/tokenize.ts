import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import oniguruma from "vscode-oniguruma";
import textmate from "vscode-textmate";

/** One token of a line: its text and its scopes, outermost first. */
export interface ScopedToken {
  readonly line: number;
  readonly startIndex: number;
  readonly text: string;
  readonly scopes: readonly string[];
}

/** The committed grammar of the VS Code extension. */
export const grammarPath = new URL(
  "../../grammar/vscode/syntaxes/hmdn.tmLanguage.json",
  import.meta.url,
);

let onigReady: Promise<textmate.IOnigLib> | null = null;

function loadOniguruma(): Promise<textmate.IOnigLib> {
  onigReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasm = await readFile(
      require.resolve("vscode-oniguruma/release/onig.wasm"),
    );
    await oniguruma.loadWASM(wasm);
    return {
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    };
  })();
  return onigReady;
}

/** Loads a grammar from its JSON text (the committed one by default). */
export async function loadGrammar(
  grammarText?: string,
): Promise<textmate.IGrammar> {
  const text = grammarText ?? (await readFile(grammarPath, "utf8"));
  const registry = new textmate.Registry({
    onigLib: loadOniguruma(),
    loadGrammar: async (scopeName) =>
      scopeName === "source.hmdn"
        ? textmate.parseRawGrammar(text, "hmdn.tmLanguage.json")
        : null,
  });
  const grammar = await registry.loadGrammar("source.hmdn");
  if (grammar === null) throw new Error("the hmdn grammar did not load");
  return grammar;
}

/** Tokenizes a whole text line by line, carrying the rule stack across lines. */
export function tokenize(
  grammar: textmate.IGrammar,
  text: string,
): ScopedToken[] {
  const tokens: ScopedToken[] = [];
  let stack = textmate.INITIAL;
  text.split(/\r\n|\r|\n/).forEach((lineText, index) => {
    const result = grammar.tokenizeLine(lineText, stack);
    for (const token of result.tokens) {
      tokens.push({
        line: index + 1,
        startIndex: token.startIndex,
        text: lineText.slice(token.startIndex, token.endIndex),
        scopes: token.scopes,
      });
    }
    stack = result.ruleStack;
  });
  return tokens;
}

/**
 * Renders tokens as a golden: one line per token that is not only
 * whitespace, `line:column text` then its scopes without the root scope.
 */
export function renderGolden(tokens: readonly ScopedToken[]): string {
  const lines: string[] = [];
  for (const token of tokens) {
    if (token.text.trim() === "") continue;
    const scopes = token.scopes.filter((name) => name !== "source.hmdn");
    lines.push(
      `${token.line}:${token.startIndex + 1} ${JSON.stringify(token.text)} ${scopes.join(" ")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
