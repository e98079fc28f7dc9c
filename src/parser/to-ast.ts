/**
 * Builds the AST from Chevrotain's CST. This is the only module that reads
 * CST types; code outside `src/parser` uses `ast.ts` only.
 *
 * The CST may be partial after error recovery: children can be missing and
 * tokens inserted by recovery have no position. The builder keeps what is
 * complete enough to carry a real span and drops the rest (a declaration
 * without a name or body, a `vary` without a list, an argument without a
 * value), so every AST node has a non-empty span inside its parent. The
 * syntax error that made the node incomplete has already been reported.
 */

import type { CstNode, IToken } from "chevrotain";
import { chevrotain } from "./chevrotain.js";
import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Source, Span } from "../diagnostics/span.js";
import type * as Ast from "./ast.js";
import type * as Cst from "./cst.js";
import { decodeString, numberValue } from "./lexer.js";
import { NAMED_THING } from "./messages.js";
import { describeStray } from "./stray-messages.js";
import { KeyKeyword, LineComment } from "./tokens.js";

const { tokenMatcher } = chevrotain;

/** The inputs of the AST builder besides the CST. */
export interface BuildInput {
  readonly source: Source;
  /** The tokens the parser read, in order. */
  readonly tokens: readonly IToken[];
  readonly comments: readonly IToken[];
  /** Offsets where syntax errors were reported, to avoid a second report. */
  readonly errorOffsets: ReadonlySet<number>;
}

/** The AST, the diagnostics found while building it, and block owners for messages. */
export interface BuildResult {
  readonly ast: Ast.SpecFile;
  readonly diagnostics: Diagnostic[];
  /** Diagnostics for stray tokens in blocks, which are syntax errors like the parser's. */
  readonly strayDiagnostics: Diagnostic[];
  /** "model `mmoe`" or "`task click`", keyed by the offset of the block's `{`. */
  readonly blockOwners: Map<number, string>;
}

/** Builds the AST of a file from the CST of its `file` rule. */
export function buildAst(cst: CstNode, input: BuildInput): BuildResult {
  return new AstBuilder(input).file(cst as Cst.FileCstNode);
}

class AstBuilder {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly strayDiagnostics: Diagnostic[] = [];
  private readonly blockOwners = new Map<number, string>();
  /** Offsets where a reported run of stray tokens starts. */
  private readonly strayOffsets = new Set<number>();

  constructor(private readonly input: BuildInput) {}

  file(cst: Cst.FileCstNode): BuildResult {
    const imports = present(
      (cst.children.import ?? []).map((node) => this.import(node)),
    );
    const declarations = present(
      (cst.children.declaration ?? []).map((node) => this.declaration(node)),
    );
    this.reportLateImports(imports, declarations);
    const comments = this.input.comments.map(
      (token): Ast.Comment => ({
        kind: "Comment",
        loc: tokenSpan(token),
        text: token.image,
        block: token.tokenType !== LineComment,
      }),
    );
    const ast: Ast.SpecFile = {
      kind: "SpecFile",
      loc: this.input.source.wholeFile,
      imports,
      declarations,
      comments,
    };
    return {
      ast,
      diagnostics: this.diagnostics,
      strayDiagnostics: this.strayDiagnostics,
      blockOwners: this.blockOwners,
    };
  }

  private import(cst: Cst.ImportCstNode): Ast.Import | undefined {
    const keyword = real(cst.children.Import);
    const path = real(cst.children.StringLiteral);
    if (keyword === undefined || path === undefined) return undefined;
    return {
      kind: "Import",
      loc: join(tokenSpan(keyword), tokenSpan(path)),
      path: this.string(path),
    };
  }

  private reportLateImports(
    imports: readonly Ast.Import[],
    declarations: readonly Ast.Declaration[],
  ): void {
    const first = declarations[0];
    if (first === undefined) return;
    for (const item of imports) {
      if (item.loc.start < first.loc.start) continue;
      if (this.input.errorOffsets.has(item.loc.start)) continue;
      this.diagnostics.push(
        diagnostic("HMD1106", {
          file: this.input.source.path,
          span: item.loc,
          message: `import of \`${item.path.value}\` after a declaration`,
          labels: [
            {
              file: this.input.source.path,
              span: first.keywordLoc,
              text: "the first declaration is here",
            },
          ],
          help: "move every import to the top of the file, before the first declaration",
        }),
      );
    }
  }

