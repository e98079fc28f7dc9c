import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

const cliEntry = fileURLToPath(new URL("../../bin/hmdnc.js", import.meta.url));

/** Frames a JSON-RPC message, or any body, with its Content-Length header. */
function frame(body: string): string {
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const initialize = frame(
  JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { processId: null, rootUri: null, capabilities: {} },
  }),
);
const shutdown = frame(
  JSON.stringify({ jsonrpc: "2.0", id: 2, method: "shutdown" }),
);
const exit = frame(JSON.stringify({ jsonrpc: "2.0", method: "exit" }));

/**
 * Runs the built server, writes `input` to its stdin, waits until stdout
 * contains `waitFor` (when given), then closes stdin unless `keepOpen`.
 */
function runServer(
  input: string,
  options: { waitFor?: string; keepOpen?: boolean } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cliEntry, "lsp", "--stdio"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const timer = setTimeout(() => child.kill(), 20_000);
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (
      options.waitFor !== undefined &&
      stdout.includes(options.waitFor) &&
      !options.keepOpen
    ) {
      child.stdin.end();
    }
  });
  child.stdin.write(input);
  if (options.waitFor === undefined && !options.keepOpen) child.stdin.end();
  return new Promise((resolve) => {
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("language server lifecycle", () => {
  it("exits with 1 when stdin closes", async () => {
    const result = await runServer(initialize, { waitFor: '"id":1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("");
  });

  it("exits with 0 after shutdown and a closed stdin", async () => {
    const result = await runServer(initialize + shutdown, {
      waitFor: '"id":2',
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
  });

  it("exits with 1 on exit without shutdown", async () => {
    const result = await runServer(initialize + exit, { keepOpen: true });
    expect(result.code).toBe(1);
  });

  it("logs a malformed message and goes on", async () => {
    const result = await runServer(frame("{not json") + initialize, {
      waitFor: '"id":1',
    });
    expect(result.stdout).toContain("window/logMessage");
    expect(result.stdout).toContain("invalid message from the client, skipped");
    expect(result.stdout).toContain('"capabilities"');
    expect(result.code).toBe(1);
  });
});
