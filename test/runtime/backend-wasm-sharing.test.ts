import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { registerWasmBackend } from "../../src/runtime/backend-wasm.js";

describe("replaced wasm kernels", () => {
  beforeAll(async () => {
    await registerWasmBackend({ threads: 1 });
  });

  it("clones a tensor without a new buffer", () => {
    const x = tf.tensor2d([1.5, -2, 3, 4.25], [2, 2]);
    const buffers = tf.memory().numDataBuffers;
    const y = tf.clone(x);
    expect(tf.memory().numDataBuffers).toBe(buffers);
    x.dispose();
    // The clone holds its own reference, so the values outlive `x`.
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3, 4.25]);
    y.dispose();
    expect(tf.memory().numDataBuffers).toBe(buffers - 1);
  });

  it("casts to the same type without a copy and to another type with one", () => {
    const x = tf.tensor1d([1.75, -3.5], "float32");
    const buffers = tf.memory().numDataBuffers;
    const same = tf.cast(x, "float32");
    expect(tf.memory().numDataBuffers).toBe(buffers);
    const ints = tf.cast(x, "int32");
    expect(tf.memory().numDataBuffers).toBe(buffers + 1);
    expect(ints.dtype).toBe("int32");
    expect(Array.from(ints.dataSync())).toEqual([1, -3]);
    expect(
      Array.from(tf.cast(tf.tensor1d([2, 7], "int32"), "float32").dataSync()),
    ).toEqual([2, 7]);
    tf.dispose([x, same, ints]);
  });

  it("gives the same gradient through shared clones", () => {
    const x = tf.tensor2d([0.5, -1, 2, 3], [2, 2]);
    const w = tf.tensor2d([1, 2, -0.5, 0.25], [2, 2]);
    const grad = tf.grad((v: tf.Tensor) =>
      tf.sum(tf.mul(tf.relu(tf.matMul(v as tf.Tensor2D, w)), v)),
    )(x);
    // d/dx sum(relu(x w) * x) = relu(x w) + (step(x w) * x) w^T
    const xw = [
      [0.5 * 1 + -1 * -0.5, 0.5 * 2 + -1 * 0.25],
      [2 * 1 + 3 * -0.5, 2 * 2 + 3 * 0.25],
    ];
    const xs = [
      [0.5, -1],
      [2, 3],
    ];
    const ws = [
      [1, 2],
      [-0.5, 0.25],
    ];
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        let back = 0;
        for (let k = 0; k < 2; k++) {
          back += (xw[i][k] > 0 ? xs[i][k] : 0) * ws[j][k];
        }
        expected.push(Math.max(0, xw[i][j]) + back);
      }
    }
    const actual = Array.from(grad.dataSync());
    actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    tf.dispose([x, w, grad]);
  });

  it("slices rows, columns and 3-D blocks", () => {
    const x = tf.tensor2d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 4]);
    expect(tf.slice(x, [1, 0], [2, 4]).arraySync()).toEqual([
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
    expect(tf.slice(x, [0, 1], [-1, 2]).arraySync()).toEqual([
      [1, 2],
      [5, 6],
      [9, 10],
    ]);
    const cube = tf.reshape(tf.range(0, 24, 1, "int32"), [2, 3, 4]);
    expect(tf.slice(cube, [1, 1, 2], [1, 2, 2]).arraySync()).toEqual([
      [
        [18, 19],
        [22, 23],
      ],
    ]);
    tf.dispose([x, cube]);
  });

  it("splits a vector and a matrix into parts", () => {
    const vector = tf.tensor1d([1, 2, 3, 4, 5, 6]);
    const parts = tf.split(vector, [1, 3, 2]);
    expect(parts.map((p) => Array.from(p.dataSync()))).toEqual([
      [1],
      [2, 3, 4],
      [5, 6],
    ]);
    const matrix = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], "int32");
    const columns = tf.split(matrix, [2, -1], 1);
    expect(columns.map((c) => c.arraySync())).toEqual([
      [
        [1, 2],
        [4, 5],
      ],
      [[3], [6]],
    ]);
    expect(columns[0].dtype).toBe("int32");
    tf.dispose([vector, matrix, ...parts, ...columns]);
  });
});
