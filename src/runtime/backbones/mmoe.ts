/**
 * MMoE (Ma et al., KDD 2018, "Modeling Task Relationships in Multi-task
 * Learning with Multi-gate Mixture-of-Experts"): experts `f_i(E)`, one
 * softmax gate per unit `g_u = softmax(x W_u)` (no bias, as in the paper),
 * `h_u = sum_i g_u,i f_i(E)` and a tower per unit. Under `gates` the gate
 * input `x` is `concat(E, s_D)`, otherwise `E`. Under `modulate` the HMDN
 * modulation turns `E` into `E'` first, and experts and gates read `E'`.
 */
import * as tf from "@tensorflow/tfjs";
import type { MmoeIr } from "../../compiler/ir.js";
import {
  MODULATION_HIDDEN,
  applyExperts,
  checkHierarchyUse,
  createModulation,
  modulatedEmbeddings,
  createExperts,
  createTowers,
  layerStyle,
  mixExperts,
  requireAtLeastOne,
  requireHierarchy,
  sharedInputGateLogits,
  unitPrefix,
} from "./common.js";
import type { BackboneFactory } from "./types.js";

/** Builds an MMoE backbone. */
export const mmoe: BackboneFactory = (context) => {
  const ir = context.ir.backbone as MmoeIr;
  const use = checkHierarchyUse(context, ["gates", "modulate"]);
  const style = layerStyle(ir);
  const modulation =
    use === "modulate" ? createModulation(context, MODULATION_HIDDEN) : null;
  requireAtLeastOne("mmoe", "experts", ir.experts);
  const experts = createExperts(
    context,
    "backbone/experts",
    ir.experts,
    context.inputDim,
    ir.expertLayers,
    style,
  );
  const gateIn =
    context.inputDim + (use === "gates" ? context.hierarchyDim : 0);
  const towers = createTowers(context, experts[0].outDim, style);
  const gateKernels = towers.units.map((unit) =>
    context.weight(
      `${unitPrefix("backbone/gate", context.ir.tasks, unit)}/kernel`,
      [gateIn, ir.experts],
      "glorot_uniform",
    ),
  );

  return {
    forward(inputs) {
      const e = modulatedEmbeddings(modulation, inputs);
      const gateInput =
        use === "gates" ? tf.concat([e, requireHierarchy(inputs)], 1) : e;
      const outputs = applyExperts(experts, e, inputs);
      const mixed = sharedInputGateLogits(gateInput, gateKernels).map(
        (logits) => mixExperts(tf.softmax(logits), outputs),
      );
      return towers.apply((u) => mixed[u], inputs);
    },
  };
};
