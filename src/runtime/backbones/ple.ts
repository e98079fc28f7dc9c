/**
 * PLE (Tang et al., RecSys 2020, "Progressive Layered Extraction"): stacked
 * CGC levels. At each level every unit (task, and scenario when towers are
 * per scenario) owns `specific_experts` experts, `shared_experts` experts
 * are common, and the unit's softmax gate (no bias) mixes its own and the
 * shared experts. Below the last level a shared gate over all experts
 * forms the input of the next level's shared experts. Level 0 reads `E`
 * everywhere; level `l > 0` feeds unit `u`'s experts and gate with unit
 * `u`'s previous output and the shared experts and gate with the previous
 * shared output. Under `gates` every gate input also has `s_D` appended.
 * The towers read the last level's unit outputs.
 */
import * as tf from "@tensorflow/tfjs";
import type { PleIr } from "../../compiler/ir.js";
import { batchedLinear, linear } from "../ops.js";
import {
  checkHierarchyUse,
  createStackedMlp,
  createTowers,
  layerStyle,
  requireHierarchy,
} from "./common.js";
import type { BackboneFactory, BackboneInputs } from "./types.js";

/** Builds a PLE backbone. */
export const ple: BackboneFactory = (context) => {
  const ir = context.ir.backbone as PleIr;
  const use = checkHierarchyUse(context, ["gates"]);
  const style = layerStyle(ir);
  const k = ir.specificExperts;
  const shared = ir.sharedExperts;
  const width = ir.expertLayers[ir.expertLayers.length - 1];
  const towers = createTowers(context, width, style);
  const units = towers.units.length;
  const extra = use === "gates" ? context.hierarchyDim : 0;
  if (k + shared === 0) {
    throw new Error(
      "backbone ple needs at least one specific or shared expert",
    );
  }

  const levels = Array.from({ length: ir.levels }, (_, l) => {
    const prefix = `backbone/level_${l}`;
    const inDim = l === 0 ? context.inputDim : width;
    const last = l === ir.levels - 1;
    return {
      specific:
        k > 0
          ? createStackedMlp(
              context,
              `${prefix}/specific_experts`,
              units * k,
              inDim,
              ir.expertLayers,
              style,
            )
          : null,
      shared:
        shared > 0
          ? createStackedMlp(
              context,
              `${prefix}/shared_experts`,
              shared,
              inDim,
              ir.expertLayers,
              style,
            )
          : null,
      // One kernel per task, [n_t, in, k + shared], in the towers' unit order.
      gates: context.ir.tasks.map((task, t) =>
        context.weight(
          `${prefix}/gate/${task.name}/kernel`,
          [towers.unitCount[t], inDim + extra, k + shared],
          "glorot_uniform",
        ),
      ),
      sharedGate: last
        ? null
        : context.weight(
            `${prefix}/shared_gate/kernel`,
            [inDim + extra, units * k + shared],
            "glorot_uniform",
          ),
      inDim,
    };
  });

  return {
    forward(inputs) {
      const e = inputs.embeddings;
      const b = e.shape[0];
      const s = use === "gates" ? requireHierarchy(inputs) : null;
      const withHierarchy = (x: tf.Tensor2D) => (s ? tf.concat([x, s], 1) : x);
      // Unit inputs: E shared by all units at level 0, then [U, B, d].
      let unitInput: tf.Tensor2D | tf.Tensor3D = e;
      let sharedInput: tf.Tensor2D = e;
      for (const level of levels) {
        const specificOut = level.specific
          ? runSpecific(level.specific, unitInput, k, inputs)
          : null;
        const sharedOut = level.shared
          ? level.shared.applyShared(sharedInput, inputs)
          : null;
        const kernels =
          level.gates.length === 1 ? level.gates[0] : tf.concat(level.gates, 0);
        const gates = unitGates(kernels as tf.Tensor3D, unitInput, s, units);
        unitInput = mixUnits(gates, specificOut, sharedOut, units, k, b);
        if (level.sharedGate) {
          const g = tf.softmax(
            linear(withHierarchy(sharedInput), level.sharedGate as tf.Tensor2D),
          );
          const all = [specificOut, sharedOut].filter(
            (x): x is tf.Tensor3D => x !== null,
          );
          const experts = all.length === 1 ? all[0] : tf.concat(all, 0);
          sharedInput = tf.sum(
            tf.mul(tf.expandDims(tf.transpose(g), 2), experts),
            0,
          );
        }
      }
      const outputs = unitInput as tf.Tensor3D;
      return towers.apply(
        (t) =>
          tf.slice(
            outputs,
            [towers.firstUnit[t], 0, 0],
            [towers.unitCount[t], b, width],
          ),
        inputs,
      );
    },
  };
};

