/**
 * PEPNet (Chang et al., KDD 2023, "PEPNet: Parameter and Embedding
 * Personalized Network for Infusing with Personalized Prior Information").
 *
 * Every gate is the gate unit `2 sigmoid(MLP(.))` with a zero-initialised
 * output layer, so at initialisation every gate is exactly 1.
 * - EPNet: `E' = delta_ep * E`, `delta_ep = gate(concat(E[epnet_features],
 *   scenario embedding, sg(E)))` (the scenario embedding only when
 *   `scenario_dim > 0`).
 * - PPNet: before each dense layer, of the trunk (`layers`) and of every
 *   task tower (hidden layers and the logit layer), the layer input is
 *   scaled by `gate(concat(E[ppnet_features], sg(E')))`. Trunk gates are
 *   shared by the tasks; tower gates belong to one task and are shared by
 *   that task's per-scenario towers.
 * Hierarchy: `modulate` applies the HMDN modulation to `E` first, and
 * every later step reads the modulated `E`. `condition` appends `s_D` to
 * the EPNet gate input, or to every PPNet gate input when EPNet is off.
 */
import * as tf from "@tensorflow/tfjs";
import type { PepnetIr } from "../../compiler/ir.js";
import { stopGradient } from "../ops.js";
import {
  type GateUnit,
  applyGateUnits,
  checkHierarchyUse,
  createGateUnit,
  createMlp,
  createModulation,
  createScenarioEmbedding,
  createTowers,
  featureColumns,
  layerStyle,
  modulatedEmbeddings,
  requireHierarchy,
  usesCondition,
  usesModulation,
} from "./common.js";
import type { BackboneFactory } from "./types.js";

/** Builds a PEPNet backbone. */
export const pepnet: BackboneFactory = (context) => {
  const ir = context.ir.backbone as PepnetIr;
  const use = checkHierarchyUse(context, [
    "modulate",
    "condition",
    "modulate_condition",
  ]);
  const style = layerStyle(ir);
  const inputDim = context.inputDim;
  const condition = usesCondition(use);
  if (condition && !ir.epnet && !ir.ppnet) {
    throw new Error(
      `backbone pepnet: hierarchy use "${use}" needs epnet or ppnet, because s_D joins their gate inputs`,
    );
  }
  const conditionDim = condition ? context.hierarchyDim : 0;
  const modulation = usesModulation(use)
    ? createModulation(context, ir.gateHidden)
    : null;

  const epnetColumns = featureColumns(context, ir.epnetFeatures);
  const scenarioEmbedding =
    ir.epnet && ir.scenarioDim > 0
      ? createScenarioEmbedding(
          context,
          "backbone/epnet/scenario_embedding",
          ir.scenarioDim,
        )
      : null;
  const epnetGate = ir.epnet
    ? createGateUnit(
        context,
        "backbone/epnet/gate",
        epnetColumns.width +
          (scenarioEmbedding?.dim ?? 0) +
          conditionDim +
          inputDim,
        ir.gateHidden,
        inputDim,
      )
    : null;

  const ppnetColumns = featureColumns(context, ir.ppnetFeatures);
  const ppnetConditionDim = condition && !ir.epnet ? context.hierarchyDim : 0;
  const ppnetIn = ppnetColumns.width + ppnetConditionDim + inputDim;
  const trunk = createMlp(
    context,
    "backbone/trunk",
    inputDim,
    ir.layers,
    style,
  );
  const towers = createTowers(context, trunk.outDim, style);
  const trunkGates: GateUnit[] = [];
  const towerGates: GateUnit[][] = [];
  if (ir.ppnet) {
    trunk.inDims.forEach((width, i) =>
      trunkGates.push(
        createGateUnit(
          context,
          `backbone/ppnet/trunk/layer_${i}`,
          ppnetIn,
          ir.gateHidden,
          width,
        ),
      ),
    );
    context.ir.tasks.forEach((task, t) => {
      const dims = towers.inDims[t];
      towerGates.push(
        dims.map((width, i) =>
          createGateUnit(
            context,
            i === dims.length - 1
              ? `backbone/ppnet/${task.name}/logit`
              : `backbone/ppnet/${task.name}/layer_${i}`,
            ppnetIn,
            ir.gateHidden,
            width,
          ),
        ),
      );
    });
  }

  return {
    forward(inputs) {
      const e = modulatedEmbeddings(modulation, inputs);
      let ePrime = e;
      if (epnetGate) {
        const parts: tf.Tensor2D[] = [];
        if (epnetColumns.width > 0) parts.push(epnetColumns.apply(e));
        if (scenarioEmbedding) parts.push(scenarioEmbedding.apply(inputs));
        if (condition) parts.push(requireHierarchy(inputs));
        parts.push(stopGradient(e));
        ePrime = tf.mul(epnetGate.apply(tf.concat(parts, 1)), e);
      }
      if (!ir.ppnet) {
        const h = trunk.apply(ePrime, inputs);
        return towers.apply(() => h, inputs);
      }
      const ppParts: tf.Tensor2D[] = [];
      if (ppnetColumns.width > 0) ppParts.push(ppnetColumns.apply(e));
      if (ppnetConditionDim > 0) ppParts.push(requireHierarchy(inputs));
      ppParts.push(stopGradient(ePrime));
      const ppInput = tf.concat(ppParts, 1);
      // Every PPNet gate reads ppInput, so one product computes all of
      // their first layers: trunk gates, then each task's tower gates.
      const gates = applyGateUnits(
        [...trunkGates, ...towerGates.flat()],
        ppInput,
      );
      const towerOffsets: number[] = [];
      let offset = trunkGates.length;
      for (const taskGates of towerGates) {
        towerOffsets.push(offset);
        offset += taskGates.length;
      }
      const h = trunk.apply(ePrime, inputs, (i) => gates[i]);
      return towers.apply(
        () => h,
        inputs,
        (t, i) => gates[towerOffsets[t] + i],
      );
    },
  };
};
