"""PyTorch reference of PLE (Tang et al., 2020), multi-level CGC.

Units u (task, and scenario with per-scenario towers) own k specific
experts each; `shared` experts are common. Level l: unit u's experts and
gate read x_u, the shared experts and the shared gate read x_shared (all
E at level 0); h_u = softmax(W_u [x_u, (s_D)]) . [own experts, shared];
below the last level x_shared = softmax(W_s [x_shared, (s_D)]) . all experts.
"""

import torch

from reference import mlp, modulate, run, towers, unit_prefix, uses_modulation


def forward(case):
    bb = case.backbone
    k, n_shared = bb["specificExperts"], bb["sharedExperts"]
    units = []
    for t, task in enumerate(case.tasks):
        count = case.scenarios if task["towers"] == "per_scenario" else 1
        units += [(t, n) for n in range(count)]
    gates_on = case.use == "gates"

    def gate_input(x):
        return torch.cat([x, case.s], 1) if gates_on else x

    E = modulate(case, case.E) if uses_modulation(case) else case.E
    x_units = [E for _ in units]
    x_shared = E
    for level in range(bb["levels"]):
        prefix = f"backbone/level_{level}"
        specific = {}
        for u in range(len(units)):
            for j in range(k):
                t, n = units[u]
                name = unit_prefix(case, f"{prefix}/specific_experts", t, n)
                specific[(u, j)] = mlp(
                    case, f"{name}/expert_{j}", x_units[u], bb["expertLayers"]
                )
        shared = [
            mlp(case, f"{prefix}/shared_experts/expert_{i}", x_shared, bb["expertLayers"])
            for i in range(n_shared)
        ]
        outputs = []
        for u, (t, n) in enumerate(units):
            kernel = case.w(unit_prefix(case, f"{prefix}/gate", t, n) + "/kernel")
            g = torch.softmax(gate_input(x_units[u]) @ kernel, dim=1)
            experts = [specific[(u, j)] for j in range(k)] + shared
            outputs.append(sum(g[:, j : j + 1] * experts[j] for j in range(len(experts))))
        if level < bb["levels"] - 1:
            kernel = case.w(f"{prefix}/shared_gate/kernel")
            g = torch.softmax(gate_input(x_shared) @ kernel, dim=1)
            everything = [specific[(u, j)] for u in range(len(units)) for j in range(k)]
            everything += shared
            x_shared = sum(g[:, j : j + 1] * everything[j] for j in range(len(everything)))
        x_units = outputs

    def unit(t, n):
        return x_units[units.index((t, n))]

    return towers(case, unit)


run(forward)
