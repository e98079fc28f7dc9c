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

describe("weight initialisation", () => {
  it("starts shared weights alike with and without a hierarchy", async () => {
    const plain = (await build("cpu")).getState();
    const hmdn = (await build("cpu", { hierarchy: TEST_HIERARCHY })).getState();
    const names = Object.keys(plain).filter((name) =>
      name.startsWith("tower/"),
    );
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(Array.from(hmdn[name].values)).toEqual(
        Array.from(plain[name].values),
      );
    }
    // The bottom kernel reads s_D too, so its shape and values differ.
    expect(hmdn["backbone/bottom/kernel"].shape).not.toEqual(
      plain["backbone/bottom/kernel"].shape,
    );
  });
});

/** Trains `steps` steps on `backend` and returns the losses and the final state. */
async function trainOn(backend: string, steps: number) {
  const network = await build(backend, {
    hierarchy: TEST_HIERARCHY,
    dropout: 0.2,
    train: { gradClip: 1 },
  });
  const initial = network.getState();
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push(network.trainStep(testBatch(32, 100 + i)).loss);
  }
  const state = network.getState();
  network.dispose();
  return { initial, losses, state };
}

describe("backend independence", () => {
  it("gives the same initial weights on wasm and cpu", async () => {
    const cpu = await trainOn("cpu", 0);
    const wasm = await trainOn("wasm", 0);
    expect(Object.keys(wasm.initial).sort()).toEqual(
      Object.keys(cpu.initial).sort(),
    );
    for (const name of Object.keys(cpu.initial)) {
      expect(Array.from(wasm.initial[name].values), name).toEqual(
        Array.from(cpu.initial[name].values),
      );
    }
  });

  it("gives the same losses and weights on wasm and cpu", async () => {
    const cpu = await trainOn("cpu", 5);
    const wasm = await trainOn("wasm", 5);
    for (let i = 0; i < 5; i++) {
      expect(Math.abs(wasm.losses[i] - cpu.losses[i])).toBeLessThan(1e-5);
    }
    for (const name of Object.keys(cpu.state)) {
      const a = cpu.state[name].values;
      const b = wasm.state[name].values;
      let worst = 0;
      for (let i = 0; i < a.length; i++)
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst, name).toBeLessThan(1e-4);
    }
  });
});

describe("evaluation between steps", () => {
  it("changes no state and no later step", async () => {
    const overrides = { hierarchy: TEST_HIERARCHY, dropout: 0.3 };
    const plain = await build("wasm", overrides);
    const evaluated = await build("wasm", overrides);
    for (let i = 0; i < 3; i++) {
      plain.trainStep(testBatch(32, 400 + i));
      evaluated.trainStep(testBatch(32, 400 + i));
    }
    const before = evaluated.getState();
    evaluated.predict(testBatch(64, 450));
    evaluated.assignCodes(testBatch(64, 451));
    const after = evaluated.getState();
    for (const name of Object.keys(before)) {
      expect(Array.from(after[name].values), name).toEqual(
        Array.from(before[name].values),
      );
    }
    for (let i = 3; i < 5; i++) {
      expect(evaluated.trainStep(testBatch(32, 400 + i)).loss).toBe(
        plain.trainStep(testBatch(32, 400 + i)).loss,
      );
    }
    plain.dispose();
    evaluated.dispose();
  });
});

describe("state", () => {
  it("resumes training exactly from a saved state", async () => {
    const overrides = { hierarchy: TEST_HIERARCHY, dropout: 0.3 };
    const first = await build("cpu", overrides);
    for (let i = 0; i < 3; i++) first.trainStep(testBatch(32, 200 + i));
    const saved = first.getState();
    for (let i = 3; i < 6; i++) first.trainStep(testBatch(32, 200 + i));
    const expected = first.predict(testBatch(16, 300));

    const second = await build("cpu", overrides);
    second.setState(saved);
    expect(second.step).toBe(3);
    for (let i = 3; i < 6; i++) second.trainStep(testBatch(32, 200 + i));
    const actual = second.predict(testBatch(16, 300));
    expect(Array.from(actual.click)).toEqual(Array.from(expected.click));
    expect(Array.from(actual.like)).toEqual(Array.from(expected.like));
    first.dispose();
    second.dispose();
  });

  it("rejects a state with missing names", async () => {
    const network = await build("cpu");
    const { ["network/step"]: _step, ...rest } = network.getState();
    expect(() => network.setState(rest)).toThrow(/missing network\/step/);
    network.dispose();
  });
});
