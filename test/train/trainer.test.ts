import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CheckpointStore } from "../../src/runtime/train/checkpoint.js";
import type {
  TrainEvent,
  ValidationMetrics,
} from "../../src/runtime/train/events.js";
import {
  NonFiniteLossError,
  runTrainingLoop,
  TrainingInterruptedError,
} from "../../src/runtime/train/trainer.js";
import type { Network } from "../../src/runtime/types.js";
import { FakeNetwork, fakeBatches, makeBatch, trainPlan } from "./fakes.js";

const temporaryDirectories: string[] = [];

function temporaryDirectory(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "hmdnc-train-"));
  temporaryDirectories.push(directory);
  return directory;
}

afterEach(() => {
  for (const directory of temporaryDirectories.splice(0)) {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

const validationBatch = makeBatch(99, 256);

/** Validation by negative log loss, reported as `auc` so higher is better. */
function validate(network: Network): ValidationMetrics {
  const scores = network.predict(validationBatch).click;
  let loss = 0;
  for (let i = 0; i < validationBatch.size; i++) {
    const y = validationBatch.labels.click[i];
    loss -= y * Math.log(scores[i]) + (1 - y) * Math.log(1 - scores[i]);
  }
  loss /= validationBatch.size;
  return { auc: -loss, logloss: loss, gauc: null, rows: 256, positives: 0 };
}

/** A validation function that reports a scripted AUC per epoch. */
function scripted(values: number[]): () => ValidationMetrics {
  let epoch = 0;
  return () => ({
    auc: values[epoch++] ?? 0,
    logloss: 0.5,
    gauc: null,
    rows: 1,
    positives: 1,
  });
}

describe("training loop", () => {
  it("runs every epoch and emits events in order", async () => {
    const events: TrainEvent[] = [];
    const outcome = await runTrainingLoop({
      network: new FakeNetwork(7),
      train: trainPlan({ epochs: 2 }),
      data: fakeBatches(5),
      validate,
      checkpoints: null,
      listeners: [(event) => events.push(event)],
    });
    expect(outcome.reason).toBe("completed");
    expect(outcome.step).toBe(10);
    const types = events.map((event) => event.type);
    expect(types[0]).toBe("start");
    expect(types.at(-1)).toBe("end");
    expect(types.filter((type) => type === "step")).toHaveLength(10);
    expect(types.filter((type) => type === "epoch")).toHaveLength(2);
    expect(types.indexOf("epoch")).toBe(6);
  });

  it("stops at max_steps with a partial epoch", async () => {
    const events: TrainEvent[] = [];
    const outcome = await runTrainingLoop({
      network: new FakeNetwork(7),
      train: trainPlan({ epochs: 3, maxSteps: 7 }),
      data: fakeBatches(5),
      validate,
      checkpoints: null,
      listeners: [(event) => events.push(event)],
    });
    expect(outcome.reason).toBe("maxSteps");
    expect(outcome.step).toBe(7);
    const epochs = events.filter((event) => event.type === "epoch");
    expect(epochs.map((event) => event.partial)).toEqual([false, true]);
  });

  it("stops early after patience epochs without improvement", async () => {
    const events: TrainEvent[] = [];
    const network = new FakeNetwork(7);
    const outcome = await runTrainingLoop({
      network,
      train: trainPlan({
        epochs: 10,
        earlyStopping: { metric: "auc", patience: 2, minDelta: 0.01 },
      }),
      data: fakeBatches(3),
      // Epoch 2 (index 1) is best; 0.705 is within min_delta of it.
      validate: scripted([0.6, 0.7, 0.705, 0.69, 0.9]),
      checkpoints: null,
      listeners: [(event) => events.push(event)],
    });
    expect(outcome.reason).toBe("earlyStop");
    expect(outcome.bestEpoch).toBe(1);
    expect(outcome.step).toBe(12);
    const stop = events.find((event) => event.type === "earlyStop");
    expect(stop).toMatchObject({ epoch: 3, bestEpoch: 1, best: 0.7 });
    expect(
      events.filter((e) => e.type === "epoch").map((e) => e.improved),
    ).toEqual([true, true, false, false]);
  });

  it("restores the best epoch's weights after early stopping", async () => {
    const reference = new FakeNetwork(7);
    await runTrainingLoop({
      network: reference,
      train: trainPlan({ epochs: 2 }),
      data: fakeBatches(3),
      validate,
      checkpoints: null,
      listeners: [],
    });
    const network = new FakeNetwork(7);
    await runTrainingLoop({
      network,
      train: trainPlan({
        epochs: 5,
        earlyStopping: { metric: "auc", patience: 1, minDelta: 0 },
      }),
      data: fakeBatches(3),
      validate: scripted([0.6, 0.7, 0.65]),
      checkpoints: null,
      listeners: [],
    });
    expect(Array.from(network.weights)).toEqual(Array.from(reference.weights));
  });

  it("keeps only the newest checkpoints, all complete", async () => {
    const directory = temporaryDirectory();
    await runTrainingLoop({
      network: new FakeNetwork(7),
      train: trainPlan({
        epochs: 2,
        checkpoint: { everySteps: 2, keep: 2 },
      }),
      data: fakeBatches(5),
      validate,
      checkpoints: new CheckpointStore(directory, 2),
      listeners: [],
    });
    // Steps 2 and 4 and the epoch end at 5, then 6 and 8 and the end at 10.
    expect(fs.readdirSync(directory).sort()).toEqual([
      "ckpt-00000008",
      "ckpt-00000010",
    ]);
    for (const name of fs.readdirSync(directory)) {
      expect(fs.readdirSync(path.join(directory, name)).sort()).toEqual([
        "state.bin",
        "state.json",
        "trainer.json",
      ]);
    }
  });

  it("deletes a half-written checkpoint when it opens", async () => {
    const directory = temporaryDirectory();
    const store = new CheckpointStore(directory, 3);
    const network = new FakeNetwork(1);
    const trainer = {
      epoch: 0,
      batch: 2,
      step: 2,
      earlyStopping: { best: null, bestEpoch: null, badEpochs: 0 },
      bestState: null,
      finished: null,
      trainSeconds: 0,
      samples: 0,
    };
    store.save(trainer, network.getState());
    // What a kill during the next save leaves behind.
    fs.mkdirSync(path.join(directory, "ckpt-00000004.tmp"));
    fs.writeFileSync(
      path.join(directory, "ckpt-00000004.tmp", "state.bin"),
      "",
    );

    const reopened = new CheckpointStore(directory, 3);
    expect(fs.readdirSync(directory)).toEqual(["ckpt-00000002"]);
    expect(reopened.latest()?.trainer.step).toBe(2);
    expect(reopened.readTensors("ckpt-00000002")["dense/w"].values).toEqual(
      network.getState()["dense/w"].values,
    );
  });

  it("resumes mid-epoch to the same weights as an uninterrupted run", async () => {
    const plan = trainPlan({
      epochs: 3,
      checkpoint: { everySteps: 3, keep: 5 },
      earlyStopping: { metric: "logloss", patience: 5, minDelta: 0 },
    });
    const uninterrupted = new FakeNetwork(11);
    const fullEvents: TrainEvent[] = [];
    await runTrainingLoop({
      network: uninterrupted,
      train: plan,
      data: fakeBatches(5),
      validate,
      checkpoints: new CheckpointStore(temporaryDirectory(), 5),
      listeners: [(event) => fullEvents.push(event)],
    });

    // Stop the first attempt after step 8, as a kill would: the newest
    // checkpoint is then step 6, batch 1 of epoch 2.
    const directory = temporaryDirectory();
    const first = new FakeNetwork(11);
    const stopper = (event: TrainEvent) => {
      if (event.type === "step" && event.step === 8) throw new Error("killed");
    };
    await expect(
      runTrainingLoop({
        network: first,
        train: plan,
        data: fakeBatches(5),
        validate,
        checkpoints: new CheckpointStore(directory, 5),
        listeners: [stopper],
      }),
    ).rejects.toThrow("killed");

    const store = new CheckpointStore(directory, 5);
    const latest = store.latest();
    expect(latest?.trainer).toMatchObject({ epoch: 1, batch: 1, step: 6 });
    const resumedEvents: TrainEvent[] = [];
    const resumed = new FakeNetwork(999);
    await runTrainingLoop({
      network: resumed,
      train: plan,
      data: fakeBatches(5),
      validate,
      checkpoints: store,
      listeners: [(event) => resumedEvents.push(event)],
      resume: {
        trainer: latest!.trainer,
        tensors: store.readTensors(path.basename(latest!.path)),
        path: latest!.path,
      },
    });

    expect(Array.from(resumed.weights)).toEqual(
      Array.from(uninterrupted.weights),
    );
    expect(resumed.rng).toBe(uninterrupted.rng);
    const lastEpoch = (events: TrainEvent[]) =>
      events.filter((event) => event.type === "epoch").at(-1);
    expect(lastEpoch(resumedEvents)).toMatchObject({
      epoch: 2,
      metrics: (lastEpoch(fullEvents) as { metrics: unknown }).metrics,
    });
  });

  it("stops on a NaN loss and keeps the last good checkpoint", async () => {
    const directory = temporaryDirectory();
    const network = new FakeNetwork(3);
    network.nanAtStep = 5;
    const events: TrainEvent[] = [];
    const error = await runTrainingLoop({
      network,
      train: trainPlan({ epochs: 2, checkpoint: { everySteps: 2, keep: 3 } }),
      data: fakeBatches(4),
      validate,
      checkpoints: new CheckpointStore(directory, 3),
      listeners: [(event) => events.push(event)],
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(NonFiniteLossError);
    const nonFinite = error as NonFiniteLossError;
    expect(nonFinite.step).toBe(5);
    expect(nonFinite.message).toBe(
      "the training loss is NaN at step 5 (epoch 2, batch 1); training stopped",
    );
    expect(path.basename(nonFinite.lastCheckpoint ?? "")).toBe("ckpt-00000004");
    expect(fs.readdirSync(directory).sort()).toEqual([
      "ckpt-00000002",
      "ckpt-00000004",
    ]);
    expect(events.at(-1)).toMatchObject({ type: "end", reason: "nonFinite" });
  });
  it("stops when asked with a checkpoint of that step that resumes exactly", async () => {
    const plan = trainPlan({
      epochs: 2,
      checkpoint: { everySteps: 3, keep: 5 },
    });
    const uninterrupted = new FakeNetwork(5);
    await runTrainingLoop({
      network: uninterrupted,
      train: plan,
      data: fakeBatches(5),
      validate,
      checkpoints: null,
      listeners: [],
    });

    const directory = temporaryDirectory();
    let steps = 0;
    const stopped = runTrainingLoop({
      network: new FakeNetwork(5),
      train: plan,
      data: fakeBatches(5),
      validate,
      checkpoints: new CheckpointStore(directory, 5),
      listeners: [
        (event) => {
          if (event.type === "step") steps = event.step;
        },
      ],
      shouldStop: () => steps === 7,
    });
    await expect(stopped).rejects.toThrow(TrainingInterruptedError);
    await expect(stopped).rejects.toMatchObject({
      step: 7,
      epoch: 1,
      checkpoint: path.join(directory, "ckpt-00000007"),
    });

    const store = new CheckpointStore(directory, 5);
    const latest = store.latest()!;
    expect(latest.trainer).toMatchObject({ epoch: 1, batch: 2, step: 7 });
    const resumed = new FakeNetwork(123);
    await runTrainingLoop({
      network: resumed,
      train: plan,
      data: fakeBatches(5),
      validate,
      checkpoints: store,
      listeners: [],
      resume: {
        trainer: latest.trainer,
        tensors: store.readTensors(path.basename(latest.path)),
        path: latest.path,
      },
    });
    expect(Array.from(resumed.weights)).toEqual(
      Array.from(uninterrupted.weights),
    );
  });
});
