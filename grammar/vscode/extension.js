// The VS Code side of the HMDN language support: it starts
// `hmdnc lsp --stdio` and lets vscode-languageclient relay diagnostics,
// hover, completion, go to definition and formatting. Highlighting, brackets
// and snippets come from the manifest and need no running code.
//
// esbuild bundles this file with vscode-languageclient into
// dist/extension.js (see scripts/package-vsix.mjs), so the .vsix ships no
// node_modules.

"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;

/**
 * Creates a client from the current `hmdn.server.*` settings.
 *
 * @param {vscode.FileSystemWatcher} watcher reports `.hmdn` files changed on disk
 */
function createClient(watcher) {
  const settings = vscode.workspace.getConfiguration("hmdn.server");
  const command = settings.get("command", "hmdnc");
  const leadingArgs = settings.get("args", []);
  const serverOptions = {
    command,
    args: [...leadingArgs, "lsp", "--stdio"],
    // npm installs `hmdnc` as a .cmd shim on Windows, which only a shell runs.
    options: { shell: process.platform === "win32" },
  };
  const clientOptions = {
    documentSelector: [{ language: "hmdn" }],
    synchronize: { fileEvents: watcher },
  };
  return new LanguageClient(
    "hmdn",
    "HMDN language server",
    serverOptions,
    clientOptions,
  );
}

/**
 * Starts the language client, and restarts it when a server setting changes.
 *
 * @param {vscode.ExtensionContext} context
 */
async function activate(context) {
  // One watcher for every client, so a restart does not leave one behind.
  const watcher = vscode.workspace.createFileSystemWatcher("**/*.hmdn");
  context.subscriptions.push(watcher);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!event.affectsConfiguration("hmdn.server")) return;
      if (client !== undefined) await client.stop();
      client = createClient(watcher);
      await client.start();
    }),
  );
  client = createClient(watcher);
  await client.start();
}

/** Stops the language server when VS Code unloads the extension. */
async function deactivate() {
  if (client !== undefined) await client.stop();
}

module.exports = { activate, deactivate };
