import type { TrainEvent, TrainListener } from "../runtime/train/events.js";
import { formatMetric } from "./table.js";

/** The output stream for progress, possibly a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Options of `createProgressListener`. */
export interface ProgressOptions {
  /** Draw a bar redrawn in place (a terminal) or print plain lines. */
  readonly interactive: boolean;
  /** Plain mode prints a line every this many steps; 0 picks about 20 lines per run. */
  readonly logEvery?: number;
  /** Minimum milliseconds between two redraws of the bar. */
  readonly redrawMs?: number;
  /** Clock in milliseconds, replaceable in tests. */
  readonly now?: () => number;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    return "--:--";
  }
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = String(total % 60).padStart(2, "0");
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}`
    : `${minutes}:${rest}`;
}

/**
 * Renders training events: on a terminal a one-line bar (epoch,
 * step/total, loss, samples/s, ETA) redrawn in place, otherwise plain log
 * lines every N steps. The start (with the resume position), epoch
 * results, early stops, warnings and the end are printed as lines in both
 * modes; checkpoints are not shown.
 */
export function createProgressListener(
  stream: ProgressStream,
  options: ProgressOptions,
): TrainListener {
  const now = options.now ?? (() => performance.now());
  const redrawMs = options.redrawMs ?? 100;
  let epochs = 1;
  let totalSteps = 0;
  let logEvery = options.logEvery ?? 0;
  let startedAt = 0;
  let startStep = 0;
  let lastDraw = -Infinity;
  let barVisible = false;
  let lossSum = 0;
  let lossCount = 0;
  let rateSum = 0;

  const clearBar = () => {
    if (barVisible) {
      stream.write("\r\x1b[2K");
      barVisible = false;
    }
  };
  const printLine = (text: string) => {
    clearBar();
    stream.write(`${text}\n`);
  };
  // Wall time per step since the start, validation passes included.
  const eta = (step: number) => {
    const seconds = (now() - startedAt) / 1000;
    const done = step - startStep;
    return done > 0 ? (seconds / done) * (totalSteps - step) : Number.NaN;
  };
  const resetWindow = () => {
    lossSum = 0;
    rateSum = 0;
    lossCount = 0;
  };

  return (event: TrainEvent) => {
    switch (event.type) {
      case "start": {
        epochs = event.epochs;
        totalSteps = event.totalSteps;
        startStep = event.step;
        startedAt = now();
        if (logEvery <= 0) {
          logEvery = Math.max(1, Math.ceil(totalSteps / 20));
        }
        const where = event.finished
          ? ", already finished; running the test evaluation"
          : event.resumed
            ? `, resuming at step ${event.step} (epoch ${event.epoch + 1}, batch ${event.batch + 1})`
            : "";
        printLine(
          `training on backend ${event.backend}: ${event.epochs} epoch(s) of ` +
            `${event.batchesPerEpoch} batches, ${totalSteps} steps${where}`,
        );
        return;
      }
      case "step": {
        lossSum += event.loss;
        rateSum += event.samplesPerSecond;
        lossCount += 1;
        // Loss and throughput are means over the steps since the last line.
        const head =
          `epoch ${event.epoch + 1}/${epochs} step ${event.step}/${totalSteps}` +
          ` loss ${(lossSum / lossCount).toFixed(4)}` +
          ` ${Math.round(rateSum / lossCount).toLocaleString("en-US")} samples/s` +
          ` ETA ${formatDuration(eta(event.step))}`;
        if (options.interactive) {
          const time = now();
          if (time - lastDraw < redrawMs && event.step < totalSteps) {
            return;
          }
          lastDraw = time;
          const width = Math.max(
            10,
            Math.min(30, (stream.columns ?? 80) - head.length - 4),
          );
          const filled = Math.round(
            (width * event.step) / Math.max(1, totalSteps),
          );
          const bar = `[${"=".repeat(filled)}${" ".repeat(width - filled)}]`;
          stream.write(`\r\x1b[2K${bar} ${head}`);
          barVisible = true;
        } else if (event.step % logEvery === 0 || event.step === totalSteps) {
          printLine(head);
          resetWindow();
        }
        return;
      }
      case "epoch": {
        const m = event.metrics;
        const partial = event.partial ? " (partial)" : "";
        let text =
          `epoch ${event.epoch + 1}${partial}: valid AUC ${formatMetric(m.auc)}` +
          ` logloss ${formatMetric(m.logloss)}` +
          (m.gauc === null ? "" : ` GAUC ${formatMetric(m.gauc)}`) +
          (event.improved ? " (best so far)" : "");
        if (event.quantizer.length > 0) {
          const levels = event.quantizer
            .map(
              (q) =>
                `L${q.level} ${(q.usage * 100).toFixed(0)}%/${q.perplexity.toFixed(1)}/${q.deadCodes}`,
            )
            .join(" ");
          text += `\n  quantizer usage/perplexity/dead codes: ${levels}`;
          const collapsed = event.quantizer.filter((q) => q.perplexity < 1.5);
          if (collapsed.length > 0) {
            text +=
              `\n  warning: codebook collapsed at level(s) ` +
              `${collapsed.map((q) => q.level).join(", ")}: nearly every row takes one code`;
          }
        }
        printLine(text);
        resetWindow();
        return;
      }
      case "earlyStop":
        printLine(
          `early stop after epoch ${event.epoch + 1}: best ${event.metric} ` +
            `${formatMetric(event.best)} at epoch ${event.bestEpoch + 1}`,
        );
        return;
      case "warning":
        printLine(`warning: ${event.message}`);
        return;
      case "checkpoint":
        return;
      case "end": {
        clearBar();
        if (event.reason !== "nonFinite") {
          const best =
            event.bestEpoch === null
              ? ""
              : `, keeping epoch ${event.bestEpoch + 1}`;
          const how = {
            completed: "training completed",
            maxSteps: "training reached max_steps",
            earlyStop: "training stopped early",
          }[event.reason];
          printLine(
            `${how} at step ${event.step} (${formatDuration(event.trainSeconds)} ` +
              `in training steps)${best}`,
          );
        }
        return;
      }
    }
  };
}
