// The Debian Python that reference tests run: /usr/bin/python3, with
// python3-sklearn and python3-torch when they are installed.
import { execFileSync } from "node:child_process";

/** The interpreter path, so a pyenv or venv python3 on PATH is not used. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

/** Tells whether the Debian Python can import `module`. */
export function canImport(module: string): boolean {
  try {
    execFileSync(DEBIAN_PYTHON, ["-c", `import ${module}`], {
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
}
