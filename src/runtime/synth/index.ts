/** Synthetic click logs with a planted hierarchy (see `docs/synthetic-data.md`). */
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";

import {
  syntheticCsv,
  type SynthOptions,
  type SynthSummary,
} from "./generate.js";

export {
  syntheticCsv,
  resolveSynthOptions,
  scenarioGroup,
  scenarioBase,
  isPreferred,
  cellTaste,
  TASTE_EFFECT,
  SEGMENT_AGREEMENT,
  SEGMENT_MODES,
  SYNTH_COLUMNS,
  type SegmentMode,
  type SynthOptions,
  type SynthSummary,
} from "./generate.js";

/**
 * Writes a synthetic CSV file. The text goes to a temp file next to `path`
 * that is renamed into place at the end, so a failed or interrupted run
 * leaves no half-written file. Memory stays flat: each chunk is written
 * before the next is produced, waiting for the stream to drain. When
 * `signal` aborts, the temp file is removed and the abort reason thrown.
 */
export async function writeSyntheticCsv(
  path: string,
  options: SynthOptions,
  onProgress?: (rowsWritten: number) => void,
  signal?: AbortSignal,
): Promise<SynthSummary> {
  const summary = { rows: 0, clicks: 0, scenarios: {} };
  const temp = `${path}.tmp-${process.pid}`;
  const out = createWriteStream(temp);
  const failed = new Promise<never>((_, reject) => out.once("error", reject));
  failed.catch(() => undefined);
  try {
    let rows = -1;
    for (const chunk of syntheticCsv(options, summary)) {
      signal?.throwIfAborted();
      if (!out.write(chunk)) {
        await Promise.race([
          new Promise<void>((resolve) => out.once("drain", () => resolve())),
          failed,
        ]);
      }
      rows += countLines(chunk);
      onProgress?.(rows);
    }
    await Promise.race([
      new Promise<void>((resolve) => out.end(resolve)),
      failed,
    ]);
    await rename(temp, path);
  } catch (error) {
    out.destroy();
    await rm(temp, { force: true });
    throw error;
  }
  return summary;
}

function countLines(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1))
    count++;
  return count;
}
