/**
 * The hmdnc language server: diagnostics from the compiler on every change,
 * hover with inferred shapes, completion, go to definition and formatting
 * for `.hmdn` documents. `hmdnc lsp --stdio` runs it over stdin and stdout.
 */

import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import {
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type InitializeResult,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";

import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { Analysis } from "./analysis.js";
import { completionsAt } from "./completion.js";
import { definitionAt } from "./definition.js";
import { toLspDiagnostic } from "./diagnostics.js";
import { formatDocument } from "./formatting.js";
import { hoverAt } from "./hover.js";
import { DocumentOverlay } from "./overlay.js";
import { PositionMap } from "./positions.js";
import { CoalescingScheduler } from "./scheduler.js";

/** What the server announces in its `initialize` reply. */
export const SERVER_CAPABILITIES: InitializeResult["capabilities"] = {
  textDocumentSync: {
    openClose: true,
    change: TextDocumentSyncKind.Incremental,
  },
  hoverProvider: true,
  completionProvider: { triggerCharacters: ["(", ","] },
  definitionProvider: true,
  documentFormattingProvider: true,
};

/** The lifecycle state of a running server, for the command that hosts it. */
export interface ServerState {
  /** Whether the client sent `shutdown`, which makes the exit code 0. */
  readonly shutdownReceived: boolean;
}

/**
 * Wires the handlers of the language server to `connection` and starts
 * listening. Returns the lifecycle state the host reads when the input
 * stream closes.
 */
export function startServer(connection: Connection): ServerState {
  const state = { shutdownReceived: false };
  const overlay = new DocumentOverlay();
  overlay.install();
  const documents = new TextDocuments(TextDocument);
  const latest = new Map<
    string,
    { version: number; analysis: Promise<Analysis> }
  >();
  // For each open document, the other files it published diagnostics for.
  const publishedFor = new Map<string, Set<string>>();

  const analysisOf = (document: TextDocument): Promise<Analysis> => {
    const cached = latest.get(document.uri);
    if (cached !== undefined && cached.version === document.version) {
      return cached.analysis;
    }
    const analysis = Analysis.run(
      documentPath(document.uri),
      document.version,
      document.getText(),
    );
    latest.set(document.uri, { version: document.version, analysis });
    return analysis;
  };

  const publish = async (uri: string): Promise<void> => {
    const document = documents.get(uri);
    if (document === undefined) return;
    const analysis = await analysisOf(document);
    // A newer version is already queued and will publish its own result.
    if (documents.get(uri)?.version !== analysis.version) return;
    const others = publishDiagnostics(connection, documents, analysis, uri);
    for (const stale of publishedFor.get(uri) ?? []) {
      if (!others.has(stale) && documents.get(stale) === undefined) {
        void connection.sendDiagnostics({ uri: stale, diagnostics: [] });
      }
    }
    publishedFor.set(uri, others);
  };

  const scheduler = new CoalescingScheduler(publish, (uri, error) => {
    const detail =
      error instanceof Error ? (error.stack ?? error.message) : String(error);
    connection.console.error(`hmdnc: analysis of ${uri} failed: ${detail}`);
  });

  const analyzeDependents = (changed: string): void => {
    scheduler.request(changed);
    const changedFile = documentPath(changed);
    for (const document of documents.all()) {
      if (document.uri === changed) continue;
      const cached = latest.get(document.uri);
      void cached?.analysis.then((analysis) => {
        if (analysis.files.some((file) => path.resolve(file) === changedFile)) {
          latest.delete(document.uri);
          scheduler.request(document.uri);
        }
      });
    }
  };

  connection.onInitialize(() => ({
    capabilities: SERVER_CAPABILITIES,
    serverInfo: { name: "hmdnc" },
  }));

  documents.onDidChangeContent(({ document }) => {
    overlay.set(documentPath(document.uri), document.getText());
    analyzeDependents(document.uri);
  });

  documents.onDidClose(({ document }) => {
    overlay.delete(documentPath(document.uri));
    latest.delete(document.uri);
    const stale = [document.uri, ...(publishedFor.get(document.uri) ?? [])];
    publishedFor.delete(document.uri);
    for (const uri of stale)
      void connection.sendDiagnostics({ uri, diagnostics: [] });
    analyzeDependents(document.uri);
  });

  connection.onDidChangeWatchedFiles(() => {
    // An imported file changed on disk: every open document may depend on it.
    latest.clear();
    for (const document of documents.all()) scheduler.request(document.uri);
  });

  connection.onHover(async ({ textDocument, position }) => {
    const document = documents.get(textDocument.uri);
    if (document === undefined) return null;
    const analysis = await analysisOf(document);
    const positions = new PositionMap(document.getText());
    return hoverAt(analysis, positions, positions.offset(position));
  });

  connection.onCompletion(async ({ textDocument, position }) => {
    const document = documents.get(textDocument.uri);
    if (document === undefined) return [];
    const analysis = await analysisOf(document);
    const positions = new PositionMap(document.getText());
    return completionsAt(
      analysis,
      analysis.parsed.source.text,
      positions.offset(position),
    );
  });

  connection.onDefinition(async ({ textDocument, position }) => {
    const document = documents.get(textDocument.uri);
    if (document === undefined) return [];
    const analysis = await analysisOf(document);
    const positions = new PositionMap(document.getText());
    return definitionAt(analysis, positions.offset(position));
  });

  connection.onDocumentFormatting(async ({ textDocument }) => {
    const document = documents.get(textDocument.uri);
    if (document === undefined) return [];
    return formatDocument(await analysisOf(document), document.getText());
  });

  connection.onShutdown(() => {
    state.shutdownReceived = true;
    overlay.uninstall();
  });

  documents.listen(connection);
  connection.listen();
  return state;
}

/**
 * The file path of a document. A document that is not a file yet (VS Code's
 * `untitled:Untitled-1`) gets a path in the working directory, so that its
 * imports resolve from there.
 */
function documentPath(uri: string): string {
  if (uri.startsWith("file:")) return fileURLToPath(uri);
  return path.resolve(
    decodeURIComponent(uri.replace(/^[A-Za-z][\w+.-]*:/, "")),
  );
}

/**
 * Publishes the diagnostics of an analysis: those of the document itself,
 * and those of imported files that are not open (an open file publishes
 * its own). Returns the URIs of those other files.
 */
function publishDiagnostics(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  analysis: Analysis,
  uri: string,
): Set<string> {
  const byFile = new Map<string, Diagnostic[]>([[analysis.file, []]]);
  for (const item of analysis.check.diagnostics) {
    const file = path.resolve(item.file);
    byFile.set(file, [...(byFile.get(file) ?? []), item]);
  }
  const lookup = (file: string) => {
    const source =
      analysis.check.sources.get(file) ?? analysis.program.sources.get(file);
    if (source === undefined) return undefined;
    return {
      uri: pathToFileURL(path.resolve(file)).href,
      positions: new PositionMap(source.text),
    };
  };
  const others = new Set<string>();
  for (const [file, items] of byFile) {
    const target = lookup(file) ?? {
      uri: pathToFileURL(file).href,
      positions: new PositionMap(""),
    };
    const isRoot = file === path.resolve(analysis.file);
    if (!isRoot && documents.get(target.uri) !== undefined) continue;
    const diagnostics: LspDiagnostic[] = items.map((item) =>
      toLspDiagnostic(item, target.positions, lookup),
    );
    void connection.sendDiagnostics({
      uri: isRoot ? uri : target.uri,
      ...(isRoot ? { version: analysis.version } : {}),
      diagnostics,
    });
    if (!isRoot) others.add(target.uri);
  }
  return others;
}
