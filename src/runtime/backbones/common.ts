/**
 * Building blocks shared by the backbones: activations, normalisation,
 * dense layers (plain and stacked), MLPs, the gate unit, the HMDN input
 * modulation, scenario embeddings and the task towers.
 *
 * Layouts used throughout:
 * - a plain activation is `[B, d]`;
 * - a stacked activation is `[n, B, d]`: `n` independent copies (experts,
 *   units, scenarios) of the same layer applied to the same rows, so one
 *   `batchedLinear` runs all of them.
 *
 * Per-scenario choices never use `gather` (its gradient needs
 * `UnsortedSegmentSum`, which the wasm backend lacks): every scenario's
 * variant is computed on every row and the row's own one is kept by a
 * one-hot mask.
 */
import * as tf from "@tensorflow/tfjs";
import type {
  Activation,
  BackboneIr,
  HierarchyUse,
  Norm,
  TaskIr,
} from "../../compiler/ir.js";
import { batchedLinear, linear, stopGradient } from "../ops.js";
import type { BackboneContext, BackboneInputs } from "./types.js";

/** Slope of `leaky_relu` for negative inputs (the PyTorch default). */
export const LEAKY_RELU_ALPHA = 0.01;
/** Added to the variance before the square root in every norm. */
export const NORM_EPSILON = 1e-5;
/**
 * Weight of the old value in the batch-norm moving averages:
 * `moving = MOMENTUM * moving + (1 - MOMENTUM) * batch`.
 */
export const BATCH_NORM_MOMENTUM = 0.99;
/**
 * Hidden width of the HMDN modulation gate unit for backbones that have no
 * gate width of their own (PEPNet uses its `gate_hidden`).
 */
export const MODULATION_HIDDEN = 64;

/** Applies an activation function element-wise. */
export function activate<T extends tf.Tensor>(x: T, activation: Activation): T {
  switch (activation) {
    case "relu":
      return tf.relu(x);
    case "leaky_relu":
      return tf.leakyRelu(x, LEAKY_RELU_ALPHA);
    case "gelu":
      // The exact form 0.5 x (1 + erf(x / sqrt 2)), as PyTorch's default.
      return tf.mul(
        tf.mul(x, 0.5),
        tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))),
      ) as T;
    case "swish":
      return tf.mul(x, tf.sigmoid(x)) as T;
    case "tanh":
      return tf.tanh(x);
    case "sigmoid":
      return tf.sigmoid(x);
    case "linear":
      return x;
  }
}

/** Applies `inputs.dropout` to a plain or stacked activation. */
export function dropout<T extends tf.Tensor2D | tf.Tensor3D>(
  x: T,
  rate: number,
  inputs: BackboneInputs,
): T {
  if (!inputs.training || rate === 0) return x;
  if (x.rank === 2) return inputs.dropout(x as tf.Tensor2D, rate) as T;
  const [n, b, d] = x.shape as [number, number, number];
  const flat = inputs.dropout(tf.reshape(x, [n * b, d]), rate);
  return tf.reshape(flat, [n, b, d]) as T;
}

// ---------------------------------------------------------------- norm

/** A normalisation layer over the last axis of a plain or stacked activation. */
export interface NormLayer {
  apply<T extends tf.Tensor2D | tf.Tensor3D>(x: T, inputs: BackboneInputs): T;
}

/**
 * Creates a `layer` or `batch` norm for width `width`, `copies` times
 * stacked (`copies = 0` for a plain `[B, d]` activation), or `null` for
 * `none`.
 *
 * Weights: `<prefix>/gamma` (ones), `<prefix>/beta` (zeros); batch norm also
 * keeps `<prefix>/moving_mean` and `<prefix>/moving_variance` as state. Batch
 * norm normalises with the batch mean and biased variance over the rows in
 * a training step and updates the moving averages with
 * `BATCH_NORM_MOMENTUM`; outside training it uses the moving averages.
 */
