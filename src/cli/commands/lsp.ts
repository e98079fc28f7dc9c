import type { Command } from "../main.js";

const help = `usage: hmdnc lsp --stdio

Runs the hmdnc language server, speaking the Language Server Protocol over
stdin and stdout, for editors such as VS Code (see docs/editor.md). It
offers the compiler's diagnostics while you type, hover with inferred
output shapes and parameter counts, completion, go to definition and
formatting. The server runs until the editor sends \`exit\`.

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
    const connection = createConnection(
      new StreamMessageReader(process.stdin),
      new StreamMessageWriter(process.stdout),
    );
    startServer(connection);
    // The connection ends the process itself when the client sends `exit`.
    await new Promise<never>(() => undefined);
    return 0;
  },
};
