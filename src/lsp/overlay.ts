import { createRequire, syncBuiltinESMExports } from "node:module";
import path from "node:path";

type ReadFile = (typeof import("node:fs/promises"))["readFile"];

/**
 * Serves the text of open editor documents to the compiler in place of
 * their files on disk, so that diagnostics, hover and definitions see
 * unsaved edits, also in imported files.
 *
 * The compiler reads spec files with `readFile` from `node:fs/promises`
 * and has no hook for other sources, so the overlay replaces that function
 * for the whole process (with `syncBuiltinESMExports`, which updates the
 * ES module bindings of built-in modules). Only the language server
 * installs it, in a process of its own; every path that is not an open
 * document still reads from disk.
 */
// Limitation: a `readText` option on the compiler's `checkFiles` and
// `compileModel` would make this process-wide patch unnecessary.
export class DocumentOverlay {
  private readonly texts = new Map<string, string>();
  private original: ReadFile | null = null;

  /** Sets the text of an open document; `file` is an absolute path. */
  set(file: string, text: string): void {
    this.texts.set(path.resolve(file), text);
  }

  /** Forgets a closed document, so its file is read from disk again. */
  delete(file: string): void {
    this.texts.delete(path.resolve(file));
  }

  /** The open text of a file, or undefined when it is not open. */
  get(file: string): string | undefined {
    return this.texts.get(path.resolve(file));
  }

  /** Replaces `readFile` of `node:fs/promises` for the whole process. */
  install(): void {
    if (this.original !== null) return;
    const require = createRequire(import.meta.url);
    const promises = require("node:fs/promises") as { readFile: ReadFile };
    const original = promises.readFile;
    this.original = original;
    const texts = this.texts;
    const overlaid = (async (file: unknown, options?: unknown) => {
      if (typeof file === "string") {
        const text = texts.get(path.resolve(file));
        if (text !== undefined)
          return wantsText(options) ? text : Buffer.from(text);
      }
      return original(file as never, options as never);
    }) as ReadFile;
    promises.readFile = overlaid;
    syncBuiltinESMExports();
  }

  /** Puts the original `readFile` back. */
  uninstall(): void {
    if (this.original === null) return;
    const require = createRequire(import.meta.url);
    const promises = require("node:fs/promises") as { readFile: ReadFile };
    promises.readFile = this.original;
    this.original = null;
    syncBuiltinESMExports();
  }
}

function wantsText(options: unknown): boolean {
  if (typeof options === "string") return true;
  if (typeof options === "object" && options !== null) {
    return typeof (options as { encoding?: unknown }).encoding === "string";
  }
  return false;
}
