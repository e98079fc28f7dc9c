/**
 * The compiler's public API, for the CLI, the runtime, the trainer and the
 * editor. Nothing here loads TensorFlow.js.
 */

import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source } from "../diagnostics/span.js";
import type { Declaration } from "../parser/ast.js";
import { parseSpec } from "../parser/index.js";
import { LoweringContext } from "./context.js";
import { checkBlock } from "./decode.js";
import { checkColumns, checkModelColumns, readHeader } from "./header.js";
import type { ExperimentIr, ModelIr } from "./ir.js";
import { lowerDataset, lowerFeatures } from "./lower-data.js";
import { lowerExperiment } from "./lower-experiment.js";
import { lowerModel } from "./lower-model.js";
import { chooseDeclaration } from "./choose.js";
import {
  loadProgram,
  mergedBody,
  type DeclarationRef,
  type ParseCache,
  type Program,
  type ReadText,
} from "./program.js";
import { DiagnosticSink, uniqueSorted } from "./sink.js";
import { datasetSignature, featuresSignature } from "./signatures.js";
import { assertValidIr } from "./validate-ir.js";

export {
  formatParams,
  inferShapes,
  totalOf,
  type BlockSummary,
  type ParamCount,
} from "./shapes.js";
export {
  validateIrText,
  brokenReferences,
  schemaErrors,
} from "./validate-ir.js";
export * from "./signatures.js";
export * from "./signature-types.js";
export type * from "./ir.js";
export type { ReadText } from "./program.js";

export { compileModel } from "../compile.js";
export type { CompileModelOptions, CompileModelResult } from "./results.js";

/** The result of `compileExperiment`; `ir` is `null` when there are errors. */
export interface CompileExperimentResult {
  readonly ir: ExperimentIr | null;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, Source>;
}

/** Options of `compileExperiment`. */
export interface CompileExperimentOptions {
  /** The experiment to compile; required when the file declares several. */
  readonly experiment?: string;
  /** Every run reads this CSV instead of its dataset's `source`. */
  readonly dataOverride?: string;
  /** Reads spec files; by default from disk. */
  readonly readText?: ReadText;
}

/**
 * Compiles one experiment of a spec file into IR, every run a full model.
 * Like `compileModel`, a readable CSV header checks every column name.
 */
export async function compileExperiment(
  specPath: string,
  options: CompileExperimentOptions = {},
): Promise<CompileExperimentResult> {
  const { readText } = options;
  const program = await loadProgram([specPath], parseSpec, new Map(), readText);
  const sink = new DiagnosticSink(program);
  const empty = { ir: null, sources: program.sources };
  if (program.halted) return { ...empty, diagnostics: sink.sorted() };
  const ref = chooseDeclaration(
    program,
    specPath,
    "experiment",
    options.experiment,
    sink.report,
  );
  if (ref === null) return { ...empty, diagnostics: sink.sorted() };
  const runs: [ModelIr, LoweringContext][] = [];
  const ir = lowerExperiment(program, ref, sink.report, {
    ...(options.dataOverride === undefined
      ? {}
      : { dataOverride: options.dataOverride }),
    onModel: (model, context) => runs.push([model, context]),
  });
  for (const [model, context] of runs) await checkModelColumns(model, context);
  if (ir === null || sink.errors > 0)
    return { ...empty, diagnostics: sink.sorted() };
  assertValidIr(ir);
  return { ir, diagnostics: sink.sorted(), sources: program.sources };
}

/** The result of `checkFiles`. */
export interface CheckResult {
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, Source>;
}

/**
 * Checks every declaration of every file and of every file they import,
 * each once, reporting each diagnostic in the file that wrote it. With
 * `data`, a dataset whose CSV cannot be read is an error; without it the
 * header is checked only when the file exists.
 */
export async function checkFiles(
  paths: readonly string[],
  options: { readonly data?: boolean; readonly readText?: ReadText } = {},
): Promise<CheckResult> {
  const cache: ParseCache = new Map();
  const sources = new Map<string, Source>();
  const all: Diagnostic[] = [];
  // Files shared by several roots come from the cache as the same AST, so
  // each declaration is checked once.
  const checked = new Set<Declaration>();
  for (const file of paths) {
    const program = await loadProgram(
      [file],
      parseSpec,
      cache,
      options.readText,
    );
    for (const [name, source] of program.sources) sources.set(name, source);
    const sink = new DiagnosticSink(program);
    const declarations = program.halted
      ? []
      : program.files.flatMap(
          (name) => program.declarationsByFile.get(name) ?? [],
        );
    for (const declaration of declarations) {
      if (checked.has(declaration)) continue;
      checked.add(declaration);
      const ref = program.declarations[declaration.keyword].get(
        declaration.name.name,
      );
      if (ref === undefined || ref.declaration !== declaration) continue;
      await checkDeclaration(program, ref, sink, options.data === true);
    }
    all.push(...sink.sorted());
  }
  return { diagnostics: uniqueSorted(all), sources };
}

async function checkDeclaration(
  program: Program,
  ref: DeclarationRef,
  sink: DiagnosticSink,
  data: boolean,
): Promise<void> {
  const name = ref.declaration.name.name;
  const declared = { file: ref.file, span: ref.declaration.name.loc };
  const context = new LoweringContext(sink.report);
  const body = mergedBody(program, ref, context.report);
  if (ref.declaration.keyword === "experiment") {
    const runs: [ModelIr, LoweringContext][] = [];
    lowerExperiment(program, ref, sink.report, {
      onModel: (model, modelContext) => runs.push([model, modelContext]),
    });
    for (const [model, modelContext] of runs) {
      await checkModelColumns(model, modelContext);
    }
    return;
  }
  if (body === null) return;
  switch (ref.declaration.keyword) {
    case "features":
      lowerFeatures(
        checkBlock(
          body,
          featuresSignature,
          { ...declared, what: `features \`${name}\`` },
          context.report,
        ),
        context,
      );
      return;
    case "dataset": {
      const block = checkBlock(
        body,
        datasetSignature,
        { ...declared, what: `dataset \`${name}\`` },
        context.report,
      );
      const dataset = lowerDataset(name, block, declared, context);
      await checkHeader(
        dataset.source.path,
        dataset.source.delimiter,
        context,
        data,
        block.entries.get("source"),
      );
      return;
    }
    case "model": {
      const ir = lowerModel(program, name, body, declared, context);
      if (ir !== null)
        await checkHeader(
          ir.dataset.source.path,
          ir.dataset.source.delimiter,
          context,
          false,
        );
      return;
    }
  }
}

async function checkHeader(
  csvPath: string,
  delimiter: string,
  context: LoweringContext,
  required: boolean,
  source?: {
    entry: { file: string; keyLoc: { start: number; end: number } };
    decoded: { loc: { start: number; end: number } } | null;
  },
): Promise<void> {
  const header = await readHeader(csvPath, delimiter);
  if (header !== null) {
    checkColumns(
      context.columns,
      header,
      csvPath,
      context.report,
      context.sourcePlace,
    );
    return;
  }
  if (!required || source === undefined) return;
  context.report(
    diagnostic("HMD2033", {
      file: source.entry.file,
      span: source.decoded?.loc ?? source.entry.keyLoc,
      message: `cannot read the CSV file \`${csvPath}\``,
      label: "no readable file here",
      help: "check the path (it is relative to this spec file), or run `check` without `--data`",
    }),
  );
}
