/**
 * M2M (Zhang et al., WSDM 2022, "Leaving No One Behind: A Multi-Scenario
 * Multi-Task Meta Learning Approach for Advertiser Modeling").
 *
 * The scenario representation `z` is the scenario embedding
 * (`scenario_dim` wide), with `s_D` appended under `condition`. From `z`:
 * - meta attention, per task: the query `q_t = z Q_t + c_t` is generated per
 *   row and scores each expert output `f_i(E)` by `f_i . q_t / sqrt(d)`;
 *   `h_t = sum_i softmax(scores)_i f_i(E)`;
 * - meta tower, per task: each of `meta_layers` is a per-row dense layer
 *   `act(h W(z) + b(z))` whose kernel `W(z) = reshape(z G + g, [in, out])`
 *   and bias `b(z) = z H + k` are generated from `z`. It is computed as
 *   `sum_j z_j (h G_j) + h g' + b(z)`, with `G_j` the `[in, out]` slice j
 *   of `G` and `g'` the reshaped `g`, so no `[B, in, out]` kernel exists.
 * The task towers then read the meta tower output. `modulate` applies the
 * HMDN modulation to `E` before the experts.
 */
import * as tf from "@tensorflow/tfjs";
import type { M2mIr } from "../../compiler/ir.js";
import { linear } from "../ops.js";
import {
  MODULATION_HIDDEN,
  activate,
  checkHierarchyUse,
  createDense,
  createModulation,
  createScenarioEmbedding,
  applyExperts,
  createExperts,
  mixExperts,
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

/** Builds an M2M backbone. */
export const m2m: BackboneFactory = (context) => {
  const ir = context.ir.backbone as M2mIr;
  const use = checkHierarchyUse(context, [
    "modulate",
    "condition",
    "modulate_condition",
  ]);
  const style = layerStyle(ir);
  requireAtLeastOne("m2m", "experts", ir.experts);
  const modulation = usesModulation(use)
    ? createModulation(context, MODULATION_HIDDEN)
    : null;
  const condition = usesCondition(use);
  const scenarioEmbedding = createScenarioEmbedding(
    context,
    "backbone/scenario_embedding",
    ir.scenarioDim,
  );
  const zDim = ir.scenarioDim + (condition ? context.hierarchyDim : 0);
  const experts = createExperts(
    context,
    "backbone/experts",
    ir.experts,
    context.inputDim,
    ir.expertLayers,
    style,
  );
  const d = experts[0].outDim;
  const perTask = context.ir.tasks.map((task) => {
    const query = createDense(
      context,
      `backbone/meta_attention/${task.name}/query`,
      zDim,
      d,
    );
    const tower = ir.metaLayers.map((width, i) => {
      const inDim = i === 0 ? d : ir.metaLayers[i - 1];
      const prefix = `backbone/meta_tower/${task.name}/layer_${i}`;
      return {
        inDim,
        width,
        kernelGenerator: context.weight(
          `${prefix}/kernel_generator/kernel`,
          [zDim, inDim * width],
          "glorot_uniform",
        ),
        // The generated kernel's z-independent part starts like a dense kernel.
        kernelBase: context.weight(
          `${prefix}/kernel_generator/bias`,
          [inDim * width],
          { kind: "uniform", limit: Math.sqrt(6 / (inDim + width)) },
        ),
        biasGenerator: createDense(
          context,
          `${prefix}/bias_generator`,
          zDim,
          width,
        ),
        norm: createNorm(context, `${prefix}/norm`, style.norm, width),
      };
    });
    return { query, tower };
  });
  const outDim =
    ir.metaLayers.length === 0 ? d : ir.metaLayers[ir.metaLayers.length - 1];
  const towers = createTowers(context, outDim, style);

  return {
    forward(inputs) {
      const e = modulatedEmbeddings(modulation, inputs);
      const b = e.shape[0];
      const embedded = scenarioEmbedding.apply(inputs);
      const z = condition
        ? tf.concat([embedded, requireHierarchy(inputs)], 1)
        : embedded;
      const f = applyExperts(experts, e, inputs);
      const outputs = perTask.map(({ query, tower }) => {
        const q = query.apply(z);
        const scores = tf.stack(
          f.map((fi) => tf.sum(tf.mul(fi, q), 1)),
          1,
        ) as tf.Tensor2D;
        const weights = tf.softmax(tf.mul(scores, 1 / Math.sqrt(d)));
        let h = mixExperts(weights as tf.Tensor2D, f);
        for (const layer of tower) {
          // h W(z) = sum_j z_j (h G_j) with G_j the [in, out] slice j of
          // the generator: one [B, in] x [in, zDim * out] product, then a
          // z-weighted sum over j.
          const wide = tf.reshape(
            tf.transpose(
              tf.reshape(layer.kernelGenerator, [
                zDim,
                layer.inDim,
                layer.width,
              ]),
              [1, 0, 2],
            ),
            [layer.inDim, zDim * layer.width],
          ) as tf.Tensor2D;
          const perCondition = tf.reshape(linear(h, wide), [
            b,
            zDim,
            layer.width,
          ]);
          const generated = tf.sum(
            tf.mul(perCondition, tf.expandDims(z, 2)),
            1,
          );
          const base = tf.reshape(layer.kernelBase, [
            layer.inDim,
            layer.width,
          ]) as tf.Tensor2D;
          let y = tf.addN([
            generated,
            linear(h, base),
            layer.biasGenerator.apply(z),
          ]) as tf.Tensor2D;
          if (layer.norm) y = layer.norm.apply(y, inputs);
          h = dropout(activate(y, style.activation), style.dropout, inputs);
        }
        return h;
      });
      return towers.apply((u) => outputs[towers.units[u].task], inputs);
    },
  };
};
