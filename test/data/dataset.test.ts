import { describe, expect, it } from "vitest";

import {
  FIRST_VALUE_ROW,
  MISSING_ROW,
  OOV_ROW,
  PADDING_ID,
} from "../../src/compiler/ir.js";
import {
  fitPreprocessing,
  openDataset,
} from "../../src/runtime/data/dataset.js";
import type { DataBatch } from "../../src/runtime/data/encode.js";
import { DataError } from "../../src/runtime/data/errors.js";
import { fnv1a32 } from "../../src/runtime/data/hash.js";
import {
  parsePreprocessing,
  serializePreprocessing,
} from "../../src/runtime/data/preprocessing.js";
import {
  categorical,
  model,
  multi,
  numeric,
  tempFile,
  vocabularyTable,
} from "./fixtures.js";

async function collect(
  batches: AsyncGenerator<DataBatch>,
): Promise<DataBatch[]> {
  const out: DataBatch[] = [];
  for await (const batch of batches) out.push(batch);
  return out;
}

async function dataError(run: () => Promise<unknown>): Promise<DataError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof DataError) return error;
    throw error;
  }
  throw new Error("expected a DataError");
}

const basic =
  "click,color,size,tags\n" +
  "1,red,1.5,a|b\n" +
  "0,blue,NULL,b\n" +
  "1,red,3,\n" +
  "0,,2,a|a|b|c\n";

function basicModel(
  path: string,
  extra: Partial<Parameters<typeof model>[0]> = {},
) {
  return model({
    path,
    features: [
      categorical("color"),
      numeric("size", { kind: "none" }, { policy: "mean" }),
      multi("tags", 3),
    ],
    ...extra,
  });
}

describe("fitPreprocessing", () => {
  it("sorts vocabularies by count then value", async () => {
    const path = tempFile("d.csv", basic);
    const fitted = await fitPreprocessing(basicModel(path));
    expect(fitted.vocabularies.color).toEqual(["red", "blue"]);
    // `a` and `b` both occur 3 times (duplicates count), so value order decides.
    expect(fitted.vocabularies.tags).toEqual(["a", "b", "c"]);
    expect(fitted.tableRows).toEqual({ color: 4, tags: 5 });
    expect(fitted.scenarios).toEqual(["__all__"]);
  });

  it("applies min_count and max_size", async () => {
    const path = tempFile(
      "d.csv",
      "click,v\n" +
        ["x", "x", "x", "y", "y", "z", "w", "w"]
          .map((v) => `1,${v}\n`)
          .join(""),
    );
    const fitted = await fitPreprocessing(
      model({
        path,
        features: [categorical("v")],
        tables: [vocabularyTable("v", 2, 1)],
      }),
    );
    expect(fitted.vocabularies.v).toEqual(["x"]);
    const all = await fitPreprocessing(
      model({
        path,
        features: [categorical("v")],
        tables: [vocabularyTable("v", 2)],
      }),
    );
    expect(all.vocabularies.v).toEqual(["x", "w", "y"]);
  });

  it("computes numeric statistics of raw values", async () => {
    const path = tempFile("d.csv", basic);
    const fitted = await fitPreprocessing(basicModel(path));
    const stats = fitted.numericStats.size;
    expect(stats.count).toBe(3);
    expect(stats.mean).toBeCloseTo(6.5 / 3, 12);
    expect(stats.min).toBe(1.5);
    expect(stats.max).toBe(3);
    const variance =
      ((1.5 - 6.5 / 3) ** 2 + (3 - 6.5 / 3) ** 2 + (2 - 6.5 / 3) ** 2) / 3;
    expect(stats.std).toBeCloseTo(Math.sqrt(variance), 12);
  });

  it("folds rare scenarios into __other__", async () => {
    const rows = ["s1", "s1", "s1", "s2", "s2", "s3"]
      .map((s) => `1,${s},a\n`)
      .join("");
    const path = tempFile("d.csv", "click,tab,v\n" + rows);
    const top = await fitPreprocessing(
      model({
        path,
        features: [categorical("v")],
        scenario: { column: "tab", top: 1, minRows: 1 },
      }),
    );
    expect(top.scenarios).toEqual(["s1", "__other__"]);
    const minimum = await fitPreprocessing(
      model({
        path,
        features: [categorical("v")],
        scenario: { column: "tab", top: null, minRows: 2 },
      }),
    );
    expect(minimum.scenarios).toEqual(["s1", "s2", "__other__"]);
    const all = await fitPreprocessing(
      model({
        path,
        features: [categorical("v")],
        scenario: { column: "tab", top: null, minRows: 1 },
      }),
    );
    expect(all.scenarios).toEqual(["s1", "s2", "s3"]);
  });

  it("round-trips through JSON", async () => {
    const path = tempFile("d.csv", basic);
    const fitted = await fitPreprocessing(basicModel(path));
    expect(
      parsePreprocessing(serializePreprocessing(fitted), "p.json"),
    ).toEqual(fitted);
  });

  it("rejects a malformed preprocessing file", () => {
    expect(() => parsePreprocessing('{"format":"other"}', "p.json")).toThrow(
      'invalid preprocessing file: `format` is not "hmdnc-preprocessing"',
    );
  });
});