  private declaration(
    cst: Cst.DeclarationCstNode,
  ): Ast.Declaration | undefined {
    const children = cst.children;
    const keywordToken = real(
      children.Dataset ??
        children.Features ??
        children.Model ??
        children.Experiment,
    );
    if (keywordToken === undefined) return undefined;
    const keyword = keywordToken.image as Ast.DeclarationKeyword;
    const name = this.name(children.name?.[0], NAMED_THING[keyword]);
    const base = this.name(children.base?.[0], NAMED_THING[keyword]);
    const owner = name === undefined ? keyword : `${keyword} \`${name.name}\``;
    const body = this.block(children.block?.[0], owner);
    if (name === undefined || body === undefined) return undefined;
    return {
      kind: "Declaration",
      loc: join(tokenSpan(keywordToken), body.loc),
      keyword,
      keywordLoc: tokenSpan(keywordToken),
      name,
      extends: base ?? null,
      body,
    };
  }

  /** A declared or referenced name; a reserved word is kept and reported. */
  private name(
    cst: Cst.NameCstNode | undefined,
    namedThing: string | undefined,
  ): Ast.Identifier | undefined {
    if (cst === undefined) return undefined;
    const token = real(cst.children.Identifier ?? cst.children.KeyKeyword);
    if (token === undefined) return undefined;
    if (namedThing !== undefined && tokenMatcher(token, KeyKeyword)) {
      this.reportReservedName(identifier(token), namedThing);
    }
    return identifier(token);
  }

  private reportReservedName(word: Ast.Identifier, namedThing: string): void {
    this.diagnostics.push(
      diagnostic("HMD1103", {
        file: this.input.source.path,
        span: word.loc,
        message: `\`${word.name}\` is a reserved word and cannot name ${namedThing}`,
        help: `rename it, for example \`${word.name}_\``,
      }),
    );
  }

  private block(
    cst: Cst.BlockCstNode | undefined,
    owner: string,
  ): Ast.Block | undefined {
    if (cst === undefined) return undefined;
    const open = real(cst.children.LCurly);
    if (open === undefined) return undefined;
    this.blockOwners.set(open.startOffset, owner);
    const entries: (Ast.Entry | Ast.Vary)[] = present([
      ...(cst.children.entry ?? []).map((node) => this.entry(node)),
      ...(cst.children.vary ?? []).map((node) => this.vary(node)),
    ]).sort((a, b) => a.loc.start - b.loc.start);
    for (const node of cst.children.stray ?? []) {
      this.reportStray(node, owner, entries);
    }
    for (const node of cst.children.keylessBlock ?? []) {
      this.reportKeylessBlock(node, owner);
    }
    this.reportEmptyEntries(entries);
    const close = real(cst.children.RCurly);
    const end = close !== undefined ? tokenSpan(close) : entries.at(-1)?.loc;
    return {
      kind: "Block",
      loc: end === undefined ? tokenSpan(open) : join(tokenSpan(open), end),
      entries,
    };
  }

  private entry(cst: Cst.EntryCstNode): Ast.Entry | undefined {
    const keyToken = real(cst.children.key?.[0]?.children.EntryKey);
    if (keyToken === undefined) return undefined;
    const key = identifier(keyToken);
    const reserved = cst.children.reservedValue?.[0];
    const values: Ast.Value[] = present([
      reserved === undefined
        ? undefined
        : this.reservedValue(reserved, keyToken),
      ...(cst.children.value ?? []).map((node) => this.value(node)),
    ]).sort((a, b) => a.loc.start - b.loc.start);
    const owner = ownerOfEntry(key, values);
    const block = this.block(cst.children.block?.[0], owner) ?? null;
    const last = block?.loc ?? values.at(-1)?.loc ?? key.loc;
    return { kind: "Entry", loc: join(key.loc, last), key, values, block };
  }

  /** The first value after a naming key when it starts with a reserved word. */
  private reservedValue(
    cst: Cst.PathCstNode,
    keyToken: IToken,
  ): Ast.Value | undefined {
    const path = this.path(cst);
    const first = path?.kind === "Path" ? path.segments[0] : path;
    if (first !== undefined) {
      this.reportReservedName(first, NAMED_THING[keyToken.image] ?? "a value");
    }
    return path;
  }

