import * as tf from "@tensorflow/tfjs";
import * as wasm from "@tensorflow/tfjs-backend-wasm";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { Logger } from "./backend.js";

/**
 * Starts the multi-threaded build of the tfjs wasm backend in Node.
 *
 * `@tensorflow/tfjs-backend-wasm` 4.22 ships a threaded SIMD build but never
 * uses it in Node, for three reasons, each handled here without touching
 * `node_modules`:
 *
 * 1. Its `WASM_HAS_MULTITHREAD_SUPPORT` flag is hard-wired to false in Node,
 *    so we call the Emscripten factory of the threaded glue ourselves and
 *    hand the module to the package's own `BackendWasm` class.
 * 2. The package starts each pthread worker from a blob URL, and passes the
 *    glue to the workers as a `Blob`. Node's `worker_threads.Worker` accepts
 *    neither. We give Emscripten a `data:` URL worker (an ES module that
 *    builds a `require` and runs the package's worker code) and the glue's
 *    real file path as `mainScriptUrlOrBlob`.
 * 3. The C++ side caps the thread pool at `emscripten_num_logical_cores() / 2`,
 *    on the guess that every core is hyper-threaded, so a 2-core machine gets
 *    one thread whatever `setThreadsCount` requests. `instantiateWasm` replaces
 *    that import so the cap becomes the requested count.
 *
 * Kernels, memory layout and the XNNPACK code are the package's own. Each
 * output element of a matrix product is still computed by one thread in
 * the same order, so results match the single-threaded build bit for bit
 * (checked in `test/runtime/backend-wasm.test.ts`).
 */

/** Settings for `registerWasmBackend`. */
export interface WasmBackendOptions {
  /**
   * Threads for XNNPACK kernels, main thread included. Defaults to the
   * running backend's count, or `os.availableParallelism()` when none
   * runs; 1 selects the single-threaded build.
   * Values above `MAX_WASM_THREADS` are capped.
   */
  readonly threads?: number;
  /** Receives the reason when the threaded build cannot start. */
  readonly log?: Logger;
}

/** The backend configuration `registerWasmBackend` started. */
export interface WasmBackendInfo {
  /** Threads the XNNPACK pool runs with, as the module reports it. */
  readonly threads: number;
  /** Whether the SIMD build runs. */
  readonly simd: boolean;
}

/**
 * The maximum thread count: the glue preloads 8 pthread
 * workers and the C++ side caps its pool at 8.
 */
export const MAX_WASM_THREADS = 8;

/** How long the threaded module may take to load its workers. */
const THREADED_START_TIMEOUT_MS = 20_000;

/** The part of the Emscripten module this file touches. */
interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): unknown;
  PThread: {
    runningWorkers: Worker[];
    unusedWorkers: Worker[];
    terminateAllThreads(): void;
  };
  tfjs?: unknown;
}

type ThreadedFactory = (config: object) => Promise<ThreadedModule>;

/**
 * `WebAssembly.instantiate` as this file calls it; the compiler's `lib`
 * setting has no WebAssembly declarations.
 */
const webAssembly = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(
        binary: Uint8Array,
        imports: object,
      ): Promise<{ instance: unknown; module: unknown }>;
    };
  }
).WebAssembly;

interface PackageFiles {
  /** `dist/` with a trailing separator, where the stock backend finds its binaries. */
  readonly distDirectory: string;
  readonly glue: string;
  readonly workerContents: string;
  readonly threadedBinary: string;
}

function locatePackage(): PackageFiles {
  const require = createRequire(import.meta.url);
  const root = path.dirname(
    require.resolve("@tensorflow/tfjs-backend-wasm/package.json"),
  );
  return {
    distDirectory: path.join(root, "dist") + path.sep,
    glue: path.join(root, "wasm-out", "tfjs-backend-wasm-threaded-simd.js"),
    workerContents: path.join(
      root,
      "wasm-out",
      "tfjs-backend-wasm-threaded-simd.worker.js",
    ),
    threadedBinary: path.join(
      root,
      "dist",
      "tfjs-backend-wasm-threaded-simd.wasm",
    ),
  };
}

/**
 * Builds the pthread worker entry. The package's worker code is a classic
 * script that expects `require` and `__filename`; a `data:` URL worker is
 * an ES module, so it makes both and runs the code in a function scope.
 * The code's string literals contain `\n` escapes that the package stores
 * as real newlines, which would end the literals; they are escaped again,
 * as the package does before it makes its blob.
 */
