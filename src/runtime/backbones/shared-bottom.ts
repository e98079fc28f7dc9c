/**
 * Shared-bottom: `h = MLP(E)`, then the task towers; with per-scenario
 * towers each row reads its own scenario's tower.
 */
import type { SharedBottomIr } from "../../compiler/ir.js";
import {
  MODULATION_HIDDEN,
  checkHierarchyUse,
  createMlp,
  createModulation,
  createTowers,
  layerStyle,
  modulatedEmbeddings,
} from "./common.js";
import type { BackboneFactory } from "./types.js";

/** Builds a shared-bottom backbone; `modulate` scales `E` by the HMDN gate. */
export const sharedBottom: BackboneFactory = (context) => {
  const ir = context.ir.backbone as SharedBottomIr;
  const use = checkHierarchyUse(context, ["modulate"]);
  const style = layerStyle(ir);
  const modulation =
    use === "modulate" ? createModulation(context, MODULATION_HIDDEN) : null;
  const bottom = createMlp(
    context,
    "backbone/bottom",
    context.inputDim,
    ir.layers,
    style,
  );
  const towers = createTowers(context, bottom.outDim, style);
  return {
    forward(inputs) {
      const e = modulatedEmbeddings(modulation, inputs);
      const h = bottom.apply(e, inputs);
      return towers.apply(() => h, inputs);
    },
  };
};
