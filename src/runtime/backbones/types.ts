import type * as tf from "@tensorflow/tfjs";
import type { ModelIr } from "../../compiler/ir.js";

/** How a weight starts; every initializer draws from the network's seeded generator on the host. */
export type Initializer =
  | "glorot_uniform"
  | "he_uniform"
  | "zeros"
  | "ones"
  | { readonly kind: "uniform"; readonly limit: number }
  | { readonly kind: "normal"; readonly std: number };

/** The position of one feature's vector inside `E`. */
export interface FeatureSlice {
  readonly offset: number;
  readonly width: number;
}

/**
 * What the network gives a backbone while it is built. Weights must all be
 * created in the factory, before the first forward pass, with names that are
 * unique and stable (`backbone/expert_0/layer_1/kernel`), because
 * checkpoints and exported models match weights by name.
 */
export interface BackboneContext {
  readonly ir: ModelIr;
  /** S: the number of scenarios (1 when the dataset has no scenario column). */
  readonly scenarios: number;
  /** Width of `E`, the concatenated feature vector. */
  readonly inputDim: number;
  /** Width of `s_D`, or 0 when the model has no hierarchy. */
  readonly hierarchyDim: number;
  /** Where each feature (by name) sits inside `E`. */
  readonly featureSlices: Readonly<Record<string, FeatureSlice>>;
  /** Creates a trainable dense weight (updated by the dense optimizer, L2 applied to kernels). */
  weight(
    name: string,
    shape: readonly number[],
    init: Initializer,
  ): tf.Variable;
  /** Creates a non-trainable state tensor (moving statistics), saved with checkpoints. */
  state(name: string, shape: readonly number[], init: Initializer): tf.Variable;
}

/** The tensors of one forward pass. */
export interface BackboneInputs {
  /** `E`: `[B, inputDim]`. */
  readonly embeddings: tf.Tensor2D;
  /** `s_D` after the straight-through estimator: `[B, hierarchyDim]`, or `null`. */
  readonly hierarchy: tf.Tensor2D | null;
  /** Scenario index per row, int32 `[B]`. */
  readonly scenario: tf.Tensor1D;
  /** The same as a float32 one-hot matrix `[B, S]`. */
  readonly scenarioOneHot: tf.Tensor2D;
  /** True in a training step: dropout is active and batch statistics update. */
  readonly training: boolean;
  /**
   * Applies inverted dropout with the network's seeded generator (identity
   * when not training or when `rate` is 0).
   */
  dropout(x: tf.Tensor2D, rate: number): tf.Tensor2D;
}

/** A built backbone, towers included. */
export interface Backbone {
  /**
   * Returns one logit vector `[B]` per task, in `ir.tasks` order. With
   * per-scenario towers each row's logit comes from its own scenario's tower.
   */
  forward(inputs: BackboneInputs): tf.Tensor1D[];
}

/** Builds a backbone's weights and returns its forward function. */
export type BackboneFactory = (context: BackboneContext) => Backbone;
