/**
 * Diagnostic codes HMD2xxx: problems the checker finds in a parsed spec
 * (imports, names, block keys and values, references between blocks). See
 * `codes.ts` for the rules every entry follows (lowercase title, no final
 * period, a docs page per code).
 */

import type { CodeTable } from "./codes.js";

/** The HMD2xxx codes. */
export const checkCodes = {
  HMD2001: {
    severity: "error",
    title: "imported file not found",
    slug: "import-not-found",
  },
  HMD2002: { severity: "error", title: "import cycle", slug: "import-cycle" },
  HMD2003: {
    severity: "error",
    title: "unknown feature or group",
    slug: "unknown-feature",
  },
  HMD2004: {
    severity: "error",
    title: "unknown declaration",
    slug: "unknown-declaration",
  },
  HMD2005: {
    severity: "error",
    title: "duplicate declaration",
    slug: "duplicate-declaration",
  },
  HMD2006: { severity: "error", title: "extends cycle", slug: "extends-cycle" },
  HMD2010: { severity: "error", title: "unknown key", slug: "unknown-key" },
  HMD2011: {
    severity: "error",
    title: "key in the wrong block",
    slug: "misplaced-key",
  },
  HMD2012: { severity: "error", title: "duplicate key", slug: "duplicate-key" },
  HMD2013: {
    severity: "error",
    title: "value of the wrong type",
    slug: "wrong-type",
  },
  HMD2014: {
    severity: "error",
    title: "value out of range",
    slug: "out-of-range",
  },
  HMD2015: {
    severity: "error",
    title: "missing required key",
    slug: "missing-key",
  },
  HMD2016: {
    severity: "error",
    title: "wrong number of values",
    slug: "value-count",
  },
  HMD2017: {
    severity: "error",
    title: "unknown option",
    slug: "unknown-option",
  },
  HMD2018: {
    severity: "error",
    title: "invalid call argument",
    slug: "bad-argument",
  },
  HMD2019: {
    severity: "error",
    title: "block missing or not allowed",
    slug: "block-shape",
  },
  HMD2020: {
    severity: "error",
    title: "duplicate name in a block",
    slug: "duplicate-name",
  },
  HMD2021: {
    severity: "error",
    title: "split fractions leave no training rows",
    slug: "split-sum",
  },
  HMD2022: {
    severity: "error",
    title: "column not in the CSV header",
    slug: "unknown-column",
  },
  HMD2023: {
    severity: "warning",
    title: "unused feature",
    slug: "unused-feature",
  },
  HMD2024: {
    severity: "error",
    title: "shared table settings disagree",
    slug: "shared-table-conflict",
  },
  HMD2025: {
    severity: "error",
    title: "tasks share a label",
    slug: "duplicate-label",
  },
  HMD2026: {
    severity: "error",
    title: "label column used as a feature",
    slug: "label-leak",
  },
  HMD2027: {
    severity: "error",
    title: "hierarchy use not supported by the backbone",
    slug: "hierarchy-use",
  },
  HMD2028: {
    severity: "error",
    title: "hierarchy use without a hierarchy",
    slug: "hierarchy-missing",
  },
  HMD2029: {
    severity: "error",
    title: "invalid vary path",
    slug: "vary-path",
  },
  HMD2031: {
    severity: "error",
    title: "model not chosen",
    slug: "model-choice",
  },
  HMD2032: {
    severity: "error",
    title: "experiment has nothing to run",
    slug: "empty-experiment",
  },
  HMD2033: {
    severity: "error",
    title: "CSV file not readable",
    slug: "csv-unreadable",
  },
  HMD2034: { severity: "warning", title: "empty group", slug: "empty-group" },
  HMD2035: {
    severity: "error",
    title: "scenario column required",
    slug: "scenario-required",
  },
  HMD2036: {
    severity: "error",
    title: "empty feature list",
    slug: "empty-feature-list",
  },
  HMD2039: {
    severity: "error",
    title: "conflicting keys",
    slug: "conflicting-keys",
  },
} as const satisfies CodeTable;

/** A code of this band. */
export type CheckCode = keyof typeof checkCodes;
