import * as path from "node:path";
import type { Command } from "../main.js";
import { prepareOutputFile } from "../output-path.js";
import { renderMetricsReport } from "../table.js";
import { parseFlags, reportUserError, UsageError } from "../training-cli.js";
import type { CodeAgreement } from "../../runtime/train/codes.js";

const help = `usage: hmdnc eval <run-dir> [--data FILE] [options]

Scores every row of a CSV file with the final weights of a trained run and
prints its metrics (AUC, logloss, GAUC, AUC per scenario). Values the run
never saw in training map to the OOV row and empty values to the missing
row; the report counts both per feature. The spec's split is ignored: every
good row of the file counts.

options:
  --data FILE          the CSV file to score (default: the run's data file)
  --predictions FILE   also write one CSV row per scored row:
                       label,score,scenario,group (group: the GAUC group id)
  --metrics FILE       where to write the metrics JSON
                       (default: <run-dir>/eval-metrics.json)
  --codes-against COL  print how well the quantizer codes agree with the
                       file's column COL: per level, the normalised mutual
                       information of the level's code and of the codes up
                       to it, the homogeneity of the level's code (1 when no
                       code mixes two values of COL) and the codes in use;
                       repeat or separate columns with commas
  --backend NAME       tfjs backend: tensorflow, wasm or cpu
  --quiet              print only the metrics table
`;

/** `hmdnc eval`: score a CSV file with a trained run. */
export const command: Command = {
  name: "eval",
  summary: "evaluate a trained run on a CSV file",
  help,
  async run(args) {
    try {
      return await evaluate(args);
    } catch (error) {
      const code = reportUserError(error, "eval");
      if (code === null) throw error;
      return code;
    }
  },
};

async function evaluate(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    data: { type: "string" },
    predictions: { type: "string" },
    metrics: { type: "string" },
    backend: { type: "string" },
    "codes-against": { type: "string", multiple: true },
    quiet: { type: "boolean" },
  });
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "missing the run directory to evaluate"
        : `expected one run directory, got ${positionals.length}`,
    );
  }
  const runDir = positionals[0];
  // Checked before scoring, so a bad path fails before the work, not after.
  if (values.predictions !== undefined) prepareOutputFile(values.predictions);
  if (values.metrics !== undefined) prepareOutputFile(values.metrics);
  const { evaluateRun } = await import("../../runtime/train/eval.js");
  const { readRun } = await import("../../runtime/train/run.js");
  const dataPath = path.resolve(
    values.data ?? readRun(runDir).settings.dataPath,
  );
  const raw = values["codes-against"] as string[] | string | undefined;
  const against = (raw === undefined ? [] : [raw].flat())
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
  const result = await evaluateRun({
    runDir,
    dataPath,
    ...(values.predictions === undefined
      ? {}
      : { predictionsPath: values.predictions }),
    ...(values.metrics === undefined ? {} : { metricsPath: values.metrics }),
    ...(values.backend === undefined ? {} : { backend: values.backend }),
    ...(against.length === 0 ? {} : { codesAgainst: against }),
    log: (message) => {
      if (values.quiet !== true) process.stderr.write(`${message}\n`);
    },
  });
  const lines = [`evaluated ${dataPath} with ${runDir}`];
  if (values.predictions !== undefined) {
    lines.push(
      `wrote ${result.predictionRows} predictions to ${values.predictions}`,
    );
  }
  lines.push(`wrote metrics to ${result.metricsPath}`);
  process.stdout.write(
    `${lines.join("\n")}\n${renderMetricsReport(result.metrics, readRun(runDir).ir.evaluate)}`,
  );
  for (const agreement of result.codes) {
    process.stdout.write(renderCodeAgreement(agreement));
  }
  return 0;
}

/** Formats one column's code agreement as a small table. */
function renderCodeAgreement(agreement: CodeAgreement): string {
  const header = `codes against ${agreement.column} (${agreement.distinctValues} values, ${agreement.rows} rows)`;
  const rows = agreement.levels.map((level) =>
    [
      `L${level.level}`.padEnd(5),
      level.code.toFixed(4).padStart(8),
      level.prefix.toFixed(4).padStart(11),
      level.homogeneity.toFixed(4).padStart(11),
      String(level.distinctCodes).padStart(5),
    ].join("  "),
  );
  return [
    "",
    header,
    `level  nmi(c_d)  nmi(c_1..d)  homogeneity  codes`,
    ...rows,
    "",
  ].join("\n");
}
