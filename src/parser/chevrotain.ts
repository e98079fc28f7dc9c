/**
 * Chevrotain's runtime, loaded from the single-file bundle the package
 * ships. The package entry point loads hundreds of small ES modules
 * (Chevrotain 11 and lodash-es). Measured with `node -e 'import(...)'` on a
 * loaded 2-core machine, that took 230 to 580 ms per process, and the bundle
 * took 30 to 40 ms, which is most of the start-up time of `hmdnc check`.
 *
 * The bundle is the same version as the package, located next to the
 * entry point. If it cannot be found (a runner without `import.meta.resolve`,
 * or another package layout), the package entry point is used instead.
 * Type-only imports keep using `"chevrotain"` directly.
 */

import type * as Chevrotain from "chevrotain";

/** The path of the bundle relative to the package's ES module entry point. */
const BUNDLE_FROM_ENTRY = "../chevrotain.min.mjs";

async function loadChevrotain(): Promise<typeof Chevrotain> {
  try {
    const entry = import.meta.resolve("chevrotain");
    const bundle = new URL(BUNDLE_FROM_ENTRY, entry).href;
    const loaded = (await import(bundle)) as typeof Chevrotain;
    if (typeof loaded.CstParser === "function") return loaded;
  } catch {
    // Fall through to the package entry point, which always works.
  }
  return import("chevrotain");
}

/** Chevrotain's exports, for runtime use inside `src/parser`. */
export const chevrotain: typeof Chevrotain = await loadChevrotain();
