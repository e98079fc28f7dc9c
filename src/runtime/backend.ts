import * as tf from "@tensorflow/tfjs";

/** A message callback; the runtime never writes to the console itself. */
export type Logger = (message: string) => void;

/** Backend names `selectBackend` accepts as a forced choice. */
export const BACKEND_NAMES = ["tensorflow", "wasm", "cpu"] as const;

/** A backend name as tfjs registers it. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Raised when a forced backend cannot start; the message names the fix. */
export class BackendError extends Error {
  override readonly name = "BackendError";
}

/**
 * Starts the wasm backend with the `.wasm` binaries of the installed
 * `@tensorflow/tfjs-backend-wasm` package, resolved from the package
 * itself so any working directory works, and makes it active. It runs the
 * multi-threaded build (`src/runtime/backend-wasm.ts`) with `threads`
 * threads, all cores by default; when that build cannot start, the reason
 * goes to `log` and the single-threaded build runs.
 */
export async function registerWasmBackend(
  log: Logger,
  threads?: number,
): Promise<void> {
  const { registerWasmBackend: startWasm } = await import("./backend-wasm.js");
  await startWasm({ log, threads });
}

/**
 * Imports an optional native package. The specifier is a variable so the
 * compiler does not require the package's types: it is normally absent.
 */
async function importOptional(specifier: string): Promise<boolean> {
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

async function tryBackend(
  name: BackendName,
  log: Logger,
  threads: number | undefined,
): Promise<boolean> {
  if (name === "tensorflow") {
    const loaded =
      (await importOptional("@tensorflow/tfjs-node-gpu")) ||
      (await importOptional("@tensorflow/tfjs-node"));
    if (!loaded) return false;
  } else if (name === "wasm") {
    // Restarting wasm with another thread count would invalidate every
    // tensor on it, so a running wasm backend is kept unless a count is given.
    if (threads === undefined && tf.getBackend() === "wasm") return true;
    try {
      await registerWasmBackend(log, threads);
      return tf.getBackend() === "wasm";
    } catch {
      return false;
    }
  }
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

let selected: string | null = null;

/**
 * Selects and initialises the tfjs backend, logging the choice once.
 *
 * Without `requested` it tries the native TensorFlow binding (GPU package
 * first), then wasm, then the pure JavaScript cpu backend; a missing
 * optional package is the normal case and not an error. With `requested`
 * (`tensorflow`, `wasm` or `cpu`) only that backend is tried, and failing
 * to start it raises `BackendError`.
 */
export async function selectBackend(
  requested: string | undefined,
  log: Logger,
  options: { readonly wasmThreads?: number } = {},
): Promise<string> {
  // PROD turns off tfjs's debug checks and its console advice to install
  // tfjs-node, which would bypass the logger.
  tf.env().set("PROD", true);
  if (requested !== undefined) {
    if (!(BACKEND_NAMES as readonly string[]).includes(requested)) {
      throw new BackendError(
        `unknown backend "${requested}": expected one of ${BACKEND_NAMES.join(", ")}`,
      );
    }
    if (
      !(await tryBackend(requested as BackendName, log, options.wasmThreads))
    ) {
      const hint =
        requested === "tensorflow"
          ? "; install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu"
          : "";
      throw new BackendError(`backend "${requested}" failed to start${hint}`);
    }
  } else {
    let started = false;
    for (const name of BACKEND_NAMES) {
      if (await tryBackend(name, log, options.wasmThreads)) {
        started = true;
        break;
      }
    }
    if (!started) throw new BackendError("no tfjs backend could start");
  }
  await tf.ready();
  const name = tf.getBackend();
  if (selected !== name) {
    log(`backend: ${name}`);
    selected = name;
  }
  return name;
}
