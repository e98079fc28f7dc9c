import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, for paths in test names. */
export const repositoryRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Lists the `.hmdn` files under `directory` (relative to the repository
 * root), sorted, as paths relative to the root. Tests call it at collection
 * time so that a spec added later is tested without editing the tests.
 */
export function listSpecFiles(directory: string): string[] {
  const found: string[] = [];
  const visit = (relative: string) => {
    const entries = readdirSync(path.join(repositoryRoot, relative), {
      withFileTypes: true,
    });
    for (const entry of entries) {
      const child = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) visit(child);
      else if (entry.isFile() && entry.name.endsWith(".hmdn"))
        found.push(child);
    }
  };
  visit(directory);
  return found.sort();
}