export function createNorm(
  context: BackboneContext,
  prefix: string,
  norm: Norm,
  width: number,
  copies = 0,
): NormLayer | null {
  if (norm === "none") return null;
  const shape = copies === 0 ? [width] : [copies, width];
  const broadcast = copies === 0 ? [width] : [copies, 1, width];
  const gamma = context.weight(`${prefix}/gamma`, shape, "ones");
  const beta = context.weight(`${prefix}/beta`, shape, "zeros");
  const scale = (x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor) =>
    tf.add(
      tf.mul(
        tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, NORM_EPSILON))),
        tf.reshape(gamma, broadcast),
      ),
      tf.reshape(beta, broadcast),
    );
  if (norm === "layer") {
    return {
      apply(x) {
        const { mean, variance } = tf.moments(x, -1, true);
        return scale(x, mean, variance) as typeof x;
      },
    };
  }
  const movingMean = context.state(`${prefix}/moving_mean`, shape, "zeros");
  const movingVariance = context.state(
    `${prefix}/moving_variance`,
    shape,
    "ones",
  );
  return {
    apply(x, inputs) {
      if (!inputs.training) {
        return scale(
          x,
          tf.reshape(movingMean, broadcast),
          tf.reshape(movingVariance, broadcast),
        ) as typeof x;
      }
      const { mean, variance } = tf.moments(x, x.rank - 2, true);
      updateMovingAverage(movingMean, tf.reshape(mean, shape));
      updateMovingAverage(movingVariance, tf.reshape(variance, shape));
      return scale(x, mean, variance) as typeof x;
    },
  };
}

/** Moves a state variable towards a batch statistic, outside any gradient. */
export function updateMovingAverage(state: tf.Variable, batch: tf.Tensor) {
  tf.tidy(() => {
    const next = tf.add(
      tf.mul(state, BATCH_NORM_MOMENTUM),
      tf.mul(stopGradient(batch), 1 - BATCH_NORM_MOMENTUM),
    );
    state.assign(next);
  });
}

// --------------------------------------------------------------- dense

/** A dense layer `x W + b` on a plain activation. */
export interface DenseLayer {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | null;
  apply(x: tf.Tensor2D): tf.Tensor2D;
}

/** Creates `<prefix>/kernel` `[in, out]` and, unless `bias` is false, `<prefix>/bias`. */
export function createDense(
  context: BackboneContext,
  prefix: string,
  inDim: number,
  outDim: number,
  options: { bias?: boolean; zeroInit?: boolean } = {},
): DenseLayer {
  const kernel = context.weight(
    `${prefix}/kernel`,
    [inDim, outDim],
    options.zeroInit ? "zeros" : "glorot_uniform",
  );
  const bias =
    options.bias === false
      ? null
      : context.weight(`${prefix}/bias`, [outDim], "zeros");
  return {
    kernel,
    bias,
    apply(x) {
      const y = linear(x, kernel as tf.Tensor2D);
      return bias ? tf.add(y, bias) : y;
    },
  };
}

/**
 * `n` dense layers of the same shape, kept as one `[n, in, out]` kernel and
 * one `[n, out]` bias so a single batched product runs them all.
 */
export interface StackedDenseLayer {
  readonly copies: number;
  /** Each copy reads its own rows: `[n, B, in] -> [n, B, out]`. */
  apply(x: tf.Tensor3D): tf.Tensor3D;
  /** Every copy reads the same rows: `[B, in] -> [n, B, out]`. */
  applyShared(x: tf.Tensor2D): tf.Tensor3D;
}

/** Creates `<prefix>/kernel` `[n, in, out]` and `<prefix>/bias` `[n, out]`. */
export function createStackedDense(
  context: BackboneContext,
  prefix: string,
  copies: number,
  inDim: number,
  outDim: number,
): StackedDenseLayer {
  const kernel = context.weight(
    `${prefix}/kernel`,
    [copies, inDim, outDim],
    "glorot_uniform",
  );
  const bias = context.weight(`${prefix}/bias`, [copies, outDim], "zeros");
  return {
    copies,
    apply(x) {
      const y = batchedLinear(x, kernel as tf.Tensor3D);
      return tf.add(y, tf.reshape(bias, [copies, 1, outDim]));
    },
    applyShared(x) {
      // One [B, in] x [in, n*out] product instead of tiling x n times.
      const wide = tf.reshape(tf.transpose(kernel, [1, 0, 2]), [
        inDim,
        copies * outDim,
      ]) as tf.Tensor2D;
      const y = tf.add(linear(x, wide), tf.reshape(bias, [copies * outDim]));
      const rows = x.shape[0];
      return tf.transpose(tf.reshape(y, [rows, copies, outDim]), [1, 0, 2]);
    },
  };
}

// ----------------------------------------------------------------- MLP

/** The activation, dropout and norm settings every hidden layer shares. */
export interface LayerStyle {
  readonly activation: Activation;
  readonly dropout: number;
  readonly norm: Norm;
}

/** Reads the layer style of a backbone. */
export function layerStyle(ir: BackboneIr): LayerStyle {
  return { activation: ir.activation, dropout: ir.dropout, norm: ir.norm };
}

/**
 * Returns the `[B, d]` scale of a layer's input (PPNet's gates), or `null`
 * to leave that layer's input as it is.
 */
