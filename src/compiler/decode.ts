/**
 * Checks a merged block against its signature and decodes every value:
 * unknown, misplaced, duplicate and mistyped keys and out-of-range values
 * become diagnostics, and the result holds plain values with defaults
 * applied, plus the spans lowering needs for its own messages.
 */

import { diagnostic } from "../diagnostics/codes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean, suggestSimilar } from "../diagnostics/did-you-mean.js";
import type { Span } from "../diagnostics/span.js";
import type { Value } from "../parser/ast.js";
import {
  CheckedBlock,
  type CheckedChild,
  type CheckedEntry,
  type Decoded,
  type Owner,
  type Report,
} from "./checked-block.js";
import { decode, describeValue, type DecodeContext } from "./decode-value.js";
import {
  blockOf,
  describeType,
  findKey,
  formatSetting,
  type BlockSignature,
  type KeySignature,
} from "./signature-types.js";
import { allSignatures } from "./signatures.js";
import { childName, type TreeBlock, type TreeEntry } from "./tree.js";

export {
  CheckedBlock,
  type CheckedChild,
  type CheckedEntry,
  type Decoded,
  type Owner,
  type Report,
} from "./checked-block.js";
export { decode, describeValue } from "./decode-value.js";

/** Checks `tree` against `signature`, reporting every problem. */
export function checkBlock(
  tree: TreeBlock,
  signature: BlockSignature,
  owner: Owner,
  report: Report,
): CheckedBlock {
  const entries = new Map<string, CheckedEntry>();
  const children: CheckedChild[] = [];
  const firstChild = new Map<string, TreeEntry>();

  for (const entry of tree.entries) {
    const key = findKey(signature, entry.key);
    if (key === undefined) {
      reportUnknownKey(entry, signature, report);
      continue;
    }
    if (key.named === true) {
      const child = checkChild(entry, key, firstChild, report);
      if (child !== null) children.push(child);
      continue;
    }
    const previous = entries.get(entry.key);
    if (previous !== undefined) {
      report(
        diagnostic("HMD2012", {
          file: entry.file,
          span: entry.keyLoc,
          message: `duplicate key \`${entry.key}\` in \`${signature.name}\``,
          label: "written again here",
          labels: [
            {
              file: previous.entry.file,
              span: previous.entry.keyLoc,
              text: "first written here",
            },
          ],
          help: "remove one of the two entries",
        }),
      );
      continue;
    }
    entries.set(entry.key, checkEntry(entry, key, report));
  }

  for (const vary of tree.varies) {
    if (signature.name === "experiment") continue;
    report(
      diagnostic("HMD2011", {
        file: vary.file,
        span: vary.node.loc,
        message: `\`vary\` is not allowed in \`${signature.name}\``,
        help: "`vary` belongs in an `experiment`",
      }),
    );
  }

  for (const key of signature.keys) {
    if (tree.partial === true) break;
    if (key.required !== true || entries.has(key.key)) continue;
    if (key.named === true && children.some((child) => child.key === key.key)) {
      continue;
    }
    report(
      diagnostic("HMD2015", {
        file: owner.file,
        span: owner.span,
        message: `${owner.what} has no \`${key.key}\``,
        help: `add \`${key.key}\` (${key.doc.replace(/\.$/, "").toLowerCase()})`,
      }),
    );
  }
  return new CheckedBlock(signature, tree, entries, children);
}

function reportUnknownKey(
  entry: TreeEntry,
  signature: BlockSignature,
  report: Report,
): void {
  const homes = allSignatures()
    .filter((other) => other !== signature && findKey(other, entry.key))
    .map((other) => `\`${other.name}\``);
  const suggestions = suggestSimilar(
    entry.key,
    signature.keys.map((key) => key.key),
  );
  if (homes.length > 0 && suggestions.length === 0) {
    report(
      diagnostic("HMD2011", {
        file: entry.file,
        span: entry.keyLoc,
        message: `\`${entry.key}\` is not a key of \`${signature.name}\``,
        label: "not allowed here",
        help: `\`${entry.key}\` belongs in ${homes.slice(0, 3).join(", ")}`,
      }),
    );
    return;
  }
  report(
    diagnostic("HMD2010", {
      file: entry.file,
      span: entry.keyLoc,
      message: `unknown key \`${entry.key}\` in \`${signature.name}\``,
      label: "unknown key",
      help:
        didYouMean(suggestions) ??
        `the keys of \`${signature.name}\` are ${signature.keys.map((key) => `\`${key.key}\``).join(", ")}`,
    }),
  );
}

function checkChild(
  entry: TreeEntry,
  key: KeySignature,
  firstChild: Map<string, TreeEntry>,
  report: Report,
): CheckedChild | null {
  const name = childName(entry);
  if (name === null || entry.values.length !== 1) {
    report(
      diagnostic("HMD2016", {
        file: entry.file,
        span: entry.values[0]?.loc ?? entry.keyLoc,
        message: `\`${entry.key}\` needs a name, found ${entry.values.length === 0 ? "none" : describeValue(entry.values[0])}`,
        help: `write \`${entry.key} NAME { .. }\``,
      }),
    );
    return null;
  }
  const identity = `${entry.key === "task" || entry.key === "group" || entry.key === "variant" ? entry.key : "feature"}:${name}`;
  const previous = firstChild.get(identity);
  if (previous !== undefined) {
    report(
      diagnostic("HMD2020", {
        file: entry.file,
        span: entry.values[0].loc,
        message: `\`${name}\` is declared twice`,
        label: "declared again here",
        labels: [
          {
            file: previous.file,
            span: previous.values[0].loc,
            text: "first declared here",
          },
        ],
        help: "rename or remove one of them",
      }),
    );
    return null;
  }
  firstChild.set(identity, entry);
  const signature = blockOf(key, name);
  let block: CheckedBlock | null = null;
  if (entry.block !== null && signature !== null) {
    block = checkBlock(
      entry.block,
      signature,
      {
        file: entry.file,
        span: entry.values[0].loc,
        what: `\`${entry.key} ${name}\``,
      },
      report,
    );
  } else if (entry.block === null && key.blockRequired === true) {
    report(
      blockShape(
        entry,
        `\`${entry.key} ${name}\` needs a block`,
        `write \`${entry.key} ${name} { .. }\``,
      ),
    );
  }
  return { key: entry.key, name, entry, block };
}

