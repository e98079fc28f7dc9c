/**
 * The prettier plugin for `.hmdn` files. Prettier loads it with
 * `prettier --plugin ./dist/format/plugin.js file.hmdn`, and `hmdnc fmt`
 * and the language server call it through `format.ts`.
 */

import type { Plugin, Printer, SupportLanguage } from "prettier";

import { childKeys, type Node } from "../parser/ast.js";
import {
  canAttachComment,
  handleComments,
  isBlockComment,
} from "./comments.js";
import { AST_FORMAT, hmdnParser } from "./parse.js";
import { printComment, printNode, willPrintOwnComments } from "./print.js";

/** The `.hmdn` language as prettier lists it. */
export const languages: SupportLanguage[] = [
  {
    name: "HMDN",
    parsers: ["hmdn"],
    extensions: [".hmdn"],
    vscodeLanguageIds: ["hmdn"],
  },
];

/** The parser of `.hmdn` text. */
export const parsers = { hmdn: hmdnParser };

// `isGap` is read by prettier's comment attachment but missing from its
// Printer type (prettier 3.6.2).
const printer: Printer<Node> & { isGap(gap: string): boolean } = {
  print: printNode,
  printComment: (path) => printComment(path as never),
  willPrintOwnComments,
  // Only white space separates a comment from the node it leads. Prettier's
  // default also skips `(`, which would move a comment written before a
  // call's `(` into its arguments on the next run.
  isGap: (gap: string) => /^\s*$/.test(gap),
  canAttachComment,
  isBlockComment: (comment) => isBlockComment(comment as never),
  handleComments: handleComments as Printer<Node>["handleComments"],
  // Prettier only reads the array, so the readonly table can be shared.
  getVisitorKeys: (node) => childKeys[node.kind] as string[],
};

/** The printer of the `hmdn` AST format. */
export const printers = { [AST_FORMAT]: printer };

/** The plugin object, for callers that pass it to prettier's API. */
const plugin: Plugin<Node> = { languages, parsers, printers };
export default plugin;