function workerUrl(files: PackageFiles): URL {
  const source = [
    `import { createRequire } from "node:module";`,
    `const require = createRequire(${JSON.stringify(files.glue)});`,
    `const { wasmWorkerContents } = require(${JSON.stringify(files.workerContents)});`,
    `const body = wasmWorkerContents.replace(/\\n/g, "\\\\n");`,
    `new Function("require", "__filename", body)(require, ${JSON.stringify(files.glue)});`,
  ].join("\n");
  return new URL("data:text/javascript," + encodeURIComponent(source));
}

/**
 * Starts one worker from `url` and waits until it is online and idle, so a
 * broken entry (a syntax error, a missing file) is found before Emscripten
 * starts its pool, where a worker error is thrown from an event handler
 * and ends the process.
 */
async function probeWorker(url: URL): Promise<void> {
  const worker = new Worker(url);
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once("error", reject);
      worker.once("exit", (code) =>
        reject(new Error(`probe worker exited with code ${code}`)),
      );
      // The entry registers its message handler synchronously, so once the
      // worker is online a short wait shows whether evaluation failed.
      worker.once("online", () => setTimeout(resolve, 50));
    });
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Instantiates the threaded module with its workers loaded.
 *
 * Limitation: this relies on internals of the 4.22 glue (the
 * `emscripten_num_logical_cores` import, `PThread.runningWorkers`, the
 * `wasmWorkerContents` export); after a tfjs upgrade the threaded start
 * may fail (and fall back) until they are checked again.
 */
async function startThreadedModule(
  files: PackageFiles,
  threads: number,
): Promise<ThreadedModule> {
  const url = workerUrl(files);
  await probeWorker(url);
  const require = createRequire(import.meta.url);
  const factory = require(files.glue) as ThreadedFactory;
  const binary = readFileSync(files.threadedBinary);

  // The glue adds process handlers that rethrow every uncaught exception
  // and rejection; they would change how the host program fails, so the
  // ones it adds are removed again.
  const before = {
    uncaughtException: process.listeners("uncaughtException"),
    unhandledRejection: process.listeners("unhandledRejection"),
  };
  let fail: (error: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => {
    fail = reject;
  });
  try {
    const loaded = factory({
      locateFile: (file: string, prefix: string) => {
        if (file.endsWith(".worker.js")) return url;
        if (file.endsWith(".wasm")) return files.threadedBinary;
        return prefix + file;
      },
      mainScriptUrlOrBlob: files.glue,
      instantiateWasm: (
        imports: { env: Record<string, unknown> },
        receive: (instance: unknown, compiled: unknown) => void,
      ) => {
        // The C++ side divides this by 2 and caps the pool at the result.
        imports.env.emscripten_num_logical_cores = () => 2 * threads;
        webAssembly.instantiate(binary, imports).then(
          (result) => receive(result.instance, result.module),
          (error: unknown) => fail(new Error(String(error))),
        );
        return {};
      },
      onAbort: (reason: unknown) => fail(new Error(String(reason))),
    });
    return await withTimeout(
      Promise.race([loaded, failure]),
      THREADED_START_TIMEOUT_MS,
    );
  } finally {
    for (const listener of process.listeners("uncaughtException")) {
      if (!before.uncaughtException.includes(listener)) {
        process.removeListener("uncaughtException", listener);
      }
    }
    for (const listener of process.listeners("unhandledRejection")) {
      if (!before.unhandledRejection.includes(listener)) {
        process.removeListener("unhandledRejection", listener);
      }
    }
  }
}

/** Adds the C entry points `BackendWasm` calls, as the package's own init does. */
function bindEntryPoints(module: ThreadedModule): void {
  module.tfjs = {
    init: module.cwrap("init", null, []),
    initWithThreadsCount: module.cwrap("init_with_threads_count", null, [
      "number",
    ]),
    getThreadsCount: module.cwrap("get_threads_count", "number", []),
    registerTensor: module.cwrap("register_tensor", null, [
      "number",
      "number",
      "number",
    ]),
    disposeData: module.cwrap("dispose_data", null, ["number"]),
    dispose: module.cwrap("dispose", null, []),
  };
}

type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;

/** The package's own factory, kept so a later call can fall back to it. */
let stockFactory: BackendFactory | null = null;
let pathsSet = false;
let current: {
  threads: number;
  info: WasmBackendInfo;
  module: ThreadedModule | null;
} | null = null;
let pending: Promise<WasmBackendInfo> | null = null;

