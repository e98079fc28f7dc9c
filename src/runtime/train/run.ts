import * as fs from "node:fs";
import * as path from "node:path";
import type { ModelIr } from "../../compiler/ir.js";
import type { Logger } from "../backend.js";
import {
  openDataset,
  parsePreprocessing,
  serializePreprocessing,
  type Dataset,
} from "../data/index.js";
import { createNetwork } from "../network.js";
import type { Network, Preprocessing } from "../types.js";
import {
  CheckpointStore,
  readStateDirectory,
  writeStateFiles,
} from "./checkpoint.js";
import {
  buildRunMetrics,
  evaluateSplit,
  validationMetrics,
} from "./evaluate.js";
import type { TrainListener } from "./events.js";
import { readJson, writeFileAtomic, writeJsonAtomic } from "./files.js";
import { hashCanonical, type RunMetrics } from "./report.js";
import { openRunLog } from "./runlog.js";
import {
  NonFiniteLossError,
  runTrainingLoop,
  type TrainBatches,
  type TrainOutcome,
} from "./trainer.js";

/**
 * A run directory contains everything one training run produced:
 * - `model.ir.json`: the model IR it trained (overrides applied);
 * - `run.json`: the data file and backend it used;
 * - `preprocessing.json`: vocabularies and statistics of the training split;
 * - `checkpoints/`: `ckpt-<step>/` directories and `best-<step>/` weights;
 * - `log.jsonl`: one record per step and per epoch;
 * - `final/`: the state evaluation loads (`state.json`, `state.bin`);
 * - `model/`: the final model in the tfjs layers format;
 * - `metrics.json`: test metrics, written after training and `final/`, so
 *   it marks a finished run (the export follows it).
 */

/** Settings a run keeps beside its IR, so `--resume` reads the same data. */
export interface RunSettings {
  readonly dataPath: string;
  /** The backend the user asked for, or `null` for the automatic choice. */
  readonly backend: string | null;
  readonly irHash: string;
}

/** Raised for a run directory that cannot be used as asked; a user error. */
export class RunDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunDirectoryError";
  }
}

/** Options of `trainRun`. */
export interface TrainRunOptions {
  /** The model to train; ignored when resuming (the run's own IR is used). */
  readonly ir: ModelIr | null;
  readonly outDir: string;
  /** Continue the run in `outDir` from its newest checkpoint. */
  readonly resume: boolean;
  readonly dataPath?: string;
  readonly backend?: string;
  readonly listeners: readonly TrainListener[];
  readonly log: Logger;
  /** Passed to the training loop: stop with a checkpoint when it returns true. */
  readonly shouldStop?: () => boolean;
}

/** The result of `trainRun`. */
export interface TrainRunResult {
  readonly metrics: RunMetrics;
  readonly ir: ModelIr;
  /** `null` when the run had finished before and was only read back. */
  readonly outcome: TrainOutcome | null;
}

const files = {
  ir: "model.ir.json",
  settings: "run.json",
  preprocessing: "preprocessing.json",
  metrics: "metrics.json",
  log: "log.jsonl",
  checkpoints: "checkpoints",
  final: "final",
  model: "model",
  diverged: "diverged.json",
} as const;

/** Returns the SHA-256 of the canonical JSON of a model IR. */
export function irHash(ir: ModelIr): string {
  return hashCanonical(ir);
}

/** Reads a run's IR, settings and preprocessing. */
export function readRun(runDir: string): {
  ir: ModelIr;
  settings: RunSettings;
  preprocessing: Preprocessing;
} {
  const info = fs.statSync(runDir, { throwIfNoEntry: false });
  if (info === undefined) {
    throw new RunDirectoryError(`the run directory ${runDir} does not exist`);
  }
  if (!info.isDirectory()) {
    throw new RunDirectoryError(`${runDir} is a file, not a run directory`);
  }
  const irFile = path.join(runDir, files.ir);
  if (!fs.existsSync(irFile)) {
    throw new RunDirectoryError(
      `${runDir} is not a run directory: ${files.ir} is missing`,
    );
  }
  const preprocessingFile = path.join(runDir, files.preprocessing);
  if (!fs.existsSync(preprocessingFile)) {
    throw new RunDirectoryError(
      `${runDir} contains no ${files.preprocessing}: the run stopped before reading its data; start it again without --resume`,
    );
  }
  return {
    ir: readJson<ModelIr>(irFile),
    settings: readJson<RunSettings>(path.join(runDir, files.settings)),
    preprocessing: parsePreprocessing(
      fs.readFileSync(preprocessingFile, "utf8"),
      preprocessingFile,
    ),
  };
}

