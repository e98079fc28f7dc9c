/**
 * MMoE (Ma et al., KDD 2018, "Modeling Task Relationships in Multi-task
 * Learning with Multi-gate Mixture-of-Experts"): experts `f_i(E)`, one
 * softmax gate per unit `g_u = softmax(W_u x)` (no bias, as in the paper),
 * `h_u = sum_i g_u,i f_i(E)` and a tower per unit. Under `gates` the gate
 * input `x` is `concat(E, s_D)`, otherwise `E`.
 */
import * as tf from "@tensorflow/tfjs";
import type { MmoeIr } from "../../compiler/ir.js";
import { batchedLinear, linear } from "../ops.js";
import {
  checkHierarchyUse,
  createStackedMlp,
  createTowers,
  layerStyle,
  requireHierarchy,
} from "./common.js";
import type { BackboneFactory } from "./types.js";

/** Builds an MMoE backbone. */
export const mmoe: BackboneFactory = (context) => {
  const ir = context.ir.backbone as MmoeIr;
  const use = checkHierarchyUse(context, ["gates"]);
  const style = layerStyle(ir);
  const n = ir.experts;
  const experts = createStackedMlp(
    context,
    "backbone/experts",
    n,
    context.inputDim,
    ir.expertLayers,
    style,
  );
  const gateIn =
    context.inputDim + (use === "gates" ? context.hierarchyDim : 0);
  const towers = createTowers(context, experts.outDim, style);
  // One kernel per task, [n_t, gateIn, experts], in the towers' unit order.
  const gateKernels = context.ir.tasks.map((task, t) =>
    context.weight(
      `backbone/gate/${task.name}/kernel`,
      [towers.unitCount[t], gateIn, n],
      "glorot_uniform",
    ),
  );
  const unitTotal = towers.units.length;
  const d = experts.outDim;

  return {
    forward(inputs) {
      const e = inputs.embeddings;
      const b = e.shape[0];
      const gateInput =
        use === "gates" ? tf.concat([e, requireHierarchy(inputs)], 1) : e;
      // [U, gateIn, n] -> [gateIn, U * n] so one product computes every gate.
      const allKernels =
        gateKernels.length === 1 ? gateKernels[0] : tf.concat(gateKernels, 0);
      const wide = tf.reshape(tf.transpose(allKernels, [1, 0, 2]), [
        gateIn,
        unitTotal * n,
      ]);
      const gates = tf.softmax(
        tf.reshape(linear(gateInput, wide as tf.Tensor2D), [b, unitTotal, n]),
      ) as tf.Tensor3D;
      // [n, B, d] -> [B, n, d]; mixing is one batched product per row.
      const expertOut = tf.transpose(experts.applyShared(e, inputs), [1, 0, 2]);
      const mixed = batchedLinear(gates, expertOut as tf.Tensor3D);
      const perUnit = tf.transpose(mixed, [1, 0, 2]) as tf.Tensor3D;
      return towers.apply(
        (t) =>
          tf.slice(
            perUnit,
            [towers.firstUnit[t], 0, 0],
            [towers.unitCount[t], b, d],
          ),
        inputs,
      );
    },
  };
};
