import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { registerWasmBackend } from "../../src/runtime/backend-wasm.js";
import { mixExperts } from "../../src/runtime/backbones/common.js";
import { seededRandom } from "./backbones/helpers.js";

/** Returns a `[rows, columns]` tensor of seeded values in [-1, 1). */
function seeded(rows: number, columns: number, seed: number): tf.Tensor2D {
  const random = seededRandom(seed);
  const values = Float32Array.from(
    { length: rows * columns },
    () => random() * 2 - 1,
  );
  return tf.tensor2d(values, [rows, columns]);
}

/**
 * Mixes with stock ops, whose gradient tfjs derives. It
 * slices the columns because the tfjs 4.22 gradient of a `split` into one
 * part fails.
 */
function stockMix(weights: tf.Tensor2D, experts: tf.Tensor2D[]): tf.Tensor2D {
  const terms = experts.map(
    (f, i) => tf.mul(tf.slice(weights, [0, i], [-1, 1]), f) as tf.Tensor2D,
  );
  return terms.length === 1 ? terms[0] : (tf.addN(terms) as tf.Tensor2D);
}

/** Returns the mixed values and the gradients of a loss by every input. */
function run(
  mix: (weights: tf.Tensor2D, experts: tf.Tensor2D[]) => tf.Tensor2D,
  expertCount: number,
): number[][] {
  return tf.tidy(() => {
    const logits = seeded(6, expertCount, 1);
    const experts = Array.from({ length: expertCount }, (_, i) =>
      seeded(6, 5, 10 + i),
    );
    const target = seeded(6, 5, 99);
    const loss = (...inputs: tf.Tensor[]) => {
      const [l, ...f] = inputs as tf.Tensor2D[];
      // Two gates share the experts, as in MMoE, so gradients accumulate.
      const first = mix(tf.softmax(l), f);
      const second = mix(tf.softmax(tf.mul(l, -1) as tf.Tensor2D), f);
      return tf.sum(tf.mul(tf.add(tf.square(first), second), target));
    };
    const grads = tf.grads(loss)([logits, ...experts]);
    const mixed = mix(tf.softmax(logits), experts);
    return [mixed, ...grads].map((t) => Array.from(t.dataSync()));
  });
}

describe("mixExperts", () => {
  beforeAll(async () => {
    await registerWasmBackend({ threads: 1 });
  });

  for (const count of [1, 3]) {
    it(`gradient matches stock form, ${count} expert(s)`, () => {
      const custom = run(mixExperts, count);
      const stock = run(stockMix, count);
      expect(custom.length).toBe(count + 2);
      custom.forEach((values, i) => expect(values).toEqual(stock[i]));
      expect(custom[count + 1].some((v) => v !== 0)).toBe(true);
    });
  }

  it("weights each expert by its column", () => {
    const mixed = tf.tidy(() =>
      mixExperts(tf.tensor2d([[0.25, 0.75]]), [
        tf.tensor2d([[4, 8]]),
        tf.tensor2d([[-4, 12]]),
      ]),
    );
    expect(Array.from(mixed.dataSync())).toEqual([-2, 11]);
    mixed.dispose();
  });
});