/** Runs the specific experts: unit `u` owns copies `u*k .. u*k+k-1`. */
function runSpecific(
  experts: ReturnType<typeof createStackedMlp>,
  unitInput: tf.Tensor2D | tf.Tensor3D,
  k: number,
  inputs: BackboneInputs,
): tf.Tensor3D {
  if (unitInput.rank === 2) {
    return experts.applyShared(unitInput as tf.Tensor2D, inputs);
  }
  const x = unitInput as tf.Tensor3D;
  if (k === 1) return experts.apply(x, inputs);
  const [u, b, d] = x.shape;
  const repeated = tf.reshape(tf.tile(tf.expandDims(x, 1), [1, k, 1, 1]), [
    u * k,
    b,
    d,
  ]) as tf.Tensor3D;
  return experts.apply(repeated, inputs);
}

/** Softmax gate of every unit: `[U, B, k + shared]`. */
function unitGates(
  kernels: tf.Tensor3D,
  unitInput: tf.Tensor2D | tf.Tensor3D,
  s: tf.Tensor2D | null,
  units: number,
): tf.Tensor3D {
  const [, gateIn, choices] = kernels.shape;
  if (unitInput.rank === 2) {
    const x = s ? tf.concat([unitInput as tf.Tensor2D, s], 1) : unitInput;
    const wide = tf.reshape(tf.transpose(kernels, [1, 0, 2]), [
      gateIn,
      units * choices,
    ]) as tf.Tensor2D;
    const logits = linear(x as tf.Tensor2D, wide);
    const b = x.shape[0];
    return tf.transpose(
      tf.softmax(tf.reshape(logits, [b, units, choices])),
      [1, 0, 2],
    ) as tf.Tensor3D;
  }
  let x = unitInput as tf.Tensor3D;
  if (s) {
    const copies = tf.tile(tf.expandDims(s, 0), [units, 1, 1]) as tf.Tensor3D;
    x = tf.concat([x, copies], 2);
  }
  return tf.softmax(batchedLinear(x, kernels)) as tf.Tensor3D;
}

/** `h_u = sum_j g_u,j expert_j` over unit `u`'s own experts and the shared ones. */
function mixUnits(
  gates: tf.Tensor3D,
  specificOut: tf.Tensor3D | null,
  sharedOut: tf.Tensor3D | null,
  units: number,
  k: number,
  b: number,
): tf.Tensor3D {
  const parts: tf.Tensor4D[] = [];
  if (specificOut) {
    const d = specificOut.shape[2];
    parts.push(tf.reshape(specificOut, [units, k, b, d]) as tf.Tensor4D);
  }
  if (sharedOut) {
    const copies = tf.tile(tf.expandDims(sharedOut, 0), [units, 1, 1, 1]);
    parts.push(copies as tf.Tensor4D);
  }
  const experts = parts.length === 1 ? parts[0] : tf.concat(parts, 1);
  // gates [U, B, c] -> [U, c, B, 1] to weight experts [U, c, B, d].
  const weights = tf.expandDims(tf.transpose(gates, [0, 2, 1]), 3);
  return tf.sum(tf.mul(weights, experts), 1) as tf.Tensor3D;
}
