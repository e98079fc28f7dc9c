/**
 * The dataset reader the trainer uses: fits the preprocessing, then yields
 * batches of the training, validation and test parts.
 *
 * Two strategies, chosen by the size of the encoded rows:
 * - memory: when the encoded file fits `memoryBudgetBytes`, every part is
 *   encoded once into typed columns. An epoch visits the training rows in a
 *   Fisher-Yates permutation seeded by (seed, epoch).
 * - stream: otherwise every pass reads the file again. Training rows go
 *   through a shuffle buffer of `shuffleBufferRows` rows seeded by (seed,
 *   epoch): each incoming row replaces a uniformly chosen buffered row,
 *   which is emitted, and the rest is emitted in a seeded permutation at
 *   the end. Memory is bounded by the buffer, not the file.
 * Both are deterministic: the same data, seed and epoch give the same
 * batches, and `startBatch` k yields exactly batches k, k+1, ... of that
 * epoch. Validation and test batches keep file order. Bad rows are skipped
 * the same way in every pass.
 */
import type { Preprocessing } from "../types.js";
import { countCsvRecords, readCsvBlocks, type CsvRecordBlock } from "./csv.js";
import {
  Encoder,
  RowStore,
  bytesPerRow,
  storeShape,
  type DataBatch,
  type FeatureCounts,
  Dictionary,
} from "./encode.js";
import { DataError } from "./errors.js";
import { Random, shuffledOrder } from "./hash.js";
import { PreprocessingFitter, checkPreprocessing } from "./preprocessing.js";
import {
  BAD_ROW_REASONS,
  ColumnLayout,
  RowChecker,
  type BadRowReason,
  type DataModel,
} from "./rows.js";
import { SPLIT_NAMES, TRAIN, makeSplitter, type SplitName } from "./split.js";

const DEFAULT_MEMORY_BUDGET = 256 * 2 ** 20;

/** Options of `openDataset` and `fitPreprocessing`. */
export interface OpenDatasetOptions {
  /** A CSV file to read instead of the dataset's `source` path. */
  readonly dataPath?: string;
  /** A preprocessing saved by an earlier run; fitted on the training part when absent. */
  readonly preprocessing?: Preprocessing;
  /** The shuffle seed; `model.train.seed` by default, else 0. */
  readonly seed?: number;
  /**
   * Encoded rows up to this size are kept in memory; 256 MiB by default.
   * That holds about 1.8M rows of the KuaiRand model (144 bytes a row) and
   * sends a 10M-row synthetic file to stream mode.
   */
  readonly memoryBudgetBytes?: number;
  /** Forces a strategy instead of choosing by size. */
  readonly mode?: "memory" | "stream";
  /** Rows in the stream-mode shuffle buffer; 65,536 by default. */
  readonly shuffleBufferRows?: number;
  /** Bytes read per chunk of the CSV file; 64 KiB by default. */
  readonly chunkBytes?: number;
}

/** Options of one pass over a part. */
export interface BatchOptions {
  readonly batchSize: number;
  /** The training epoch (0-based), which seeds the shuffle; ignored for other parts. */
  readonly epoch?: number;
  /** Skips the first `startBatch` batches of the pass (to resume mid-epoch). */
  readonly startBatch?: number;
  /** Pads the last, partial batch to `batchSize` with weight-0 rows. */
  readonly padLastBatch?: boolean;
}

/** The data stage's account of a file: rows per part, skipped rows and value counts. */
export interface DataReport {
  readonly file: string;
  readonly mode: "memory" | "stream";
  /** Good rows per part. */
  readonly rows: Readonly<Record<SplitName, number>>;
  /** Skipped rows per reason (all 0 unless `bad_rows skip`). */
  readonly skipped: Readonly<Record<BadRowReason, number>>;
  /**
   * Missing and OOV counts per feature for each part, once a full pass over
   * that part has run (at open time in memory mode).
   */
  readonly features: Partial<Record<SplitName, Record<string, FeatureCounts>>>;
  /** Rows per part whose scenario value is not in the scenario list and no `"__other__"` exists (mapped to scenario 0). */
  readonly unseenScenarioRows: Partial<Record<SplitName, number>>;
}

