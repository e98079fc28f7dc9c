import { describe, expect, it } from "vitest";

import {
  openDataset,
  type OpenDatasetOptions,
} from "../../src/runtime/data/dataset.js";
import type { DataBatch } from "../../src/runtime/data/encode.js";
import { categorical, model, tempFile } from "./fixtures.js";

async function lines(batches: AsyncGenerator<DataBatch>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const { meta, batch } of batches) {
    out.push(
      [...meta.lines].slice(0, batch.weights.filter((w) => w > 0).length),
    );
  }
  return out;
}

const rowCount = 103;
const text =
  "click,user\n" +
  Array.from({ length: rowCount }, (_, i) => `${i % 2},u${i % 9}\n`).join("");

async function open(
  options: OpenDatasetOptions & { split?: "random" | "ordered" } = {},
) {
  const path = tempFile("rows.csv", text);
  return openDataset(
    model({
      path,
      features: [categorical("user")],
      split:
        options.split === "ordered"
          ? { kind: "ordered", valid: 0.2, test: 0.1 }
          : { kind: "random", seed: 11, valid: 0.2, test: 0.1 },
      gaucBy: "user",
    }),
    { seed: 5, ...options },
  );
}

describe("dataset batches", () => {
  for (const mode of ["memory", "stream"] as const) {
    describe(`${mode} mode`, () => {
      const options = { mode, shuffleBufferRows: 16, chunkBytes: 64 };

      it("visits every training row once per epoch", async () => {
        const dataset = await open(options);
        const seen = (
          await lines(dataset.batches("train", { batchSize: 10, epoch: 0 }))
        ).flat();
        expect(seen).toHaveLength(dataset.rows.train);
        expect(new Set(seen).size).toBe(dataset.rows.train);
      });

      it("shuffles each epoch differently and repeatably", async () => {
        const dataset = await open(options);
        const epoch0 = await lines(
          dataset.batches("train", { batchSize: 10, epoch: 0 }),
        );
        const again = await lines(
          dataset.batches("train", { batchSize: 10, epoch: 0 }),
        );
        const epoch1 = await lines(
          dataset.batches("train", { batchSize: 10, epoch: 1 }),
        );
        expect(again).toEqual(epoch0);
        expect(epoch1).not.toEqual(epoch0);
        expect(epoch1.flat().sort()).toEqual(epoch0.flat().sort());
      });

      it("resumes at batch k with the same remaining batches", async () => {
        const dataset = await open(options);
        const full = await lines(
          dataset.batches("train", { batchSize: 7, epoch: 2 }),
        );
        const resumed = await lines(
          dataset.batches("train", { batchSize: 7, epoch: 2, startBatch: 3 }),
        );
        expect(resumed).toEqual(full.slice(3));
      });

      it("keeps file order for validation and test", async () => {
        const dataset = await open({ ...options, split: "ordered" });
        const valid = (
          await lines(dataset.batches("valid", { batchSize: 8 }))
        ).flat();
        const test = (
          await lines(dataset.batches("test", { batchSize: 8 }))
        ).flat();
        // 103 rows: 10 test rows (floor 10.3) and 20 validation rows before them.
        expect(valid).toEqual(Array.from({ length: 20 }, (_, i) => 75 + i));
        expect(test).toEqual(Array.from({ length: 10 }, (_, i) => 95 + i));
        expect(dataset.rows).toEqual({ train: 73, valid: 20, test: 10 });
      });

      it("pads the last batch with weight-0 rows", async () => {
        const dataset = await open({ ...options, split: "ordered" });
        const batches: DataBatch[] = [];
        for await (const b of dataset.batches("test", {
          batchSize: 4,
          padLastBatch: true,
        })) {
          batches.push(b);
        }
        const last = batches[batches.length - 1];
        expect(last.batch.size).toBe(4);
        expect([...last.batch.weights]).toEqual([1, 1, 0, 0]);
        expect([...last.batch.categorical.user.subarray(2)]).toEqual([0, 0]);
      });

      it("gives group ids that follow the group values", async () => {
        const dataset = await open({ ...options, split: "ordered" });
        const ids = new Map<number, number>();
        for await (const { meta } of dataset.batches("valid", {
          batchSize: 8,
        })) {
          meta.lines.forEach((line, i) => {
            const user = (line - 2) % 9;
            const id = meta.groups![i];
            expect(meta.groupValues![i]).toBe(`u${user}`);
            if (ids.has(user)) expect(ids.get(user)).toBe(id);
            ids.set(user, id);
          });
        }
        expect(new Set(ids.values()).size).toBe(ids.size);
      });
    });
  }

  it("splits randomly by row index, independent of chunking", async () => {
    const small = await open({ chunkBytes: 32 });
    const large = await open({ chunkBytes: 1 << 16 });
    expect(small.rows).toEqual(large.rows);
    const a = (await lines(small.batches("valid", { batchSize: 50 }))).flat();
    const b = (await lines(large.batches("valid", { batchSize: 50 }))).flat();
    expect(a).toEqual(b);
    expect(small.rows.train + small.rows.valid + small.rows.test).toBe(
      rowCount,
    );
  });

  it("chooses stream mode above the memory budget", async () => {
    expect((await open({ memoryBudgetBytes: 100 })).mode).toBe("stream");
    expect((await open()).mode).toBe("memory");
  });
});