  private reportStray(
    cst: Cst.StrayCstNode,
    owner: string,
    entries: readonly (Ast.Entry | Ast.Vary)[],
  ): void {
    const children = cst.children;
    const tokens = [
      ...(children.Stray ?? []),
      ...(children.EntryKey ?? []),
      ...(children.Vary ?? []),
    ]
      .filter((token) => real([token]) !== undefined)
      .sort((a, b) => a.startOffset - b.startOffset);
    const first = tokens[0];
    if (first === undefined) return;
    this.strayOffsets.add(first.startOffset);
    const before = this.tokenBefore(first.startOffset);
    const previous = entries.find(
      (entry) =>
        before !== undefined && entry.loc.end === tokenSpan(before).end,
    );
    this.strayDiagnostics.push(
      describeStray({ file: this.input.source.path, tokens, owner, previous }),
    );
  }

  /** Reports a nested block without a key; its entries are checked but left out of the AST. */
  private reportKeylessBlock(cst: Cst.BlockCstNode, owner: string): void {
    const open = real(cst.children.LCurly);
    if (open === undefined) return;
    this.block(cst, `the keyless entry at ${this.position(open.startOffset)}`);
    this.strayDiagnostics.push(
      diagnostic("HMD1101", {
        file: this.input.source.path,
        span: tokenSpan(open),
        message: `expected a key before \`{\` in the block of ${owner}`,
        label: "this block has no key",
        help: "write the key of the entry before the block, as in `train { ... }`",
      }),
    );
  }

  private position(offset: number): string {
    const { line, column } = this.input.source.lineColumn(offset);
    return `${line}:${column}`;
  }

  /** Reports entries with neither values nor a block, unless a syntax error is already there. */
  private reportEmptyEntries(entries: readonly (Ast.Entry | Ast.Vary)[]): void {
    entries.forEach((entry, index) => {
      if (
        entry.kind !== "Entry" ||
        entry.values.length > 0 ||
        entry.block !== null
      )
        return;
      const next = this.tokenAfter(entry.key.loc.end);
      const nextOffset = next?.startOffset ?? entry.key.loc.end;
      if (this.input.errorOffsets.has(nextOffset)) return;
      if (this.strayOffsets.has(nextOffset)) return;
      if (this.input.errorOffsets.has(entry.key.loc.start)) return;
      const previous = entries[index - 1];
      this.diagnostics.push(
        diagnostic("HMD1104", {
          file: this.input.source.path,
          span: entry.key.loc,
          message: `expected a value or a block after \`${entry.key.name}\``,
          label: "this entry has neither",
          help: this.emptyEntryHelp(entry, previous),
        }),
      );
    });
  }

  private emptyEntryHelp(
    entry: Ast.Entry,
    previous: Ast.Entry | Ast.Vary | undefined,
  ): string {
    const source = this.input.source;
    if (
      previous?.kind === "Entry" &&
      previous.block === null &&
      previous.values.length > 0 &&
      source.lineColumn(previous.loc.end).line ===
        source.lineColumn(entry.loc.start).line
    ) {
      return `to give \`${previous.key.name}\` another value, put a \`,\` before \`${entry.key.name}\``;
    }
    return `write a value, as in \`${entry.key.name} 6\`, or a block, as in \`${entry.key.name} { ... }\``;
  }

  private tokenBefore(offset: number): IToken | undefined {
    const after = this.tokenIndexAt(offset);
    return this.input.tokens[after - 1];
  }

  private tokenAfter(offset: number): IToken | undefined {
    return this.input.tokens[this.tokenIndexAt(offset)];
  }

