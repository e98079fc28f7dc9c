import * as tf from "@tensorflow/tfjs";
import type { BackboneIr, HierarchyIr, ModelIr } from "../compiler/ir.js";
import type {
  Backbone,
  BackboneContext,
  BackboneFactory,
  BackboneInputs,
  FeatureSlice,
  Initializer,
} from "./backbones/types.js";
import { backbones } from "./backbones/index.js";
import { linear, oneHotFloat } from "./ops.js";
import { ResidualQuantizer } from "./quantizer.js";
import type { QuantizerOutput } from "./quantizer.js";
import type { Random } from "./random.js";

/**
 * The model's computation from `E` to the task logits: the hierarchy views,
 * the quantizer and the backbone. The training network and the exported
 * tfjs layer both run this one class, so they cannot drift apart.
 */

/** Creates named weights; the training registry and the export layer both implement it. */
export interface WeightFactory {
  weight(
    name: string,
    shape: readonly number[],
    init: Initializer,
    regularized?: boolean,
  ): tf.Variable;
  state(name: string, shape: readonly number[], init: Initializer): tf.Variable;
}

/** A contiguous run of `E` columns. */
interface ColumnRun {
  readonly offset: number;
  readonly width: number;
}

/** Merges the slices of `features` (in that order) into contiguous column runs. */
function columnRuns(
  features: readonly string[],
  slices: Readonly<Record<string, FeatureSlice>>,
): ColumnRun[] {
  const runs: { offset: number; width: number }[] = [];
  for (const name of features) {
    const slice = slices[name];
    if (slice === undefined) {
      throw new Error(`hierarchy view reads unknown feature "${name}"`);
    }
    const last = runs[runs.length - 1];
    if (last !== undefined && last.offset + last.width === slice.offset) {
      last.width += slice.width;
    } else {
      runs.push({ offset: slice.offset, width: slice.width });
    }
  }
  return runs;
}

/** A dense layer's weights. */
interface DenseWeights {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
}

/**
 * One view: `relu(x W_i + b_i)` for each hidden layer, then the `Linear`
 * map `x W + b` to the code width; its input is a set of `E` columns.
 */
interface ViewProjection extends DenseWeights {
  readonly runs: ColumnRun[];
  readonly hidden: readonly DenseWeights[];
}

/** Returns the registered backbone factory for `kind`. */
export function defaultBackbone(kind: BackboneIr["kind"]): BackboneFactory {
  const factory = backbones[kind];
  if (factory === undefined) {
    throw new Error(`no backbone is registered for kind "${kind}"`);
  }
  return factory;
}

/** The tensors of one forward pass through the whole model. */
export interface ForwardResult {
  readonly logits: tf.Tensor1D[];
  readonly quantized: QuantizerOutput | null;
}

/** Settings and collaborators of a `ModelCore`. */
export interface ModelCoreOptions {
  readonly ir: ModelIr;
  readonly scenarios: number;
  readonly inputDim: number;
  readonly featureSlices: Readonly<Record<string, FeatureSlice>>;
  readonly weights: WeightFactory;
  /** Draws the codebook initialisation. */
  readonly random: Random;
  readonly backbone: BackboneFactory;
}

/** Views, quantizer and backbone, with their weights created in a fixed order. */
export class ModelCore {
  readonly ir: ModelIr;
  readonly quantizer: ResidualQuantizer | null = null;
  private readonly views: ViewProjection[] = [];
  private readonly viewMerge: DenseWeights | null = null;
  private readonly backbone: Backbone;
  private readonly scenarios: number;
  private readonly inputDim: number;

  constructor(options: ModelCoreOptions) {
    const { ir, weights } = options;
    this.ir = ir;
    this.scenarios = options.scenarios;
    this.inputDim = options.inputDim;
    const hierarchy = ir.hierarchy;
    if (hierarchy !== null) {
      this.buildViews(hierarchy, options);
      if (hierarchy.view === "both") {
        const width = hierarchy.codeDim;
        this.viewMerge = {
          kernel: weights.weight(
            "hierarchy/view/kernel",
            [2 * width, width],
            "glorot_uniform",
          ),
          bias: weights.weight("hierarchy/view/bias", [width], "zeros"),
        };
      }
      this.quantizer = new ResidualQuantizer(
        hierarchy,
        weights,
        options.random,
      );
    }
    const context: BackboneContext = {
      ir,
      scenarios: options.scenarios,
      inputDim: options.inputDim,
      hierarchyDim: hierarchy === null ? 0 : hierarchy.codeDim,
      featureSlices: options.featureSlices,
      weight: (name, shape, init) => weights.weight(name, shape, init),
      state: (name, shape, init) => weights.state(name, shape, init),
    };
    this.backbone = options.backbone(context);
  }