/** The slice of `BackendWasm` the replacement kernels below use. */
interface HeapBackend {
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
}

/**
 * A kernel that returns its input's buffer under a new tensor: the output
 * shares the data id and bumps its reference count, as the package's own
 * `Reshape` does.
 */
function shareInput(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
}): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  (args.backend as HeapBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Copies the block `[begin, begin + size)` of `x` into a new tensor, or
 * returns `null` for the layouts it does not handle (a string tensor, or a
 * strided block of rank above 2).
 *
 * The package's `Slice` (4.22) first reads all of `x` out of the wasm heap
 * with `readSync`, which copies it, and its `SplitV` slices once per part,
 * so splitting an n-element vector into k parts copied k n elements.
 * This version reads `x` through a view of the heap, taken after the output
 * is allocated because an allocation may grow and replace the heap.
 */
function sliceFromHeap(
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
  backend: HeapBackend,
): tf.TensorInfo | null {
  if (x.dtype === "string") return null;
  const contiguous = tf.slice_util.isSliceContinous(x.shape, begin, size);
  if (!contiguous && x.shape.length !== 2) return null;
  const out = backend.makeOutput(size, x.dtype);
  const input = backend.typedArrayFromHeap(x);
  const output = backend.typedArrayFromHeap(out);
  const strides = tf.util.computeStrides(x.shape);
  if (contiguous) {
    const offset = tf.slice_util.computeFlatOffset(begin, strides);
    output.set(input.subarray(offset, offset + output.length));
    return out;
  }
  const [rows, columns] = size;
  for (let i = 0; i < rows; i++) {
    const start = (begin[0] + i) * strides[0] + begin[1];
    output.set(input.subarray(start, start + columns), i * columns);
  }
  return out;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Registers `kernelFunc` as the wasm kernel `name`, in place of the package's. */
function replaceKernel(
  name: string,
  kernelFunc: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[],
): void {
  tf.unregisterKernel(name, "wasm");
  tf.registerKernel({
    kernelName: name,
    backendName: "wasm",
    kernelFunc: kernelFunc as tf.KernelFunc,
  });
}

/** Returns the package's wasm kernel `name`, failing when it has none. */
function stockKernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, "wasm");
  if (config === undefined) {
    throw new Error(`the tfjs wasm backend has no ${name} kernel to wrap`);
  }
  return config.kernelFunc;
}

/** Attributes of the `Slice` kernel. */
interface SliceAttrs {
  readonly begin: number | number[];
  readonly size?: number | number[];
}

/** Attributes of the `SplitV` kernel. */
interface SplitAttrs {
  readonly numOrSizeSplits: number | number[];
  readonly axis: number | number[];
}

let kernelsReplaced = false;

/**
 * Replaces some kernels of the package. `Slice` and `SplitV` read their
 * input through a heap view (see `sliceFromHeap`). `Identity`, and `Cast`
 * to the same type, share the input buffer instead of copying it.
 *
 * The tfjs engine clones (runs `Identity` on) every tensor a kernel saves
 * for its gradient, the `AddN` gradient clones `dy` once per input, and
 * the `Multiply` and `Relu` gradients cast float32 to float32. The stock
 * wasm kernels copy each of these. Sharing them raised the MMoE training
 * rate by about 5 % (`bench/notes.md`). A kernel never writes into a
 * buffer after making it, and a variable's `assign` swaps in a new
 * buffer, so a shared buffer cannot change under its other tensors. The
 * cpu backend of tfjs shares the same way.
 */
// Limitation: the replacements call `incRef`, `makeOutput` and
// `typedArrayFromHeap` of the tfjs-backend-wasm 4.22 `BackendWasm`. A
// tfjs upgrade must check that they still exist and behave the same.
function replaceKernels(): void {
  if (kernelsReplaced) return;
  kernelsReplaced = true;
  const stockCast = stockKernel("Cast");
  const stockSlice = stockKernel("Slice");
  const slice = (
    args: KernelArgs,
    begin: number[],
    size: number[],
  ): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    const copied = sliceFromHeap(x, begin, size, args.backend as HeapBackend);
    if (copied !== null) return copied;
    return stockSlice({ ...args, attrs: { begin, size } }) as tf.TensorInfo;
  };

  replaceKernel("Identity", shareInput);
  replaceKernel("Cast", (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const dtype = (args.attrs as { dtype?: string } | undefined)?.dtype;
    if (x.dtype === dtype) return shareInput(args);
    return stockCast(args) as tf.TensorInfo;
  });
  replaceKernel("Slice", (args) => {
    const x = args.inputs.x as tf.Tensor;
    const attrs = args.attrs as unknown as SliceAttrs;
    const [begin, size] = tf.slice_util.parseSliceParams(
      x,
      attrs.begin,
      attrs.size,
    );
    return slice(args, begin, size);
  });
  replaceKernel("SplitV", (args) => {
    const x = args.inputs.x as tf.Tensor;
    const attrs = args.attrs as unknown as SplitAttrs;
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(
      x,
      attrs.numOrSizeSplits,
      axis,
    );
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((part) => {
      const size = [...x.shape];
      size[axis] = part;
      const out = slice(args, [...begin], size);
      begin[axis] += part;
      return out;
    });
  });
}

