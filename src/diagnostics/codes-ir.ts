/**
 * Diagnostic codes HMD3xxx: problems in an IR file a user hands in (for
 * example `hmdnc train run.ir.json`). IR that hmdnc produced itself and
 * that fails validation is an internal error, never one of these. See
 * `codes.ts` for the rules every entry follows.
 */

import type { CodeTable } from "./codes.js";

/** The HMD3xxx codes. */
export const irCodes = {
  HMD3001: { severity: "error", title: "IR file is not JSON", slug: "ir-json" },
  HMD3002: {
    severity: "error",
    title: "IR does not match the schema",
    slug: "ir-schema",
  },
  HMD3003: {
    severity: "error",
    title: "unsupported IR version",
    slug: "ir-version",
  },
  HMD3004: {
    severity: "error",
    title: "IR reference does not resolve",
    slug: "ir-reference",
  },
} as const satisfies CodeTable;

/** A code of this band. */
export type IrCode = keyof typeof irCodes;
