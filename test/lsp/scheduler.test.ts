import { describe, expect, it } from "vitest";

import { CoalescingScheduler } from "../../src/lsp/scheduler.js";

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe("coalescing scheduler", () => {
  it("runs a burst of requests at most twice", async () => {
    const gate = deferred();
    const runs: string[] = [];
    const finished = deferred();
    const scheduler = new CoalescingScheduler(
      async (key) => {
        runs.push(key);
        if (runs.length === 1) await gate.promise;
        if (runs.length === 2) finished.resolve();
      },
      () => undefined,
    );
    for (let i = 0; i < 10; i++) scheduler.request("a");
    gate.resolve();
    await finished.promise;
    expect(runs).toEqual(["a", "a"]);
  });

  it("runs different keys independently", async () => {
    const runs: string[] = [];
    const scheduler = new CoalescingScheduler(
      async (key) => {
        runs.push(key);
      },
      () => undefined,
    );
    scheduler.request("a");
    scheduler.request("b");
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(runs.sort()).toEqual(["a", "b"]);
  });

  it("reports a failed job and keeps running", async () => {
    const errors: string[] = [];
    let calls = 0;
    const scheduler = new CoalescingScheduler(
      async () => {
        calls++;
        if (calls === 1) throw new Error("boom");
      },
      (key, error) => errors.push(`${key}: ${(error as Error).message}`),
    );
    scheduler.request("a");
    await new Promise((resolve) => setTimeout(resolve, 10));
    scheduler.request("a");
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(errors).toEqual(["a: boom"]);
    expect(calls).toBe(2);
  });
});
