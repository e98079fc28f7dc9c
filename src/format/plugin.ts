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
import { printComment, printNode } from "./print.js";

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

const printer: Printer<Node> = {
  print: printNode,
  printComment: (path) => printComment(path as never),
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