describe("encoding", () => {
  it("encodes ids, numbers, multi-values and missing values", async () => {
    const path = tempFile("d.csv", basic);
    const dataset = await openDataset(basicModel(path));
    const [first] = await collect(dataset.batches("valid", { batchSize: 10 }));
    expect(first).toBeUndefined();
    const [batch] = await collect(dataset.batches("test", { batchSize: 10 }));
    expect(batch).toBeUndefined();
    const rows = await collect(
      (await openDataset(basicModel(path), { mode: "memory" })).batches(
        "train",
        {
          batchSize: 4,
          epoch: 0,
        },
      ),
    );
    expect(rows).toHaveLength(1);
    const { batch: encoded, meta } = rows[0];
    // Reorder by line so the shuffle does not matter.
    const order = [...meta.lines]
      .map((line, i) => [line, i])
      .sort((a, b) => a[0] - b[0])
      .map((p) => p[1]);
    const color = order.map((i) => encoded.categorical.color[i]);
    expect(color).toEqual([
      FIRST_VALUE_ROW,
      FIRST_VALUE_ROW + 1,
      FIRST_VALUE_ROW,
      MISSING_ROW,
    ]);
    const size = order.map((i) => encoded.numeric.size[i]);
    expect(size[0]).toBe(1.5);
    expect(size[1]).toBeCloseTo(6.5 / 3, 6);
    const tags = order.map((i) => [
      ...encoded.multi.tags.subarray(i * 3, i * 3 + 3),
    ]);
    const [a, b, c] = [
      FIRST_VALUE_ROW,
      FIRST_VALUE_ROW + 1,
      FIRST_VALUE_ROW + 2,
    ];
    expect(tags).toEqual([
      [a, b, PADDING_ID],
      [b, PADDING_ID, PADDING_ID],
      [MISSING_ROW, PADDING_ID, PADDING_ID],
      [a, a, b],
    ]);
    expect(order.map((i) => encoded.labels.click[i])).toEqual([1, 0, 1, 0]);
    expect([...encoded.weights]).toEqual([1, 1, 1, 1]);
    expect(c).toBe(dataset.preprocessing.tableRows.tags - 1);
  });

  it("maps unseen values to the OOV row and counts them", async () => {
    const path = tempFile(
      "d.csv",
      "click,color\n1,red\n1,red\n0,blue\n1,green\n0,\n",
    );
    const dataset = await openDataset(
      model({
        path,
        features: [categorical("color")],
        split: { kind: "ordered", valid: 0.4, test: 0 },
      }),
    );
    const [valid] = await collect(dataset.batches("valid", { batchSize: 8 }));
    expect([...valid.batch.categorical.color]).toEqual([OOV_ROW, MISSING_ROW]);
    expect(dataset.report().features.valid?.color).toEqual({
      missing: 1,
      oov: 1,
    });
    expect(dataset.report().features.train?.color).toEqual({
      missing: 0,
      oov: 0,
    });
  });

  it("hashes values into buckets with FNV-1a", async () => {
    const path = tempFile("d.csv", "click,city\n1,paris\n0,oslo\n");
    const dataset = await openDataset(
      model({
        path,
        features: [categorical("city")],
        tables: [
          {
            id: "t",
            name: "city",
            dim: 4,
            vocabulary: { kind: "hash", buckets: 7 },
            features: ["city"],
          },
        ],
      }),
    );
    expect(dataset.preprocessing.tableRows.city).toBe(9);
    const [first] = await collect(dataset.batches("train", { batchSize: 2 }));
    const ids = new Set(first.batch.categorical.city);
    expect(ids).toEqual(
      new Set([2 + (fnv1a32("paris") % 7), 2 + (fnv1a32("oslo") % 7)]),
    );
  });

  it("applies transforms with training statistics", async () => {
    const path = tempFile("d.csv", "click,x\n1,0\n0,10\n1,5\n0,-3\n");
    const features = [
      { ...numeric("x", { kind: "zscore" }), name: "z" },
      { ...numeric("x", { kind: "minmax" }), name: "m" },
      { ...numeric("x", { kind: "log1p" }), name: "l" },
      {
        ...numeric("x", { kind: "buckets", boundaries: [0, 5], table: "xb" }),
        name: "b",
      },
    ];
    const dataset = await openDataset(
      model({
        path,
        features,
        tables: [
          {
            id: "t",
            name: "xb",
            dim: 2,
            vocabulary: { kind: "buckets", buckets: 3 },
            features: ["b"],
          },
        ],
      }),
      { mode: "memory" },
    );
    const [first] = await collect(dataset.batches("valid", { batchSize: 4 }));
    expect(first).toBeUndefined();
    const batches = await collect(dataset.batches("train", { batchSize: 4 }));
    const { batch, meta } = batches[0];
    const byLine = (values: ArrayLike<number>) =>
      [2, 3, 4, 5].map((line) => values[[...meta.lines].indexOf(line)]);
    const mean = 3;
    const std = Math.sqrt((9 + 49 + 4 + 36) / 4);
    byLine(batch.numeric.z).forEach((v, i) =>
      expect(v).toBeCloseTo(([0, 10, 5, -3][i] - mean) / std, 6),
    );
    expect(byLine(batch.numeric.m).map((v) => Number(v.toFixed(6)))).toEqual([
      Number((3 / 13).toFixed(6)),
      1,
      Number((8 / 13).toFixed(6)),
      0,
    ]);
    expect(byLine(batch.numeric.l)[3]).toBeCloseTo(-Math.log(4), 6);
    expect(byLine(batch.categorical.b)).toEqual([3, 4, 4, 2]);
  });
});

