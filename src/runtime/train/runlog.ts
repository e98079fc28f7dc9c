import * as fs from "node:fs";
import type { TrainEvent, TrainListener } from "./events.js";
import { writeFileAtomic } from "./files.js";

/**
 * `log.jsonl`: one JSON object per line. Step records are
 * `{"type":"step","step","epoch","loss","lr","samplesPerSecond",...}` and
 * epoch records carry the validation metrics and the quantizer statistics
 * per level. Epochs are numbered from 1 here, as users count them; `step`
 * counts optimizer steps from 1.
 */

/** Converts a trainer event to its log record, or `null` for events the log leaves out. */
export function logRecord(event: TrainEvent): Record<string, unknown> | null {
  switch (event.type) {
    case "start":
      return {
        type: "start",
        step: event.step,
        epoch: event.epoch + 1,
        backend: event.backend,
        epochs: event.epochs,
        batchesPerEpoch: event.batchesPerEpoch,
        totalSteps: event.totalSteps,
        resumed: event.resumed,
        finished: event.finished,
      };
    case "step":
      return {
        type: "step",
        step: event.step,
        epoch: event.epoch + 1,
        loss: event.loss,
        lr: event.lr,
        samplesPerSecond: event.samplesPerSecond,
        commitLoss: event.commitLoss,
        taskLosses: event.taskLosses,
      };
    case "epoch":
      return {
        type: "epoch",
        step: event.step,
        epoch: event.epoch + 1,
        split: "valid",
        partial: event.partial,
        ...event.metrics,
        improved: event.improved,
        trainSeconds: event.trainSeconds,
        quantizer: event.quantizer.map((level) => ({
          level: level.level,
          usage: level.usage,
          perplexity: level.perplexity,
          deadCodes: level.deadCodes,
          resets: level.resets,
        })),
      };
    case "checkpoint":
      return { type: "checkpoint", step: event.step, path: event.path };
    case "earlyStop":
      return {
        type: "earlyStop",
        epoch: event.epoch + 1,
        bestEpoch: event.bestEpoch + 1,
        metric: event.metric,
        best: event.best,
      };
    case "warning":
      return { type: "warning", message: event.message };
    case "end":
      return {
        type: "end",
        step: event.step,
        reason: event.reason,
        bestEpoch: event.bestEpoch === null ? null : event.bestEpoch + 1,
        trainSeconds: event.trainSeconds,
      };
  }
}

/**
 * Opens `log.jsonl` for a run that continues after step `fromStep`: records
 * of later steps (written after the checkpoint the run resumes from) and a
 * torn last line are dropped, so the log of a resumed run reads like the
 * log of an uninterrupted one apart from its `start` records.
 */
export function openRunLog(
  file: string,
  fromStep: number,
): { listener: TrainListener; append: (record: object) => void } {
  if (fs.existsSync(file)) {
    const kept: string[] = [];
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      let record: { step?: unknown };
      try {
        record = JSON.parse(line) as { step?: unknown };
      } catch {
        continue;
      }
      if (typeof record.step === "number" && record.step > fromStep) continue;
      kept.push(line);
    }
    writeFileAtomic(file, kept.map((line) => `${line}\n`).join(""));
  } else {
    fs.writeFileSync(file, "");
  }
  const append = (record: object) => {
    fs.appendFileSync(file, `${JSON.stringify(record)}\n`);
  };
  // Every record gets the step it follows, so truncation on resume also
  // drops warnings and early stops logged after the checkpoint.
  let lastStep = fromStep;
  return {
    append,
    listener: (event) => {
      const record = logRecord(event);
      if (record === null) {
        return;
      }
      if (typeof record.step === "number") {
        lastStep = record.step;
      } else {
        record.step = lastStep;
      }
      append(record);
    },
  };
}
