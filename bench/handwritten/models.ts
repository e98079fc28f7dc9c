/**
 * Hand-written tfjs twins of the compiled KuaiRand models: the code an
 * expert would write directly against the tfjs API on the wasm backend,
 * for the compiled-vs-hand-written throughput ratio.
 *
 * The choices are the known-good ones for tfjs-backend-wasm 4.22. Tables
 * live on the host, because the gather gradient needs
 * `UnsortedSegmentSum`, which wasm lacks. `E` is gathered on the host and
 * uploaded into one variable. Every product goes through `linear`
 * (explicit transposes in the gradient). Per-scenario towers run on every
 * row and a one-hot mask keeps each row's own logit. The whole device step
 * (forward, gradients, dense Adam, quantizer EMA) runs in one `tf.tidy`,
 * and after it the host applies a lazy Adam update to the touched rows.
 */
import * as tf from "@tensorflow/tfjs";

import { linear, stopGradient } from "../../src/runtime/ops.js";
import type {
  MmoeIr,
  PepnetIr,
  PleIr,
  SharedBottomIr,
} from "../../src/compiler/ir.js";
import type { Batch } from "../../src/runtime/types.js";
import type { FeatureLayout, TwinLayout } from "../lib/kuairand.js";

/** A trainable twin. */
export interface HandwrittenModel {
  /** Runs one training step and returns the loss. */
  trainStep(batch: Batch): number;
  dispose(): void;
}

/** A seeded uniform generator, so weights do not depend on tfjs's RNG. */
class Uniform {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return this.state / 2 ** 32;
  }
  fill(count: number, limit: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = (2 * this.next() - 1) * limit;
    return out;
  }
}

// --------------------------------------------------------------- tables

const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

interface HostTable {
  readonly feature: FeatureLayout;
  readonly offset: number;
  readonly values: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** Gradient sums of the rows touched this step. */
  readonly grad: Float32Array;
  readonly touched: Int32Array;
  touchedCount: number;
  readonly mark: Uint8Array;
}

/** Host-side tables: gathers `E` and applies lazy Adam to touched rows. */
class Tables {
  readonly width: number;
  readonly offsets: Record<string, { offset: number; width: number }> = {};
  private readonly tables: HostTable[] = [];
  private readonly numeric: { name: string; offset: number }[] = [];
  private step = 0;

  constructor(
    layout: TwinLayout,
    random: Uniform,
    private readonly dim: number,
  ) {
    let width = 0;
    for (const feature of layout.features) {
      if (feature.kind === "numeric") {
        this.offsets[feature.name] = { offset: width, width: 1 };
        this.numeric.push({ name: feature.name, offset: width });
        width += 1;
        continue;
      }
      const rows = feature.rows!;
      this.offsets[feature.name] = { offset: width, width: dim };
      this.tables.push({
        feature,
        offset: width,
        values: random.fill(rows * dim, 0.05),
        m: new Float32Array(rows * dim),
        v: new Float32Array(rows * dim),
        grad: new Float32Array(rows * dim),
        touched: new Int32Array(rows),
        touchedCount: 0,
        mark: new Uint8Array(rows),
      });
      width += dim;
    }
    this.width = width;
  }

  /** Fills `out` (`[B, width]`) with the batch's embedding rows and values. */
  gather(batch: Batch, out: Float32Array): void {
    const { dim, width } = this;
    const b = batch.size;
    for (const t of this.tables) {
      const values = t.values;
      if (t.feature.kind === "categorical") {
        const ids = batch.categorical[t.feature.name];
        for (let i = 0; i < b; i++) {
          const src = ids[i] * dim;
          const dst = i * width + t.offset;
          for (let k = 0; k < dim; k++) out[dst + k] = values[src + k];
        }
      } else {
        const length = t.feature.maxLength!;
        const ids = batch.multi[t.feature.name];
        for (let i = 0; i < b; i++) {
          const dst = i * width + t.offset;
          for (let k = 0; k < dim; k++) out[dst + k] = 0;
          let count = 0;
          for (let j = 0; j < length; j++) {
            const id = ids[i * length + j];
            if (id < 0) continue;
            count++;
            const src = id * dim;
            for (let k = 0; k < dim; k++) out[dst + k] += values[src + k];
          }
          if (count > 1) {
            for (let k = 0; k < dim; k++) out[dst + k] /= count;
          }
        }
      }
    }
    for (const n of this.numeric) {
      const column = batch.numeric[n.name];
      for (let i = 0; i < b; i++) out[i * width + n.offset] = column[i];
    }
  }

