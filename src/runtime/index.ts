/**
 * The runtime's public entry points: backend selection and the network
 * built from a model IR.
 */
export { BackendError, registerWasmBackend, selectBackend } from "./backend.js";
export type { BackendName, Logger } from "./backend.js";
export { createNetwork, NonFiniteLossError } from "./network.js";
export {
  exportedModelInputs,
  loadExportedModel,
  writeInitialModel,
} from "./export.js";
export type { NetworkOptions } from "./network.js";
export type {
  Batch,
  NamedArrays,
  Network,
  Preprocessing,
  QuantizerLevelStats,
  StepResult,
} from "./types.js";
