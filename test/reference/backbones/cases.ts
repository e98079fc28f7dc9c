/**
 * The backbone cases checked against the PyTorch references: every backbone
 * plain and with each hierarchy use it supports, at fixture size (B = 6,
 * E width 10, 3 scenarios, 2 tasks: one with per-scenario towers, one
 * shared).
 */
import type { BackboneIr, TaskIr } from "../../../src/compiler/ir.js";
import type { BackboneCase } from "../../runtime/backbones/helpers.js";

/** A named case and whether its forward pass runs in training mode. */
export interface NamedCase extends BackboneCase {
  readonly name: string;
  readonly training: boolean;
}

const featureSlices = {
  user_id: { offset: 0, width: 3 },
  item_id: { offset: 3, width: 3 },
  tab: { offset: 6, width: 2 },
  duration: { offset: 8, width: 2 },
};

const tasks: readonly TaskIr[] = [
  {
    id: "t0",
    name: "click",
    label: "is_click",
    loss: "bce",
    weight: 1,
    tower: [5],
    towers: "per_scenario",
  },
  {
    id: "t1",
    name: "like",
    label: "is_like",
    loss: "bce",
    weight: 1,
    tower: [],
    towers: "shared",
  },
];

const base = {
  id: "b",
  activation: "relu",
  dropout: 0,
  norm: "none",
  hierarchyUse: "off",
} as const;

function makeCase(
  name: string,
  backbone: BackboneIr,
  training = true,
): NamedCase {
  return {
    name,
    training,
    scenarios: 3,
    inputDim: 10,
    hierarchyDim: backbone.hierarchyUse === "off" ? 0 : 4,
    featureSlices,
    backbone,
    tasks,
  };
}

const sharedBottom = {
  ...base,
  kind: "shared_bottom",
  layers: [8, 6],
} as const;
const mmoe = {
  ...base,
  kind: "mmoe",
  experts: 3,
  expertLayers: [6, 5],
} as const;
const ple = {
  ...base,
  kind: "ple",
  levels: 2,
  sharedExperts: 2,
  specificExperts: 1,
  expertLayers: [6, 5],
} as const;
const star = {
  ...base,
  kind: "star",
  layers: [8, 6],
  partitionedNorm: true,
  auxiliaryLayers: [4],
} as const;
const m2m = {
  ...base,
  kind: "m2m",
  experts: 3,
  expertLayers: [6],
  scenarioDim: 3,
  metaLayers: [5],
} as const;
const apg = {
  ...base,
  kind: "apg",
  layers: [8, 6],
  rank: 3,
  condition: "both",
  scenarioDim: 3,
} as const;
const pepnet = {
  ...base,
  kind: "pepnet",
  layers: [8, 6],
  epnet: true,
  ppnet: true,
  gateHidden: 5,
  epnetFeatures: ["tab"],
  ppnetFeatures: ["user_id", "item_id"],
  scenarioDim: 3,
} as const;

const dynamicUses = ["modulate", "condition", "modulate_condition"] as const;

/** Every case, by name. */
export const cases: readonly NamedCase[] = [
  makeCase("shared_bottom_plain", sharedBottom),
  makeCase("shared_bottom_layer_norm", {
    ...sharedBottom,
    activation: "gelu",
    norm: "layer",
  }),
  makeCase("shared_bottom_batch_norm", {
    ...sharedBottom,
    activation: "swish",
    norm: "batch",
  }),
  makeCase(
    "shared_bottom_batch_norm_inference",
    { ...sharedBottom, norm: "batch" },
    false,
  ),
  makeCase("shared_bottom_modulate", {
    ...sharedBottom,
    activation: "leaky_relu",
    hierarchyUse: "modulate",
  }),
  makeCase("mmoe_plain", mmoe),
  makeCase("mmoe_gates", {
    ...mmoe,
    activation: "tanh",
    hierarchyUse: "gates",
  }),
  makeCase("mmoe_batch_norm", { ...mmoe, norm: "batch" }),
  makeCase("mmoe_modulate", { ...mmoe, hierarchyUse: "modulate" }),
  makeCase("ple_plain", ple),
  makeCase("ple_gates", { ...ple, activation: "gelu", hierarchyUse: "gates" }),
  makeCase("ple_layer_norm", { ...ple, levels: 3, norm: "layer" }),
  makeCase("ple_modulate", { ...ple, hierarchyUse: "modulate" }),
  makeCase("star_plain", star),
  makeCase("star_layer_norm", {
    ...star,
    partitionedNorm: false,
    norm: "layer",
    auxiliaryLayers: [],
  }),
  makeCase(
    "star_inference",
    { ...star, activation: "tanh", hierarchyUse: "condition" },
    false,
  ),
  ...dynamicUses.map((use) =>
    makeCase(`star_${use}`, { ...star, hierarchyUse: use }),
  ),
  makeCase("m2m_plain", m2m),
  makeCase("m2m_two_meta_layers", {
    ...m2m,
    metaLayers: [5, 4],
    activation: "swish",
  }),
  ...dynamicUses.map((use) =>
    makeCase(`m2m_${use}`, { ...m2m, hierarchyUse: use }),
  ),
  makeCase("apg_plain", apg),
  makeCase("apg_scenario", {
    ...apg,
    condition: "scenario",
    activation: "tanh",
  }),
  makeCase("apg_input", { ...apg, condition: "input", norm: "layer" }),
  ...dynamicUses.map((use) =>
    makeCase(`apg_${use}`, { ...apg, hierarchyUse: use }),
  ),
  makeCase("pepnet_plain", pepnet),
  makeCase("pepnet_epnet_only", { ...pepnet, ppnet: false, norm: "layer" }),
  makeCase("pepnet_ppnet_only_condition", {
    ...pepnet,
    epnet: false,
    hierarchyUse: "condition",
  }),
  ...dynamicUses.map((use) =>
    makeCase(`pepnet_${use}`, { ...pepnet, hierarchyUse: use }),
  ),
];