export type InputGate = (layer: number) => tf.Tensor2D | null;

/** Hidden layers `dense -> norm -> activation -> dropout` on a plain activation. */
export interface Mlp {
  readonly outDim: number;
  /** Input width of each layer, in order. */
  readonly inDims: readonly number[];
  apply(x: tf.Tensor2D, inputs: BackboneInputs, gate?: InputGate): tf.Tensor2D;
}

/** Creates `<prefix>/layer_<i>/{kernel,bias,norm/...}` for each width. */
export function createMlp(
  context: BackboneContext,
  prefix: string,
  inDim: number,
  widths: readonly number[],
  style: LayerStyle,
): Mlp {
  const inDims: number[] = [];
  const layers = widths.map((width, i) => {
    const layerIn = i === 0 ? inDim : widths[i - 1];
    inDims.push(layerIn);
    const name = `${prefix}/layer_${i}`;
    return {
      dense: createDense(context, name, layerIn, width),
      norm: createNorm(context, `${name}/norm`, style.norm, width),
    };
  });
  return {
    outDim: widths.length === 0 ? inDim : widths[widths.length - 1],
    inDims,
    apply(x, inputs, gate) {
      let h = x;
      layers.forEach((layer, i) => {
        const scale = gate?.(i) ?? null;
        let y = layer.dense.apply(scale ? tf.mul(h, scale) : h);
        if (layer.norm) y = layer.norm.apply(y, inputs);
        h = dropout(activate(y, style.activation), style.dropout, inputs);
      });
      return h;
    },
  };
}

/** `n` MLPs of the same shape run as one stack (the experts of MMoE, PLE, M2M). */
export interface StackedMlp {
  readonly copies: number;
  readonly outDim: number;
  /** Each copy reads its own rows: `[n, B, in] -> [n, B, out]`. */
  apply(x: tf.Tensor3D, inputs: BackboneInputs): tf.Tensor3D;
  /** Every copy reads the same rows: `[B, in] -> [n, B, out]`. */
  applyShared(x: tf.Tensor2D, inputs: BackboneInputs): tf.Tensor3D;
}

/**
 * Creates `<prefix>/layer_<i>/{kernel [n, in, out], bias [n, out], norm}`.
 * At least one width is required, because an expert must have weights.
 */
export function createStackedMlp(
  context: BackboneContext,
  prefix: string,
  copies: number,
  inDim: number,
  widths: readonly number[],
  style: LayerStyle,
): StackedMlp {
  if (widths.length === 0) {
    throw new Error(`${prefix}: an expert needs at least one layer width`);
  }
  const layers = widths.map((width, i) => {
    const name = `${prefix}/layer_${i}`;
    const layerIn = i === 0 ? inDim : widths[i - 1];
    return {
      dense: createStackedDense(context, name, copies, layerIn, width),
      norm: createNorm(context, `${name}/norm`, style.norm, width, copies),
    };
  });
  const finish = (y: tf.Tensor3D, i: number, inputs: BackboneInputs) => {
    const norm = layers[i].norm;
    const normed = norm ? norm.apply(y, inputs) : y;
    return dropout(activate(normed, style.activation), style.dropout, inputs);
  };
  const rest = (h: tf.Tensor3D, inputs: BackboneInputs) => {
    let out = h;
    for (let i = 1; i < layers.length; i++) {
      out = finish(layers[i].dense.apply(out), i, inputs);
    }
    return out;
  };
  return {
    copies,
    outDim: widths[widths.length - 1],
    apply(x, inputs) {
      return rest(finish(layers[0].dense.apply(x), 0, inputs), inputs);
    },
    applyShared(x, inputs) {
      return rest(finish(layers[0].dense.applyShared(x), 0, inputs), inputs);
    },
  };
}

// ----------------------------------------------------------- gate unit

/**
 * The gate unit `2 * sigmoid(W2 relu(W1 x + b1) + b2)`. `W2` and `b2` start
 * at zero, so every gate value starts at exactly 1 and the gated network
 * starts as the ungated one.
 */
export interface GateUnit {
  readonly inDim: number;
  apply(x: tf.Tensor2D): tf.Tensor2D;
}

/** Creates `<prefix>/hidden/{kernel,bias}` and `<prefix>/output/{kernel,bias}`. */
export function createGateUnit(
  context: BackboneContext,
  prefix: string,
  inDim: number,
  hidden: number,
  outDim: number,
): GateUnit {
  const first = createDense(context, `${prefix}/hidden`, inDim, hidden);
  const second = createDense(context, `${prefix}/output`, hidden, outDim, {
    zeroInit: true,
  });
  return {
    inDim,
    apply(x) {
      return tf.mul(tf.sigmoid(second.apply(tf.relu(first.apply(x)))), 2);
    },
  };
}

