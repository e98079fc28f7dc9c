import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node.js";

/** The `publishDiagnostics` parameters, as the client receives them. */
export interface PublishedDiagnostics {
  readonly uri: string;
  readonly version?: number;
  readonly diagnostics: readonly {
    readonly range: {
      readonly start: { line: number; character: number };
      readonly end: { line: number; character: number };
    };
    readonly severity?: number;
    readonly code?: string | number;
    readonly source?: string;
    readonly message: string;
  }[];
}

const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));
const cliEntry = fileURLToPath(new URL("../../bin/hmdnc.js", import.meta.url));
const builtServer = fileURLToPath(
  new URL("../../dist/lsp/server.js", import.meta.url),
);

/** Converts a file path to the `file:` URI an editor would send. */
export function fileUri(path: string): string {
  return pathToFileURL(path).href;
}

/**
 * A language client over the real JSON-RPC protocol: it spawns
 * `node bin/hmdnc.js lsp --stdio` (the built CLI) and records every
 * `textDocument/publishDiagnostics` notification.
 */
export class TestClient {
  readonly connection: MessageConnection;
  readonly published: PublishedDiagnostics[] = [];
  readonly stderr: string[] = [];
  /** The `window/logMessage` texts, where the server reports its own failures. */
  readonly logs: string[] = [];
  private readonly child: ChildProcess;
  private waiters: {
    match: (item: PublishedDiagnostics) => boolean;
    resolve: (item: PublishedDiagnostics) => void;
  }[] = [];

  private constructor(child: ChildProcess) {
    this.child = child;
    if (child.stdout === null || child.stdin === null) {
      throw new Error("the server process has no stdio pipes");
    }
    this.connection = createMessageConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr.push(chunk.toString("utf8"));
    });
    this.connection.onNotification(
      "textDocument/publishDiagnostics",
      (params: PublishedDiagnostics) => {
        this.published.push(params);
        const pending = this.waiters.filter((waiter) => waiter.match(params));
        this.waiters = this.waiters.filter((waiter) => !waiter.match(params));
        for (const waiter of pending) waiter.resolve(params);
      },
    );
    this.connection.onNotification(
      "window/logMessage",
      (params: { message: string }) => {
        this.logs.push(params.message);
      },
    );
    this.connection.listen();
  }

  /** Spawns the server and completes the `initialize` handshake. */
  static async start(rootPath: string = repositoryRoot): Promise<{
    client: TestClient;
    capabilities: Record<string, unknown>;
  }> {
    if (!existsSync(builtServer)) {
      throw new Error(
        `${builtServer} is missing: run \`npm run build\` before the LSP tests`,
      );
    }
    const child = spawn(process.execPath, [cliEntry, "lsp", "--stdio"], {
      cwd: repositoryRoot,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const client = new TestClient(child);
    const result = (await client.connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: fileUri(rootPath),
      capabilities: {
        textDocument: {
          hover: { contentFormat: ["markdown", "plaintext"] },
          completion: { completionItem: { snippetSupport: false } },
        },
      },
      workspaceFolders: null,
    })) as { capabilities: Record<string, unknown> };
    await client.connection.sendNotification("initialized", {});
    return { client, capabilities: result.capabilities };
  }

  /** Sends a request and returns its result. */
  request<T>(method: string, params: unknown): Promise<T> {
    return this.connection.sendRequest(method, params) as Promise<T>;
  }

  /** Sends a notification. */
  notify(method: string, params: unknown): Promise<void> {
    return this.connection.sendNotification(method, params);
  }

  /**
   * Resolves with the next diagnostics published for `uri` (and `version`,
   * when given) that have not been consumed yet; the already recorded ones
   * count, so a reply that arrived before the call is not missed.
   */
  nextDiagnostics(
    uri: string,
    version?: number,
    timeoutMs = 10_000,
  ): Promise<PublishedDiagnostics> {
    const match = (item: PublishedDiagnostics) =>
      item.uri === uri && (version === undefined || item.version === version);
    const seen = this.published.find(match);
    if (seen !== undefined) {
      this.published.splice(this.published.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `no diagnostics for ${uri} (version ${version}) within ${timeoutMs} ms; stderr: ${this.stderr.join("")}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push({
        match,
        resolve: (item) => {
          clearTimeout(timer);
          this.published.splice(this.published.indexOf(item), 1);
          resolve(item);
        },
      });
    });
  }

  /** Sends `shutdown` and `exit`, and waits for the process to end. */
  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => {
      if (this.child.exitCode !== null) resolve(this.child.exitCode);
      else this.child.once("exit", (code) => resolve(code));
    });
    await this.request("shutdown", null);
    await this.notify("exit", null);
    const code = await exited;
    this.connection.dispose();
    return code;
  }
}
