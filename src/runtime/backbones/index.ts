/**
 * The backbone registry: one factory per `BackboneIr` kind. The network
 * looks up `backbones[ir.backbone.kind]` and calls it once, at build time.
 */
import type { BackboneIr } from "../../compiler/ir.js";
import { apg } from "./apg.js";
import { m2m } from "./m2m.js";
import { mmoe } from "./mmoe.js";
import { pepnet } from "./pepnet.js";
import { ple } from "./ple.js";
import { sharedBottom } from "./shared-bottom.js";
import { star } from "./star.js";
import type { BackboneFactory } from "./types.js";

/** Every backbone factory, by the IR kind it builds. */
export const backbones: Readonly<Record<BackboneIr["kind"], BackboneFactory>> =
  {
    shared_bottom: sharedBottom,
    mmoe,
    ple,
    star,
    m2m,
    apg,
    pepnet,
  };

export type {
  Backbone,
  BackboneContext,
  BackboneFactory,
  BackboneInputs,
} from "./types.js";
