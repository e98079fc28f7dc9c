/**
 * The compile pipeline for one model: parse (with imports) -> check and
 * lower -> validate the IR. Syntax errors stop it before checking; IR that
 * fails the schema is a compiler bug, so `assertValidIr` throws.
 */

import { chooseDeclaration } from "./compiler/choose.js";
import { LoweringContext } from "./compiler/context.js";
import { checkModelColumns } from "./compiler/header.js";
import { lowerModelDeclaration } from "./compiler/lower-model.js";
import { loadProgram } from "./compiler/program.js";
import type {
  CompileModelOptions,
  CompileModelResult,
} from "./compiler/results.js";
import { DiagnosticSink } from "./compiler/sink.js";
import { assertValidIr } from "./compiler/validate-ir.js";
import { parseSpec } from "./parser/index.js";

/** Compiles one model; a readable CSV header checks every column name. */
export async function compileModel(
  specPath: string,
  options: CompileModelOptions = {},
): Promise<CompileModelResult> {
  const { readText } = options;
  const program = await loadProgram([specPath], parseSpec, new Map(), readText);
  const sink = new DiagnosticSink(program);
  const result = (ir: CompileModelResult["ir"], spans = {}) => ({
    ir,
    diagnostics: sink.sorted(),
    sources: program.sources,
    spans,
  });
  if (program.halted) return result(null);

  const { model } = options;
  const ref = chooseDeclaration(program, specPath, "model", model, sink.report);
  if (ref === null) return result(null);

  const context = new LoweringContext(sink.report);
  const ir = lowerModelDeclaration(program, ref, context, options);
  if (ir !== null) await checkModelColumns(ir, context);
  if (ir === null || context.errors > 0) return result(null);

  assertValidIr(ir);
  return result(ir, context.spanTable());
}
