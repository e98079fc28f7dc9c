import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Writes `data` to `file` so that readers see either the old content or the
 * new one, never a prefix: the bytes go to a temporary file in the same
 * directory, are flushed to disk, and the temporary file is renamed over
 * `file` (rename is atomic within one POSIX file system).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const temporary = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.tmp`,
  );
  writeFileDurable(temporary, data);
  fs.renameSync(temporary, file);
}

/** Writes `value` as pretty-printed JSON with a final newline, atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads and parses a JSON file. */
export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

/** Writes a file and flushes it to disk (for files inside a directory renamed into place later). */
export function writeFileDurable(
  file: string,
  data: string | Uint8Array,
): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const handle = fs.openSync(file, "w");
  try {
    let written = 0;
    while (written < bytes.byteLength) {
      written += fs.writeSync(handle, bytes, written);
    }
    fs.fsyncSync(handle);
  } finally {
    fs.closeSync(handle);
  }
}
