import {
  blockOf,
  declarationSignatures,
  findKey,
  type BlockSignature,
  type KeySignature,
  type SettingValue,
} from "../compiler/index.js";
import {
  childKeys,
  type Block,
  type Declaration,
  type Entry,
  type Node,
  type SpecFile,
  type Value,
} from "../parser/ast.js";

/**
 * Returns the nodes whose span contains `offset`, from the file down to the
 * innermost one. A span's end counts as inside, so a cursor right after a
 * name still finds the name.
 */
export function nodesAt(ast: SpecFile, offset: number): Node[] {
  const chain: Node[] = [];
  let current: Node | undefined = ast;
  while (current !== undefined) {
    chain.push(current);
    current = childContaining(current, offset);
  }
  return chain;
}

function childContaining(node: Node, offset: number): Node | undefined {
  for (const key of childKeys[node.kind]) {
    const value = (node as unknown as Record<string, unknown>)[key];
    for (const child of Array.isArray(value) ? value : [value]) {
      if (typeof child !== "object" || child === null) continue;
      const candidate = child as Node;
      if (candidate.loc.start <= offset && offset <= candidate.loc.end) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** Where a block sits: its declaration and the signature its keys follow. */
export interface BlockContext {
  readonly declaration: Declaration;
  readonly block: Block;
  /** Null when no signature is known, e.g. under an unknown key. */
  readonly signature: BlockSignature | null;
}

/**
 * Resolves the signature of every block on a node chain, as the checker
 * would: a declaration's body follows its kind's signature, and an entry's
 * block follows the key's block signature for the entry's first value
 * (`backbone mmoe { .. }` takes the keys of MMoE).
 */
export function blockContexts(chain: readonly Node[]): BlockContext[] {
  const contexts: BlockContext[] = [];
  const declaration = chain.find(
    (node): node is Declaration => node.kind === "Declaration",
  );
  if (declaration === undefined) return contexts;
  let signature: BlockSignature | null =
    declarationSignatures[declaration.keyword];
  for (let i = chain.indexOf(declaration) + 1; i < chain.length; i++) {
    const node = chain[i];
    if (node.kind === "Block") {
      contexts.push({ declaration, block: node, signature });
    } else if (node.kind === "Entry" && chain[i + 1] === node.block) {
      const key: KeySignature | undefined =
        signature === null ? undefined : findKey(signature, node.key.name);
      signature =
        key === undefined ? null : blockOf(key, settingOf(node.values[0]));
    }
  }
  return contexts;
}

/** The key signature of an entry in a block context, when it has one. */
export function keyOf(
  context: BlockContext | undefined,
  entry: Entry,
): KeySignature | undefined {
  if (context?.signature === null || context === undefined) return undefined;
  return findKey(context.signature, entry.key.name);
}

/** Decodes a first value the way a key's block selector reads it. */
function settingOf(value: Value | undefined): SettingValue {
  if (value === undefined) return null;
  switch (value.kind) {
    case "Identifier":
      return value.name;
    case "NumberLiteral":
    case "StringLiteral":
    case "BooleanLiteral":
      return value.value;
    case "Call":
      return { kind: value.callee.name };
    default:
      return null;
  }
}
