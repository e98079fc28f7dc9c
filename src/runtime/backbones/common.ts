/**
 * Building blocks shared by the backbones: activations, normalisation,
 * dense layers, MLPs and experts, the gate unit, the HMDN input
 * modulation, scenario embeddings and the task towers.
 *
 * Experts, units and towers are kept as separate `[B, d]` activations with
 * their own variables, and every product is a plain `linear`. The reason
 * is speed: the tfjs wasm backend (4.22) ran a `BatchMatMul` with a batch
 * dimension above 1 about 50x slower than the same work as separate 2-D
 * products (4 x [2048, 256] x [256, 128] on 2 cores). Per-row generated
 * weights (APG, M2M) are applied with element-wise and 2-D products.
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
import { linear, stopGradient } from "../ops.js";
import { createNorm } from "./norm.js";
import type { BackboneContext, BackboneInputs } from "./types.js";

/** Slope of `leaky_relu` for negative inputs (the PyTorch default). */
export const LEAKY_RELU_ALPHA = 0.01;
/**
 * Hidden width of the HMDN modulation gate unit for backbones that have no
 * gate width of their own (PEPNet uses its `gate_hidden`).
 * Limitation: fixed, because the IR has no setting for this width yet.
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

/** Applies `inputs.dropout` (identity outside training or at rate 0). */
export function dropout(
  x: tf.Tensor2D,
  rate: number,
  inputs: BackboneInputs,
): tf.Tensor2D {
  if (!inputs.training || rate === 0) return x;
  return inputs.dropout(x, rate);
}

// --------------------------------------------------------------- dense

/** A dense layer `x W + b` on a plain activation. */
export interface DenseLayer {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
  apply(x: tf.Tensor2D): tf.Tensor2D;
}

/**
 * Creates `<prefix>/kernel` `[in, out]` (Glorot uniform, or zeros with
 * `zeroInit`) and `<prefix>/bias` `[out]` (zeros).
 */
