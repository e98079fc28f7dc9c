/**
 * The Chevrotain grammar of `.hmdn` files. Each rule restates its production
 * from `grammar/hmdnc.ebnf`; a test checks that the two name the same rules.
 *
 * The parser produces a CST that only `to-ast.ts` reads. Syntax errors are
 * collected with recovery enabled, so one parse reports every error of a
 * file; `messages.ts` turns them into diagnostics.
 */

import type { IToken, TokenType } from "chevrotain";
import { chevrotain } from "./chevrotain.js";
import { errorMessageProvider } from "./messages.js";
import {
  Comma,
  Categorical,
  Colon,
  Dataset,
  Dot,
  EntryKey,
  Experiment,
  Extends,
  False,
  Features,
  Identifier,
  Import,
  In,
  KeyKeyword,
  LBracket,
  LCurly,
  LParen,
  Model,
  NumberLiteral,
  RBracket,
  RCurly,
  RParen,
  StringLiteral,
  Stray,
  True,
  Vary,
  allTokens,
  Backbone,
  Group,
  Multi,
  Numeric,
  Task,
  Variant,
} from "./tokens.js";

const { CstParser, EOF, tokenMatcher } = chevrotain;

/**
 * Entry keys whose first value names something (`categorical user_id`,
 * `task click`). After one of them a reserved word is still parsed as the
 * value, so the diagnostic can say that the word cannot be a name.
 * Limitation: when such a key has no value, a keyword-keyed entry after it
 * (`task` on the next line) is read as its value and reported as reserved.
 */
const NAMING_KEYS = [
  Categorical,
  Numeric,
  Multi,
  Group,
  Task,
  Variant,
  Backbone,
  Dataset,
  Features,
  Model,
];

/** Options of `SpecParser`. */
export interface SpecParserOptions {
  /**
   * Run Chevrotain's grammar checks (ambiguities, left recursion) while
   * building the parser. Tests turn them on; the CLI skips them to start fast.
   */
  readonly validate?: boolean;
}

/**
 * Thrown out of a parse once the parser has recorded `errorLimit` errors.
 * Chevrotain's recovery scans ahead to the end of the input for each error
 * in a run of tokens that fit nowhere, so such a run costs time quadratic
 * in its length: 50,000 stray commas took about 6 seconds.
 */
export class ErrorLimitReached extends Error {
  constructor() {
    super("the parser reached its syntax error limit");
    this.name = "ErrorLimitReached";
  }
}

/** The `.hmdn` parser. Build one and reuse it by assigning `input`. */
export class SpecParser extends CstParser {
  /** The number of recorded errors at which a parse stops with `ErrorLimitReached`. */
  errorLimit = Number.POSITIVE_INFINITY;

  /** The text the tokens come from, so recovery can see line breaks. */
  text = "";

  constructor(options: SpecParserOptions = {}) {
    super(allTokens as never[], {
      recoveryEnabled: true,
      maxLookahead: 2,
      errorMessageProvider,
      skipValidations: options.validate !== true,
    });
    this.performSelfAnalysis();
  }

