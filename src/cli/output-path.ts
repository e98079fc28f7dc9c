import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Checks for the paths a command writes to, run before any long work so
 * that a typo in `--out` or `--predictions` fails at once with a plain
 * message instead of an internal error after minutes of training.
 */

/** An output path that cannot be written; a user error (exit code 1). */
export class OutputPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputPathError";
  }
}

/** Returns a plain reason for a file-system error code. */
function reasonFor(error: unknown): string {
  switch ((error as { code?: string }).code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "the file system is read-only";
    case "ENOSPC":
      return "no space left on the device";
    case "ENOENT":
      // The parent exists (it was checked), so this is a file system such
      // as /proc or /sys that does not allow new entries.
      return "the file system there does not allow new files";
    case "ENOTDIR":
      return "a part of the path is a file, not a directory";
    default:
      return (error as Error).message;
  }
}

/** Stats `file`, or returns `undefined` when it or a parent is missing. */
function statOrNull(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new OutputPathError(`cannot read \`${file}\`: ${reasonFor(error)}`);
  }
}

/**
 * Checks that new files can be created in the existing directory `dir` by
 * creating and deleting an empty probe file. `access(W_OK)` is not enough:
 * it passes for root on pseudo file systems where every create fails.
 */
function probeWritable(dir: string): string | null {
  const probe = path.join(dir, `.hmdnc-probe-${process.pid}`);
  try {
    fs.closeSync(fs.openSync(probe, "wx"));
    fs.rmSync(probe, { force: true });
    return null;
  } catch (error) {
    return reasonFor(error);
  }
}

/**
 * Makes sure `dir` is a writable directory, creating it and its missing
 * parents. Parents are created one level at a time below the nearest
 * existing ancestor, so the number of steps is bounded by the path's depth
 * (a recursive `mkdir` loops forever under /proc).
 */
export function prepareOutputDirectory(dir: string): void {
  const absolute = path.resolve(dir);
  const missing: string[] = [];
  let current = absolute;
  for (;;) {
    const info = statOrNull(current);
    if (info !== undefined) {
      if (!info.isDirectory()) {
        const which =
          current === absolute
            ? "it is a file"
            : `${path.relative(process.cwd(), current) || current} is a file`;
        throw new OutputPathError(
          `cannot use \`${dir}\` as a directory: ${which}`,
        );
      }
      break;
    }
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing.reverse()) {
    try {
      fs.mkdirSync(level);
    } catch (error) {
      if (statOrNull(level)?.isDirectory() === true) {
        continue;
      }
      throw new OutputPathError(
        `cannot create the directory \`${dir}\`: ${reasonFor(error)}`,
      );
    }
  }
  const failure = probeWritable(absolute);
  if (failure !== null) {
    throw new OutputPathError(`cannot write into \`${dir}\`: ${failure}`);
  }
}

/**
 * Makes sure `file` can be written (created, or replaced by a rename from
 * a temporary file beside it): it must not be a directory and its
 * directory must exist and accept new files. Missing directories are not
 * created, since a mistyped path should not leave new folders behind.
 */
export function prepareOutputFile(file: string): void {
  const fail = (reason: string) =>
    new OutputPathError(`cannot write \`${file}\`: ${reason}`);
  const absolute = path.resolve(file);
  const info = statOrNull(absolute);
  if (info?.isDirectory() === true || /[\\/]$/.test(file)) {
    throw fail("it names a directory; give a file name");
  }
  const parent = path.dirname(absolute);
  const parentInfo = statOrNull(parent);
  if (parentInfo === undefined) {
    throw fail(`the directory ${path.dirname(file)} does not exist`);
  }
  if (!parentInfo.isDirectory()) {
    throw fail(`${path.dirname(file)} is a file, not a directory`);
  }
  const failure = probeWritable(parent);
  if (failure !== null) throw fail(failure);
}