  /** Routes `dE` to the rows and applies Adam to every touched row. */
  update(batch: Batch, gradE: Float32Array): void {
    const { dim, width } = this;
    const b = batch.size;
    this.step++;
    const c1 = 1 - ADAM.beta1 ** this.step;
    const c2 = Math.sqrt(1 - ADAM.beta2 ** this.step);
    for (const t of this.tables) {
      const touch = (id: number, src: number, scale: number) => {
        if (t.mark[id] === 0) {
          t.mark[id] = 1;
          t.touched[t.touchedCount++] = id;
        }
        const dst = id * dim;
        for (let k = 0; k < dim; k++) t.grad[dst + k] += scale * gradE[src + k];
      };
      if (t.feature.kind === "categorical") {
        const ids = batch.categorical[t.feature.name];
        for (let i = 0; i < b; i++) touch(ids[i], i * width + t.offset, 1);
      } else {
        const length = t.feature.maxLength!;
        const ids = batch.multi[t.feature.name];
        for (let i = 0; i < b; i++) {
          let count = 0;
          for (let j = 0; j < length; j++)
            if (ids[i * length + j] >= 0) count++;
          for (let j = 0; j < length; j++) {
            const id = ids[i * length + j];
            if (id >= 0) touch(id, i * width + t.offset, 1 / count);
          }
        }
      }
      for (let r = 0; r < t.touchedCount; r++) {
        const row = t.touched[r];
        t.mark[row] = 0;
        for (let k = row * dim, end = k + dim; k < end; k++) {
          const g = t.grad[k];
          t.grad[k] = 0;
          const m = (t.m[k] = ADAM.beta1 * t.m[k] + (1 - ADAM.beta1) * g);
          const v = (t.v[k] = ADAM.beta2 * t.v[k] + (1 - ADAM.beta2) * g * g);
          t.values[k] -=
            ((ADAM.lr / c1) * m) / (Math.sqrt(v) / c2 + ADAM.epsilon);
        }
      }
      t.touchedCount = 0;
    }
  }
}

// -------------------------------------------------------------- layers

type T2 = tf.Tensor2D;

/** Creates dense variables and remembers them for the optimizer. */
class Weights {
  readonly all: tf.Variable[] = [];
  constructor(private readonly random: Uniform) {}

  kernel(inDim: number, outDim: number, zero = false): T2 {
    const limit = zero ? 0 : Math.sqrt(6 / (inDim + outDim));
    return this.add(this.random.fill(inDim * outDim, limit), [
      inDim,
      outDim,
    ]) as T2;
  }
  bias(width: number): tf.Tensor1D {
    return this.add(new Float32Array(width), [width]) as tf.Tensor1D;
  }
  table(rows: number, width: number): T2 {
    return this.add(this.random.fill(rows * width, 0.05), [rows, width]) as T2;
  }
  private add(values: Float32Array, shape: number[]): tf.Variable {
    const v = tf.variable(
      tf.tensor(values, shape),
      true,
      `w${this.all.length}`,
    );
    this.all.push(v);
    return v;
  }
}

type Layer = (x: T2) => T2;

function dense(w: Weights, inDim: number, outDim: number, zero = false): Layer {
  const kernel = w.kernel(inDim, outDim, zero);
  const bias = w.bias(outDim);
  return (x) => tf.add(linear(x, kernel), bias);
}

function mlp(w: Weights, inDim: number, widths: readonly number[]): Layer {
  const layers = widths.map((width, i) =>
    dense(w, i === 0 ? inDim : widths[i - 1], width),
  );
  return (x) => layers.reduce((h, layer) => tf.relu(layer(h)), x);
}

