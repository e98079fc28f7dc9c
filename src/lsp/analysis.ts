import {
  checkFiles,
  compileModel,
  type CheckResult,
  type CompileModelResult,
} from "../compiler/index.js";
import { loadProgram, type Program } from "../compiler/program.js";
import type { Span } from "../diagnostics/span.js";
import type { Block, Identifier } from "../parser/ast.js";
import { parseSpec, type ParseResult } from "../parser/index.js";

/** One declared name that go to definition and completion know about. */
export interface DeclaredName {
  readonly name: string;
  /** `model`, `dataset`, ..., or `feature` and `group` inside a features block. */
  readonly kind: string;
  /** The absolute path of the file that declares it. */
  readonly file: string;
  readonly span: Span;
}

/**
 * The analysis of one open document at one version: its own parse (for
 * positions, even with syntax errors), the program of it and its imports,
 * and the compiler's diagnostics. Models are compiled on first use, for
 * hover.
 */
export class Analysis {
  readonly file: string;
  readonly version: number;
  readonly parsed: ParseResult;
  readonly program: Program;
  readonly check: CheckResult;
  private readonly compiled = new Map<string, Promise<CompileModelResult>>();
  private names: DeclaredName[] | undefined;

  private constructor(
    file: string,
    version: number,
    parsed: ParseResult,
    program: Program,
    check: CheckResult,
  ) {
    this.file = file;
    this.version = version;
    this.parsed = parsed;
    this.program = program;
    this.check = check;
  }

  /**
   * Analyzes `file` (an absolute path) with `text` as its content; imports
   * are read through the document overlay, so open documents win over disk.
   */
  static async run(
    file: string,
    version: number,
    text: string,
  ): Promise<Analysis> {
    const parsed = parseSpec(text, file);
    const program = await loadProgram([file], parseSpec);
    const check = await checkFiles([file]);
    return new Analysis(file, version, parsed, program, check);
  }

  /** The absolute paths of the document and every file it imports. */
  get files(): readonly string[] {
    return this.program.files;
  }

  /** Compiles one model of this document, once per analysis. */
  compile(model: string): Promise<CompileModelResult> {
    let pending = this.compiled.get(model);
    if (pending === undefined) {
      pending = compileModel(this.file, { model });
      this.compiled.set(model, pending);
    }
    return pending;
  }

  /** Every declaration, feature and group name of the program. */
  declaredNames(): readonly DeclaredName[] {
    this.names ??= collectNames(this.program);
    return this.names;
  }
}

function collectNames(program: Program): DeclaredName[] {
  const names: DeclaredName[] = [];
  for (const [kind, declarations] of Object.entries(program.declarations)) {
    for (const [name, ref] of declarations) {
      names.push({
        name,
        kind,
        file: ref.file,
        span: ref.declaration.name.loc,
      });
      if (kind === "features") {
        collectFeatures(ref.declaration.body, ref.file, names);
      }
    }
  }
  return names;
}

const FEATURE_KEYS = new Set(["categorical", "numeric", "multi"]);

function collectFeatures(
  block: Block,
  file: string,
  names: DeclaredName[],
): void {
  for (const entry of block.entries) {
    if (entry.kind !== "Entry") continue;
    const key = entry.key.name;
    if (FEATURE_KEYS.has(key) || key === "group") {
      for (const value of entry.values) {
        if (value.kind !== "Identifier") continue;
        names.push(nameOf(value, key === "group" ? "group" : "feature", file));
      }
    }
    if (entry.block !== null) collectFeatures(entry.block, file, names);
  }
}

function nameOf(
  identifier: Identifier,
  kind: string,
  file: string,
): DeclaredName {
  return { name: identifier.name, kind, file, span: identifier.loc };
}
