/** The result types of the compiler's entry points. */

import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source } from "../diagnostics/span.js";
import type { IrSpanTable, ModelIr } from "./ir.js";
import type { ReadText } from "./program.js";

/** The result of `compileModel`; `ir` is `null` when there are errors. */
export interface CompileModelResult {
  readonly ir: ModelIr | null;
  /** Sorted by file and position, without repeats. */
  readonly diagnostics: readonly Diagnostic[];
  /** Every loaded file by the path diagnostics use. */
  readonly sources: ReadonlyMap<string, Source>;
  /** IR node id -> spec span. */
  readonly spans: IrSpanTable;
}

/** Options of `compileModel`. */
export interface CompileModelOptions {
  /** The model to compile; required when the file declares several. */
  readonly model?: string;
  /** Read this CSV instead of the dataset's `source`. */
  readonly dataOverride?: string;
  /** Reads spec files; by default from disk. */
  readonly readText?: ReadText;
}