function gateUnit(
  w: Weights,
  inDim: number,
  hidden: number,
  outDim: number,
): Layer {
  const first = dense(w, inDim, hidden);
  const second = dense(w, hidden, outDim, true);
  return (x) => tf.mul(tf.sigmoid(second(tf.relu(first(x)))), 2);
}

function columns(tables: Tables, e: T2, names: readonly string[]): T2 {
  const parts = names.map((name) => {
    const { offset, width } = tables.offsets[name];
    return tf.slice(e, [0, offset], [-1, width]);
  });
  return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
}

/** Mixes expert outputs per row with the columns of `g`. */
function mix(g: T2, experts: readonly T2[]): T2 {
  const parts = tf.split(g, experts.length, 1);
  return tf.addN(experts.map((f, i) => tf.mul(parts[i], f))) as T2;
}

interface StepInputs {
  readonly e: T2;
  readonly s: T2 | null;
  readonly scenarioOneHot: T2;
}

/** Per-scenario towers; every tower reads its input, the mask keeps one logit per row. */
function towers(
  w: Weights,
  scenarios: number,
  inDim: number,
  widths: readonly number[],
): (inputs: readonly T2[], oneHot: T2) => tf.Tensor1D {
  const all = Array.from({ length: scenarios }, () => {
    const hidden = mlp(w, inDim, widths);
    const logit = dense(w, widths[widths.length - 1], 1);
    return (x: T2) => logit(hidden(x));
  });
  return (inputs, oneHot) => {
    const logits = tf.concat(
      all.map((tower, s) => tower(inputs[s])),
      1,
    );
    return tf.sum(tf.mul(logits, oneHot), 1);
  };
}

// ----------------------------------------------------------- quantizer

/** Residual quantizer with a shared codebook and an EMA update. */
class Quantizer {
  readonly dim: number;
  private readonly levels: number;
  private readonly size: number;
  private readonly decay: number;
  private readonly epsilon: number;
  readonly beta: number;
  private readonly codebook: tf.Variable;
  private readonly emaCount: tf.Variable;
  private readonly emaSum: tf.Variable;
  private initialized = false;
  /**
   * The EMA inputs of the last forward pass, kept past the gradient scope
   * (which disposes its intermediates): per-level code counts, the summed
   * assigned residuals and every level's residuals for dead-code resets.
   */
  private saved: { counts: tf.Tensor; sums: tf.Tensor; pool: T2 } | null = null;

  constructor(
    hierarchy: NonNullable<TwinLayout["hierarchy"]>,
    random: Uniform,
  ) {
    this.levels = hierarchy.levels;
    this.size = hierarchy.codebookSize;
    this.dim = hierarchy.codeDim;
    const update = hierarchy.update as { decay: number; epsilon: number };
    this.decay = update.decay;
    this.epsilon = update.epsilon;
    this.beta = hierarchy.beta;
    const initial = tf.tensor2d(random.fill(this.size * this.dim, 0.1), [
      this.size,
      this.dim,
    ]);
    this.codebook = tf.variable(initial, false);
    this.emaCount = tf.variable(tf.ones([this.levels, this.size]), false);
    this.emaSum = tf.variable(tf.mul(initial, this.levels), false);
  }