export function createDense(
  context: BackboneContext,
  prefix: string,
  inDim: number,
  outDim: number,
  options: { zeroInit?: boolean } = {},
): DenseLayer {
  const kernel = context.weight(
    `${prefix}/kernel`,
    [inDim, outDim],
    options.zeroInit ? "zeros" : "glorot_uniform",
  );
  const bias = context.weight(`${prefix}/bias`, [outDim], "zeros");
  return {
    kernel,
    bias,
    apply(x) {
      return linear(x, kernel as tf.Tensor2D, bias as tf.Tensor1D);
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
  /** The first dense layer, or `null` for an MLP without layers. */
  readonly firstLayer: DenseLayer | null;
  /**
   * Runs the layers on `x`. `firstProduct`, when given, is the first
   * layer's `x W + b` computed by the caller (see `applyExperts`), and the
   * first layer's product is not computed again.
   */
  apply(
    x: tf.Tensor2D,
    inputs: BackboneInputs,
    gate?: InputGate,
    firstProduct?: tf.Tensor2D,
  ): tf.Tensor2D;
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
    firstLayer: layers.length === 0 ? null : layers[0].dense,
    apply(x, inputs, gate, firstProduct) {
      let h = x;
      layers.forEach((layer, i) => {
        const scale = gate?.(i) ?? null;
        let y =
          i === 0 && firstProduct !== undefined
            ? firstProduct
            : layer.dense.apply(scale ? tf.mul(h, scale) : h);
        if (layer.norm) y = layer.norm.apply(y, inputs);
        h = dropout(activate(y, style.activation), style.dropout, inputs);
      });
      return h;
    },
  };
}

/**
 * Creates `copies` MLPs `<prefix>/expert_<i>/layer_<j>/...` of the same
 * shape (the experts of MMoE, PLE and M2M). At least one width is
 * required, because an expert must have weights.
 */
export function createExperts(
  context: BackboneContext,
  prefix: string,
  copies: number,
  inDim: number,
  widths: readonly number[],
  style: LayerStyle,
): Mlp[] {
  if (widths.length === 0) {
    throw new Error(`${prefix}: an expert needs at least one layer width`);
  }
  return Array.from({ length: copies }, (_, i) =>
    createMlp(context, `${prefix}/expert_${i}`, inDim, widths, style),
  );
}

/**
 * Computes `x W_i + b_i` for dense layers that read the same `x` with one
 * product over the concatenated kernels, then splits it per layer.
 *
 * The variables stay separate, so names, initial values and checkpoints
 * do not change. One product packs `x` and the kernels once instead of
 * once per layer, and its gradient is one product per operand. On wasm
 * this was 6 to 15 % faster than separate products for 4 to 7 layers
 * (`bench/notes.md`). The values match separate products up to float
 * rounding: the gradient of `x` sums over all layers in one product.
 */
export function sharedInputProducts(
  x: tf.Tensor2D,
  layers: readonly DenseLayer[],
): tf.Tensor2D[] {
  if (layers.length === 1) return [layers[0].apply(x)];
  return concatenatedProducts(
    x,
    layers.map((layer) => layer.kernel),
    layers.map((layer) => layer.bias),
  );
}

/**
 * Computes `x K_i (+ b_i)` for every kernel `K_i` `[in, n_i]` with one
 * product over the kernels concatenated along their columns, then splits
 * the result into `[B, n_i]` parts.
 */
function concatenatedProducts(
  x: tf.Tensor2D,
  kernels: readonly tf.Variable[],
  biases?: readonly tf.Variable[],
): tf.Tensor2D[] {
  const wide = tf.concat(kernels as unknown as tf.Tensor2D[], 1);
  const bias =
    biases === undefined
      ? undefined
      : (tf.concat(biases as unknown as tf.Tensor1D[]) as tf.Tensor1D);
  return tf.split(
    linear(x, wide, bias),
    kernels.map((kernel) => kernel.shape[1] as number),
    1,
  ) as tf.Tensor2D[];
}

/**
 * Runs MLPs that read the same `x`, such as experts, with their first
 * layers as one product (`sharedInputProducts`). Each MLP then runs its
 * other layers in list order, so dropout masks are drawn in the same order
 * as when each MLP runs on its own.
 */
export function applyExperts(
  experts: readonly Mlp[],
  x: tf.Tensor2D,
  inputs: BackboneInputs,
): tf.Tensor2D[] {
  const first = experts.map((expert) => expert.firstLayer);
  if (experts.length <= 1 || first.some((layer) => layer === null)) {
    return experts.map((expert) => expert.apply(x, inputs));
  }
  const products = sharedInputProducts(x, first as DenseLayer[]);
  return experts.map((expert, i) =>
    expert.apply(x, inputs, undefined, products[i]),
  );
}

/**
 * Computes the gate logits of several gates that read the same rows with
 * one product: `kernels[g]` is `[in, n_g]`; returns `[B, n_g]` per gate.
 */
export function sharedInputGateLogits(
  x: tf.Tensor2D,
  kernels: readonly tf.Variable[],
): tf.Tensor2D[] {
  if (kernels.length === 1) return [linear(x, kernels[0] as tf.Tensor2D)];
  return concatenatedProducts(x, kernels);
}

/** Returns `sum_i columns[i] * experts[i]` for `[B, 1]` columns. */
function weightedSum(
  columns: readonly tf.Tensor[],
  experts: readonly tf.Tensor[],
): tf.Tensor2D {
  const terms = experts.map((f, i) => tf.mul(columns[i], f));
  return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Tensor2D;
}

const mixWithGradient = tf.customGrad(
  // tfjs passes the inputs, then the save function, as one rest array.
  ((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [weights, ...experts] = args.slice(0, -1) as tf.Tensor2D[];
    save([weights, ...experts]);
    return {
      value: weightedSum(tf.split(weights, experts.length, 1), experts),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedWeights, ...savedExperts] = saved;
        const n = savedExperts.length;
        const columns = tf.split(savedWeights, n, 1);
        const dWeights = tf.concat(
          savedExperts.map((f) => tf.sum(tf.mul(dy, f), 1, true)),
          1,
        );
        const dExperts = columns.map((column) => tf.mul(dy, column));
        return [dWeights, ...dExperts];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
);

/**
 * Mixes expert outputs per row: `sum_i weights[:, i] * experts[i]`.
 *
 * The gradient is written out because tfjs 4.22 cannot differentiate a
 * `split` into one part (the `SplitV` gradient gets one tensor where
 * `concat` expects a list), so the stock form failed to train with a
 * single expert. It gives the stock gradient's values bit for bit:
 * `d weights[:, i] = sum_j dy * experts[i]` and
 * `d experts[i] = dy * weights[:, i]`.
 */
export function mixExperts(
  weights: tf.Tensor2D,
  experts: readonly tf.Tensor2D[],
): tf.Tensor2D {
  return mixWithGradient(weights, ...experts) as tf.Tensor2D;
}

// ----------------------------------------------------------- gate unit

/**
 * The gate unit `2 * sigmoid(W2 relu(W1 x + b1) + b2)`. `W2` and `b2` start
 * at zero, so every gate value starts at exactly 1 and the gated network
 * starts as the ungated one.
 */
export interface GateUnit {
  readonly inDim: number;
  /** The first layer `W1 x + b1`. */
  readonly hidden: DenseLayer;
  apply(x: tf.Tensor2D): tf.Tensor2D;
  /** Finishes the gate from the first layer's product `W1 x + b1`. */
  applyFromHidden(product: tf.Tensor2D): tf.Tensor2D;
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
  const applyFromHidden = (product: tf.Tensor2D): tf.Tensor2D =>
    tf.mul(tf.sigmoid(second.apply(tf.relu(product))), 2);
  return {
    inDim,
    hidden: first,
    apply(x) {
      return applyFromHidden(first.apply(x));
    },
    applyFromHidden,
  };
}

/**
 * Runs gate units that read the same `x` with their first layers as one
 * product (`sharedInputProducts`); returns one gate per unit.
 */
export function applyGateUnits(
  units: readonly GateUnit[],
  x: tf.Tensor2D,
): tf.Tensor2D[] {
  const products = sharedInputProducts(
    x,
    units.map((unit) => unit.hidden),
  );
  return units.map((unit, i) => unit.applyFromHidden(products[i]));
}

// -------------------------------------------------------------- HMDN

/**
 * Checks the backbone's hierarchy use against the uses it accepts (`off` is
 * always accepted) and returns it. Throws for any other use, and for a use
 * in a model without a hierarchy.
 */
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

/** Throws unless a backbone count setting (experts, levels) is at least 1. */
export function requireAtLeastOne(
  kind: string,
  setting: string,
  value: number,
) {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(
      `backbone ${kind}: ${setting} must be an integer of at least 1, got ${value}`,
    );
  }
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

/** Returns `E`, or `E'` when the backbone applies the HMDN modulation. */
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

/** Names a unit's weights: `<base>/<task>`, plus `/scenario_<s>` when per scenario. */
export function unitPrefix(
  base: string,
  tasks: readonly TaskIr[],
  unit: Unit,
): string {
  const name = `${base}/${tasks[unit.task].name}`;
  return unit.scenario === null ? name : `${name}/scenario_${unit.scenario}`;
}

/** The towers of every task: one per unit. */
export interface Towers {
  readonly units: readonly Unit[];
  /** Index of each task's first unit in `units`. */
  readonly firstUnit: readonly number[];
  /** Number of units (towers) per task. */
  readonly unitCount: readonly number[];
  /** Input width of each tower layer of each task (hidden layers, then the logit layer). */
  readonly inDims: readonly (readonly number[])[];
  /**
   * Runs every tower on every row and keeps, per row, its own scenario's
   * logit. `unitInput(u)` is the input of unit `u` (an index into `units`).
   * `gate(t, layer)` may return a `[B, d]` scale for a layer's input,
   * shared by the task's units.
   */
  apply(
    unitInput: (unit: number) => tf.Tensor2D,
    inputs: BackboneInputs,
    gate?: (task: number, layer: number) => tf.Tensor2D | null,
  ): tf.Tensor1D[];
}

/**
 * Creates the towers: `backbone/tower/<task>/layer_<i>/{kernel,bias}` and
 * `backbone/tower/<task>/logit/{kernel,bias}` for a shared tower, with a
 * `scenario_<s>/` level after the task name for per-scenario towers.
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
  // Limitation: towers never normalise, whatever the backbone's norm.
  const towerStyle = { ...style, norm: "none" } as const;
  const layers = units.map((unit) => {
    const task = tasks[unit.task];
    const prefix = unitPrefix("backbone/tower", tasks, unit);
    const hidden = createMlp(context, prefix, inDim, task.tower, towerStyle);
    const logit = createDense(context, `${prefix}/logit`, hidden.outDim, 1);
    return { hidden, logit };
  });
  const inDims = tasks.map((_, t) => {
    const hidden = layers[firstUnit[t]].hidden;
    return [...hidden.inDims, hidden.outDim];
  });

  return {
    units,
    firstUnit,
    unitCount,
    inDims,
    apply(unitInput, inputs, gate) {
      return tasks.map((_, t) => {
        // Gates are shared by the task's units, so each is computed once.
        const scales = inDims[t].map((_, i) => gate?.(t, i) ?? null);
        const depth = scales.length - 1;
        const logits: tf.Tensor2D[] = [];
        for (let u = firstUnit[t]; u < firstUnit[t] + unitCount[t]; u++) {
          const { hidden, logit } = layers[u];
          const h = hidden.apply(unitInput(u), inputs, (i) => scales[i]);
          const scale = scales[depth];
          logits.push(logit.apply(scale ? tf.mul(h, scale) : h));
        }
        const stacked = logits.length === 1 ? logits[0] : tf.concat(logits, 1);
        return selectOwnScenario(stacked, inputs.scenarioOneHot);
      });
    },
  };
}

/**
 * Keeps each row's own scenario logit: `logits: [B, n]` with `n` 1 (shared
 * tower) or `S` (per-scenario towers) -> `[B]`.
 */
export function selectOwnScenario(
  logits: tf.Tensor2D,
  scenarioOneHot: tf.Tensor2D,
): tf.Tensor1D {
  if (logits.shape[1] === 1) return tf.reshape(logits, [-1]) as tf.Tensor1D;
  return tf.sum(tf.mul(logits, scenarioOneHot), 1);
}
