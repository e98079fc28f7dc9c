import {
  doc,
  util,
  type AstPath,
  type Doc,
  type ParserOptions,
} from "prettier";

import type {
  Block,
  Comment,
  Entry,
  Node,
  SpecFile,
  Vary,
} from "../parser/ast.js";

const {
  breakParent,
  fill,
  group,
  hardline,
  ifBreak,
  indent,
  join,
  line,
  lineSuffix,
  softline,
} = doc.builders;

/** A comment as prettier's attachment leaves it on a node. */
interface AttachedComment extends Comment {
  leading?: boolean;
  trailing?: boolean;
  printed?: boolean;
  marker?: string;
}

/** The marker of a line comment kept right after a block's `{`. */
export const AFTER_BRACE = "after-brace";

type Print = (path: AstPath<Node>) => Doc;
type Options = ParserOptions<Node>;

/** The nodes that start a line, whose comments prettier itself prints. */
const LINE_START_KINDS: ReadonlySet<string> = new Set([
  "SpecFile",
  "Import",
  "Declaration",
  "Entry",
  "Vary",
]);

/**
 * Tells prettier which nodes print their own comments: every node inside a
 * line. Prettier would put a line break after a comment that stood on its
 * own line, which in the middle of a line moves the rest of it; the next
 * run would then see an end-of-line comment and print it differently.
 */
export function willPrintOwnComments(path: AstPath<Node>): boolean {
  return !LINE_START_KINDS.has(path.node.kind);
}

/**
 * Prints one node. Every node kind has a case, and an unknown kind throws,
 * so a new AST node cannot be dropped silently from the output.
 */
export function printNode(
  path: AstPath<Node>,
  options: Options,
  print: Print,
): Doc {
  const printed = printNodeOnly(path, options, print);
  return willPrintOwnComments(path)
    ? withComments(path.node, printed)
    : printed;
}

/**
 * Puts the comments of a node inside a line around it, the same way
 * whatever the source layout was: a block comment stays between the
 * tokens, and a line comment moves to the end of the line.
 */
function withComments(node: Node, printed: Doc): Doc {
  const attached = (node as { comments?: AttachedComment[] }).comments ?? [];
  const leading: Doc[] = [];
  const trailing: Doc[] = [];
  for (const comment of attached) {
    if (comment.leading !== true && comment.trailing !== true) continue;
    comment.printed = true;
    const text = comment.block
      ? comment.leading === true
        ? [comment.text, " "]
        : [" ", comment.text]
      : [lineSuffix([" ", comment.text]), breakParent];
    (comment.leading === true ? leading : trailing).push(text);
  }
  return [...leading, printed, ...trailing];
}

function printNodeOnly(
  path: AstPath<Node>,
  options: Options,
  print: Print,
): Doc {
  const node = path.node;
  switch (node.kind) {
    case "SpecFile":
      return printFile(path as AstPath<SpecFile>, options, print);
    case "Import":
      return ["import ", path.call(print, "path" as never)];
    case "Declaration":
      return [
        node.keyword,
        " ",
        path.call(print, "name" as never),
        node.extends === null
          ? ""
          : [" extends ", path.call(print, "extends" as never)],
        " ",
        path.call(print, "body" as never),
      ];
    case "Block":
      return printBlock(path as AstPath<Block>, options, print);
    case "Entry":
      return printEntry(path as AstPath<Entry>, print);
    case "Vary":
      return printVary(path as AstPath<Vary>, print);
    case "NumberLiteral":
    case "StringLiteral":
      return node.raw;
    case "BooleanLiteral":
      return node.value ? "true" : "false";
    case "Identifier":
      return node.name;
    case "Path":
      return join(".", path.map(print, "segments" as never));
    case "ListValue":
      return printDelimited(path, options, print, "items", "[", "]");
    case "Call":
      return [
        path.call(print, "callee" as never),
        printDelimited(path, options, print, "args", "(", ")"),
      ];
    case "Argument":
      return node.name === null
        ? path.call(print, "value" as never)
        : [
            path.call(print, "name" as never),
            ": ",
            path.call(print, "value" as never),
          ];
    case "Comment":
      // Comments reach the output through printComment only.
      throw new Error("a comment was printed as a node");
    default:
      throw new Error(
        `the formatter cannot print a node of kind \`${(node as { kind: string }).kind}\``,
      );
  }
}