/** Registers `factory` as the `wasm` backend at the package's priority. */
function replaceFactory(factory: BackendFactory): void {
  if (tf.findBackendFactory("wasm") !== null) tf.removeBackend("wasm");
  tf.registerBackend("wasm", factory, 2);
}

async function start(
  requested: number,
  log: Logger,
): Promise<{ info: WasmBackendInfo; module: ThreadedModule | null }> {
  const files = locatePackage();
  if (stockFactory === null) {
    stockFactory = tf.findBackendFactory("wasm") as BackendFactory | null;
    if (stockFactory === null) {
      throw new Error("the tfjs wasm backend did not register itself");
    }
  }
  if (!pathsSet) {
    wasm.setWasmPaths(files.distDirectory);
    pathsSet = true;
  }
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) as boolean;

  let factory: BackendFactory = stockFactory;
  let threaded: ThreadedModule | null = null;
  if (requested > 1) {
    let reason: string | null = null;
    if (!simd) reason = "WebAssembly SIMD is not supported";
    else if (typeof SharedArrayBuffer === "undefined") {
      reason = "SharedArrayBuffer is not available";
    } else {
      try {
        threaded = await startThreadedModule(files, requested);
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    if (threaded !== null) {
      const module = threaded;
      bindEntryPoints(module);
      factory = () =>
        new wasm.BackendWasm(
          module as unknown as ConstructorParameters<
            typeof wasm.BackendWasm
          >[0],
        );
    } else {
      log(`wasm: running single-threaded because ${reason}`);
    }
  }
  wasm.setThreadsCount(threaded !== null ? requested : 1);
  replaceKernels();
  replaceFactory(factory);
  // The old backend was disposed with its factory; its workers go too.
  current?.module?.PThread.terminateAllThreads();
  if (!(await tf.setBackend("wasm"))) {
    throw new Error("the tfjs wasm backend failed to start");
  }
  if (threaded !== null) {
    // The pool's threads run for the life of the module; like the idle
    // workers, they must not keep the process alive.
    for (const worker of threaded.PThread.runningWorkers) worker.unref();
  }
  return { info: { threads: wasm.getThreadsCount(), simd }, module: threaded };
}

/**
 * Registers and starts the tfjs `wasm` backend, multi-threaded when it can
 * be, and makes it the active backend.
 *
 * The `.wasm` binaries are taken from the installed package, so this works
 * from any working directory. When the threaded build cannot start, the
 * reason goes to `log` and the single-threaded SIMD build runs instead.
 * Calling again without `threads`, or with the running count, returns the
 * running backend; a different count restarts it, which invalidates every
 * tensor that lives on the old one.
 */
export async function registerWasmBackend(
  options: WasmBackendOptions = {},
): Promise<WasmBackendInfo> {
  // Limitation: the default is one thread per core even on a busy
  // machine, where one thread trained mmoe about 1.3x faster than two
  // (bench/notes.md) because every threaded kernel waits for the worker.
  const requested = Math.max(
    1,
    Math.min(
      MAX_WASM_THREADS,
      Math.floor(options.threads ?? os.availableParallelism()),
    ),
  );
  const log = options.log ?? (() => {});
  while (pending !== null) await pending.catch(() => undefined);
  // Without an explicit count, a running backend is kept as it is.
  const keep = options.threads === undefined || current?.threads === requested;
  if (current !== null && keep) {
    if (tf.getBackend() !== "wasm") await tf.setBackend("wasm");
    return current.info;
  }
  pending = start(requested, log).then((started) => {
    current = { threads: requested, ...started };
    return started.info;
  });
  try {
    return await pending;
  } finally {
    pending = null;
  }
}
