/**
 * Renders the key tables of `docs/language.md` from the block signatures,
 * so the documentation cannot drift from what the checker accepts. The doc
 * marks each generated table with `<!-- keys: NAME -->` and
 * `<!-- /keys -->`, and `updateLanguageDoc` rewrites what lies between. A
 * test fails when the committed doc differs from its output.
 */

import {
  describeType,
  formatSetting,
  type BlockSignature,
  type KeySignature,
  type ValueType,
} from "./signature-types.js";
import { allSignatures } from "./signatures.js";

/** Renders one block's keys as a Markdown table, plus its call options. */
export function renderKeyTable(signature: BlockSignature): string {
  const lines = [
    "| key | value | default | meaning |",
    "| --- | --- | --- | --- |",
  ];
  const calls: string[] = [];
  for (const key of signature.keys) {
    lines.push(
      `| \`${key.key}\` | ${valueColumn(key)} | ${defaultColumn(key)} | ${escape(key.doc)} |`,
    );
    if (key.type?.t === "call" || key.type?.t === "union")
      calls.push(...callLines(key));
  }
  return [...lines, ...(calls.length > 0 ? ["", ...calls] : [])].join("\n");
}

function valueColumn(key: KeySignature): string {
  if (key.named === true) {
    const block = key.block !== undefined || key.blockRequired === true;
    return `NAME${block ? " `{ .. }`" : ""}, repeatable`;
  }
  if (key.type === undefined) return "`{ .. }`";
  const type = escape(describeType(key.type));
  const many = key.arity === "many" ? `${type}, comma-separated` : type;
  const block =
    key.block === undefined
      ? ""
      : key.blockRequired === true
        ? " `{ .. }`"
        : ", optional `{ .. }`";
  return key.valueOptional === true
    ? `${many} or \`{ .. }\``
    : `${many}${block}`;
}

function defaultColumn(key: KeySignature): string {
  if (key.required === true) return "required";
  if (key.defaultDoc !== undefined && key.defaultDoc !== "")
    return escape(key.defaultDoc);
  if (key.default !== undefined) return `\`${formatSetting(key.default)}\``;
  return "none";
}

function callLines(key: KeySignature): string[] {
  const type: ValueType | undefined =
    key.type?.t === "union"
      ? key.type.of.find((member) => member.t === "call")
      : key.type;
  if (type?.t !== "call") return [];
  return Object.entries(type.options).map(([name, option]) => {
    const args = option.args.map((arg) =>
      arg.default === undefined
        ? `${arg.name}: required`
        : `${arg.name}: ${formatSetting(arg.default)}`,
    );
    const call = args.length === 0 ? name : `${name}(${args.join(", ")})`;
    return `- \`${key.key} ${call}\`: ${escape(option.doc)}`;
  });
}

function escape(text: string): string {
  return text.replaceAll("|", "\\|");
}

/** Rewrites every generated table of the language doc; unknown names are kept as written. */
export function updateLanguageDoc(text: string): string {
  const byName = new Map(
    allSignatures().map((signature) => [signature.name, signature]),
  );
  return text.replace(
    /(<!-- keys: ([^>]+?) -->\n)[\s\S]*?(\n<!-- \/keys -->)/g,
    (whole, open: string, name: string, close: string) => {
      const signature = byName.get(name.trim());
      return signature === undefined
        ? whole
        : `${open}${renderKeyTable(signature)}${close}`;
    },
  );
}

/** The names of the blocks the doc must have a table for. */
export function documentedBlockNames(): string[] {
  return allSignatures().map((signature) => signature.name);
}