  /** `file = (import | declaration)*`; imports after a declaration are reported. */
  file = this.RULE("file", () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.import) },
        { ALT: () => this.SUBRULE(this.declaration) },
      ]);
    });
  });

  /** `import = "import" STRING` */
  import = this.RULE("import", () => {
    this.stopAtErrorLimit();
    this.CONSUME(Import);
    this.CONSUME(StringLiteral);
  });

  /** `declaration = ("dataset" | "features" | "model" | "experiment") name ["extends" name] block` */
  declaration = this.RULE("declaration", () => {
    this.stopAtErrorLimit();
    this.OR([
      { ALT: () => this.CONSUME(Dataset) },
      { ALT: () => this.CONSUME(Features) },
      { ALT: () => this.CONSUME(Model) },
      { ALT: () => this.CONSUME(Experiment) },
    ]);
    this.SUBRULE(this.name);
    this.OPTION(() => {
      this.CONSUME(Extends);
      this.SUBRULE2(this.name, { LABEL: "base" });
    });
    this.SUBRULE(this.block);
  });

  /** `name = IDENT`; a key keyword is accepted here and reported as reserved. */
  name = this.RULE("name", () => {
    this.OR([
      { ALT: () => this.CONSUME(Identifier) },
      { ALT: () => this.CONSUME(KeyKeyword) },
    ]);
  });

  /**
   * `block = "{" (vary | entry | stray | block)* "}"`; stray tokens and a
   * nested block without a key are reported.
   */
  block = this.RULE("block", () => {
    this.stopAtErrorLimit();
    this.CONSUME(LCurly);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.vary) },
        { ALT: () => this.SUBRULE(this.entry) },
        { ALT: () => this.SUBRULE(this.stray) },
        { ALT: () => this.SUBRULE2(this.block, { LABEL: "keylessBlock" }) },
      ]);
    });
    this.CONSUME(RCurly);
  });

  /**
   * `stray = STRAY { STRAY } { token on the same line }`: tokens that
   * cannot start an entry, kept to report them. The rest of their line is
   * taken along, because entries resumed in the middle of a broken line
   * only produce more errors. Limitation: entries later on that line are
   * missing from the partial AST until the error is fixed.
   */
  stray = this.RULE("stray", () => {
    this.AT_LEAST_ONE(() => this.CONSUME(Stray));
    this.MANY({
      GATE: () => !this.startsLine(),
      DEF: () => {
        this.OR([
          { ALT: () => this.CONSUME2(Stray) },
          { ALT: () => this.CONSUME(EntryKey) },
          { ALT: () => this.CONSUME(Vary) },
        ]);
      },
    });
  });

  /** `vary = "vary" path "in" list` */
  vary = this.RULE("vary", () => {
    this.stopAtErrorLimit();
    this.CONSUME(Vary);
    this.SUBRULE(this.path);
    this.CONSUME(In);
    this.SUBRULE(this.list);
  });

  /**
   * `entry = key [value ("," value)*] [block]`. After a naming key the first
   * value may also be a path that starts with a reserved word, which the
   * AST builder reports.
   */
  entry = this.RULE("entry", () => {
    this.stopAtErrorLimit();
    this.SUBRULE(this.key);
    this.OPTION(() => {
      this.OR({
        IGNORE_AMBIGUITIES: true,
        DEF: [
          {
            GATE: () => this.reservedNameMayFollow(),
            ALT: () => this.SUBRULE(this.path, { LABEL: "reservedValue" }),
          },
          { ALT: () => this.SUBRULE(this.value) },
        ],
      });
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.value);
      });
    });
    this.OPTION2(() => this.SUBRULE(this.block));
  });

  /** `key = IDENT | key keyword` (every keyword except import, extends, vary, in, true, false) */
  key = this.RULE("key", () => {
    this.CONSUME(EntryKey);
  });

  /** `value = NUMBER | STRING | "true" | "false" | call | path | list` */
  value = this.RULE("value", () => {
    this.stopAtErrorLimit();
    this.OR([
      { ALT: () => this.CONSUME(NumberLiteral) },
      { ALT: () => this.CONSUME(StringLiteral) },
      { ALT: () => this.CONSUME(True) },
      { ALT: () => this.CONSUME(False) },
      { ALT: () => this.SUBRULE(this.call) },
      {
        // A reserved word is not a value; only `entry` accepts one, to report it.
        GATE: () => !tokenMatcher(this.LA(1), KeyKeyword),
        ALT: () => this.SUBRULE(this.path),
      },
      { ALT: () => this.SUBRULE(this.list) },
    ]);
  });

  /** `path = name ("." name)*` */
  path = this.RULE("path", () => {
    this.SUBRULE(this.name);
    this.MANY(() => {
      this.CONSUME(Dot);
      this.SUBRULE2(this.name);
    });
  });

  /** `list = "[" [value ("," value)* [","]] "]"` */
  list = this.RULE("list", () => {
    this.stopAtErrorLimit();
    this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.value);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.value);
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RBracket);
  });

  /** `call = IDENT "(" [arg ("," arg)*] ")"` */
  call = this.RULE("call", () => {
    this.stopAtErrorLimit();
    this.CONSUME(Identifier);
    this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE(this.arg);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.arg);
      });
    });
    this.CONSUME(RParen);
  });

  /** `arg = [key ":"] value` */
  arg = this.RULE("arg", () => {
    this.stopAtErrorLimit();
    this.OPTION(() => {
      this.SUBRULE(this.key);
      this.CONSUME(Colon);
    });
    this.SUBRULE(this.value);
  });

  /**
   * Resynchronizes after an error inside a repetition (the entries of a
   * block, the items of a list). Chevrotain skips tokens until one can
   * start another iteration; this override also requires that token to
   * start a line, unless it closes the repetition. Without it, recovery
   * after `a, b, c` with a missing key resumes at `b` or `c`, and the rest
   * of the line and the next one fail in a cascade.
   *
   * This overrides an internal method of Chevrotain 11 (the recoverable
   * trait), which the package pins to an exact version; a test covers the
   * behaviour.
   */
  tryInRepetitionRecovery(
    grammarRule: () => void,
    grammarRuleArgs: unknown[],
    lookAheadFunc: () => boolean,
    expectedTokType: TokenType,
  ): void {
    const atLineStart = () => this.startsLine() && lookAheadFunc.call(this);
    (
      CstParser.prototype as unknown as RecoveryInternals
    ).tryInRepetitionRecovery.call(
      this,
      grammarRule,
      grammarRuleArgs,
      atLineStart,
      expectedTokType,
    );
  }

  /**
   * Chooses the token type to resynchronize to after an error. Chevrotain
   * scans ahead for a token in the follow sets of every rule on the stack
   * and returns the first matching type, outer rules first. A stray
   * category of an outer block then wins over the concrete `)` or `,` that
   * the inner call expects, and the whole call is abandoned. This override
   * prefers the token's own type when a follow set names it, so recovery
   * stays in the innermost rule that can use the token.
   *
   * Like `tryInRepetitionRecovery`, this overrides an internal method of
   * Chevrotain 11; the parser tests cover it.
   */
  findReSyncTokenType(): TokenType {
    const follows = (
      CstParser.prototype as unknown as RecoveryInternals
    ).flattenFollowSet.call(this);
    for (let k = 1; ; k++) {
      const token: IToken = this.LA(k);
      if (follows.includes(token.tokenType)) return token.tokenType;
      const category = follows.find((type) => tokenMatcher(token, type));
      if (category !== undefined) return category;
      // The end of input is always in the follow set of the top rule, so
      // the scan stops there at the latest.
      if (token.tokenType === EOF) return EOF;
    }
  }

  private startsLine(): boolean {
    const previous: IToken = this.LA(0);
    const next: IToken = this.LA(1);
    if (!Number.isFinite(previous.startOffset) || previous.startOffset < 0)
      return true;
    if (!Number.isFinite(next.startOffset)) return true;
    const gap = this.text.slice(
      previous.startOffset + previous.image.length,
      next.startOffset,
    );
    return /[\r\n]/.test(gap);
  }

  private stopAtErrorLimit(): void {
    this.ACTION(() => {
      if (this.errors.length >= this.errorLimit) throw new ErrorLimitReached();
    });
  }

  private reservedNameMayFollow(): boolean {
    const previous: IToken = this.LA(0);
    return (
      tokenMatcher(this.LA(1), KeyKeyword) &&
      NAMING_KEYS.some((keyword) => tokenMatcher(previous, keyword))
    );
  }
}

/** The internal recovery method `SpecParser` wraps. */
interface RecoveryInternals {
  flattenFollowSet(this: SpecParser): TokenType[];
  tryInRepetitionRecovery(
    this: SpecParser,
    grammarRule: () => void,
    grammarRuleArgs: unknown[],
    lookAheadFunc: () => boolean,
    expectedTokType: TokenType,
  ): void;
}

let shared: SpecParser | undefined;

/** Returns the one parser instance, building it on first use. */
export function getParser(): SpecParser {
  shared ??= new SpecParser();
  return shared;
}