  /** Returns the straight-through `s_D` and the commitment loss. */
  forward(x: T2): { s: T2; commit: tf.Scalar } {
    const xs = stopGradient(x);
    if (!this.initialized) {
      // Random rows of the first batch, as the runtime's `random` init.
      const picks = tf.tensor1d(
        Array.from({ length: this.size }, (_, k) => (k * 61) % x.shape[0]),
        "int32",
      );
      const rows = tf.gather(xs, picks);
      this.codebook.assign(rows);
      this.emaSum.assign(tf.mul(rows, this.levels));
      this.initialized = true;
    }
    const c = this.codebook as unknown as T2;
    const ct = tf.transpose(c);
    const norms = tf.sum(tf.square(c), 1);
    let r = xs;
    const codes: T2[] = [];
    const residuals: T2[] = [];
    const partial: T2[] = [];
    for (let d = 0; d < this.levels; d++) {
      const distance = tf.sub(norms, tf.mul(linear(r, ct), 2));
      const oneHot = tf
        .oneHot(tf.argMin(distance, 1), this.size)
        .toFloat() as T2;
      residuals.push(r);
      codes.push(oneHot);
      r = tf.sub(r, linear(oneHot, c));
      partial.push(tf.sub(xs, r));
    }
    this.saved = {
      counts: tf.keep(tf.stack(codes.map((code) => tf.sum(code, 0)))),
      sums: tf.keep(
        tf.addN(
          codes.map((code, d) => linear(tf.transpose(code), residuals[d])),
        ),
      ),
      pool: tf.keep(tf.concat(residuals, 0)),
    };
    const sD = partial[partial.length - 1];
    const s = tf.add(x, stopGradient(tf.sub(sD, x))) as T2;
    const terms = partial.map((p) =>
      tf.mean(tf.sum(tf.square(tf.sub(x, p)), 1)),
    );
    const commit = tf.div(tf.addN(terms), this.levels) as tf.Scalar;
    return { s, commit };
  }

  /** Moves the codebook towards the assigned residuals; resets dead codes. */
  update(): void {
    const { counts, sums, pool } = this.saved!;
    const keep = this.decay;
    this.emaCount.assign(
      tf.add(tf.mul(this.emaCount, keep), tf.mul(counts, 1 - keep)),
    );
    this.emaSum.assign(
      tf.add(tf.mul(this.emaSum, keep), tf.mul(sums, 1 - keep)),
    );
    const n = tf.sum(this.emaCount, 0);
    const total = tf.sum(n);
    const smoothed = tf.mul(
      tf.div(tf.add(n, this.epsilon), tf.add(total, this.size * this.epsilon)),
      total,
    );
    this.codebook.assign(tf.div(this.emaSum, tf.expandDims(smoothed, 1)));
    const moving = n.dataSync();
    const dead: number[] = [];
    for (let k = 0; k < this.size; k++) if (moving[k] < 1) dead.push(k);
    if (dead.length > 0) {
      const picks = dead.map((_, i) => (i * 97) % pool.shape[0]);
      const values = this.codebook.arraySync() as number[][];
      const rows = tf.gather(pool, picks).arraySync() as number[][];
      dead.forEach((k, i) => (values[k] = rows[i]));
      this.codebook.assign(tf.tensor2d(values));
    }
    tf.dispose([counts, sums, pool]);
    this.saved = null;
  }
}

// --------------------------------------------------------------- models

type Backbone = (inputs: StepInputs) => tf.Tensor1D;

function sharedBottom(w: Weights, layout: TwinLayout, inDim: number): Backbone {
  const widths = (layout.backbone as SharedBottomIr).layers;
  const bottom = mlp(w, inDim, widths);
  const heads = towers(
    w,
    layout.scenarios,
    widths[widths.length - 1],
    layout.towers,
  );
  return ({ e, scenarioOneHot }) => {
    const h = bottom(e);
    return heads(Array(layout.scenarios).fill(h), scenarioOneHot);
  };
}

function mmoe(
  w: Weights,
  layout: TwinLayout,
  inDim: number,
  sDim: number,
): Backbone {
  const ir = layout.backbone as MmoeIr;
  const experts = Array.from({ length: ir.experts }, () =>
    mlp(w, inDim, ir.expertLayers),
  );
  const gates = w.kernel(inDim + sDim, ir.experts * layout.scenarios);
  const out = ir.expertLayers[ir.expertLayers.length - 1];
  const heads = towers(w, layout.scenarios, out, layout.towers);
  return ({ e, s, scenarioOneHot }) => {
    const outputs = experts.map((f) => f(e));
    const gateIn = s === null ? e : tf.concat([e, s], 1);
    const logits = tf.split(linear(gateIn, gates), layout.scenarios, 1) as T2[];
    const mixed = logits.map((l) => mix(tf.softmax(l), outputs));
    return heads(mixed, scenarioOneHot);
  };
}

