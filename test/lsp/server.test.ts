import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { checkFiles } from "../../src/compiler/index.js";
import { PositionMap } from "../../src/lsp/positions.js";
import { fileUri, TestClient } from "./client.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const dataPath = path.join(fixtures, "data.hmdn");
const modelPath = path.join(fixtures, "model.hmdn");

interface Item {
  label: string;
}
interface Location {
  uri: string;
  range: { start: { line: number; character: number } };
}

let client: TestClient;
let capabilities: Record<string, unknown>;
let modelText: string;
let dataText: string;
let scratch: string;
let nextVersion = 1;

async function open(uri: string, text: string): Promise<number> {
  const version = nextVersion++;
  await client.notify("textDocument/didOpen", {
    textDocument: { uri, languageId: "hmdn", version, text },
  });
  return version;
}

async function replace(uri: string, text: string): Promise<number> {
  const version = nextVersion++;
  await client.notify("textDocument/didChange", {
    textDocument: { uri, version },
    contentChanges: [{ text }],
  });
  return version;
}

/** Closes a document and consumes the empty diagnostics that clear it. */
async function close(uri: string): Promise<void> {
  await client.notify("textDocument/didClose", { textDocument: { uri } });
  // Diagnostics of earlier versions may still arrive; the clearing one has
  // no version.
  for (;;) {
    const published = await client.nextDiagnostics(uri);
    if (published.version !== undefined) continue;
    expect(published.diagnostics).toEqual([]);
    return;
  }
}

/** The LSP position of the `occurrence`-th match of `needle`, plus `shift` characters. */
function positionOf(text: string, needle: string, shift = 0, occurrence = 1) {
  let index = -1;
  for (let i = 0; i < occurrence; i++) index = text.indexOf(needle, index + 1);
  if (index < 0) throw new Error(`\`${needle}\` is not in the text`);
  return new PositionMap(text).range({
    start: index + shift,
    end: index + shift,
  }).start;
}

