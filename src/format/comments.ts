import { util } from "prettier";

import type { Comment, Node } from "../parser/ast.js";
import { AFTER_BRACE } from "./print.js";

/** What prettier passes to a comment handler, beyond the comment itself. */
interface PlacedComment extends Comment {
  enclosingNode?: Node;
  precedingNode?: Node;
  followingNode?: Node;
}

/** Every node can hold comments except a comment. */
export function canAttachComment(node: Node): boolean {
  return typeof node === "object" && node !== null && node.kind !== "Comment";
}

/** Tells prettier which comments are block comments, for their line breaks. */
export function isBlockComment(comment: Comment): boolean {
  return comment.block;
}

/**
 * Places end-of-line comments where prettier's defaults would move them.
 * An end-of-line comment that follows a block's `{` stays right there.
 * Prettier would make it a leading comment of the first entry and move it
 * to its own line; printBlock prints it after the brace instead.
 */
function handleEndOfLineComment(comment: PlacedComment, text: string): boolean {
  return keepAfterBrace(comment, text) || keepBeforeFirstValue(comment);
}

/**
 * Keeps an end-of-line comment between an entry's key and its first value
 * in front of that value, where prettier puts a comment on its own line
 * there. Otherwise the first pass would move an own-line comment up to the
 * key's line, and the second pass would then move it behind the values.
 */
function keepBeforeFirstValue(comment: PlacedComment): boolean {
  const entry = comment.enclosingNode;
  if (entry?.kind !== "Entry" || entry.values.length === 0) return false;
  if (comment.precedingNode !== entry.key) return false;
  if (comment.followingNode !== entry.values[0]) return false;
  util.addLeadingComment(entry.values[0], comment);
  return true;
}

function keepAfterBrace(comment: PlacedComment, text: string): boolean {
  const block = comment.enclosingNode;
  if (block?.kind !== "Block" || comment.precedingNode !== undefined) {
    return false;
  }
  if (block.entries.length === 0) return false;
  const between = text.slice(block.loc.start + 1, comment.loc.start);
  if (between.trim() !== "") return false;
  util.addDanglingComment(block, comment, AFTER_BRACE);
  return true;
}

/** The comment handlers of the printer. */
export const handleComments = {
  endOfLine: handleEndOfLineComment,
};
