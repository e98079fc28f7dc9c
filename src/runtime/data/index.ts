/**
 * The data stage: CSV files in, `Batch`es out. It never loads
 * TensorFlow.js, so it stays fast and backend-free.
 */
export { readCsvBlocks, countCsvRecords, CsvParser } from "./csv.js";
export type { CsvRecordBlock, CsvReadOptions } from "./csv.js";
export {
  openDataset,
  fitPreprocessing,
  type Dataset,
  type DataReport,
  type BatchOptions,
  type OpenDatasetOptions,
} from "./dataset.js";
export type { DataBatch, BatchMeta, FeatureCounts } from "./encode.js";
export {
  DataError,
  formatDataDiagnostic,
  type DataDiagnostic,
} from "./errors.js";
export { fnv1a32 } from "./hash.js";
export {
  serializePreprocessing,
  parsePreprocessing,
  checkPreprocessing,
  OTHER_SCENARIO,
  ALL_SCENARIO,
} from "./preprocessing.js";
export type { DataModel, BadRowReason } from "./rows.js";
export type { SplitName } from "./split.js";