function ple(
  w: Weights,
  layout: TwinLayout,
  inDim: number,
  sDim: number,
): Backbone {
  const ir = layout.backbone as PleIr;
  const units = layout.scenarios;
  const k = ir.specificExperts;
  const widths = ir.expertLayers;
  const out = widths[widths.length - 1];
  const levels = Array.from({ length: ir.levels }, (_, l) => {
    const d = l === 0 ? inDim : out;
    return {
      specific: Array.from({ length: units }, () =>
        Array.from({ length: k }, () => mlp(w, d, widths)),
      ),
      shared: Array.from({ length: ir.sharedExperts }, () => mlp(w, d, widths)),
      gates: Array.from({ length: units }, () =>
        w.kernel(d + sDim, k + ir.sharedExperts),
      ),
      sharedGate:
        l === ir.levels - 1
          ? null
          : w.kernel(d + sDim, units * k + ir.sharedExperts),
    };
  });
  const heads = towers(w, units, out, layout.towers);
  return ({ e, s, scenarioOneHot }) => {
    const withS = (x: T2) => (s === null ? x : tf.concat([x, s], 1));
    let unitIn: T2[] = Array(units).fill(e);
    let sharedIn = e;
    for (const level of levels) {
      const own = level.specific.map((experts, u) =>
        experts.map((f) => f(unitIn[u])),
      );
      const shared = level.shared.map((f) => f(sharedIn));
      const next = unitIn.map((x, u) =>
        mix(tf.softmax(linear(withS(x), level.gates[u])), [
          ...own[u],
          ...shared,
        ]),
      );
      if (level.sharedGate !== null) {
        const g = tf.softmax(linear(withS(sharedIn), level.sharedGate));
        sharedIn = mix(g, [...own.flat(), ...shared]);
      }
      unitIn = next;
    }
    return heads(unitIn, scenarioOneHot);
  };
}

function pepnet(
  w: Weights,
  layout: TwinLayout,
  tables: Tables,
  inDim: number,
  sDim: number,
): Backbone {
  const ir = layout.backbone as PepnetIr;
  const hidden = ir.gateHidden;
  const width = (names: readonly string[]) =>
    names.reduce((sum, n) => sum + tables.offsets[n].width, 0);
  const modulation = sDim > 0 ? gateUnit(w, sDim + inDim, hidden, inDim) : null;
  const scenarioTable = w.table(layout.scenarios, ir.scenarioDim);
  const epnet = gateUnit(
    w,
    width(ir.epnetFeatures) + ir.scenarioDim + sDim + inDim,
    hidden,
    inDim,
  );
  const ppIn = width(ir.ppnetFeatures) + inDim;
  const dims = [inDim, ...ir.layers.slice(0, -1)];
  const trunk = ir.layers.map((out, i) => dense(w, dims[i], out));
  const trunkGates = dims.map((d) => gateUnit(w, ppIn, hidden, d));
  const towerDims = [ir.layers[ir.layers.length - 1], ...layout.towers];
  const towerGates = towerDims.map((d) => gateUnit(w, ppIn, hidden, d));
  const towerLayers = Array.from({ length: layout.scenarios }, () =>
    towerDims.map((d, i) =>
      dense(w, d, i < layout.towers.length ? layout.towers[i] : 1),
    ),
  );
  return ({ e: raw, s, scenarioOneHot }) => {
    const e =
      modulation !== null && s !== null
        ? (tf.mul(modulation(tf.concat([s, stopGradient(raw)], 1)), raw) as T2)
        : raw;
    const parts = [
      columns(tables, e, ir.epnetFeatures),
      linear(scenarioOneHot, scenarioTable),
    ];
    if (s !== null) parts.push(s);
    parts.push(stopGradient(e));
    const ePrime = tf.mul(epnet(tf.concat(parts, 1)), e) as T2;
    const pp = tf.concat(
      [columns(tables, e, ir.ppnetFeatures), stopGradient(ePrime)],
      1,
    );
    let h = ePrime;
    trunk.forEach((layer, i) => {
      h = tf.relu(layer(tf.mul(h, trunkGates[i](pp))));
    });
    const scales = towerGates.map((gate) => gate(pp));
    const logits = towerLayers.map((layers) =>
      layers.reduce((t, layer, i) => {
        const y = layer(tf.mul(t, scales[i]));
        return i < layers.length - 1 ? tf.relu(y) : y;
      }, h),
    );
    return tf.sum(tf.mul(tf.concat(logits, 1), scenarioOneHot), 1);
  };
}