/** An open dataset: the preprocessing and batches of each part. */
export interface Dataset {
  readonly file: string;
  readonly mode: "memory" | "stream";
  readonly preprocessing: Preprocessing;
  /** Good rows per part. */
  readonly rows: Readonly<Record<SplitName, number>>;
  /** The number of batches of one pass over `split`. */
  batchCount(split: SplitName, batchSize: number): number;
  /** Yields the batches of one pass over `split`, preparing each next batch ahead. */
  batches(split: SplitName, options: BatchOptions): AsyncGenerator<DataBatch>;
  /** Returns the report of everything read so far. */
  report(): DataReport;
}

interface ScanResult {
  readonly layout: ColumnLayout;
  readonly preprocessing: Preprocessing;
  readonly rows: Record<SplitName, number>;
  readonly skipped: Record<BadRowReason, number>;
  readonly dataRecords: number;
}

/** Fits the preprocessing on the training part of the dataset in one pass. */
export async function fitPreprocessing(
  model: DataModel,
  options: Pick<OpenDatasetOptions, "dataPath" | "chunkBytes"> = {},
): Promise<Preprocessing> {
  const path = options.dataPath ?? model.dataset.source.path;
  return (await scanFile(model, path, options.chunkBytes, undefined))
    .preprocessing;
}

/**
 * Opens a dataset for training and evaluation: reads the file once to fit
 * the preprocessing (or to count rows when one is given) and, in memory
 * mode, once more to encode every part.
 */
export async function openDataset(
  model: DataModel & { readonly train?: { readonly seed: number } },
  options: OpenDatasetOptions = {},
): Promise<Dataset> {
  const path = options.dataPath ?? model.dataset.source.path;
  if (options.preprocessing !== undefined) {
    checkPreprocessing(model, options.preprocessing, path);
  }
  const scan = await scanFile(
    model,
    path,
    options.chunkBytes,
    options.preprocessing,
  );
  const shape = storeShape(model);
  const totalRows = scan.rows.train + scan.rows.valid + scan.rows.test;
  const mode =
    options.mode ??
    (totalRows * bytesPerRow(shape) <=
    (options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET)
      ? "memory"
      : "stream");
  const reader = new DatasetReader(model, path, scan, mode, options);
  if (mode === "memory") await reader.load();
  return reader;
}

/** Calls `onRecord` for every data record, after binding the header. */
async function forEachRecord(
  model: DataModel,
  path: string,
  chunkBytes: number | undefined,
  onRecord: (
    block: CsvRecordBlock,
    record: number,
    index: number,
    layout: ColumnLayout,
  ) => void,
): Promise<ColumnLayout> {
  let layout: ColumnLayout | null = null;
  let index = 0;
  const blocks = readCsvBlocks(path, {
    delimiter: model.dataset.source.delimiter,
    chunkBytes,
  });
  for await (const block of blocks) {
    let first = 0;
    if (layout === null) {
      const header = block.fields.slice(block.offsets[0], block.offsets[1]);
      layout = new ColumnLayout(model, path, header);
      first = 1;
    }
    for (let r = first; r < block.count; r++)
      onRecord(block, r, index++, layout);
  }
  if (layout === null) {
    throw new DataError({
      code: "HMD4010",
      message: "the data file is empty: expected a header row",
      file: path,
      line: 0,
      column: 0,
      help: "the first line must name the columns, separated by the delimiter",
    });
  }
  return layout;
}

async function dataRecordCount(
  model: DataModel,
  path: string,
  chunkBytes: number | undefined,
): Promise<number | null> {
  if (model.dataset.split.kind !== "ordered") return null;
  return Math.max(0, (await countCsvRecords(path, chunkBytes)) - 1);
}