/** Prints a comment exactly as written, delimiters included. */
export function printComment(path: AstPath<Comment>): Doc {
  return path.node.text;
}

/**
 * Imports one per line, keeping at most one blank line between them; then
 * one blank line, then the declarations separated by one blank line.
 */
function printFile(
  path: AstPath<SpecFile>,
  options: Options,
  print: Print,
): Doc {
  const file = path.node;
  const parts: Doc[] = [];
  path.each((child) => {
    parts.push(print(child as AstPath<Node>));
    if (!child.isLast) {
      parts.push(hardline);
      if (
        util.isNextLineEmpty(options.originalText, (child.node as Node).loc.end)
      ) {
        parts.push(hardline);
      }
    }
  }, "imports" as never);
  if (file.imports.length > 0 && file.declarations.length > 0) {
    parts.push(hardline, hardline);
  }
  path.each((child) => {
    parts.push(print(child as AstPath<Node>));
    if (!child.isLast) parts.push(hardline, hardline);
  }, "declarations" as never);
  const dangling = printDanglingComments(path, options);
  if (dangling.length > 0) {
    if (parts.length > 0) parts.push(hardline);
    parts.push(join(hardline, dangling));
  }
  return parts.length === 0 ? "" : [...parts, hardline];
}

/**
 * `{ entries }` on one line when the source had it on one line and it
 * fits, otherwise one entry per line. Blank lines between entries are kept
 * (at most one), blank lines after `{` and before `}` are not.
 */
function printBlock(path: AstPath<Block>, options: Options, print: Print): Doc {
  const block = path.node;
  const text = options.originalText;
  const afterBrace = takeDanglingComments(
    path,
    (comment) => comment.marker === AFTER_BRACE,
  );
  const dangling = printDanglingComments(path, options);
  const entries = printEntries(path, text, print);
  if (
    entries.length === 0 &&
    dangling.length === 0 &&
    afterBrace.length === 0
  ) {
    return "{}";
  }

  // The first comment after `{` stays on its line, later ones get their own.
  const [first, ...moreAfterBrace] = afterBrace;
  const opening =
    first === undefined
      ? []
      : [" ", first.text, first.block ? "" : breakParent];
  const sections: Doc[] = moreAfterBrace.map((comment) => comment.text);
  if (entries.length > 0) sections.push(entries);
  sections.push(...dangling);
  const forceBreak = moreAfterBrace.length > 0 || dangling.length > 0;
  const inside =
    sections.length === 0
      ? []
      : [
          indent([line, join(hardline, sections)]),
          forceBreak ? breakParent : "",
        ];

  const writtenOnOneLine = !util.hasNewlineInRange(
    text,
    block.loc.start,
    block.loc.end,
  );
  return group(["{", ...opening, ...inside, line, "}"], {
    shouldBreak: !writtenOnOneLine,
  });
}

/**
 * The entries of a block with their separators: two spaces when the block
 * fits on one line, a line break otherwise, and a blank line where the
 * source had one or more.
 */
function printEntries(path: AstPath<Block>, text: string, print: Print): Doc[] {
  const entries: Doc[] = [];
  path.each((child) => {
    entries.push(print(child as AstPath<Node>));
    if (child.isLast) return;
    entries.push(ifBreak("", " "), line);
    if (util.isNextLineEmpty(text, (child.node as Node).loc.end)) {
      entries.push(softline);
    }
  }, "entries" as never);
  return entries;
}

