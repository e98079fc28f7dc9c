import { util } from "prettier";

import {
  childKeys,
  type Block,
  type Comment,
  type Node,
  type SpecFile,
} from "../parser/ast.js";
import { AFTER_BRACE } from "./print.js";

/** What prettier passes to a comment handler, beyond the comment itself. */
interface PlacedComment extends Comment {
  enclosingNode?: Node;
  precedingNode?: Node;
  followingNode?: Node;
}

type Handler = (
  comment: PlacedComment,
  text: string,
  options: unknown,
  ast: SpecFile,
) => boolean;

/** Every node can hold comments except a comment. */
export function canAttachComment(node: Node): boolean {
  return typeof node === "object" && node !== null && node.kind !== "Comment";
}

/** Tells prettier which comments are block comments, for their line breaks. */
export function isBlockComment(comment: Comment): boolean {
  return comment.block;
}

/** The nodes that start a line in the output. */
const LINE_START_KINDS: ReadonlySet<string> = new Set([
  "Import",
  "Declaration",
  "Entry",
  "Vary",
]);

/** Where a comment moved out of a line goes, relative to its line's node. */
type Target = "leading" | "trailing" | "after-brace";

/**
 * The line-start nodes (imports, declarations, entries) that had a line
 * comment moved out of them, with where it went, per file being formatted.
 * Later comments of the same node go to the same place, to keep their order.
 */
const movedTo = new WeakMap<SpecFile, WeakMap<Node, Target>>();

/**
 * Places comments where prettier's defaults would misplace them; returns
 * false to leave a comment to the defaults.
 *
 * - An end-of-line comment right after a block's `{` stays there.
 * - A line comment inside a line (between the tokens of an import, a
 *   declaration header or an entry) cannot stay there, because the rest of
 *   the line would become part of it. Written on a line of its own, it
 *   moves to the line before its import, declaration or entry. At the end
 *   of a line, it moves after the `{` of the block that follows (as in
 *   `model m // note` then `{`), or else to the end of its entry.
 */
function placeComment(
  comment: PlacedComment,
  text: string,
  ast: SpecFile,
  ownLine: boolean,
): boolean {
  const owner = lineStartOwner(ast, comment);
  let moved = movedTo.get(ast);
  if (moved === undefined) {
    moved = new WeakMap();
    movedTo.set(ast, moved);
  }
  let target = owner === null ? undefined : moved.get(owner);
  if (target === undefined) {
    if (!ownLine && keepAfterBrace(comment, text)) return true;
    if (keepInEmptyArguments(comment, text)) return true;
    if (owner === null || comment.block) return false;
    target = ownLine
      ? "leading"
      : blockAfter(owner, comment) !== null
        ? "after-brace"
        : "trailing";
    moved.set(owner, target);
  }
  if (owner === null) return false;
  const block = blockAfter(owner, comment);
  if (target === "after-brace" && block !== null) {
    util.addDanglingComment(block, comment, AFTER_BRACE);
  } else if (target === "leading" || owner.kind === "Import") {
    util.addLeadingComment(owner, comment);
  } else {
    util.addTrailingComment(owner, comment);
  }
  return true;
}

/** The block of a declaration or entry when it starts after the comment. */
function blockAfter(owner: Node, comment: Comment): Block | null {
  const block =
    owner.kind === "Declaration"
      ? owner.body
      : owner.kind === "Entry"
        ? owner.block
        : null;
  return block !== null && comment.loc.end <= block.loc.start ? block : null;
}

/** Keeps a comment inside the parentheses of a call without arguments. */
function keepInEmptyArguments(comment: PlacedComment, text: string): boolean {
  const call = comment.enclosingNode;
  if (call?.kind !== "Call" || call.args.length > 0) return false;
  if (!text.slice(call.callee.loc.end, comment.loc.start).includes("(")) {
    return false;
  }
  util.addDanglingComment(call, comment, undefined);
  return true;
}

/** Keeps an end-of-line comment that directly follows a `{` after the brace. */
function keepAfterBrace(comment: PlacedComment, text: string): boolean {
  const block = comment.enclosingNode;
  if (block?.kind !== "Block" || comment.precedingNode !== undefined) {
    return false;
  }
  const between = text.slice(block.loc.start + 1, comment.loc.start);
  if (between.trim() !== "") return false;
  util.addDanglingComment(block, comment, AFTER_BRACE);
  return true;
}

/**
 * Returns the innermost import, declaration or entry whose own tokens
 * surround the comment, or null when the comment sits between such nodes
 * (directly in a block or in the file) or inside a nested block.
 */
function lineStartOwner(ast: SpecFile, comment: Comment): Node | null {
  let owner: Node | null = null;
  let node: Node = ast;
  for (;;) {
    const child = childAround(node, comment);
    if (child === undefined) return owner;
    if (child.kind === "Block") owner = null;
    else if (LINE_START_KINDS.has(child.kind)) owner = child;
    node = child;
  }
}

function childAround(node: Node, comment: Comment): Node | undefined {
  for (const key of childKeys[node.kind]) {
    const value = (node as unknown as Record<string, unknown>)[key];
    for (const child of Array.isArray(value) ? value : [value]) {
      if (typeof child !== "object" || child === null) continue;
      const candidate = child as Node;
      if (
        candidate.loc.start <= comment.loc.start &&
        comment.loc.end <= candidate.loc.end
      ) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** The comment handlers of the printer. */
export const handleComments: Record<
  "ownLine" | "endOfLine" | "remaining",
  Handler
> = {
  ownLine: (comment, text, _options, ast) =>
    placeComment(comment, text, ast, true),
  endOfLine: (comment, text, _options, ast) =>
    placeComment(comment, text, ast, false),
  remaining: (comment, text, _options, ast) =>
    placeComment(comment, text, ast, false),
};
