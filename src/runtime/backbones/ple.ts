/**
 * PLE (Tang et al., RecSys 2020, "Progressive Layered Extraction"): stacked
 * CGC levels. At each level every unit (task, and scenario when towers are
 * per scenario) owns `specific_experts` experts, `shared_experts` experts
 * are common, and the unit's softmax gate (no bias) mixes its own and the
 * shared experts, own experts first. Below the last level a shared gate
 * over all experts (every unit's in unit order, then the shared ones)
 * forms the input of the next level's shared experts. Level 0 reads `E`
 * everywhere. At level `l > 0` unit `u`'s experts and gate read unit `u`'s
 * previous output, and the shared experts and shared gate read the
 * previous shared output. Under `gates` every gate input also has `s_D`
 * appended. Under `modulate` the HMDN modulation turns `E` into `E'`
 * first, and level 0 reads `E'`. The towers read the last level's unit
 * outputs.
 */
import * as tf from "@tensorflow/tfjs";
import type { PleIr } from "../../compiler/ir.js";
import { linear } from "../ops.js";
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

/** Builds a PLE backbone. */
export const ple: BackboneFactory = (context) => {
  const ir = context.ir.backbone as PleIr;
  const use = checkHierarchyUse(context, ["gates", "modulate"]);
  const style = layerStyle(ir);
  const modulation =
    use === "modulate" ? createModulation(context, MODULATION_HIDDEN) : null;
  requireAtLeastOne("ple", "levels", ir.levels);
  const k = ir.specificExperts;
  if (k + ir.sharedExperts === 0) {
    throw new Error(
      "backbone ple needs at least one specific or shared expert",
    );
  }
  const width = ir.expertLayers[ir.expertLayers.length - 1];
  const towers = createTowers(context, width, style);
  const units = towers.units;
  const extra = use === "gates" ? context.hierarchyDim : 0;
  const tasks = context.ir.tasks;

  const levels = Array.from({ length: ir.levels }, (_, l) => {
    const prefix = `backbone/level_${l}`;
    const inDim = l === 0 ? context.inputDim : width;
    const last = l === ir.levels - 1;
    const specific = units.map((unit) =>
      createExperts(
        context,
        unitPrefix(`${prefix}/specific_experts`, tasks, unit),
        k,
        inDim,
        ir.expertLayers,
        style,
      ),
    );
    return {
      specific,
      shared: createExperts(
        context,
        `${prefix}/shared_experts`,
        ir.sharedExperts,
        inDim,
        ir.expertLayers,
        style,
      ),
      gates: units.map((unit) =>
        context.weight(
          `${unitPrefix(`${prefix}/gate`, tasks, unit)}/kernel`,
          [inDim + extra, k + ir.sharedExperts],
          "glorot_uniform",
        ),
      ),
      sharedGate: last
        ? null
        : context.weight(
            `${prefix}/shared_gate/kernel`,
            [inDim + extra, units.length * k + ir.sharedExperts],
            "glorot_uniform",
          ),
    };
  });

  return {
    forward(inputs) {
      const e = modulatedEmbeddings(modulation, inputs);
      const s = use === "gates" ? requireHierarchy(inputs) : null;
      const withHierarchy = (x: tf.Tensor2D) => (s ? tf.concat([x, s], 1) : x);
      // Level 0: every unit reads E, so one product computes every gate.
      let unitInputs: tf.Tensor2D[] | null = null;
      let sharedInput = e;
      for (const level of levels) {
        let own: tf.Tensor2D[][];
        let shared: tf.Tensor2D[];
        if (unitInputs === null) {
          // Level 0: every expert reads E, so one product computes all of
          // their first layers (specific experts in unit order, then shared).
          const all = applyExperts(
            [...level.specific.flat(), ...level.shared],
            e,
            inputs,
          );
          own = level.specific.map((_, u) => all.slice(u * k, (u + 1) * k));
          shared = all.slice(units.length * k);
        } else {
          const previous = unitInputs;
          own = level.specific.map((experts, u) =>
            applyExperts(experts, previous[u], inputs),
          );
          shared = applyExperts(level.shared, sharedInput, inputs);
        }
        const logits: tf.Tensor2D[] = unitInputs
          ? unitInputs.map((x, u) =>
              linear(withHierarchy(x), level.gates[u] as tf.Tensor2D),
            )
          : sharedInputGateLogits(withHierarchy(e), level.gates);
        const next: tf.Tensor2D[] = logits.map((l, u) =>
          mixExperts(tf.softmax(l), [...own[u], ...shared]),
        );
        if (level.sharedGate) {
          const g = tf.softmax(
            linear(withHierarchy(sharedInput), level.sharedGate as tf.Tensor2D),
          );
          sharedInput = mixExperts(g, [...own.flat(), ...shared]);
        }
        unitInputs = next;
      }
      const outputs = unitInputs as tf.Tensor2D[];
      return towers.apply((u) => outputs[u], inputs);
    },
  };
};
