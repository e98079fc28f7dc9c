import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { createNetwork } from "../../src/runtime/network.js";
import type { Network } from "../../src/runtime/types.js";
import {
  TEST_HIERARCHY,
  TEST_PRE,
  testBatch,
  testIr,
  testSharedBottom,
} from "./network-fixtures.js";

const BACKENDS = ["cpu", "wasm"] as const;

async function build(
  backend: string,
  overrides: Parameters<typeof testIr>[0] = {},
): Promise<Network> {
  return createNetwork(testIr(overrides), TEST_PRE, {
    backend,
    backbone: testSharedBottom,
  });
}

describe.each(BACKENDS)("network on %s", (backend) => {
  it("lowers the training loss", async () => {
    const network = await build(backend, { hierarchy: TEST_HIERARCHY });
    const batch = testBatch(64, 1);
    const first = network.trainStep(batch).loss;
    let last = first;
    for (let i = 0; i < 40; i++) last = network.trainStep(batch).loss;
    expect(network.step).toBe(41);
    expect(last).toBeLessThan(first * 0.8);
    network.dispose();
  });

  it("keeps the tensor count flat across steps", async () => {
    const network = await build(backend, {
      hierarchy: TEST_HIERARCHY,
      dropout: 0.3,
    });
    const batch = testBatch(32, 2);
    network.trainStep(batch);
    const afterFirst = tf.memory().numTensors;
    for (let i = 0; i < 24; i++) network.trainStep(testBatch(32, 10 + i));
    network.predict(batch);
    network.assignCodes(batch);
    network.readQuantizerStats();
    for (let i = 0; i < 25; i++) network.trainStep(testBatch(32, 40 + i));
    expect(tf.memory().numTensors).toBe(afterFirst);
    network.dispose();
  });
});