function trainBatches(dataset: Dataset, ir: ModelIr): TrainBatches {
  const batchSize = ir.train.batchSize;
  return {
    batchesPerEpoch: dataset.batchCount("train", batchSize),
    async *batches(epoch: number, start: number) {
      const pass = dataset.batches("train", {
        batchSize,
        epoch,
        startBatch: start,
      });
      for await (const item of pass) {
        yield item.batch;
      }
    },
  };
}

/** Writes the final state that `hmdnc eval` loads, renamed into place. */
function writeFinalState(network: Network, runDir: string): void {
  const finalDir = path.join(runDir, files.final);
  const temporary = `${finalDir}.tmp`;
  fs.rmSync(temporary, { recursive: true, force: true });
  fs.mkdirSync(temporary);
  writeStateFiles(temporary, network.getState());
  fs.rmSync(finalDir, { recursive: true, force: true });
  fs.renameSync(temporary, finalDir);
}

/** Writes the tfjs export into `model/`, renamed into place. */
async function writeTfjsModel(network: Network, runDir: string): Promise<void> {
  const modelDir = path.join(runDir, files.model);
  const temporary = `${modelDir}.tmp`;
  fs.rmSync(temporary, { recursive: true, force: true });
  fs.mkdirSync(temporary);
  try {
    await network.exportTfjs(temporary);
  } catch (error) {
    fs.rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
  fs.rmSync(modelDir, { recursive: true, force: true });
  fs.renameSync(temporary, modelDir);
}

/**
 * Exports a finished run whose export is missing (it failed or was
 * interrupted after `metrics.json` was written), from its final state.
 */
async function completeExport(
  ir: ModelIr,
  preprocessing: Preprocessing,
  runDir: string,
  backend: string | undefined,
  log: Logger,
): Promise<void> {
  if (fs.existsSync(path.join(runDir, files.model, "model.json"))) {
    return;
  }
  const network = await createNetwork(ir, preprocessing, {
    ...(backend === undefined ? {} : { backend }),
    seed: ir.train.seed,
    log,
    // The export never reads the learning-rate schedule; any length will do.
    totalSteps: 1,
  });
  try {
    network.setState(readStateDirectory(path.join(runDir, files.final)));
    await writeTfjsModel(network, runDir);
  } finally {
    network.dispose();
  }
}

/**
 * Reads the run to resume, or checks that a new run may start in `outDir`.
 * A new run writes nothing yet: its files appear once its data and network
 * are ready, so a failed start leaves no run behind that blocks `--out`.
 */
function startRun(options: TrainRunOptions): {
  ir: ModelIr;
  settings: RunSettings;
  preprocessing: Preprocessing | undefined;
} {
  const { outDir } = options;
  if (options.resume) {
    return readRun(outDir);
  }
  const ir = options.ir;
  if (ir === null) {
    throw new RunDirectoryError("no model to train: pass a spec file");
  }
  if (fs.existsSync(path.join(outDir, files.ir))) {
    throw new RunDirectoryError(
      `${outDir} already contains a run; pass \`--resume ${outDir}\` to continue it or choose another --out directory`,
    );
  }
  const settings: RunSettings = {
    dataPath: path.resolve(options.dataPath ?? ir.dataset.source.path),
    backend: options.backend ?? null,
    irHash: irHash(ir),
  };
  return { ir, settings, preprocessing: undefined };
}

/** Writes the files that make `outDir` a run directory. */
function writeRunFiles(
  outDir: string,
  ir: ModelIr,
  settings: RunSettings,
  preprocessing: Preprocessing,
): void {
  fs.mkdirSync(outDir, { recursive: true });
  writeJsonAtomic(path.join(outDir, files.settings), settings);
  writeFileAtomic(
    path.join(outDir, files.preprocessing),
    serializePreprocessing(preprocessing),
  );
  // The IR goes last: its presence is what marks a run directory.
  writeJsonAtomic(path.join(outDir, files.ir), ir);
}

/**
 * Trains a model into a run directory, or continues the run there, then
 * evaluates the test split and writes the final model and `metrics.json`.
 * A run that already has `metrics.json` is not trained again; its metrics
 * are returned as they are.
 */
export async function trainRun(
  options: TrainRunOptions,
): Promise<TrainRunResult> {
  const { outDir } = options;
  const { ir, settings, preprocessing } = startRun(options);
  const metricsFile = path.join(outDir, files.metrics);
  const requestedBackend = options.backend ?? settings.backend ?? undefined;
  if (options.resume && fs.existsSync(metricsFile) && preprocessing) {
    await completeExport(
      ir,
      preprocessing,
      outDir,
      requestedBackend,
      options.log,
    );
    return { metrics: readJson<RunMetrics>(metricsFile), ir, outcome: null };
  }

  const dataset = await openDataset(ir, {
    dataPath: settings.dataPath,
    ...(preprocessing === undefined ? {} : { preprocessing }),
  });
  const data = trainBatches(dataset, ir);
  const planned = ir.train.epochs * data.batchesPerEpoch;
  const totalSteps =
    ir.train.maxSteps === null ? planned : Math.min(planned, ir.train.maxSteps);

  const backend = requestedBackend;
  const network = await createNetwork(ir, dataset.preprocessing, {
    ...(backend === undefined ? {} : { backend }),
    seed: ir.train.seed,
    log: options.log,
    totalSteps,
  });
  try {
    if (preprocessing === undefined) {
      writeRunFiles(outDir, ir, settings, dataset.preprocessing);
    }
    const store = new CheckpointStore(
      path.join(outDir, files.checkpoints),
      ir.train.checkpoint.keep,
    );
    const latest = options.resume ? store.latest() : null;
    const runLog = openRunLog(
      path.join(outDir, files.log),
      latest?.trainer.step ?? 0,
    );
    const divergedFile = path.join(outDir, files.diverged);
    const outcome = await runTrainingLoop({
      network,
      train: ir.train,
      data,
      validate: async (net) =>
        validationMetrics(ir, await evaluateSplit(net, dataset, ir, "valid")),
      checkpoints: store,
      listeners: [...options.listeners, runLog.listener],
      ...(options.shouldStop === undefined
        ? {}
        : { shouldStop: options.shouldStop }),
      ...(latest === null
        ? {}
        : {
            resume: {
              trainer: latest.trainer,
              tensors: store.readTensors(path.basename(latest.path)),
              path: latest.path,
            },
          }),
    }).catch((error: unknown) => {
      // Recorded so that `hmdnc eval` can say why there are no final
      // weights and advise retraining rather than `--resume`.
      if (error instanceof NonFiniteLossError) {
        writeJsonAtomic(divergedFile, { message: error.message });
      }
      throw error;
    });
    fs.rmSync(divergedFile, { force: true });

    const results = await evaluateSplit(network, dataset, ir, "test");
    const metrics = buildRunMetrics(results, {
      ir,
      irHash: settings.irHash,
      backend: network.backend,
      samplesPerSecond: outcome.samplesPerSecond,
      split: "test",
      scenarios: dataset.preprocessing.scenarios,
      featureCounts: dataset.report().features.test,
    });
    runLog.append({
      type: "test",
      step: outcome.step,
      auc: metrics.auc,
      logloss: metrics.logloss,
      gauc: metrics.gauc,
      rows: metrics.rows,
      positives: metrics.positives,
    });
    // The final state and metrics.json go first: they are what `eval` and
    // `run` need, and a failed export is redone by the next `--resume`.
    writeFinalState(network, outDir);
    writeJsonAtomic(metricsFile, metrics);
    await writeTfjsModel(network, outDir);
    return { metrics, ir, outcome };
  } finally {
    network.dispose();
  }
}
