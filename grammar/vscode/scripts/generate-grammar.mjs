// Generates syntaxes/hmdn.tmLanguage.json from the lexer's keyword list.
//
// Run `npm run build && npm run grammar:vscode` after the lexer gains or loses a
// keyword; test/grammar/grammar.test.ts fails while the committed grammar
// is out of date.

import { writeFile, rename } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The identifier pattern of the lexer: ASCII letters, digits and `_`. */
const IDENT = "[A-Za-z_][A-Za-z0-9_]*";

/** The keywords that open a top-level declaration (`DeclarationKeyword` in ast.ts). */
export const DECLARATION_KEYWORDS = [
  "dataset",
  "features",
  "model",
  "experiment",
];

/**
 * What each keyword does in the grammar when it is an entry key. Keywords
 * missing here are plain keyword keys (`hierarchy`, `train`, ...), so a new
 * lexer keyword still highlights as a keyword without editing this table.
 */
const KEYWORD_ROLES = {
  import: "import",
  extends: "extends",
  vary: "vary",
  in: "in",
  true: "boolean",
  false: "boolean",
  // The values after these keys are names the entry declares.
  categorical: "feature",
  numeric: "feature",
  multi: "feature",
  group: "declares",
  task: "declares",
  variant: "declares",
};

/** The scope suffix of every rule. */
const SUFFIX = "hmdn";

function scope(name) {
  return `${name}.${SUFFIX}`;
}

function alternation(words) {
  // Longest first, so that no word is cut short by a prefix of it.
  const sorted = [...words].sort(
    (a, b) => b.length - a.length || (a < b ? -1 : 1),
  );
  return sorted.join("|");
}

/**
 * Builds the grammar object for the given lexer keywords.
 *
 * @param {readonly string[]} keywords the lexer's reserved words
 * @returns {object} a TextMate grammar in VS Code's JSON layout
 */
