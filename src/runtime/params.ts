import * as tf from "@tensorflow/tfjs";
import type { Initializer } from "./backbones/types.js";
import type { Random } from "./random.js";

/** Fan-in and fan-out of a weight shape, with stacked kernels `[n, in, out]` counted per kernel. */
function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  return { fanIn: shape[shape.length - 2], fanOut: shape[shape.length - 1] };
}

/** Returns the initial values of a weight, drawn from `random` on the host. */
export function initialValues(
  shape: readonly number[],
  init: Initializer,
  random: Random,
): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  if (init === "zeros") return values;
  if (init === "ones") return values.fill(1);
  const { fanIn, fanOut } = fans(shape);
  if (init === "glorot_uniform") {
    return random.fillUniform(values, Math.sqrt(6 / (fanIn + fanOut)));
  }
  if (init === "he_uniform") {
    return random.fillUniform(values, Math.sqrt(6 / fanIn));
  }
  if (init.kind === "uniform") return random.fillUniform(values, init.limit);
  return random.fillNormal(values, init.std);
}

/** One registered tensor and how the optimizer treats it. */
export interface ParamEntry {
  readonly name: string;
  readonly variable: tf.Variable;
  readonly trainable: boolean;
  /** Receives the L2 penalty: by default trainable kernels, not biases or codebooks. */
  readonly regularized: boolean;
}

/**
 * The name registry behind `BackboneContext.weight` and `state`. Names are
 * unique; a duplicate is a programming error in a backbone and throws.
 * Registration order is the creation order, which is stable for a given
 * IR. Initial values come from a seeded stream per name, so they do not
 * depend on which other weights exist.
 */
export class ParamRegistry {
  private readonly entries = new Map<string, ParamEntry>();

  constructor(private readonly random: Random) {}

  /**
   * Creates a trainable weight. Kernels (rank 2 or more) receive the L2
   * penalty unless `regularized` is false (codebooks). Weights that start
   * at `ones` are multiplicative (STAR's scenario kernels, norm scales),
   * and L2 would pull them towards 0 rather than their identity, so they
   * are not regularized by default.
   */
  weight(
    name: string,
    shape: readonly number[],
    init: Initializer,
    regularized = shape.length >= 2 && init !== "ones",
  ): tf.Variable {
    return this.add(name, shape, init, true, regularized);
  }

  /** Creates a non-trainable state tensor saved with checkpoints. */
  state(
    name: string,
    shape: readonly number[],
    init: Initializer,
  ): tf.Variable {
    return this.add(name, shape, init, false, false);
  }

  /** Returns every entry in creation order. */
  all(): ParamEntry[] {
    return [...this.entries.values()];
  }

  /** Returns the trainable entries in creation order. */
  trainable(): ParamEntry[] {
    return this.all().filter((entry) => entry.trainable);
  }

  /** Returns the entry called `name`, or `undefined`. */
  get(name: string): ParamEntry | undefined {
    return this.entries.get(name);
  }

  /** Disposes every variable. */
  dispose(): void {
    for (const entry of this.entries.values()) entry.variable.dispose();
    this.entries.clear();
  }

  private add(
    name: string,
    shape: readonly number[],
    init: Initializer,
    trainable: boolean,
    regularized: boolean,
  ): tf.Variable {
    if (this.entries.has(name)) {
      throw new Error(`weight "${name}" is already registered`);
    }
    // Each weight draws from the stream of its own name, so two models that
    // share a weight (mmoe and hmdn_mmoe share every expert) start it alike.
    const values = initialValues(shape, init, this.random.derive(name));
    // tfjs names variables globally, so two networks in one process would
    // clash: the registry keeps the names and tfjs numbers the variables.
    const initial = tf.tensor(values, [...shape], "float32");
    const variable = tf.variable(initial, trainable);
    initial.dispose();
    this.entries.set(name, {
      name,
      variable,
      trainable,
      regularized,
    });
    return variable;
  }
}