async function scanFile(
  model: DataModel,
  path: string,
  chunkBytes: number | undefined,
  given: Preprocessing | undefined,
): Promise<ScanResult> {
  const records = await dataRecordCount(model, path, chunkBytes);
  const splitter = makeSplitter(model.dataset.split, records);
  const rows = { train: 0, valid: 0, test: 0 };
  const skipped = Object.fromEntries(
    BAD_ROW_REASONS.map((r) => [r, 0]),
  ) as Record<BadRowReason, number>;
  let checker: RowChecker | null = null;
  let fitter: PreprocessingFitter | null = null;
  let seen = 0;
  const layout = await forEachRecord(
    model,
    path,
    chunkBytes,
    (block, r, index, layout) => {
      if (checker === null) {
        checker = new RowChecker(model, layout);
        if (given === undefined) {
          fitter = new PreprocessingFitter(model, layout);
        }
      }
      seen = index + 1;
      const reason = checker.check(block, r);
      if (reason !== null) {
        skipped[reason]++;
        return;
      }
      const value =
        layout.splitColumn >= 0
          ? block.fields[block.offsets[r] + layout.splitColumn]
          : undefined;
      const part = splitter(index, value);
      rows[SPLIT_NAMES[part]]++;
      if (part === TRAIN && fitter !== null) fitter.add(block, r, checker);
    },
  );
  if (given === undefined && rows.train === 0) {
    throw new DataError({
      code: "HMD4011",
      message: `the training split is empty (${seen} data rows read: ${seen - rows.valid - rows.test} skipped, ${rows.valid} in validation, ${rows.test} in test)`,
      file: path,
      line: 0,
      column: 0,
      help: "check the split fractions or values, and that the file has data rows",
    });
  }
  // A fitter exists whenever a training row was seen, which the check above
  // ensures when no preprocessing was given.
  const preprocessing =
    given ?? (fitter as PreprocessingFitter | null)!.finish();
  return { layout, preprocessing, rows, skipped, dataRecords: records ?? seen };
}

class DatasetReader implements Dataset {
  readonly file: string;
  readonly mode: "memory" | "stream";
  readonly preprocessing: Preprocessing;
  readonly rows: Readonly<Record<SplitName, number>>;
  private readonly model: DataModel;
  private readonly scan: ScanResult;
  private readonly seed: number;
  private readonly bufferRows: number;
  private readonly chunkBytes: number | undefined;
  private readonly stores: Partial<Record<SplitName, RowStore>> = {};
  private readonly dictionaries: {
    scenario: Dictionary;
    group: Dictionary | null;
  };
  private readonly featureCounts: Partial<
    Record<SplitName, Record<string, FeatureCounts>>
  > = {};
  private readonly unseen: Partial<Record<SplitName, number>> = {};

  constructor(
    model: DataModel & { readonly train?: { readonly seed: number } },
    file: string,
    scan: ScanResult,
    mode: "memory" | "stream",
    options: OpenDatasetOptions,
  ) {
    this.model = model;
    this.file = file;
    this.scan = scan;
    this.mode = mode;
    this.preprocessing = scan.preprocessing;
    this.rows = scan.rows;
    this.seed = options.seed ?? model.train?.seed ?? 0;
    this.bufferRows = Math.max(1, options.shuffleBufferRows ?? 65536);
    this.chunkBytes = options.chunkBytes;
    this.dictionaries = {
      scenario: new Dictionary(),
      group: scan.layout.gaucColumn >= 0 ? new Dictionary() : null,
    };
  }

  /** Encodes every part into memory (memory mode). */
  async load(): Promise<void> {
    const shape = storeShape(this.model);
    const stores = SPLIT_NAMES.map(
      (name) => new RowStore(shape, this.rows[name]),
    );
    const encoders = SPLIT_NAMES.map(() => this.newEncoder());
    await this.eachGoodRecord((block, r, part, checker) => {
      const store = stores[part];
      // The file may have grown since the counting pass.
      if (store.size === store.capacity) store.reserve(store.size + 1);
      encoders[part].encode(block, r, checker, store, store.size++);
    });
    SPLIT_NAMES.forEach((name, part) => {
      this.stores[name] = stores[part];
      this.featureCounts[name] = encoders[part].counts;
      this.unseen[name] = encoders[part].unseenScenarioRows;
    });
  }