beforeAll(async () => {
  modelText = await readFile(modelPath, "utf8");
  dataText = await readFile(dataPath, "utf8");
  scratch = await mkdtemp(path.join(tmpdir(), "hmdn-lsp-"));
  ({ client, capabilities } = await TestClient.start(fixtures));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("language server over JSON-RPC", () => {
  it("announces its capabilities", () => {
    expect(capabilities.hoverProvider).toBe(true);
    expect(capabilities.definitionProvider).toBe(true);
    expect(capabilities.documentFormattingProvider).toBe(true);
    expect(capabilities.completionProvider).toBeDefined();
    expect(capabilities.textDocumentSync).toMatchObject({ change: 2 });
  });

  it("publishes no diagnostics for a clean spec", async () => {
    const uri = fileUri(modelPath);
    const version = await open(uri, modelText);
    const published = await client.nextDiagnostics(uri, version);
    expect(published.diagnostics).toEqual([]);
    await close(uri);
  });

  it("reports the codes and spans of hmdnc check", async () => {
    const broken = modelText.replace("backbone mmoe", "backbone mmoee");
    await cp(dataPath, path.join(scratch, "data.hmdn"));
    const brokenPath = path.join(scratch, "model.hmdn");
    await writeFile(brokenPath, broken);
    const expected = (await checkFiles([brokenPath])).diagnostics;
    expect(expected.length).toBeGreaterThan(0);

    const uri = fileUri(brokenPath);
    const version = await open(uri, broken);
    const published = await client.nextDiagnostics(uri, version);
    const positions = new PositionMap(broken);
    expect(
      published.diagnostics.map((item) => [item.code, item.range]),
    ).toEqual(expected.map((item) => [item.code, positions.range(item.span)]));
    expect(published.diagnostics[0].source).toBe("hmdnc");
    expect(published.diagnostics[0].message).toContain("mmoee");
    await close(uri);
  });

  it("publishes diagnostics of an imported file that is not open", async () => {
    const folder = await mkdtemp(path.join(scratch, "closed-import-"));
    const importedPath = path.join(folder, "data.hmdn");
    await writeFile(
      importedPath,
      dataText.replace("embedding 16", "embedding 16,"),
    );
    await writeFile(path.join(folder, "model.hmdn"), modelText);
    const uri = fileUri(path.join(folder, "model.hmdn"));
    const importedUri = fileUri(importedPath);

    await open(uri, modelText);
    const imported = await client.nextDiagnostics(importedUri);
    expect(imported.diagnostics.map((item) => String(item.code))).toEqual([
      expect.stringMatching(/^HMD1/),
    ]);
    await close(uri);
    const cleared = await client.nextDiagnostics(importedUri);
    expect(cleared.diagnostics).toEqual([]);
  });

  it("checks a document that is not saved to a file yet", async () => {
    const uri = "untitled:Untitled-1";
    const version = await open(uri, "model m {\n  backbone mmoee\n}\n");
    const published = await client.nextDiagnostics(uri, version);
    const messages = published.diagnostics.map((item) => item.message);
    expect(messages.some((message) => message.includes("`mmoee`"))).toBe(true);
    await close(uri);
  });

  it("resolves an absolute import of an unsaved document", async () => {
    const imported = path.join(scratch, "absolute", "broken.hmdn");
    await mkdir(path.dirname(imported), { recursive: true });
    await writeFile(imported, "dataset d {\n  source\n");
    const uri = "untitled:Untitled-2";
    const text = `import ${JSON.stringify(imported)}\nmodel m {}\n`;
    await open(uri, text);
    const published = await client.nextDiagnostics(fileUri(imported));
    expect(published.diagnostics.length).toBeGreaterThan(0);
    const locations = await client.request<Location[]>(
      "textDocument/definition",
      { textDocument: { uri }, position: positionOf(text, "broken", 1) },
    );
    expect(locations.map((item) => item.uri)).toEqual([fileUri(imported)]);
    await close(uri);
  });

  it("updates diagnostics on every change", async () => {
    const uri = fileUri(modelPath);
    await client.nextDiagnostics(uri, await open(uri, modelText));

    const broken = modelText.replace("experts 4", "experts -4");
    const brokenVersion = await replace(uri, broken);
    const reported = await client.nextDiagnostics(uri, brokenVersion);
    expect(reported.diagnostics.length).toBe(1);
    expect(reported.diagnostics[0].code).toMatch(/^HMD2/);
    expect(reported.diagnostics[0].range.start).toEqual(
      positionOf(broken, "-4"),
    );

    const syntax = modelText.replace("experts 4", "experts 4,");
    const syntaxVersion = await replace(uri, syntax);
    const syntaxReport = await client.nextDiagnostics(uri, syntaxVersion);
    expect(syntaxReport.diagnostics.map((item) => String(item.code))).toEqual([
      expect.stringMatching(/^HMD1/),
    ]);

    const fixedVersion = await replace(uri, modelText);
    const fixed = await client.nextDiagnostics(uri, fixedVersion);
    expect(fixed.diagnostics).toEqual([]);
    await close(uri);
  });

  it("checks imports against unsaved open documents", async () => {
    const dataUri = fileUri(dataPath);
    const modelUri = fileUri(modelPath);
    await client.nextDiagnostics(dataUri, await open(dataUri, dataText));
    await client.nextDiagnostics(modelUri, await open(modelUri, modelText));

    // Renaming the base model in the unsaved data.hmdn breaks `extends dnn`.
    await replace(
      dataUri,
      dataText.replace("model dnn {", "model dnn_renamed {"),
    );
    const dependent = await client.nextDiagnostics(modelUri);
    const unknownBase = dependent.diagnostics.find((item) =>
      item.message.includes("`dnn`"),
    );
    expect(unknownBase?.range.start).toEqual(positionOf(modelText, "dnn"));

    await replace(dataUri, dataText);
    const restored = await client.nextDiagnostics(modelUri);
    expect(restored.diagnostics).toEqual([]);
    await close(dataUri);
    await close(modelUri);
  });
});

describe("language server requests", () => {
  const uri = () => fileUri(modelPath);

  beforeAll(async () => {
    await client.nextDiagnostics(uri(), await open(uri(), modelText));
  });

  afterAll(async () => {
    await close(uri());
  });

  it("shows output shapes and parameters on a block key", async () => {
    const hover = await client.request<{ contents: { value: string } } | null>(
      "textDocument/hover",
      {
        textDocument: { uri: uri() },
        position: positionOf(modelText, "backbone", 2),
      },
    );
    const text = hover?.contents.value ?? "";
    expect(text).toContain("**backbone**");
    expect(text).toContain("| 4 experts | [B, 32] | 24,960 |");
    expect(text).toContain("| gates | [B, 4] | P x 260 |");
  });

  it("says that hierarchy also takes a block", async () => {
    const hover = await client.request<{ contents: { value: string } } | null>(
      "textDocument/hover",
      {
        textDocument: { uri: uri() },
        position: positionOf(modelText, "hierarchy {", 2),
      },
    );
    expect(hover?.contents.value ?? "").toContain(
      "Value: `off`, or a block `{ .. }`",
    );
  });

  it("shows the same shapes on a value", async () => {
    const hover = await client.request<{ contents: { value: string } } | null>(
      "textDocument/hover",
      {
        textDocument: { uri: uri() },
        position: positionOf(modelText, "backbone mmoe", "backbone m".length),
      },
    );
    expect(hover?.contents.value ?? "").toContain(
      "| 4 experts | [B, 32] | 24,960 |",
    );
  });

  it("shows the model summary on a model name", async () => {
    const hover = await client.request<{ contents: { value: string } } | null>(
      "textDocument/hover",
      {
        textDocument: { uri: uri() },
        position: positionOf(modelText, "hmdn_mmoe", 1),
      },
    );
    const text = hover?.contents.value ?? "";
    expect(text).toContain("**model hmdn_mmoe**: 12 blocks, output [B, 1]");
    expect(text).toContain("27,056 + rows(4 tables) x 16 + P x 869 parameters");
    expect(text).toContain("| quantizer D=4 K=16 | [B, 16] | 256 |");
  });

  it("completes the keys of a block", async () => {
    const text = modelText.replace("    experts 4\n", "    experts 4\n    \n");
    const version = await replace(uri(), text);
    await client.nextDiagnostics(uri(), version);
    const items = await client.request<Item[]>("textDocument/completion", {
      textDocument: { uri: uri() },
      position: positionOf(text, "experts 4\n    ", "experts 4\n    ".length),
    });
    const labels = items.map((item) => item.label);
    expect(labels).toContain("activation");
    expect(labels).not.toContain("experts");
    expect(labels).not.toContain("expert_layers");
    expect(labels).not.toContain("codebook");
  });

  it("completes the values of a key", async () => {
    const text = modelText.replace("backbone mmoe {", "backbone  {");
    const version = await replace(uri(), text);
    await client.nextDiagnostics(uri(), version);
    const items = await client.request<Item[]>("textDocument/completion", {
      textDocument: { uri: uri() },
      position: positionOf(text, "backbone ", "backbone ".length),
    });
    const labels = items.map((item) => item.label);
    expect(labels).toEqual(
      expect.arrayContaining(["mmoe", "ple", "star", "pepnet"]),
    );
  });

  it("completes keywords at the top level", async () => {
    const text = `${modelText}\n`;
    const version = await replace(uri(), text);
    await client.nextDiagnostics(uri(), version);
    const end = new PositionMap(text).range({
      start: text.length,
      end: text.length,
    }).start;
    const items = await client.request<Item[]>("textDocument/completion", {
      textDocument: { uri: uri() },
      position: end,
    });
    expect(items.map((item) => item.label)).toEqual([
      "import",
      "dataset",
      "features",
      "model",
      "experiment",
    ]);
  });

  it("completes declared feature names", async () => {
    const text = modelText.replace(
      "    experts 4\n",
      "    experts 4\n  }\n  evaluate { metrics gauc(by: ) }\n  backbone mmoe {\n",
    );
    const version = await replace(uri(), text);
    await client.nextDiagnostics(uri(), version);
    const items = await client.request<Item[]>("textDocument/completion", {
      textDocument: { uri: uri() },
      position: positionOf(text, "gauc(by: ", "gauc(by: ".length),
    });
    expect(items.map((item) => item.label)).toEqual(
      expect.arrayContaining(["user_id", "video_id", "tab"]),
    );
  });

  it("completes the argument names of a call", async () => {
    const dataUri = fileUri(dataPath);
    const text = dataText.replace("adam(lr: 1e-3)", "adam()");
    await client.nextDiagnostics(dataUri, await open(dataUri, text));
    const items = await client.request<Item[]>("textDocument/completion", {
      textDocument: { uri: dataUri },
      position: positionOf(text, "adam()", "adam(".length),
    });
    expect(items.map((item) => item.label)).toContain("lr");
    await close(dataUri);
  });

  it("goes to the definition of a base model", async () => {
    await replace(uri(), modelText);
    const locations = await client.request<Location[]>(
      "textDocument/definition",
      {
        textDocument: { uri: uri() },
        position: positionOf(modelText, "extends dnn", "extends d".length),
      },
    );
    expect(locations.map((item) => item.uri)).toEqual([fileUri(dataPath)]);
    expect(locations[0].range.start).toEqual(
      positionOf(dataText, "model dnn", 6),
    );
  });

  it("goes to the definition of a feature", async () => {
    const dataUri = fileUri(dataPath);
    await client.nextDiagnostics(dataUri, await open(dataUri, dataText));
    const locations = await client.request<Location[]>(
      "textDocument/definition",
      {
        textDocument: { uri: dataUri },
        position: positionOf(
          dataText,
          "gauc(by: user_id)",
          "gauc(by: u".length,
        ),
      },
    );
    expect(locations.map((item) => item.uri)).toEqual([dataUri]);
    expect(locations[0].range.start).toEqual(
      positionOf(dataText, "categorical user_id", "categorical ".length),
    );
    await close(dataUri);
  });

  it("shows table shapes in a features block", async () => {
    const dataUri = fileUri(dataPath);
    await client.nextDiagnostics(dataUri, await open(dataUri, dataText));
    const hover = await client.request<{ contents: { value: string } } | null>(
      "textDocument/hover",
      {
        textDocument: { uri: dataUri },
        position: positionOf(dataText, "group user", 2),
      },
    );
    const text = hover?.contents.value ?? "";
    expect(text).toMatch(/^\*\*group\*\*: /);
    expect(text).toContain("| table user_id | [B, 16] | rows(user_id) x 16 |");
    expect(text).not.toContain("table video_id");
    await close(dataUri);
  });

  it("goes to the file of an import", async () => {
    const locations = await client.request<Location[]>(
      "textDocument/definition",
      {
        textDocument: { uri: uri() },
        position: positionOf(modelText, '"data.hmdn"', 3),
      },
    );
    expect(locations.map((item) => item.uri)).toEqual([fileUri(dataPath)]);
  });

  it("formats the document", async () => {
    const messy = modelText.replace("    experts 4\n", "experts    4\n\n\n");
    await replace(uri(), messy);
    const edits = await client.request<{ newText: string }[]>(
      "textDocument/formatting",
      {
        textDocument: { uri: uri() },
        options: { tabSize: 2, insertSpaces: true },
      },
    );
    expect(edits.length).toBe(1);
    expect(edits[0].newText).toBe(
      modelText.replace("    experts 4\n", "    experts 4\n\n"),
    );
  });
});

describe("language server shutdown", () => {
  it("exits with code 0 after shutdown", async () => {
    expect(await client.stop()).toBe(0);
  });
});