// -------------------------------------------------------------- HMDN

/** The hierarchy uses each backbone accepts (`off` is always accepted). */
export function checkHierarchyUse(
  context: BackboneContext,
  allowed: readonly HierarchyUse[],
): HierarchyUse {
  const ir = context.ir.backbone;
  const use = ir.hierarchyUse;
  if (use === "off") return use;
  if (!allowed.includes(use)) {
    throw new Error(
      `backbone ${ir.kind} does not support hierarchy use "${use}"; ` +
        `expected one of: off, ${allowed.join(", ")}`,
    );
  }
  if (context.hierarchyDim === 0) {
    throw new Error(
      `backbone ${ir.kind} uses the hierarchy ("${use}") but the model has no hierarchy`,
    );
  }
  return use;
}

/** True when `use` appends `s_D` to the backbone's condition vector. */
export function usesCondition(use: HierarchyUse): boolean {
  return use === "condition" || use === "modulate_condition";
}

/** True when `use` scales `E` by the HMDN modulation gate. */
export function usesModulation(use: HierarchyUse): boolean {
  return use === "modulate" || use === "modulate_condition";
}

/** Reads `s_D` from the inputs, failing clearly when the network passed none. */
export function requireHierarchy(inputs: BackboneInputs): tf.Tensor2D {
  if (inputs.hierarchy === null) {
    throw new Error("the backbone uses s_D but the forward pass has none");
  }
  return inputs.hierarchy;
}

/**
 * The HMDN input modulation `E' = delta * E` with
 * `delta = 2 sigmoid(MLP(concat(s_D, sg(E))))`; `delta` starts at 1.
 */
export interface Modulation {
  apply(inputs: BackboneInputs): tf.Tensor2D;
}

/** Creates the modulation gate unit under `backbone/modulation`. */
export function createModulation(
  context: BackboneContext,
  hidden: number,
): Modulation {
  const gate = createGateUnit(
    context,
    "backbone/modulation",
    context.hierarchyDim + context.inputDim,
    hidden,
    context.inputDim,
  );
  return {
    apply(inputs) {
      const e = inputs.embeddings;
      const gateInput = tf.concat(
        [requireHierarchy(inputs), stopGradient(e)],
        1,
      );
      return tf.mul(gate.apply(gateInput), e);
    },
  };
}

/** Returns `E`, modulated first when the backbone's hierarchy use says so. */
export function modulatedEmbeddings(
  modulation: Modulation | null,
  inputs: BackboneInputs,
): tf.Tensor2D {
  return modulation ? modulation.apply(inputs) : inputs.embeddings;
}

// ------------------------------------------------------ scenarios, slices

/** A scenario embedding table `[S, dim]` read by a one-hot product. */
export interface ScenarioEmbedding {
  readonly dim: number;
  apply(inputs: BackboneInputs): tf.Tensor2D;
}

/** Creates `<prefix>` `[S, dim]`, uniform in [-0.05, 0.05]. */
export function createScenarioEmbedding(
  context: BackboneContext,
  prefix: string,
  dim: number,
): ScenarioEmbedding {
  const table = context.weight(prefix, [context.scenarios, dim], {
    kind: "uniform",
    limit: 0.05,
  });
  return {
    dim,
    apply(inputs) {
      return linear(inputs.scenarioOneHot, table as tf.Tensor2D);
    },
  };
}

/** Columns of `E` that belong to the named features, in the given order. */
export interface FeatureColumns {
  readonly width: number;
  apply(e: tf.Tensor2D): tf.Tensor2D;
}

/** Resolves feature names to their slices of `E`. */
export function featureColumns(
  context: BackboneContext,
  names: readonly string[],
): FeatureColumns {
  const slices = names.map((name) => {
    const slice = context.featureSlices[name];
    if (slice === undefined) {
      throw new Error(`backbone: feature "${name}" is not part of E`);
    }
    return slice;
  });
  return {
    width: slices.reduce((sum, s) => sum + s.width, 0),
    apply(e) {
      const parts = slices.map((s) =>
        tf.slice(e, [0, s.offset], [-1, s.width]),
      );
      return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
    },
  };
}

// -------------------------------------------------------------- towers

/**
 * One output unit: a task, and a scenario when that task's towers are per
 * scenario. Units are ordered by task, then scenario.
 */
