/**
 * APG (Yan et al., NeurIPS 2022, "APG: Adaptive Parameter Generation
 * Network for Click-Through Rate Prediction").
 *
 * Each layer is a per-row low-rank dense layer, written for row vectors:
 *   `y = act(((h U) S(z)) V + b)`
 * with shared `U` (`in x rank`), `V` (`rank x out`) and `b`, and the core
 *   `S(z) = I + reshape(W2 relu(W1 z + b1) + b2, [rank, rank])`,
 * generated per row from the condition `z`. The generator's hidden width is
 * `rank * rank`, and `W2`, `b2` start at zero, so every core starts as the
 * identity and the layer as a plain rank-`rank` dense layer.
 * `z` is the scenario embedding (`scenario`), the backbone input (`input`),
 * or both, with `s_D` appended under `condition`. `modulate` applies the
 * HMDN modulation to `E` first, and `input` then reads the modulated `E`.
 * Each layer's norm acts on its pre-activation.
 */
import * as tf from "@tensorflow/tfjs";
import type { ApgIr } from "../../compiler/ir.js";
import { linear } from "../ops.js";
import {
  MODULATION_HIDDEN,
  activate,
  checkHierarchyUse,
  createDense,
  createModulation,
  createScenarioEmbedding,
  createTowers,
  dropout,
  layerStyle,
  modulatedEmbeddings,
  requireAtLeastOne,
  requireHierarchy,
  usesCondition,
  usesModulation,
} from "./common.js";
import { createNorm } from "./norm.js";
import type { BackboneFactory } from "./types.js";

/** Builds an APG backbone. */
export const apg: BackboneFactory = (context) => {
  const ir = context.ir.backbone as ApgIr;
  const use = checkHierarchyUse(context, [
    "modulate",
    "condition",
    "modulate_condition",
  ]);
  const style = layerStyle(ir);
  const modulation = usesModulation(use)
    ? createModulation(context, MODULATION_HIDDEN)
    : null;
  const condition = usesCondition(use);
  const readsScenario = ir.condition !== "input";
  const readsInput = ir.condition !== "scenario";
  const scenarioEmbedding = readsScenario
    ? createScenarioEmbedding(
        context,
        "backbone/scenario_embedding",
        ir.scenarioDim,
      )
    : null;
  const zDim =
    (readsScenario ? ir.scenarioDim : 0) +
    (readsInput ? context.inputDim : 0) +
    (condition ? context.hierarchyDim : 0);
  requireAtLeastOne("apg", "rank", ir.rank);
  const rank = ir.rank;
  const layers = ir.layers.map((width, i) => {
    const prefix = `backbone/apg/layer_${i}`;
    const inDim = i === 0 ? context.inputDim : ir.layers[i - 1];
    return {
      width,
      u: context.weight(`${prefix}/u`, [inDim, rank], "glorot_uniform"),
      v: context.weight(`${prefix}/v`, [rank, width], "glorot_uniform"),
      bias: context.weight(`${prefix}/bias`, [width], "zeros"),
      coreHidden: createDense(
        context,
        `${prefix}/core/hidden`,
        zDim,
        rank * rank,
      ),
      coreOutput: createDense(
        context,
        `${prefix}/core/output`,
        rank * rank,
        rank * rank,
        { zeroInit: true },
      ),
      norm: createNorm(context, `${prefix}/norm`, style.norm, width),
    };
  });
  const outDim =
    ir.layers.length === 0 ? context.inputDim : ir.layers[ir.layers.length - 1];
  const towers = createTowers(context, outDim, style);

  return {
    forward(inputs) {
      const e = modulatedEmbeddings(modulation, inputs);
      const b = e.shape[0];
      const parts: tf.Tensor2D[] = [];
      if (scenarioEmbedding) parts.push(scenarioEmbedding.apply(inputs));
      if (readsInput) parts.push(e);
      if (condition) parts.push(requireHierarchy(inputs));
      const z = parts.length === 1 ? parts[0] : tf.concat(parts, 1);
      let h = e;
      for (const layer of layers) {
        const generated = layer.coreOutput.apply(
          tf.relu(layer.coreHidden.apply(z)),
        );
        // (h U) S(z) = a + a reshape(o): the generated part per row as an
        // element-wise product summed over the rank axis.
        const a = linear(h, layer.u as tf.Tensor2D);
        const generatedPart = tf.sum(
          tf.mul(tf.expandDims(a, 2), tf.reshape(generated, [b, rank, rank])),
          1,
        );
        const mixed = tf.add(a, generatedPart) as tf.Tensor2D;
        let y = linear(
          mixed,
          layer.v as tf.Tensor2D,
          layer.bias as tf.Tensor1D,
        );
        if (layer.norm) y = layer.norm.apply(y, inputs);
        h = dropout(activate(y, style.activation), style.dropout, inputs);
      }
      return towers.apply(() => h, inputs);
    },
  };
};