function checkEntry(
  entry: TreeEntry,
  key: KeySignature,
  report: Report,
): CheckedEntry {
  const decoded = decodeValues(entry, key, report);
  const signature = blockOf(key, decoded?.value ?? null);
  let block: CheckedBlock | null = null;
  // A value that failed to decode was reported; its block is not judged.
  const valueFailed =
    key.type !== undefined && entry.values.length > 0 && decoded === null;
  if (entry.block !== null && !valueFailed) {
    if (signature === null) {
      report(
        blockShape(
          entry,
          `\`${entry.key}${decoded === null ? "" : formatShort(decoded)}\` takes no block`,
          "remove the `{ .. }`",
        ),
      );
    } else {
      block = checkBlock(
        entry.block,
        signature,
        { file: entry.file, span: entry.keyLoc, what: `\`${entry.key}\`` },
        report,
      );
    }
  } else if (key.blockRequired === true) {
    report(
      blockShape(
        entry,
        `\`${entry.key}\` needs a block`,
        `write \`${entry.key} { .. }\``,
      ),
    );
  }
  return { entry, decoded, block };
}

function formatShort(decoded: Decoded): string {
  return typeof decoded.value === "string" ? ` ${decoded.value}` : "";
}

function blockShape(
  entry: TreeEntry,
  message: string,
  help: string,
): Diagnostic {
  return diagnostic("HMD2019", {
    file: entry.file,
    span: entry.block?.loc ?? entry.keyLoc,
    message,
    help,
  });
}

function decodeValues(
  entry: TreeEntry,
  key: KeySignature,
  report: Report,
): Decoded | null {
  const type = key.type;
  if (type === undefined) {
    if (entry.values.length > 0) {
      report(
        diagnostic("HMD2016", {
          file: entry.file,
          span: entry.values[0].loc,
          message: `\`${entry.key}\` takes only a block, found a value`,
          help: `write \`${entry.key} { .. }\``,
        }),
      );
    }
    return null;
  }
  if (entry.values.length === 0) {
    const optional = key.valueOptional === true && entry.block !== null;
    if (!optional) {
      report(
        diagnostic("HMD2016", {
          file: entry.file,
          span: entry.keyLoc,
          message: `\`${entry.key}\` needs a value`,
          help: `expected ${describeType(type)}`,
        }),
      );
    }
    return null;
  }
  const context: DecodeContext = {
    file: entry.file,
    key: entry.key,
    report,
    ...(key.default === undefined
      ? {}
      : {
          help: `the default is \`${entry.key} ${formatSetting(key.default)}\``,
        }),
  };
  if (key.arity === "many") {
    const values = entry.values.flatMap((value) =>
      value.kind === "ListValue" ? value.items : [value],
    );
    const items = values.map((value) => decode(value, type, context));
    if (items.some((item) => item === null)) return null;
    const decodedItems = items as Decoded[];
    return {
      value: decodedItems.map((item) => item.value),
      file: entry.file,
      loc: spanOf(entry.values),
      items: decodedItems,
      args: {},
    };
  }
  if (entry.values.length > 1) {
    report(
      diagnostic("HMD2016", {
        file: entry.file,
        span: spanOf(entry.values.slice(1)),
        message: `\`${entry.key}\` takes one value, found ${entry.values.length}`,
        label: "extra values",
        help:
          type.t === "list"
            ? `write a list: \`${entry.key} [a, b]\``
            : "remove the extra values",
      }),
    );
    return null;
  }
  return decode(entry.values[0], type, context);
}

function spanOf(values: readonly Value[]): Span {
  return { start: values[0].loc.start, end: values[values.length - 1].loc.end };
}
