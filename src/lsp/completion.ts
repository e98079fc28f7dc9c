import { CompletionItemKind, type CompletionItem } from "vscode-languageserver";

import {
  describeType,
  type CallOption,
  type KeySignature,
  type NameKind,
  type ValueType,
} from "../compiler/index.js";
import type { Entry } from "../parser/ast.js";
import { DECLARATION_KEYWORDS, KEYWORDS } from "../parser/index.js";
import type { Analysis, DeclaredName } from "./analysis.js";
import {
  blockContexts,
  keyOf,
  nodesAt,
  type BlockContext,
} from "./syntax-tree.js";

/**
 * Lists the completions at an offset: keywords at the top level, the keys
 * of the enclosing block's signature at an entry start, the values a key
 * accepts after it (enum members, call names, declared names), and the
 * argument names inside a call.
 */
export function completionsAt(
  analysis: Analysis,
  text: string,
  offset: number,
): CompletionItem[] {
  const chain = nodesAt(analysis.parsed.ast, offset);
  const contexts = blockContexts(chain);
  const context = contexts[contexts.length - 1];
  if (context === undefined) return topLevelCompletions(analysis, text, offset);

  const entry = entryAt(context, text, offset);
  if (entry === null) return keyCompletions(context);
  const key = keyOf(context, entry);
  if (key === undefined || key.named === true) return [];
  const call = openCall(text, entry.loc.start, offset);
  if (call !== null) {
    return argumentCompletions(analysis, key, call, text, offset);
  }

  return key.type === undefined ? [] : valueCompletions(analysis, key.type);
}

/**
 * Finds the entry whose values the cursor is in, or null at an entry start:
 * on a key, on a new line, or after a complete value with no comma.
 */
function entryAt(
  context: BlockContext,
  text: string,
  offset: number,
): Entry | null {
  let previous: Entry | null = null;
  for (const item of context.block.entries) {
    if (item.kind !== "Entry" || item.loc.start > offset) break;
    previous = item;
  }
  if (previous === null || offset <= previous.key.loc.end) return null;
  if (offset <= previous.loc.end) return previous;
  // A value cut short by a syntax error, as in `gauc(by: `, ends the
  // entry's span early; the open bracket still puts the cursor inside it.
  if (openBrackets(text, previous.loc.start, offset) > 0) return previous;
  const gap = text.slice(previous.loc.end, offset);
  if (gap.includes("\n") || previous.block !== null) return null;
  const awaitingValue =
    previous.values.length === 0 || gap.trim().startsWith(",");
  return awaitingValue ? previous : null;
}

/** A call whose `(` is open at the cursor: its name and the argument names given. */
interface OpenCall {
  readonly callee: string;
  readonly given: ReadonlySet<string>;
}

/** Counts the brackets opened and not closed in `text[start, end)`. */
function openBrackets(text: string, start: number, end: number): number {
  let depth = 0;
  for (const character of text.slice(start, end)) {
    if (character === "(" || character === "[") depth++;
    if ((character === ")" || character === "]") && depth > 0) depth--;
  }
  return depth;
}

/**
 * Finds the call whose parenthesis is open at `offset`, reading the text of
 * the entry because a call cut short by a syntax error is missing from the
 * AST or ends early there.
 */
function openCall(
  text: string,
  start: number,
  offset: number,
): OpenCall | null {
  const open: number[] = [];
  for (let i = start; i < offset; i++) {
    if (text[i] === "(") open.push(i);
    if (text[i] === ")") open.pop();
  }
  const parenthesis = open[open.length - 1];
  if (parenthesis === undefined) return null;
  const callee = /([A-Za-z_]\w*)\s*$/.exec(text.slice(start, parenthesis));
  if (callee === null) return null;
  const inside = text.slice(parenthesis + 1, offset);
  const given = new Set(
    [...inside.matchAll(/([A-Za-z_]\w*)\s*:/g)].map((match) => match[1]),
  );
  return { callee: callee[1], given };
}

function topLevelCompletions(
  analysis: Analysis,
  text: string,
  offset: number,
): CompletionItem[] {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const prefix = text.slice(lineStart, offset);
  if (/\bextends\s+\w*$/.test(prefix)) {
    const keyword = /^\s*(\w+)/.exec(prefix)?.[1] ?? "model";
    return nameCompletions(analysis, (name) => name.kind === keyword);
  }
  if (/^\s*(dataset|features|model|experiment)\s+\w+\s+\w*$/.test(prefix)) {
    return [keywordItem("extends")];
  }
  return ["import", ...DECLARATION_KEYWORDS].map(keywordItem);
}