export function buildGrammar(keywords) {
  const missing = DECLARATION_KEYWORDS.filter(
    (word) => !keywords.includes(word),
  );
  if (missing.length > 0) {
    throw new Error(
      `the lexer keywords lack the declaration keywords ${missing.join(", ")}`,
    );
  }
  const roleOf = (word) => KEYWORD_ROLES[word] ?? "key";
  const withRole = (role) => keywords.filter((word) => roleOf(word) === role);
  const keyKeywords = withRole("key");
  const featureKeywords = withRole("feature");
  const declaringKeywords = withRole("declares");
  const valueWords = keywords.filter((word) => roleOf(word) !== "boolean");

  return {
    $schema:
      "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
    name: "HMDN",
    scopeName: "source.hmdn",
    fileTypes: ["hmdn"],
    patterns: [
      { include: "#comments" },
      { include: "#import" },
      ...DECLARATION_KEYWORDS.map((word) => ({
        include: `#declaration-${word}`,
      })),
      { include: "#string" },
      { include: "#stray" },
    ],
    repository: {
      comments: {
        patterns: [
          {
            name: scope("comment.block"),
            begin: "/\\*",
            end: "\\*/",
            beginCaptures: {
              0: { name: scope("punctuation.definition.comment") },
            },
            endCaptures: {
              0: { name: scope("punctuation.definition.comment") },
            },
          },
          {
            name: scope("comment.line.double-slash"),
            match: "(//).*$",
            captures: { 1: { name: scope("punctuation.definition.comment") } },
          },
        ],
      },
      import: {
        match: "\\b(import)\\b",
        captures: { 1: { name: scope("keyword.control.import") } },
      },
      ...Object.fromEntries(
        DECLARATION_KEYWORDS.map((word) => [
          `declaration-${word}`,
          declarationRule(word),
        ]),
      ),
      block: {
        begin: "\\{",
        end: "\\}",
        beginCaptures: {
          0: { name: scope("punctuation.section.block.begin") },
        },
        endCaptures: { 0: { name: scope("punctuation.section.block.end") } },
        patterns: [
          { include: "#comments" },
          { include: "#vary" },
          { include: "#entry-feature" },
          ...declaringKeywords.map((word) => ({ include: `#entry-${word}` })),
          { include: "#entry-keyword" },
          { include: "#entry" },
          { include: "#value" },
          { include: "#stray-in-block" },
        ],
      },
      vary: {
        begin: "\\b(vary)\\b",
        end: "(?<=\\])|(?=\\})",
        beginCaptures: { 1: { name: scope("keyword.control.vary") } },
        patterns: [
          { include: "#comments" },
          {
            match: "\\b(in)\\b",
            captures: { 1: { name: scope("keyword.control.in") } },
          },
          { include: "#path" },
          { include: "#accessor" },
          {
            // A path segment cut off from its dot by a comment.
            match: `\\b${IDENT}\\b`,
            name: scope("variable.other.member"),
          },
          { include: "#list" },
        ],
      },
      "entry-feature": entryRule(
        featureKeywords,
        "storage.type.feature",
        "#names-feature",
      ),
      ...Object.fromEntries(
        declaringKeywords.map((word) => [
          `entry-${word}`,
          entryRule([word], "keyword.other", `#names-${word}`),
        ]),
      ),
      "entry-keyword": entryRule(keyKeywords, "keyword.other", "#value"),
      entry: entryRule(null, "support.type.property-name", "#value"),
      "names-feature": namesRule("entity.name.variable.feature"),
      ...Object.fromEntries(
        declaringKeywords.map((word) => [
          `names-${word}`,
          namesRule(`entity.name.type.${word}`),
        ]),
      ),
      value: {
        patterns: [
          { include: "#comments" },
          { include: "#string" },
          { include: "#number" },
          { include: "#boolean" },
          { include: "#list" },
          { include: "#call" },
          { include: "#parentheses" },
          { include: "#path" },
          { include: "#accessor" },
          { include: "#keyword-as-value" },
          { include: "#reference" },
          { include: "#comma" },
        ],
      },
      string: {
        name: scope("string.quoted.double"),
        begin: '"',
        end: '"|$',
        beginCaptures: {
          0: { name: scope("punctuation.definition.string.begin") },
        },
        endCaptures: {
          0: { name: scope("punctuation.definition.string.end") },
        },
        patterns: [
          {
            name: scope("constant.character.escape"),
            match: '\\\\(?:["\\\\nt]|u[0-9A-Fa-f]{4})',
          },
          { name: scope("invalid.illegal.escape"), match: "\\\\." },
        ],
      },
      number: {
        patterns: [
          {
            // The lexer's valid forms: `42`, `-0.5`, `1e-3`, `100k`, `2M`.
            match:
              "(?<![A-Za-z0-9_.])(-?[0-9]+(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)([kM])?(?![A-Za-z0-9_.])",
            name: scope("constant.numeric.decimal"),
            captures: { 2: { name: scope("keyword.other.unit.suffix") } },
          },
          {
            // What the lexer takes as one malformed number (HMD1005): `2G`, `1.2.3`.
            match: "(?<![A-Za-z0-9_.])-?[0-9](?:[eE][+-]|[A-Za-z0-9_.])*",
            name: scope("invalid.illegal.number"),
          },
        ],
      },
      boolean: {
        match: "\\b(?:true|false)\\b",
        name: scope("constant.language.boolean"),
      },
      list: {
        begin: "\\[",
        end: "\\]",
        beginCaptures: {
          0: { name: scope("punctuation.section.brackets.begin") },
        },
        endCaptures: { 0: { name: scope("punctuation.section.brackets.end") } },
        patterns: [{ include: "#value" }],
      },
      call: {
        begin: `\\b(${IDENT})\\s*(\\()`,
        end: "\\)",
        beginCaptures: {
          1: { name: scope("entity.name.function") },
          2: { name: scope("punctuation.definition.arguments.begin") },
        },
        endCaptures: {
          0: { name: scope("punctuation.definition.arguments.end") },
        },
        patterns: [
          {
            match: `\\b(${IDENT})\\s*(:)`,
            captures: {
              1: { name: scope("variable.parameter") },
              2: { name: scope("punctuation.separator.key-value") },
            },
          },
          { include: "#argument-separator" },
          { include: "#value" },
        ],
      },
      parentheses: {
        // Arguments whose callee is cut off from `(` by a comment.
        begin: "\\(",
        end: "\\)",
        beginCaptures: {
          0: { name: scope("punctuation.definition.arguments.begin") },
        },
        endCaptures: {
          0: { name: scope("punctuation.definition.arguments.end") },
        },
        patterns: [{ include: "#argument-separator" }, { include: "#value" }],
      },
      "argument-separator": {
        match: ":",
        name: scope("punctuation.separator.key-value"),
      },
      accessor: {
        match: "\\.",
        name: scope("punctuation.accessor"),
      },
      path: {
        patterns: [
          {
            match: `\\b${IDENT}(?=\\s*\\.\\s*[A-Za-z_])`,
            name: scope("variable.other.object"),
          },
          {
            match: `(\\.)\\s*(${IDENT})`,
            captures: {
              1: { name: scope("punctuation.accessor") },
              2: { name: scope("variable.other.member") },
            },
          },
        ],
      },
      "keyword-as-value": {
        match: `\\b(?:${alternation(valueWords)})\\b`,
        name: scope("keyword.other"),
      },
      reference: {
        match: `\\b${IDENT}\\b`,
        name: scope("variable.other"),
      },
      comma: {
        match: ",",
        name: scope("punctuation.separator.comma"),
      },
      stray: {
        match: "\\S",
        name: scope("invalid.illegal.character"),
      },
      "stray-in-block": {
        match: '[^\\s\\w{}\\[\\](),:."/+-]',
        name: scope("invalid.illegal.character"),
      },
    },
  };
}

