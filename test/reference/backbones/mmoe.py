"""PyTorch reference of MMoE (Ma et al., 2018).

Experts f_i(E); for each unit (task, and scenario with per-scenario towers)
g = softmax(W x) with x = E, or [E, s_D] under `gates`;
h = sum_i g_i f_i(E); a tower per unit.
"""

import torch

from reference import mlp, modulate, run, towers, unit_prefix, uses_modulation


def forward(case):
    bb = case.backbone
    E = modulate(case, case.E) if uses_modulation(case) else case.E
    experts = [
        mlp(case, f"backbone/experts/expert_{i}", E, bb["expertLayers"])
        for i in range(bb["experts"])
    ]
    x = torch.cat([E, case.s], 1) if case.use == "gates" else E

    def unit(t, n):
        kernel = case.w(unit_prefix(case, "backbone/gate", t, n) + "/kernel")
        g = torch.softmax(x @ kernel, dim=1)
        return sum(g[:, i : i + 1] * experts[i] for i in range(len(experts)))

    return towers(case, unit)


run(forward)
