import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { parseSpec } from "../../src/parser/index.js";
import { packageExtension } from "../../grammar/vscode/scripts/package-vsix.mjs";
import { readZip, type ZipEntry } from "./zip.js";

let directory: string;
let entries: ZipEntry[];

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "hmdn-vsix-"));
  const target = await packageExtension(path.join(directory, "hmdn.vsix"));
  entries = readZip(await readFile(target));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function isBuiltin(name: string): boolean {
  return builtinModules.includes(name);
}

function entry(name: string): ZipEntry {
  const found = entries.find((item) => item.name === name);
  if (found === undefined) throw new Error(`${name} is not in the package`);
  return found;
}

describe("VS Code extension package", () => {
  it("contains exactly the extension files", () => {
    expect(entries.map((item) => item.name).sort()).toEqual([
      "[Content_Types].xml",
      "extension.vsixmanifest",
      "extension/LICENSE.txt",
      "extension/dist/extension.js",
      "extension/language-configuration.json",
      "extension/package.json",
      "extension/readme.md",
      "extension/snippets/hmdn.json",
      "extension/syntaxes/hmdn.tmLanguage.json",
    ]);
  });

  it("contributes the hmdn language, grammar and snippets", () => {
    const manifest = JSON.parse(
      entry("extension/package.json").data.toString(),
    );
    expect(manifest.contributes.languages[0].id).toBe("hmdn");
    expect(manifest.contributes.languages[0].extensions).toEqual([".hmdn"]);
    expect(manifest.contributes.grammars[0].scopeName).toBe("source.hmdn");
    expect(manifest.contributes.grammars[0].path).toBe(
      "./syntaxes/hmdn.tmLanguage.json",
    );
    expect(manifest.contributes.snippets[0].path).toBe("./snippets/hmdn.json");
    expect(manifest.main).toBe("./dist/extension.js");
  });

  it("bundles the language client into the extension entry", () => {
    const bundle = entry("extension/dist/extension.js").data.toString();
    expect(bundle).not.toMatch(/require\(["']vscode-languageclient/);
    expect(bundle).toMatch(/require\(["']vscode["']\)/);
    expect(bundle).toContain('"lsp","--stdio"');
  });

  it("ships the committed grammar unchanged", async () => {
    const committed = await readFile(
      new URL(
        "../../grammar/vscode/syntaxes/hmdn.tmLanguage.json",
        import.meta.url,
      ),
    );
    expect(entry("extension/syntaxes/hmdn.tmLanguage.json").data).toEqual(
      committed,
    );
  });

  it("offers the model, dataset and experiment snippets", () => {
    const snippets = JSON.parse(
      entry("extension/snippets/hmdn.json").data.toString(),
    );
    expect(
      Object.values(snippets).map(
        (item) => (item as { prefix: string }).prefix,
      ),
    ).toEqual(["model", "dataset", "experiment"]);
  });

  it("loads the bundle with only vscode external", async () => {
    const bundlePath = path.join(directory, "extension.cjs");
    await writeFile(bundlePath, entry("extension/dist/extension.js").data);
    const require = createRequire(import.meta.url);
    const Module = require("node:module") as {
      _load: (request: string, ...rest: unknown[]) => unknown;
    };
    // Any property of the stand-in for VS Code's API is again a stand-in,
    // constructible so that the client library can extend its classes.
    const target = function standIn() {};
    const handler: ProxyHandler<typeof target> = {
      get: (_target, property) =>
        property === "__esModule" ? false : new Proxy(target, handler),
      apply: () => new Proxy(target, handler),
      construct: () => new Proxy(target, handler),
    };
    const original = Module._load;
    const requested: string[] = [];
    Module._load = function (request: string, ...rest: unknown[]) {
      if (request === "vscode") return new Proxy(target, handler);
      requested.push(request);
      return original.call(this, request, ...rest);
    };
    try {
      const loaded = require(bundlePath) as Record<string, unknown>;
      expect(typeof loaded.activate).toBe("function");
      expect(typeof loaded.deactivate).toBe("function");
    } finally {
      Module._load = original;
    }
    expect(
      requested.filter((name) => !name.startsWith("node:") && !isBuiltin(name)),
    ).toEqual([bundlePath]);
  });

  it("expands every snippet to valid syntax", () => {
    const snippets = JSON.parse(
      entry("extension/snippets/hmdn.json").data.toString(),
    ) as Record<string, { body: string[] }>;
    for (const [name, snippet] of Object.entries(snippets)) {
      const text = snippet.body
        .join("\n")
        .replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, "$1")
        .replace(/\$\{\d+:([^}]*)\}/g, "$1")
        .replace(/\$\d+/g, "")
        .replace(/\t/g, "  ");
      const diagnostics = parseSpec(text, `${name}.hmdn`).diagnostics;
      expect(diagnostics.map((item) => `${name}: ${item.message}`)).toEqual([]);
    }
  });
});
