/**
 * Diagnostic codes HMD4xxx. Filled by the data and runtime engineer.
 * See `codes.ts` for the rules every entry follows: a lowercase title with
 * no final period, and a docs page per code.
 */

import type { CodeTable } from "./codes.js";

/** The HMD4xxx codes. */
export const dataCodes = {} as const satisfies CodeTable;

/** A code of this band. */
export type DataCode = keyof typeof dataCodes;