describe("bad rows", () => {
  it("names file and line for a wrong field count", async () => {
    const path = tempFile("d.csv", "click,color\n1,red\n0,blue,extra\n");
    const error = await dataError(() =>
      openDataset(model({ path, features: [categorical("color")] })),
    );
    expect(error.diagnostic).toMatchObject({
      code: "HMD4004",
      file: path,
      line: 3,
      message: "row has 3 fields, but the header has 2",
    });
  });

  it("names file, line, column and feature for a bad number", async () => {
    const path = tempFile("d.csv", 'click,note,size\n1,"a\nb",2\n0,x,1O\n');
    const error = await dataError(() =>
      openDataset(
        model({ path, features: [categorical("note"), numeric("size")] }),
      ),
    );
    expect(error.diagnostic).toMatchObject({
      code: "HMD4005",
      line: 4,
      column: 5,
      message: 'invalid number "1O" in column `size` of numeric feature `size`',
    });
    expect(error.message).toBe(
      `${path}:4:5: invalid number "1O" in column \`size\` of numeric feature \`size\``,
    );
  });

  it("rejects labels other than 0 and 1", async () => {
    const path = tempFile("d.csv", "click,color\n2,red\n");
    const error = await dataError(() =>
      openDataset(model({ path, features: [categorical("color")] })),
    );
    expect(error.diagnostic).toMatchObject({
      code: "HMD4006",
      line: 2,
      column: 1,
    });
  });

  it("counts skipped rows per reason", async () => {
    const path = tempFile(
      "d.csv",
      "click,color,size\n1,red,1\n0,blue\n1,red,abc\n7,red,2\n0,red,NULL\n1,blue,2\n",
    );
    const dataset = await openDataset(
      model({
        path,
        features: [categorical("color"), numeric("size")],
        badRows: "skip",
      }),
    );
    expect(dataset.rows.train).toBe(2);
    expect(dataset.report().skipped).toEqual({
      column_count: 1,
      invalid_number: 1,
      invalid_label: 1,
      missing_value: 1,
    });
  });

  it("rejects a missing value when the policy is error", async () => {
    const path = tempFile("d.csv", "click,color\n1,red\n0,NULL\n");
    const error = await dataError(() =>
      openDataset(
        model({ path, features: [categorical("color", { missing: "error" })] }),
      ),
    );
    expect(error.diagnostic).toMatchObject({
      code: "HMD4007",
      line: 3,
      column: 3,
    });
  });

  it("names a column that is not in the header", async () => {
    const path = tempFile("d.csv", "click,colour\n1,red\n");
    const error = await dataError(() =>
      openDataset(model({ path, features: [categorical("color")] })),
    );
    expect(error.diagnostic.code).toBe("HMD4008");
    expect(error.diagnostic.message).toBe(
      "column `color` (feature `color`) is not in the header",
    );
  });
});

describe("CRLF input", () => {
  it("encodes exactly the same batches as LF", async () => {
    const text =
      'click,color,tags\n1,"r,ed",a|b\n0,blue,"b\nc"\n1,red,\n0,"x""y",a\n';
    const encode = async (content: string) => {
      const path = tempFile("d.csv", content);
      const dataset = await openDataset(
        model({
          path,
          features: [categorical("color"), multi("tags", 2)],
          split: { kind: "random", seed: 3, valid: 0.3, test: 0 },
        }),
      );
      const batches = [
        ...(await collect(
          dataset.batches("train", { batchSize: 2, epoch: 1 }),
        )),
        ...(await collect(dataset.batches("valid", { batchSize: 2 }))),
      ];
      return {
        batches: batches.map((b) => b.batch),
        preprocessing: dataset.preprocessing,
      };
    };
    const lf = await encode(text);
    const crlf = await encode(text.replaceAll("\n", "\r\n"));
    expect(crlf).toEqual(lf);
    expect(lf.preprocessing.vocabularies.color).toContain('x"y');
  });
});
