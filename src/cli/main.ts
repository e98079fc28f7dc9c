/**
 * The `hmdnc` command line. Each command lives in `commands/<name>.ts` and
 * is imported only when it runs, so `hmdnc check` never loads TensorFlow.js.
 *
 * Exit codes: 0 when clean, 1 for user errors (diagnostics, bad input),
 * 2 for internal errors (a bug in hmdnc, reported with its stack trace).
 */

/** What a command module exports. */
export interface Command {
  readonly name: string;
  /** One line for `hmdnc --help`. */
  readonly summary: string;
  /** The full `hmdnc <name> --help` text. */
  readonly help: string;
  run(args: readonly string[]): Promise<number>;
}

/**
 * Command names in `--help` order, with a summary and the module that
 * implements each. Summaries live here so `hmdnc --help` loads no command.
 */
const commands: Readonly<
  Record<string, { summary: string; load: () => Promise<{ command: Command }> }>
> = {
  check: {
    summary: "check spec files and print their diagnostics",
    load: () => import("./commands/check.js"),
  },
  compile: {
    summary: "compile a model to JSON IR and print its shapes and sizes",
    load: () => import("./commands/compile.js"),
  },
  train: {
    summary: "train a model and report its test metrics",
    load: () => import("./commands/train.js"),
  },
  eval: {
    summary: "evaluate a trained run on a CSV file",
    load: () => import("./commands/eval.js"),
  },
  run: {
    summary: "run an experiment's variants and seeds and chart the results",
    load: () => import("./commands/run.js"),
  },
  synth: {
    summary: "write a synthetic click log with a planted hierarchy",
    load: () => import("./commands/synth.js"),
  },
  fmt: {
    summary: "format spec files, or check that they are formatted",
    load: () => import("./commands/fmt.js"),
  },
  lsp: {
    summary: "run the language server for editors (LSP over stdio)",
    load: () => import("./commands/lsp.js"),
  },
  explain: {
    summary: "print the explanation of a diagnostic code",
    load: () => import("./commands/explain.js"),
  },
};

/** Runs `hmdnc` with the given arguments and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    process.stdout.write(renderOverview());
    return name === undefined ? 1 : 0;
  }
  if (name === "--version") {
    process.stdout.write(`${await readVersion()}\n`);
    return 0;
  }
  const entry = commands[name];
  if (entry === undefined) {
    process.stderr.write(
      `error: unknown command \`${name}\`\n` +
        `help: run \`hmdnc --help\` to list the commands\n`,
    );
    return 1;
  }
  try {
    const { command } = await entry.load();
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(
        command.help.endsWith("\n") ? command.help : `${command.help}\n`,
      );
      return 0;
    }
    return await command.run(rest);
  } catch (error) {
    process.stderr.write(
      "internal error: hmdnc failed unexpectedly; please report this with the " +
        "command and the input that caused it\n" +
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 2;
  }
}

function renderOverview(): string {
  const lines = [
    "hmdnc: compile, train and evaluate HMDN multi-distribution CTR model specs",
    "",
    "usage: hmdnc <command> [options]",
    "",
    "commands:",
  ];
  for (const [name, { summary }] of Object.entries(commands)) {
    lines.push(`  ${name.padEnd(9)} ${summary}`);
  }
  lines.push("", "Run `hmdnc <command> --help` for its options.", "");
  return lines.join("\n");
}

async function readVersion(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  const url = new URL("../../package.json", import.meta.url);
  const manifest = JSON.parse(await readFile(url, "utf8")) as {
    version: string;
  };
  return manifest.version;
}