/**
 * `key value, value { block }`. A run of values wraps after a comma, with
 * the continuation lines indented; a lone list or call breaks inside its
 * own brackets instead, so it gets no extra indentation.
 */
function printEntry(path: AstPath<Entry>, print: Print): Doc {
  const entry = path.node;
  const parts: Doc[] = [path.call(print, "key" as never)];
  const values = path.map(print, "values" as never);
  const only = entry.values.length === 1 ? entry.values[0] : undefined;
  const bracketed =
    only !== undefined &&
    (only.kind === "ListValue" || only.kind === "Call") &&
    !hasLeadingComments(only);
  if (bracketed) {
    parts.push(" ", values[0]);
  } else if (values.length > 0) {
    const separated: Doc[] = [];
    values.forEach((value, index) => {
      if (index > 0) separated.push([",", line]);
      separated.push(value);
    });
    parts.push(" ", group(indent(fill(separated))));
  }
  if (entry.block !== null) parts.push(" ", path.call(print, "block" as never));
  return parts;
}

function hasLeadingComments(node: Node): boolean {
  const attached = (node as { comments?: AttachedComment[] }).comments ?? [];
  return attached.some((comment) => comment.leading === true);
}

function printVary(path: AstPath<Vary>, print: Print): Doc {
  return [
    "vary ",
    path.call(print, "path" as never),
    " in ",
    path.call(print, "values" as never),
  ];
}

/**
 * `[a, b]` and `(a, b)` on one line if they fit. Otherwise the items go on
 * their own lines, except that a list of plain values (numbers, strings,
 * booleans, names and paths) packs as many items on a line as fit.
 */
function printDelimited(
  path: AstPath<Node>,
  options: Options,
  print: Print,
  key: "items" | "args",
  open: string,
  close: string,
): Doc {
  const items = path.map(print, key as never);
  const dangling = printDanglingComments(path, options);
  if (items.length === 0 && dangling.length === 0) return [open, close];
  const node = path.node;
  const packed =
    node.kind === "ListValue" && node.items.every((item) => isPlainValue(item));
  const separated: Doc[] = [];
  items.forEach((item, index) => {
    if (index > 0) separated.push([",", line]);
    separated.push(item);
  });
  const inner: Doc[] = [packed ? fill(separated) : separated];
  if (dangling.length > 0) {
    if (items.length > 0) inner.push(line);
    inner.push(join(hardline, dangling));
  }
  return group([open, indent([softline, ...inner]), softline, close]);
}

function isPlainValue(node: Node): boolean {
  return (
    node.kind === "NumberLiteral" ||
    node.kind === "StringLiteral" ||
    node.kind === "BooleanLiteral" ||
    node.kind === "Identifier" ||
    node.kind === "Path"
  );
}

/**
 * Prints the comments prettier left dangling on the current node (inside
 * it but before or after no child), one per line with blank lines kept,
 * and marks them printed.
 */
function printDanglingComments(path: AstPath<Node>, options: Options): Doc[] {
  const comments = takeDanglingComments(path, () => true);
  return comments.map((comment, index) => {
    const next = comments[index + 1];
    const blankAfter =
      next !== undefined &&
      util.isNextLineEmpty(options.originalText, comment.loc.end);
    const forceBreak = comment.block ? "" : breakParent;
    return [comment.text, forceBreak, blankAfter ? hardline : ""];
  });
}

/** Takes the dangling comments of the current node that `accept` wants. */
function takeDanglingComments(
  path: AstPath<Node>,
  accept: (comment: AttachedComment) => boolean,
): AttachedComment[] {
  const attached =
    (path.node as { comments?: AttachedComment[] }).comments ?? [];
  const taken = attached.filter(
    (comment) =>
      !comment.leading &&
      !comment.trailing &&
      !comment.printed &&
      accept(comment),
  );
  for (const comment of taken) comment.printed = true;
  return taken;
}