function keyCompletions(context: BlockContext): CompletionItem[] {
  if (context.signature === null) return [];
  const present = new Set(
    context.block.entries.flatMap((item) =>
      item.kind === "Entry" ? [item.key.name] : [],
    ),
  );
  return context.signature.keys
    .filter((key) => key.named === true || !present.has(key.key))
    .map((key) => ({
      label: key.key,
      kind: KEYWORDS.includes(key.key)
        ? CompletionItemKind.Keyword
        : CompletionItemKind.Property,
      detail: key.type === undefined ? "block" : describeType(key.type),
      documentation: key.doc,
    }));
}

function argumentCompletions(
  analysis: Analysis,
  key: KeySignature,
  call: OpenCall,
  text: string,
  offset: number,
): CompletionItem[] {
  const option =
    key.type === undefined ? undefined : findCallOption(key.type, call.callee);
  if (option === undefined) return [];
  const argumentStart = Math.max(
    text.lastIndexOf("(", offset - 1),
    text.lastIndexOf(",", offset - 1),
  );
  const named = /^\s*(\w+)\s*:\s*\w*$/.exec(
    text.slice(argumentStart + 1, offset),
  );
  if (named !== null) {
    const argument = option.args.find((item) => item.name === named[1]);
    return argument === undefined
      ? []
      : valueCompletions(analysis, argument.type);
  }
  return option.args
    .filter((argument) => !call.given.has(argument.name))
    .map((argument) => ({
      label: argument.name,
      kind: CompletionItemKind.Field,
      detail: describeType(argument.type),
      documentation: argument.doc,
      insertText: `${argument.name}: `,
    }));
}

function findCallOption(
  type: ValueType,
  callee: string,
): CallOption | undefined {
  switch (type.t) {
    case "call":
      return type.options[callee];
    case "list":
    case "nullable":
      return findCallOption(type.of, callee);
    case "union":
      for (const member of type.of) {
        const found = findCallOption(member, callee);
        if (found !== undefined) return found;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** The values a type accepts that can be listed; numbers and strings cannot. */
function valueCompletions(
  analysis: Analysis,
  type: ValueType,
): CompletionItem[] {
  switch (type.t) {
    case "enum":
      return type.values.map((value) => ({
        label: value,
        kind: CompletionItemKind.EnumMember,
      }));
    case "bool":
      return ["true", "false"].map(keywordItem);
    case "call":
      return Object.entries(type.options).map(([name, option]) => ({
        label: name,
        kind: CompletionItemKind.Function,
        detail:
          option.args.length === 0
            ? name
            : `${name}(${option.args.map((argument) => `${argument.name}:`).join(", ")})`,
        documentation: option.doc,
      }));
    case "name":
      return nameCompletions(analysis, (name) => nameMatches(name, type.of));
    case "list":
      return valueCompletions(analysis, type.of);
    case "nullable":
      return [...valueCompletions(analysis, type.of), keywordItem("none")];
    case "union":
      return type.of.flatMap((member) => valueCompletions(analysis, member));
    default:
      return [];
  }
}

function nameMatches(name: DeclaredName, kind: NameKind): boolean {
  switch (kind) {
    case "model":
    case "dataset":
    case "features":
      return name.kind === kind;
    case "feature_or_group":
      return name.kind === "feature" || name.kind === "group";
    case "feature":
    case "table":
    case "column":
      // Limitation: a column is offered only when a feature of that name
      // exists; the server does not read the CSV header for completion.
      return name.kind === "feature";
  }
}

function nameCompletions(
  analysis: Analysis,
  accept: (name: DeclaredName) => boolean,
): CompletionItem[] {
  const seen = new Set<string>();
  const items: CompletionItem[] = [];
  for (const name of analysis.declaredNames()) {
    if (!accept(name) || seen.has(name.name)) continue;
    seen.add(name.name);
    items.push({
      label: name.name,
      kind: CompletionItemKind.Reference,
      detail: name.kind,
    });
  }
  return items;
}

function keywordItem(word: string): CompletionItem {
  return { label: word, kind: CompletionItemKind.Keyword };
}
