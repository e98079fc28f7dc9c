import * as fs from "node:fs";
import * as path from "node:path";
import type { NamedArrays } from "../types.js";
import { readJson, writeFileDurable } from "./files.js";

/**
 * Checkpoints: one directory per saved step, `ckpt-00000120/`, holding
 * `trainer.json` (the loop position), `state.json` (the tensor manifest)
 * and `state.bin` (every tensor's float32 values, little-endian, in
 * manifest order). A directory is filled under `<name>.tmp/` and renamed into
 * place, so a directory without the `.tmp` suffix is always complete; a kill
 * mid-write leaves only a `.tmp` directory, which the next open deletes.
 */

/** The loop position and what it has learnt about past epochs. */
export interface TrainerState {
  /** The next batch to run: batch `batch` of epoch `epoch` (both from 0). */
  readonly epoch: number;
  readonly batch: number;
  /** Optimizer steps taken. */
  readonly step: number;
  readonly earlyStopping: {
    /** The best value of the early-stopping metric so far, or `null`. */
    readonly best: number | null;
    readonly bestEpoch: number | null;
    /** Epochs since the best one. */
    readonly badEpochs: number;
  };
  /** The directory name of the best epoch's weights, or `null`. */
  readonly bestState: string | null;
  /** Set once the loop has finished, so a resume only evaluates. */
  readonly finished: EndReasonRecord | null;
  /** Seconds spent in training steps so far (for throughput across resumes). */
  readonly trainSeconds: number;
  readonly samples: number;
}

/** How a finished loop ended, kept for a resume of a run that already ended. */
export interface EndReasonRecord {
  readonly reason: "completed" | "maxSteps" | "earlyStop";
}

interface ManifestEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Offset in float32 elements into `state.bin`. */
  readonly offset: number;
  readonly length: number;
}

const CHECKPOINT_PATTERN = /^ckpt-(\d+)$/;
const BEST_PATTERN = /^best-(\d+)$/;

/** The checkpoint directory name for a step. */
export function checkpointName(step: number): string {
  return `ckpt-${String(step).padStart(8, "0")}`;
}

/** A directory of checkpoints that keeps the newest `keep` of them. */
export class CheckpointStore {
  constructor(
    readonly directory: string,
    private readonly keep: number,
  ) {
    fs.mkdirSync(directory, { recursive: true });
    this.removeIncomplete();
  }

  /** Saves the network state and trainer state at `state.step` and prunes old ones. */
  save(trainer: TrainerState, tensors: NamedArrays): string {
    const name = checkpointName(trainer.step);
    const target = this.writeDirectory(name, tensors, trainer);
    this.prune();
    return target;
  }

  /** Saves the weights of a new best epoch as `best-<step>/`. */
  saveBest(step: number, tensors: NamedArrays): string {
    const name = `best-${String(step).padStart(8, "0")}`;
    this.writeDirectory(name, tensors, null);
    return name;
  }

  /** The newest complete checkpoint, or `null` when there is none. */
  latest(): { path: string; trainer: TrainerState } | null {
    const names = this.list(CHECKPOINT_PATTERN);
    const newest = names.at(-1);
    if (newest === undefined) {
      return null;
    }
    const directory = path.join(this.directory, newest);
    return {
      path: directory,
      trainer: readJson<TrainerState>(path.join(directory, "trainer.json")),
    };
  }

  /** Reads the tensors of a checkpoint or best-weights directory. */
  readTensors(name: string): NamedArrays {
    return readStateDirectory(path.join(this.directory, name));
  }

  private writeDirectory(
    name: string,
    tensors: NamedArrays,
    trainer: TrainerState | null,
  ): string {
    const target = path.join(this.directory, name);
    const temporary = `${target}.tmp`;
    fs.rmSync(temporary, { recursive: true, force: true });
    fs.mkdirSync(temporary);
    writeStateFiles(temporary, tensors);
    if (trainer !== null) {
      writeFileDurable(
        path.join(temporary, "trainer.json"),
        `${JSON.stringify(trainer, null, 2)}\n`,
      );
    }
    // A checkpoint of the same step can exist after a resume from it.
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(temporary, target);
    return target;
  }

  private prune(): void {
    const checkpoints = this.list(CHECKPOINT_PATTERN);
    for (const name of checkpoints.slice(0, -this.keep)) {
      fs.rmSync(path.join(this.directory, name), { recursive: true });
    }
    // Keep only best-weight directories that a kept checkpoint refers to.
    const referenced = new Set<string>();
    for (const name of this.list(CHECKPOINT_PATTERN)) {
      const trainer = readJson<TrainerState>(
        path.join(this.directory, name, "trainer.json"),
      );
      if (trainer.bestState !== null) {
        referenced.add(trainer.bestState);
      }
    }
    const bests = this.list(BEST_PATTERN);
    for (const name of bests.slice(0, -1)) {
      if (!referenced.has(name)) {
        fs.rmSync(path.join(this.directory, name), { recursive: true });
      }
    }
  }

  private list(pattern: RegExp): string[] {
    return fs
      .readdirSync(this.directory)
      .filter((name) => pattern.test(name))
      .sort();
  }

  private removeIncomplete(): void {
    for (const name of fs.readdirSync(this.directory)) {
      if (name.endsWith(".tmp")) {
        fs.rmSync(path.join(this.directory, name), {
          recursive: true,
          force: true,
        });
      }
    }
  }
}

/** Writes `state.json` and `state.bin` for `tensors` into `directory`. */
export function writeStateFiles(directory: string, tensors: NamedArrays): void {
  const names = Object.keys(tensors).sort();
  const manifest: ManifestEntry[] = [];
  let offset = 0;
  for (const name of names) {
    const { shape, values } = tensors[name];
    manifest.push({ name, shape: [...shape], offset, length: values.length });
    offset += values.length;
  }
  const all = new Float32Array(offset);
  for (const entry of manifest) {
    all.set(tensors[entry.name].values, entry.offset);
  }
  writeFileDurable(
    path.join(directory, "state.bin"),
    new Uint8Array(all.buffer, all.byteOffset, all.byteLength),
  );
  writeFileDurable(
    path.join(directory, "state.json"),
    `${JSON.stringify({ format: "hmdnc-state-1", tensors: manifest }, null, 2)}\n`,
  );
}

/** Reads tensors written by `writeStateFiles`. */
export function readStateDirectory(directory: string): NamedArrays {
  const manifest = readJson<{ tensors: ManifestEntry[] }>(
    path.join(directory, "state.json"),
  );
  const bytes = fs.readFileSync(path.join(directory, "state.bin"));
  // Copy into a fresh, aligned buffer: Node's pooled Buffers may start at any offset.
  const all = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(all.buffer).set(bytes);
  const tensors: Record<
    string,
    { shape: readonly number[]; values: Float32Array }
  > = {};
  for (const entry of manifest.tensors) {
    tensors[entry.name] = {
      shape: entry.shape,
      values: all.slice(entry.offset, entry.offset + entry.length),
    };
  }
  return tensors;
}