/** The rule of `model NAME [extends NAME] { ... }` and its siblings. */
function declarationRule(word) {
  return {
    begin: `\\b(${word})\\b`,
    end: "(?<=\\})",
    beginCaptures: { 1: { name: scope(`storage.type.${word}`) } },
    patterns: [
      { include: "#comments" },
      {
        match: `\\b(extends)\\b(?:\\s+(${IDENT}))?`,
        captures: {
          1: { name: scope("keyword.other.extends") },
          2: { name: scope("entity.other.inherited-class") },
        },
      },
      { match: `\\b${IDENT}\\b`, name: scope(`entity.name.type.${word}`) },
      { include: "#block" },
    ],
  };
}

/**
 * The rule of one entry `key value, value { block }`. The entry ends after
 * its block, before the enclosing `}`, at a line that starts with a name,
 * or before a name that follows a value on the same line without a comma
 * (`{ levels 6  codebook 32 }` holds two entries).
 *
 * @param {readonly string[] | null} keys the keywords this rule takes, or
 *   null for a plain identifier key
 */
// Limitation: TextMate matches one line at a time, so a first value on the
// line after its key is scoped as a new key.
function entryRule(keys, keyScope, valuesInclude) {
  const keyPattern = keys === null ? IDENT : `(?:${alternation(keys)})`;
  const keyName = keys === null ? keyScope : `${keyScope}.$1`;
  return {
    begin: `\\b(${keyPattern})\\b\\s*`,
    end: "(?<=\\})|(?=\\})|^(?=\\s*[A-Za-z_])|(?<=[^\\s,/])(?=\\s+[A-Za-z_])",
    beginCaptures: { 1: { name: scope(keyName) } },
    patterns: [
      { include: "#comments" },
      { include: "#block" },
      {
        begin: ",",
        beginCaptures: { 0: { name: scope("punctuation.separator.comma") } },
        end: "(?<=[^\\s,/])(?=\\s|,|\\{|\\}|$)",
        patterns: [{ include: "#comments" }, { include: valuesInclude }],
      },
      { include: valuesInclude },
    ],
  };
}

/** Values that name what the entry declares: `categorical a, b`, `task click`. */
function namesRule(nameScope) {
  return {
    patterns: [
      { include: "#comments" },
      { include: "#string" },
      { include: "#number" },
      { include: "#boolean" },
      { include: "#list" },
      { include: "#call" },
      { include: "#parentheses" },
      { include: "#path" },
      { include: "#accessor" },
      { include: "#keyword-as-value" },
      { match: `\\b${IDENT}\\b`, name: scope(nameScope) },
      { include: "#comma" },
    ],
  };
}

/**
 * Renders the grammar as the committed JSON text, laid out by prettier so
 * that `prettier --check` accepts the committed file.
 *
 * @param {readonly string[]} keywords the lexer's reserved words
 * @returns {Promise<string>}
 */
export async function renderGrammar(keywords) {
  const prettier = await import("prettier");
  return prettier.format(JSON.stringify(buildGrammar(keywords)), {
    parser: "json",
    filepath: "hmdn.tmLanguage.json",
  });
}

async function main() {
  const lexer = await import("../../../dist/parser/index.js");
  const target = fileURLToPath(
    new URL("../syntaxes/hmdn.tmLanguage.json", import.meta.url),
  );
  const temporary = `${target}.tmp`;
  await writeFile(temporary, await renderGrammar(lexer.KEYWORDS));
  await rename(temporary, target);
  process.stdout.write(`wrote ${target}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}
