/** Exact evaluation metrics (AUC, GAUC, logloss, NMI), without TensorFlow.js. */
export { auc, gauc, logloss, LOGLOSS_EPSILON, type GaucResult } from "./auc.js";
export {
  MetricAccumulator,
  type EvaluationResult,
  type EvaluationRows,
  type ScenarioMetrics,
} from "./evaluation.js";
export { homogeneity, nmi } from "./nmi.js";
