// Shared setup of the CLI end-to-end tests: a 2,000-row slice of the shipped
// KuaiRand file, a small HMDN spec reading it, and a way to run `hmdnc`
// from its TypeScript sources in a child process.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../..",
);
const entry = path.join(repoRoot, "test/cli/train-entry.ts");

/** Result of one CLI run. */
export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Arguments that start node with tsx and the CLI entry. */
export function cliArgs(args: readonly string[]): string[] {
  return ["--import", "tsx", entry, ...args];
}

/** Runs `hmdnc ARGS` to completion. */
export function runCli(args: readonly string[], cwd = repoRoot): CliResult {
  const result = spawnSync(process.execPath, cliArgs(args), {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

/** Starts `hmdnc ARGS` and returns the child process (for kill tests). */
export function startCli(args: readonly string[], cwd = repoRoot) {
  return spawn(process.execPath, cliArgs(args), { cwd });
}

/** The rows of the slice (header excluded). */
export const SLICE_ROWS = 2000;

/** Returns the tiny HMDN spec: 2 levels of 8 codes on MMoE, dropout on, checkpoints every 3 steps. */
export function tinySpec(
  options: { lr?: string; epochs?: number } = {},
): string {
  return `dataset tiny {
  source "slice.csv"
  scenario tab { top 3 }
  split random(seed: 7, valid: 0.15, test: 0.15)
}

features tiny {
  embedding 8
  group user {
    categorical user_id { min_count 2 }
    categorical user_active_degree
  }
  group item {
    categorical video_id { min_count 2 }
    numeric video_duration { normalize log1p  missing mean }
  }
  group context {
    categorical tab
  }
}

model tiny_hmdn {
  dataset tiny
  features tiny
  backbone mmoe { experts 2  expert_layers [16]  dropout 0.1 }
  hierarchy { levels 2  codebook 8  dim 8 }
  task click { label is_click  tower [8] }
  train {
    optimizer ${options.lr ?? "adam(lr: 1e-3)"}
    batch 128
    epochs ${options.epochs ?? 2}
    seed 3
    checkpoint { every 3  keep 2 }
  }
  evaluate { metrics auc, logloss, gauc(by: user_id) }
}
`;
}

/** Creates a temporary directory holding `slice.csv` and `tiny.hmdn`. */
export function makeWorkspace(spec = tinySpec()): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "hmdnc-cli-"));
  const source = fs.readFileSync(
    path.join(repoRoot, "data/kuairand/kuairand_ctr_30k.csv"),
    "utf8",
  );
  const lines = source.split("\n").slice(0, SLICE_ROWS + 1);
  fs.writeFileSync(path.join(directory, "slice.csv"), `${lines.join("\n")}\n`);
  fs.writeFileSync(path.join(directory, "tiny.hmdn"), spec);
  return directory;
}

/** Reads a JSON file. */
export function readJsonFile<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

/** Returns a copy of `metrics.json` without the timing key that differs between identical runs. */
export function withoutTiming(
  metrics: Record<string, unknown>,
): Record<string, unknown> {
  const { samplesPerSecond: _ignored, ...rest } = metrics;
  return rest;
}
