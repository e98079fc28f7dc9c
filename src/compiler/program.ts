/**
 * Program loading: reads a spec and everything it imports, and builds one
 * namespace per declaration kind. Import paths are relative to the
 * importing file unless absolute. A missing file is reported at the import
 * string, and a cycle at the import that closes it.
 */

import { readFile, stat } from "node:fs/promises";
import path from "node:path";

import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean, suggestSimilar } from "../diagnostics/did-you-mean.js";
import type { Source, Span } from "../diagnostics/span.js";
import type {
  Declaration,
  DeclarationKeyword,
  Identifier,
  SpecFile,
} from "../parser/ast.js";
import { markPartial, mergeBlocks, toTree, type TreeBlock } from "./tree.js";

/** The parser's entry point, injected so tests can substitute it. */
export type ParseFunction = (
  text: string,
  path: string,
) => {
  readonly ast: SpecFile | null;
  readonly diagnostics: readonly Diagnostic[];
  readonly source: Source;
};

/** One declaration and the file that contains it. */
export interface DeclarationRef {
  readonly declaration: Declaration;
  /** The file path as diagnostics show it. */
  readonly file: string;
}

/** Every file reachable from the roots, and every declaration in them. */
export interface Program {
  readonly roots: readonly string[];
  /** Display path of each file, in load order (imports first). */
  readonly files: readonly string[];
  readonly sources: Map<string, Source>;
  readonly declarations: Readonly<
    Record<DeclarationKeyword, Map<string, DeclarationRef>>
  >;
  /** The declarations of each root file, by display path. */
  readonly declarationsByFile: ReadonlyMap<string, readonly Declaration[]>;
  readonly diagnostics: Diagnostic[];
  /** True when a root file is missing or a file has syntax errors; checking then stops. */
  readonly halted: boolean;
  /** True when an import was missing: declarations may lack what it held. */
  readonly incomplete: boolean;
}

/** Reads a spec file's text; an editor passes one that serves unsaved documents. */
export type ReadText = (absolutePath: string) => Promise<string>;

/** Reads from disk, looking `readFile` up at each call. */
const readFromDisk: ReadText = (absolutePath) => readFile(absolutePath, "utf8");

/** A cache of parsed files shared by the programs of one command. */
export type ParseCache = Map<string, Promise<ParsedFile | null>>;

interface ParsedFile {
  readonly display: string;
  readonly ast: SpecFile | null;
  readonly diagnostics: readonly Diagnostic[];
  readonly source: Source;
}

/** Loads `roots` and their imports into one program. */
export async function loadProgram(
  roots: readonly string[],
  parse: ParseFunction,
  cache: ParseCache = new Map(),
  readText: ReadText = readFromDisk,
): Promise<Program> {
  const loader: Loader = { parse, cache, readText };
  const program: Program = {
    roots,
    files: [],
    sources: new Map(),
    declarations: {
      dataset: new Map(),
      features: new Map(),
      model: new Map(),
      experiment: new Map(),
    },
    declarationsByFile: new Map(),
    diagnostics: [],
    halted: false,
    incomplete: false,
  };
  const state = { done: new Set<string>(), stack: [] as string[] };
  for (const root of roots) {
    const parsed = await parseCached(root, root, loader);
    if (parsed === null) {
      const isDirectory = await stat(root).then(
        (info) => info.isDirectory(),
        () => false,
      );
      program.diagnostics.push(
        diagnostic("HMD2001", {
          file: root,
          span: { start: 0, end: 0 },
          message: isDirectory
            ? `\`${root}\` is a directory, not a spec file`
            : `spec file \`${root}\` not found`,
          help: isDirectory ? "name a .hmdn file inside it" : "check the path",
        }),
      );
      (program as { halted: boolean }).halted = true;
      continue;
    }
    await visit(parsed, program, state, loader);
  }
  return program;
}

interface Loader {
  readonly parse: ParseFunction;
  readonly cache: ParseCache;
  readonly readText: ReadText;
}

async function parseCached(
  absoluteKey: string,
  display: string,
  loader: Loader,
): Promise<ParsedFile | null> {
  const key = path.resolve(absoluteKey);
  let pending = loader.cache.get(key);
  if (pending === undefined) {
    pending = loader.readText(key).then(
      (text) => ({ display, ...loader.parse(text, display) }),
      () => null,
    );
    loader.cache.set(key, pending);
  }
  return pending;
}

async function visit(
  parsed: ParsedFile,
  program: Program,
  state: { done: Set<string>; stack: string[] },
  loader: Loader,
): Promise<void> {
  const key = path.resolve(parsed.display);
  if (state.done.has(key)) return;
  state.done.add(key);
  state.stack.push(key);
  program.sources.set(parsed.display, parsed.source);
  // A loop, not push(...list): a file of junk can carry too many
  // diagnostics for one call's arguments.
  for (const item of parsed.diagnostics) program.diagnostics.push(item);
  if (parsed.diagnostics.some((item) => item.severity === "error")) {
    (program as { halted: boolean }).halted = true;
  }
  const ast = parsed.ast;
  if (ast !== null) {
    for (const item of ast.imports) {
      const written = item.path.value;
      const target = path.isAbsolute(written)
        ? path.normalize(written)
        : path.join(path.dirname(parsed.display), written);
      const targetKey = path.resolve(target);
      const cycleStart = state.stack.indexOf(targetKey);
      if (cycleStart >= 0) {
        const cycle = [...state.stack.slice(cycleStart), targetKey].map(
          (file) => path.relative(process.cwd(), file) || file,
        );
        program.diagnostics.push(
          diagnostic("HMD2002", {
            file: parsed.display,
            span: item.path.loc,
            message: `import cycle: ${cycle.map((file) => `\`${file}\``).join(" -> ")}`,
            label: "this import closes the cycle",
            help: "move the shared declarations into a file both can import",
          }),
        );
        continue;
      }
      const child = await parseCached(targetKey, target, loader);
      if (child === null) {
        (program as { incomplete: boolean }).incomplete = true;
        program.diagnostics.push(
          diagnostic("HMD2001", {
            file: parsed.display,
            span: item.path.loc,
            message: `imported file \`${target}\` not found`,
            label: "no such file",
            help: path.isAbsolute(written)
              ? "check the path"
              : "import paths are relative to the importing file",
          }),
        );
        continue;
      }
      await visit(child, program, state, loader);
    }
    for (const declaration of ast.declarations) {
      declare(program, declaration, parsed.display);
    }
    (program.declarationsByFile as Map<string, readonly Declaration[]>).set(
      parsed.display,
      ast.declarations,
    );
  }
  (program.files as string[]).push(parsed.display);
  state.stack.pop();
}

