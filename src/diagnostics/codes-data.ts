/**
 * Diagnostic codes HMD4xxx: problems in data files (CSV input, saved
 * preprocessing, synthetic-data options). See `codes.ts` for the rules
 * every entry follows: a lowercase title with no final period, and a docs
 * page per code.
 */

import type { CodeTable } from "./codes.js";

/** The HMD4xxx codes. */
export const dataCodes = {
  HMD4001: {
    severity: "error",
    title: "data file cannot be read",
    slug: "data-file-unreadable",
  },
  HMD4002: {
    severity: "error",
    title: "unterminated quoted field",
    slug: "unterminated-quoted-field",
  },
  HMD4003: {
    severity: "error",
    title: "unexpected character after a closing quote",
    slug: "character-after-closing-quote",
  },
  HMD4004: {
    severity: "error",
    title: "wrong number of fields in a row",
    slug: "wrong-field-count",
  },
  HMD4005: {
    severity: "error",
    title: "invalid number in a numeric column",
    slug: "invalid-number-field",
  },
  HMD4006: {
    severity: "error",
    title: "invalid label value",
    slug: "invalid-label",
  },
  HMD4007: {
    severity: "error",
    title: "missing value where the feature forbids it",
    slug: "forbidden-missing-value",
  },
  HMD4008: {
    severity: "error",
    title: "column not found in the header",
    slug: "unknown-column",
  },
  HMD4009: {
    severity: "error",
    title: "duplicate column name in the header",
    slug: "duplicate-column",
  },
  HMD4010: {
    severity: "error",
    title: "data file has no header row",
    slug: "missing-header",
  },
  HMD4011: {
    severity: "error",
    title: "training split is empty",
    slug: "empty-training-split",
  },
  HMD4012: {
    severity: "error",
    title: "invalid preprocessing file",
    slug: "invalid-preprocessing",
  },
  HMD4013: {
    severity: "error",
    title: "preprocessing does not match the model",
    slug: "preprocessing-mismatch",
  },
  HMD4014: {
    severity: "error",
    title: "invalid data or synthetic-data option",
    slug: "invalid-data-option",
  },
} as const satisfies CodeTable;

/** A code of this band. */
export type DataCode = keyof typeof dataCodes;