export interface Unit {
  readonly task: number;
  readonly scenario: number | null;
}

/** Lists the units of a model: `S` per per-scenario task, 1 per shared task. */
export function unitsOf(
  tasks: readonly TaskIr[],
  scenarios: number,
): readonly Unit[] {
  const units: Unit[] = [];
  tasks.forEach((task, t) => {
    if (task.towers === "per_scenario") {
      for (let s = 0; s < scenarios; s++) units.push({ task: t, scenario: s });
    } else {
      units.push({ task: t, scenario: null });
    }
  });
  return units;
}

/** The towers of every task, `n_t` stacked copies per task. */
export interface Towers {
  readonly units: readonly Unit[];
  /** Index of each task's first unit in `units`. */
  readonly firstUnit: readonly number[];
  /** Number of units (towers) per task. */
  readonly unitCount: readonly number[];
  /** Input width of each tower layer (hidden layers then the logit layer). */
  readonly inDims: readonly number[][];
  /**
   * Runs every tower and keeps, per row, its own scenario's logit.
   * `unitInput(t)` is the task's tower input: `[B, d]` when all its units
   * read the same rows, else `[n_t, B, d]`. `gate(t, layer)` may return a
   * `[B, d]` scale for a layer's input, shared by the task's units.
   */
  apply(
    unitInput: (task: number) => tf.Tensor2D | tf.Tensor3D,
    inputs: BackboneInputs,
    gate?: (task: number, layer: number) => tf.Tensor2D | null,
  ): tf.Tensor1D[];
}

/**
 * Creates `backbone/tower/<task>/layer_<i>/{kernel,bias}` and
 * `backbone/tower/<task>/logit/{kernel,bias}`, each stacked `[n_t, ...]`.
 * Hidden tower layers use the backbone's activation and dropout but no
 * norm, because a batch statistic over all rows would mix scenarios that a
 * per-scenario tower must keep apart.
 */
export function createTowers(
  context: BackboneContext,
  inDim: number,
  style: LayerStyle,
): Towers {
  const tasks = context.ir.tasks;
  const units = unitsOf(tasks, context.scenarios);
  const firstUnit = tasks.map((_, t) => units.findIndex((u) => u.task === t));
  const unitCount = tasks.map(
    (_, t) => units.filter((u) => u.task === t).length,
  );
  const inDims: number[][] = [];
  const stacks = tasks.map((task, t) => {
    const n = unitCount[t];
    const prefix = `backbone/tower/${task.name}`;
    const dims: number[] = [];
    const hidden = task.tower.map((width, i) => {
      const layerIn = i === 0 ? inDim : task.tower[i - 1];
      dims.push(layerIn);
      return createStackedDense(
        context,
        `${prefix}/layer_${i}`,
        n,
        layerIn,
        width,
      );
    });
    const lastDim =
      task.tower.length === 0 ? inDim : task.tower[task.tower.length - 1];
    dims.push(lastDim);
    inDims.push(dims);
    const logit = createStackedDense(context, `${prefix}/logit`, n, lastDim, 1);
    return { hidden, logit };
  });

  return {
    units,
    firstUnit,
    unitCount,
    inDims,
    apply(unitInput, inputs, gate) {
      return stacks.map((stack, t) => {
        const n = unitCount[t];
        let x: tf.Tensor2D | tf.Tensor3D = unitInput(t);
        const layers = [...stack.hidden, stack.logit];
        layers.forEach((layer, i) => {
          const scale = gate?.(t, i) ?? null;
          if (scale !== null) x = tf.mul(x, scale);
          const y =
            x.rank === 2
              ? layer.applyShared(x as tf.Tensor2D)
              : layer.apply(x as tf.Tensor3D);
          x =
            i < stack.hidden.length
              ? dropout(activate(y, style.activation), style.dropout, inputs)
              : y;
        });
        // x: [n, B, 1], one logit per unit and row.
        const logits = tf.reshape(x, [n, -1]) as tf.Tensor2D;
        return selectOwnScenario(logits, inputs.scenarioOneHot);
      });
    },
  };
}

/**
 * Keeps each row's own scenario logit: `logits: [n, B]` with `n` 1 (shared
 * tower) or `S` (per-scenario towers) -> `[B]`.
 */
export function selectOwnScenario(
  logits: tf.Tensor2D,
  scenarioOneHot: tf.Tensor2D,
): tf.Tensor1D {
  if (logits.shape[0] === 1) return tf.reshape(logits, [-1]) as tf.Tensor1D;
  return tf.sum(tf.mul(tf.transpose(logits), scenarioOneHot), 1);
}