function declare(
  program: Program,
  declaration: Declaration,
  file: string,
): void {
  const table = program.declarations[declaration.keyword];
  const previous = table.get(declaration.name.name);
  if (previous !== undefined) {
    program.diagnostics.push(
      diagnostic("HMD2005", {
        file,
        span: declaration.name.loc,
        message: `${declaration.keyword} \`${declaration.name.name}\` is declared twice`,
        label: "declared again here",
        labels: [
          {
            file: previous.file,
            span: previous.declaration.name.loc,
            text: "first declared here",
          },
        ],
        help: `rename one of the two ${declaration.keyword} declarations`,
      }),
    );
    return;
  }
  table.set(declaration.name.name, { declaration, file });
}

/** Looks up a declaration, reporting an unknown name with suggestions. */
export function resolveDeclaration(
  program: Program,
  keyword: DeclarationKeyword,
  name: string,
  at: { file: string; span: Span },
  report: (item: Diagnostic) => void,
): DeclarationRef | null {
  const found = program.declarations[keyword].get(name);
  if (found !== undefined) return found;
  const candidates = [...program.declarations[keyword].keys()];
  const otherKind = (
    ["dataset", "features", "model", "experiment"] as const
  ).find((other) => other !== keyword && program.declarations[other].has(name));
  const known =
    candidates.length === 0
      ? `declare it with \`${keyword} ${name} { .. }\` or import the file that does`
      : `the declared ${keyword === "features" ? "features blocks" : `${keyword}s`} are ${candidates
          .slice(0, 5)
          .map((candidate) => `\`${candidate}\``)
          .join(", ")}`;
  report(
    diagnostic("HMD2004", {
      file: at.file,
      span: at.span,
      message: `unknown ${keyword} \`${name}\``,
      label: `no ${keyword} of this name`,
      help: didYouMean(suggestSimilar(name, candidates)) ?? known,
      ...(otherKind === undefined
        ? {}
        : { notes: [`\`${name}\` is declared, but as a ${otherKind}`] }),
    }),
  );
  return null;
}

/**
 * Returns a declaration's body with its `extends` chain merged in, parent
 * first. An unknown parent is reported, and the body is returned as far as
 * it merged, marked partial (as is every body when an import is missing). A cycle is reported and gives `null`, so the declaration is
 * not checked further.
 */
export function mergedBody(
  program: Program,
  ref: DeclarationRef,
  report: (item: Diagnostic) => void,
): TreeBlock | null {
  const chain: DeclarationRef[] = [ref];
  let complete = !program.incomplete;
  let current = ref;
  while (current.declaration.extends !== null) {
    const parentName: Identifier = current.declaration.extends;
    const parent = resolveDeclaration(
      program,
      current.declaration.keyword,
      parentName.name,
      { file: current.file, span: parentName.loc },
      report,
    );
    if (parent === null) {
      complete = false;
      break;
    }
    if (chain.includes(parent)) {
      reportCycle(chain.slice(chain.indexOf(parent)), report);
      return null;
    }
    chain.push(parent);
    current = parent;
  }
  let body = toTree(
    chain[chain.length - 1].declaration.body,
    chain[chain.length - 1].file,
  );
  for (let index = chain.length - 2; index >= 0; index--) {
    body = mergeBlocks(
      body,
      toTree(chain[index].declaration.body, chain[index].file),
    );
  }
  return complete ? body : markPartial(body);
}

/**
 * Reports an `extends` cycle once, however many of its members are checked:
 * always at the member declared last, listing the cycle from there.
 */
function reportCycle(
  members: readonly DeclarationRef[],
  report: (item: Diagnostic) => void,
): void {
  let last = 0;
  members.forEach((member, index) => {
    const best = members[last];
    const later =
      member.file > best.file ||
      (member.file === best.file &&
        member.declaration.loc.start > best.declaration.loc.start);
    if (later) last = index;
  });
  const ordered = [...members.slice(last), ...members.slice(0, last)];
  const names = [...ordered, ordered[0]].map(
    (member) => `\`${member.declaration.name.name}\``,
  );
  const closing = ordered[0];
  report(
    diagnostic("HMD2006", {
      file: closing.file,
      span: closing.declaration.extends?.loc ?? closing.declaration.name.loc,
      message: `\`extends\` cycle: ${names.join(" extends ")}`,
      label: "this `extends` closes the cycle",
      help: "remove one `extends` of the cycle",
    }),
  );
}