  /** Returns the index of the first token that starts at or after `offset`. */
  private tokenIndexAt(offset: number): number {
    const tokens = this.input.tokens;
    let low = 0;
    let high = tokens.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (tokens[middle].startOffset < offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private vary(cst: Cst.VaryCstNode): Ast.Vary | undefined {
    const keyword = real(cst.children.Vary);
    const pathNode = cst.children.path?.[0];
    const segments = pathNode === undefined ? [] : this.segments(pathNode);
    const values = this.list(cst.children.list?.[0]);
    if (
      keyword === undefined ||
      segments.length === 0 ||
      values === undefined
    ) {
      return undefined;
    }
    const path: Ast.Path = {
      kind: "Path",
      loc: join(segments[0].loc, segments[segments.length - 1].loc),
      segments,
    };
    return {
      kind: "Vary",
      loc: join(tokenSpan(keyword), values.loc),
      path,
      values,
    };
  }

  private value(cst: Cst.ValueCstNode): Ast.Value | undefined {
    const children = cst.children;
    const number = real(children.NumberLiteral);
    if (number !== undefined) {
      return {
        kind: "NumberLiteral",
        loc: tokenSpan(number),
        value: numberValue(number.image),
        raw: number.image,
      };
    }
    const string = real(children.StringLiteral);
    if (string !== undefined) return this.string(string);
    const boolean = real(children.True ?? children.False);
    if (boolean !== undefined) {
      return {
        kind: "BooleanLiteral",
        loc: tokenSpan(boolean),
        value: boolean.image === "true",
      };
    }
    if (children.call !== undefined) return this.call(children.call[0]);
    if (children.path !== undefined) return this.path(children.path[0]);
    if (children.list !== undefined) return this.list(children.list[0]);
    return undefined;
  }

  private string(token: IToken): Ast.StringLiteral {
    if (token.image.startsWith("'")) {
      const value = token.image.slice(1, -1);
      return {
        kind: "StringLiteral",
        loc: tokenSpan(token),
        value,
        raw: token.image,
      };
    }
    const decoded = decodeString(
      token.image,
      token.startOffset,
      this.input.source.path,
    );
    return {
      kind: "StringLiteral",
      loc: tokenSpan(token),
      value: decoded.value,
      raw: token.image,
    };
  }

  /** Builds an `Identifier` from one segment, or a `Path` from more. */
  private path(cst: Cst.PathCstNode): Ast.Identifier | Ast.Path | undefined {
    const segments = this.segments(cst);
    if (segments.length <= 1) return segments[0];
    return {
      kind: "Path",
      loc: join(segments[0].loc, segments[segments.length - 1].loc),
      segments,
    };
  }

  private segments(cst: Cst.PathCstNode): Ast.Identifier[] {
    return present(
      (cst.children.name ?? []).map((node) => this.name(node, undefined)),
    );
  }

  private list(cst: Cst.ListCstNode | undefined): Ast.ListValue | undefined {
    if (cst === undefined) return undefined;
    const open = real(cst.children.LBracket);
    if (open === undefined) return undefined;
    const items = present(
      (cst.children.value ?? []).map((node) => this.value(node)),
    );
    const close = real(cst.children.RBracket);
    const end =
      close !== undefined
        ? tokenSpan(close)
        : (items.at(-1)?.loc ?? tokenSpan(open));
    return { kind: "ListValue", loc: join(tokenSpan(open), end), items };
  }

  private call(cst: Cst.CallCstNode): Ast.Call | undefined {
    const callee = real(cst.children.Identifier);
    if (callee === undefined) return undefined;
    const args = present(
      (cst.children.arg ?? []).map((node) => this.arg(node)),
    );
    const close = real(cst.children.RParen);
    const open = real(cst.children.LParen);
    const end =
      close !== undefined
        ? tokenSpan(close)
        : (args.at(-1)?.loc ??
          (open === undefined ? tokenSpan(callee) : tokenSpan(open)));
    return {
      kind: "Call",
      loc: join(tokenSpan(callee), end),
      callee: identifier(callee),
      args,
    };
  }

  private arg(cst: Cst.ArgCstNode): Ast.Argument | undefined {
    const nameToken = real(cst.children.key?.[0]?.children.EntryKey);
    const valueNode = cst.children.value?.[0];
    const value = valueNode === undefined ? undefined : this.value(valueNode);
    if (value === undefined) return undefined;
    const name = nameToken === undefined ? null : identifier(nameToken);
    return {
      kind: "Argument",
      loc: name === null ? value.loc : join(name.loc, value.loc),
      name,
      value,
    };
  }
}

function ownerOfEntry(
  key: Ast.Identifier,
  values: readonly Ast.Value[],
): string {
  const first = values[0];
  return first?.kind === "Identifier"
    ? `\`${key.name} ${first.name}\``
    : `\`${key.name}\``;
}

/** Returns the first token of a CST child list if it came from the text, not from recovery. */
function real(tokens: readonly IToken[] | undefined): IToken | undefined {
  const token = tokens?.[0];
  if (token === undefined || token.isInsertedInRecovery === true)
    return undefined;
  if (
    !Number.isFinite(token.startOffset) ||
    token.startOffset < 0 ||
    token.image.length === 0
  ) {
    return undefined;
  }
  return token;
}

function identifier(token: IToken): Ast.Identifier {
  return { kind: "Identifier", loc: tokenSpan(token), name: token.image };
}

function tokenSpan(token: IToken): Span {
  return {
    start: token.startOffset,
    end: token.startOffset + token.image.length,
  };
}

function join(first: Span, last: Span): Span {
  return {
    start: Math.min(first.start, last.start),
    end: Math.max(first.end, last.end),
  };
}

function present<T>(items: readonly (T | undefined)[]): T[] {
  return items.filter((item): item is T => item !== undefined);
}