/** Builds the twin of `layout.model` on the active tfjs backend. */
export function buildHandwritten(
  layout: TwinLayout,
  seed = 1,
): HandwrittenModel {
  const random = new Uniform(seed);
  const tables = new Tables(layout, random, layout.embeddingDim);
  const w = new Weights(random);
  const b = layout.batchSize;
  const inDim = tables.width;

  let hierarchy: {
    explicit: Layer;
    implicit: Layer;
    fusion: Layer;
    quantizer: Quantizer;
  } | null = null;
  if (layout.hierarchy !== null) {
    const dim = layout.hierarchy.codeDim;
    const explicitWidth = layout.explicit.reduce(
      (sum, n) => sum + tables.offsets[n].width,
      0,
    );
    hierarchy = {
      explicit: dense(w, explicitWidth, dim),
      implicit: dense(w, inDim, dim),
      fusion: dense(w, 2 * dim, dim),
      quantizer: new Quantizer(layout.hierarchy, random),
    };
  }
  const sDim = hierarchy?.quantizer.dim ?? 0;
  const kind = layout.backbone.kind;
  const backbone: Backbone =
    kind === "mmoe"
      ? mmoe(w, layout, inDim, sDim)
      : kind === "ple"
        ? ple(w, layout, inDim, sDim)
        : kind === "pepnet"
          ? pepnet(w, layout, tables, inDim, sDim)
          : sharedBottom(w, layout, inDim);

  const eHost = new Float32Array(b * inDim);
  const eVar = tf.variable(tf.zeros([b, inDim]), true, "E");
  const optimizer = tf.train.adam(
    ADAM.lr,
    ADAM.beta1,
    ADAM.beta2,
    ADAM.epsilon,
  );
  const oneHotHost = new Float32Array(b * layout.scenarios);
  const variables = [eVar, ...w.all];

  return {
    trainStep(batch) {
      tables.gather(batch, eHost);
      oneHotHost.fill(0);
      for (let i = 0; i < b; i++)
        oneHotHost[i * layout.scenarios + batch.scenario[i]] = 1;
      const label = Object.values(batch.labels)[0];
      let loss = 0;
      let gradE: Float32Array = new Float32Array(0);
      tf.tidy(() => {
        eVar.assign(tf.tensor2d(eHost, [b, inDim]));
        const scenarioOneHot = tf.tensor2d(oneHotHost, [b, layout.scenarios]);
        const y = tf.tensor1d(label);
        const { value, grads } = tf.variableGrads(() => {
          const e = eVar as unknown as T2;
          let s: T2 | null = null;
          let extra: tf.Scalar = tf.scalar(0);
          if (hierarchy !== null) {
            const x = hierarchy.fusion(
              tf.concat(
                [
                  hierarchy.explicit(columns(tables, e, layout.explicit)),
                  hierarchy.implicit(e),
                ],
                1,
              ),
            );
            const q = hierarchy.quantizer.forward(x);
            s = q.s;
            extra = tf.mul(q.commit, hierarchy.quantizer.beta);
          }
          const logit = backbone({ e, s, scenarioOneHot });
          const bce = tf.mean(
            tf.add(
              tf.sub(tf.relu(logit), tf.mul(logit, y)),
              tf.log1p(tf.exp(tf.neg(tf.abs(logit)))),
            ),
          );
          return tf.add(bce, extra) as tf.Scalar;
        }, variables);
        const gradTensor = grads[eVar.name];
        delete grads[eVar.name];
        optimizer.applyGradients(grads as tf.NamedTensorMap as never);
        hierarchy?.quantizer.update();
        loss = value.dataSync()[0];
        gradE = gradTensor.dataSync() as Float32Array;
      });
      tables.update(batch, gradE);
      return loss;
    },
    dispose() {
      tf.dispose(variables);
      optimizer.dispose();
    },
  };
}
