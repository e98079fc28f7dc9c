import type { ParseArgsConfig } from "node:util";

type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

/**
 * Explains why `node:util` `parseArgs` rejected `args`, in the CLI's own
 * wording (lowercase, the flag in backticks), by finding the offending
 * argument again rather than rewording Node's messages, whose text is not
 * a stable interface. Falls back to Node's message, lowercased and without
 * its advice about `--`.
 */
export function describeFlagError(
  args: readonly string[],
  options: FlagOptions,
  error: unknown,
): string {
  const shorts = new Map<string, string>();
  for (const [name, option] of Object.entries(options)) {
    if (option.short !== undefined) shorts.set(option.short, name);
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") break;
    if (!arg.startsWith("-") || arg === "-") continue;
    const long = arg.startsWith("--");
    const equals = arg.indexOf("=");
    const written = equals === -1 ? arg : arg.slice(0, equals);
    const name = long ? written.slice(2) : shorts.get(written.slice(1, 2));
    // Grouped short flags (`-ab`) are rare here; leave them to Node.
    if (!long && written.length > 2) continue;
    if (name === undefined || !(name in options)) {
      return `unknown option \`${written}\``;
    }
    const shown = long ? written : `${written} (--${name})`;
    if (options[name].type === "boolean") {
      if (equals !== -1) return `\`${shown}\` takes no value`;
      continue;
    }
    if (equals !== -1) continue;
    const next = args[i + 1];
    if (next === undefined) return `\`${shown}\` needs a value`;
    if (next.startsWith("-")) {
      return (
        `\`${shown}\` needs a value, but \`${next}\` follows it; ` +
        `to pass a value that starts with a dash, write \`--${name}=${next}\``
      );
    }
    i++;
  }
  const message = error instanceof Error ? error.message : String(error);
  const short = message.replace(/\. To specify a positional.*$/s, "");
  return short.charAt(0).toLowerCase() + short.slice(1);
}

/**
 * Returns the message for a CSV or TSV file given where `command` expects
 * a spec (a data file passed by mistake, often meant for `--data`), or
 * null for any other path.
 */
export function dataFileMistake(file: string, command: string): string | null {
  if (!/\.(csv|tsv)$/i.test(file)) return null;
  const flag =
    command === "check"
      ? "; `--data` takes no value here, it checks the CSV file each dataset names"
      : "";
  return `\`${file}\` is a data file, not a spec: \`hmdnc ${command}\` reads .hmdn files${flag}`;
}