  private buildViews(hierarchy: HierarchyIr, options: ModelCoreOptions): void {
    const add = (name: string, features: readonly string[]): void => {
      const runs = columnRuns(features, options.featureSlices);
      const width = runs.reduce((sum, run) => sum + run.width, 0);
      if (width === 0) {
        throw new Error(`hierarchy ${name} view has no features`);
      }
      const hidden = hierarchy.viewLayers.map((units, i) => ({
        kernel: options.weights.weight(
          `hierarchy/${name}/layer_${i}/kernel`,
          [i === 0 ? width : hierarchy.viewLayers[i - 1], units],
          "glorot_uniform",
        ),
        bias: options.weights.weight(
          `hierarchy/${name}/layer_${i}/bias`,
          [units],
          "zeros",
        ),
      }));
      const last = hierarchy.viewLayers[hierarchy.viewLayers.length - 1];
      this.views.push({
        runs,
        hidden,
        kernel: options.weights.weight(
          `hierarchy/${name}/kernel`,
          [last ?? width, hierarchy.codeDim],
          "glorot_uniform",
        ),
        bias: options.weights.weight(
          `hierarchy/${name}/bias`,
          [hierarchy.codeDim],
          "zeros",
        ),
      });
    };
    if (hierarchy.view !== "implicit") add("explicit", hierarchy.explicit);
    if (hierarchy.view !== "explicit") add("implicit", hierarchy.implicit);
  }

  /** Returns the quantizer input `x` for `E`. */
  viewVector(embeddings: tf.Tensor2D): tf.Tensor2D {
    const projected = this.views.map((view) => {
      const parts = view.runs.map((run) =>
        run.offset === 0 && run.width === this.inputDim
          ? embeddings
          : tf.slice(embeddings, [0, run.offset], [-1, run.width]),
      );
      let input = parts.length === 1 ? parts[0] : tf.concat(parts, 1);
      for (const layer of view.hidden) {
        input = tf.relu(
          linear(input, layer.kernel as tf.Tensor2D, layer.bias as tf.Tensor1D),
        );
      }
      return linear(
        input,
        view.kernel as tf.Tensor2D,
        view.bias as tf.Tensor1D,
      );
    });
    if (this.viewMerge === null) return projected[0];
    return linear(
      tf.concat(projected, 1),
      this.viewMerge.kernel as tf.Tensor2D,
      this.viewMerge.bias as tf.Tensor1D,
    );
  }

  /**
   * Runs the model on `E`. `rowWeights` weights the quantizer losses;
   * `dropout` is the network's seeded dropout (identity at inference).
   */
  forward(
    embeddings: tf.Tensor2D,
    scenario: tf.Tensor1D,
    rowWeights: tf.Tensor1D,
    training: boolean,
    dropout: BackboneInputs["dropout"],
  ): ForwardResult {
    let quantized: QuantizerOutput | null = null;
    if (this.quantizer !== null) {
      quantized = this.quantizer.forward(
        this.viewVector(embeddings),
        rowWeights,
      );
    }
    const inputs: BackboneInputs = {
      embeddings,
      hierarchy: quantized === null ? null : quantized.hierarchy,
      scenario,
      scenarioOneHot: oneHotFloat(scenario, this.scenarios),
      training,
      dropout,
    };
    const logits = this.backbone.forward(inputs);
    if (logits.length !== this.ir.tasks.length) {
      throw new Error(
        `backbone returned ${logits.length} logit vectors for ${this.ir.tasks.length} tasks`,
      );
    }
    return { logits, quantized };
  }

  /** Frees the tensors the weight factory does not own. */
  dispose(): void {
    this.quantizer?.dispose();
  }
}
