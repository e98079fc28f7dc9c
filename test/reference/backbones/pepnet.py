"""PyTorch reference of PEPNet (Chang et al., 2023).

EPNet: E' = gate([E[epnet], scenario embedding, (s_D), sg(E)]) * E.
PPNet: every trunk and tower layer input is scaled by
gate([E[ppnet], (s_D when EPNet is off), sg(E')]); gate = 2 sigmoid(MLP).
"""

import torch

from reference import gate_unit, mlp, modulate, run, scenario_embedding, towers
from reference import uses_condition, uses_modulation


def forward(case):
    bb = case.backbone
    E = case.E
    if uses_modulation(case):
        E = modulate(case, E)
    case.E_current = E
    condition = uses_condition(case)
    E_prime = E
    if bb["epnet"]:
        parts = []
        if bb["epnetFeatures"]:
            parts.append(case.columns(bb["epnetFeatures"]))
        if bb["scenarioDim"] > 0:
            parts.append(scenario_embedding(case, "backbone/epnet/scenario_embedding"))
        if condition:
            parts.append(case.s)
        parts.append(E.detach())
        E_prime = gate_unit(case, "backbone/epnet/gate", torch.cat(parts, 1)) * E
    if not bb["ppnet"]:
        h = mlp(case, "backbone/trunk", E_prime, bb["layers"])
        return towers(case, lambda t, n: h)
    parts = []
    if bb["ppnetFeatures"]:
        parts.append(case.columns(bb["ppnetFeatures"]))
    if condition and not bb["epnet"]:
        parts.append(case.s)
    parts.append(E_prime.detach())
    pp = torch.cat(parts, 1)
    h = mlp(
        case,
        "backbone/trunk",
        E_prime,
        bb["layers"],
        gate=lambda i: gate_unit(case, f"backbone/ppnet/trunk/layer_{i}", pp),
    )

    def tower_gate(t, i):
        task = case.tasks[t]
        name = "logit" if i == len(task["tower"]) else f"layer_{i}"
        return gate_unit(case, f"backbone/ppnet/{task['name']}/{name}", pp)

    return towers(case, lambda t, n: h, gate=tower_gate)


run(forward)
