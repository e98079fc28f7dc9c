/**
 * Diagnostic codes HMD1xxx: problems found while lexing (HMD10xx) and
 * parsing (HMD11xx) one file. Any of them stops the pipeline before checking.
 */

import type { CodeTable } from "./codes.js";

/** The HMD1xxx codes. */
export const syntaxCodes = {
  HMD1001: {
    severity: "error",
    title: "unexpected character",
    slug: "unexpected-character",
  },
  HMD1002: {
    severity: "error",
    title: "unterminated string",
    slug: "unterminated-string",
  },
  HMD1003: {
    severity: "error",
    title: "invalid escape sequence in a string",
    slug: "invalid-escape",
  },
  HMD1004: {
    severity: "error",
    title: "unterminated block comment",
    slug: "unterminated-block-comment",
  },
  HMD1005: {
    severity: "error",
    title: "invalid number",
    slug: "invalid-number",
  },
  HMD1006: {
    severity: "error",
    title: "string in single quotes",
    slug: "single-quoted-string",
  },
  HMD1101: {
    severity: "error",
    title: "unexpected token",
    slug: "unexpected-token",
  },
  HMD1102: {
    severity: "error",
    title: "unclosed delimiter",
    slug: "unclosed-delimiter",
  },
  HMD1103: {
    severity: "error",
    title: "reserved word used as a name",
    slug: "reserved-word",
  },
  HMD1104: {
    severity: "error",
    title: "entry without a value or a block",
    slug: "empty-entry",
  },
  HMD1105: {
    severity: "error",
    title: "comma after the last value",
    slug: "trailing-comma",
  },
  HMD1106: {
    severity: "error",
    title: "import after a declaration",
    slug: "late-import",
  },
  HMD1107: {
    severity: "error",
    title: "unmatched closing delimiter",
    slug: "unmatched-delimiter",
  },
  HMD1108: {
    severity: "error",
    title: "nesting too deep",
    slug: "nesting-too-deep",
  },
  HMD1109: {
    severity: "error",
    title: "too many syntax errors",
    slug: "too-many-errors",
  },
} as const satisfies CodeTable;

/** A code of this band. */
export type SyntaxCode = keyof typeof syntaxCodes;
