import type { Command } from "../main.js";

const help = `usage: hmdnc lsp --stdio

Runs the hmdnc language server, speaking the Language Server Protocol over
stdin and stdout, for editors such as VS Code (see docs/editor.md). It
offers the compiler's diagnostics while you type, hover with inferred
output shapes and parameter counts, completion, go to definition and
formatting. The server runs until the editor sends \`exit\` or closes stdin;
it exits with 0 after a \`shutdown\` request and with 1 otherwise, as the
protocol asks.

options:
  --stdio   talk over stdin and stdout (the only transport)
`;

/** `hmdnc lsp`: run the language server. */
export const command: Command = {
  name: "lsp",
  summary: "run the language server for editors (LSP over stdio)",
  help,
  async run(args) {
    const unknown = args.filter((arg) => arg !== "--stdio");
    if (unknown.length > 0 || !args.includes("--stdio")) {
      process.stderr.write(
        unknown.length > 0
          ? `error: unknown option \`${unknown[0]}\`\n`
          : "error: missing --stdio, the only transport\n",
      );
      process.stderr.write("help: run `hmdnc lsp --help` for the usage\n");
      return 1;
    }
    const { createConnection, StreamMessageReader, StreamMessageWriter } =
      await import("vscode-languageserver/node.js");
    const { startServer } = await import("../../lsp/server.js");
    const reader = new StreamMessageReader(process.stdin);
    const connection = createConnection(
      reader,
      new StreamMessageWriter(process.stdout),
    );
    // The reader skips a message it cannot decode; the client log shows it.
    reader.onError((error) => {
      connection.console.error(
        `invalid message from the client, skipped: ${error.message}`,
      );
    });
    const closed = new Promise<void>((resolve) => {
      reader.onClose(() => resolve());
    });
    const state = startServer(connection);
    // The connection ends the process itself when the client sends `exit`.
    // When stdin closes first, the server stops here instead.
    await closed;
    const code = state.shutdownReceived ? 0 : 1;
    // File watchers and timers of the analysis would keep the process alive
    // with no client left to talk to.
    process.exit(code);
  },
};