  batchCount(split: SplitName, batchSize: number): number {
    return Math.ceil(this.rows[split] / batchSize);
  }

  batches(split: SplitName, options: BatchOptions): AsyncGenerator<DataBatch> {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(
        `batchSize must be a positive integer, got ${options.batchSize}`,
      );
    }
    const source =
      this.mode === "memory"
        ? this.memoryBatches(split, options)
        : split === "train"
          ? this.streamTrainBatches(options)
          : this.streamOrderedBatches(split, options);
    return prefetch(source);
  }

  report(): DataReport {
    return {
      file: this.file,
      mode: this.mode,
      rows: this.rows,
      skipped: this.scan.skipped,
      features: this.featureCounts,
      unseenScenarioRows: this.unseen,
    };
  }

  private newEncoder(): Encoder {
    return new Encoder(
      this.model,
      this.preprocessing,
      this.scan.layout,
      this.dictionaries,
    );
  }

  private async eachGoodRecord(
    onRecord: (
      block: CsvRecordBlock,
      record: number,
      part: number,
      checker: RowChecker,
    ) => void,
  ): Promise<void> {
    const splitter = makeSplitter(
      this.model.dataset.split,
      this.scan.dataRecords,
    );
    let checker: RowChecker | null = null;
    await forEachRecord(
      this.model,
      this.file,
      this.chunkBytes,
      (block, r, index, layout) => {
        checker ??= new RowChecker(this.model, layout);
        if (checker.check(block, r) !== null) return;
        const value =
          layout.splitColumn >= 0
            ? block.fields[block.offsets[r] + layout.splitColumn]
            : undefined;
        onRecord(block, r, splitter(index, value), checker);
      },
    );
  }

  private async *memoryBatches(
    split: SplitName,
    options: BatchOptions,
  ): AsyncGenerator<DataBatch> {
    const store = this.stores[split]!;
    const order =
      split === "train"
        ? shuffledOrder(store.size, new Random(this.seed, options.epoch ?? 0))
        : null;
    const size = options.batchSize;
    const pad = options.padLastBatch === true ? size : null;
    for (
      let index = options.startBatch ?? 0;
      index * size < store.size;
      index++
    ) {
      const start = index * size;
      const count = Math.min(size, store.size - start);
      yield {
        ...store.toBatch(order, start, count, pad, this.dictionaries),
        index,
      };
    }
  }

  private async *streamOrderedBatches(
    split: SplitName,
    options: BatchOptions,
  ): AsyncGenerator<DataBatch> {
    const part = SPLIT_NAMES.indexOf(split);
    const encoder = this.newEncoder();
    const out = new RowStore(storeShape(this.model), options.batchSize);
    const pending: DataBatch[] = [];
    const pad = options.padLastBatch === true ? options.batchSize : null;
    let index = 0;
    const skip = options.startBatch ?? 0;
    const flush = (): void => {
      if (index >= skip) {
        pending.push({
          ...out.toBatch(null, 0, out.size, pad, this.dictionaries),
          index,
        });
      }
      index++;
      out.size = 0;
    };
    for await (const _ of this.streamPart(part, (block, r, checker) => {
      encoder.encode(block, r, checker, out, out.size++);
      if (out.size === options.batchSize) flush();
    })) {
      while (pending.length > 0) yield pending.shift()!;
    }
    if (out.size > 0) flush();
    while (pending.length > 0) yield pending.shift()!;
    if (skip === 0) this.recordCounts(split, encoder);
  }

  // Limitation: resuming at batch k in stream mode re-reads the epoch from its
  // start and drops the first k batches, so it costs time proportional to k.
  private async *streamTrainBatches(
    options: BatchOptions,
  ): AsyncGenerator<DataBatch> {
    const shape = storeShape(this.model);
    const encoder = this.newEncoder();
    const random = new Random(this.seed, options.epoch ?? 0);
    const capacity = Math.min(this.bufferRows, Math.max(1, this.rows.train));
    const buffer = new RowStore(shape, capacity);
    const out = new RowStore(shape, options.batchSize);
    const pending: DataBatch[] = [];
    const pad = options.padLastBatch === true ? options.batchSize : null;
    const skip = options.startBatch ?? 0;
    let index = 0;
    const emit = (row: number): void => {
      out.copyRow(buffer, row, out.size++);
      if (out.size === options.batchSize) flush();
    };
    const flush = (): void => {
      if (index >= skip) {
        pending.push({
          ...out.toBatch(null, 0, out.size, pad, this.dictionaries),
          index,
        });
      }
      index++;
      out.size = 0;
    };
    for await (const _ of this.streamPart(TRAIN, (block, r, checker) => {
      if (buffer.size < capacity) {
        encoder.encode(block, r, checker, buffer, buffer.size++);
        return;
      }
      const slot = random.below(capacity);
      emit(slot);
      encoder.encode(block, r, checker, buffer, slot);
    })) {
      while (pending.length > 0) yield pending.shift()!;
    }
    const rest = shuffledOrder(buffer.size, random);
    for (let k = 0; k < rest.length; k++) {
      emit(rest[k]);
      while (pending.length > 0) yield pending.shift()!;
    }
    if (out.size > 0) flush();
    while (pending.length > 0) yield pending.shift()!;
    if (skip === 0) this.recordCounts("train", encoder);
  }

  /**
   * Reads the file and calls `onRecord` for each good record of `part`,
   * yielding after every chunk so the caller can hand out finished batches.
   */
  private async *streamPart(
    part: number,
    onRecord: (
      block: CsvRecordBlock,
      record: number,
      checker: RowChecker,
    ) => void,
  ): AsyncGenerator<void> {
    const splitter = makeSplitter(
      this.model.dataset.split,
      this.scan.dataRecords,
    );
    const layout = this.scan.layout;
    const checker = new RowChecker(this.model, layout);
    const width = layout.header.length;
    let index = 0;
    let header = true;
    const blocks = readCsvBlocks(this.file, {
      delimiter: this.model.dataset.source.delimiter,
      chunkBytes: this.chunkBytes,
    });
    for await (const block of blocks) {
      for (let r = header ? 1 : 0; r < block.count; r++) {
        const recordIndex = index++;
        // Split first: checking only this part's rows makes a validation
        // pass several times faster. A row of the wrong width is bad in
        // every part, so its split column is never read.
        const start = block.offsets[r];
        if (block.offsets[r + 1] - start !== width) continue;
        const value =
          layout.splitColumn >= 0
            ? block.fields[start + layout.splitColumn]
            : undefined;
        if (splitter(recordIndex, value) !== part) continue;
        if (checker.check(block, r) === null) onRecord(block, r, checker);
      }
      header = false;
      yield;
    }
  }

  private recordCounts(split: SplitName, encoder: Encoder): void {
    this.featureCounts[split] ??= encoder.counts;
    this.unseen[split] ??= encoder.unseenScenarioRows;
  }
}

/**
 * Yields the items of `source`, asking for the next one as soon as the
 * current one is handed out, so its preparation (file reads included)
 * overlaps the consumer's work.
 */
// Limitation: prefetching overlaps only file reads with the consumer; parsing
// and encoding run on the main thread, not in a worker.
async function* prefetch<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = source.next();
  // The pending request may fail while the consumer works on an item. The
  // failure is then rethrown at the next await instead of going unhandled.
  next.catch(() => undefined);
  try {
    for (;;) {
      const result = await next;
      if (result.done === true) return;
      next = source.next();
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    await source.return(undefined);
  }
}
