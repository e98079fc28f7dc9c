"""PyTorch reference of M2M (Zhang et al., 2022).

z = [scenario embedding, (s_D)]; per task: q = z Q + c, attention weights
softmax_i(f_i . q / sqrt(d)) over the experts, then a meta tower whose
per-row kernels reshape(z G + g) and biases z H + k come from z.
"""

import math

import torch

from reference import act, mlp, modulate, norm, run, scenario_embedding, towers
from reference import uses_condition, uses_modulation


def forward(case):
    bb = case.backbone
    E = modulate(case, case.E) if uses_modulation(case) else case.E
    z = scenario_embedding(case, "backbone/scenario_embedding")
    if uses_condition(case):
        z = torch.cat([z, case.s], 1)
    experts = [
        mlp(case, f"backbone/experts/expert_{i}", E, bb["expertLayers"])
        for i in range(bb["experts"])
    ]
    d = experts[0].shape[1]
    outputs = []
    for task in case.tasks:
        name = task["name"]
        qk = case.w(f"backbone/meta_attention/{name}/query/kernel")
        qb = case.w(f"backbone/meta_attention/{name}/query/bias")
        rows = []
        for b in range(case.rows):
            q = z[b] @ qk + qb
            scores = torch.stack([experts[i][b] @ q for i in range(len(experts))])
            alpha = torch.softmax(scores / math.sqrt(d), dim=0)
            rows.append(sum(alpha[i] * experts[i][b] for i in range(len(experts))))
        h = torch.stack(rows)
        in_dim = d
        for i, width in enumerate(bb["metaLayers"]):
            prefix = f"backbone/meta_tower/{name}/layer_{i}"
            out_rows = []
            for b in range(case.rows):
                kernel = (
                    z[b] @ case.w(f"{prefix}/kernel_generator/kernel")
                    + case.w(f"{prefix}/kernel_generator/bias")
                ).reshape(in_dim, width)
                bias = z[b] @ case.w(f"{prefix}/bias_generator/kernel") + case.w(
                    f"{prefix}/bias_generator/bias"
                )
                out_rows.append(h[b] @ kernel + bias)
            y = norm(case, f"{prefix}/norm", bb["norm"], torch.stack(out_rows))
            h = act(y, bb["activation"])
            in_dim = width
        outputs.append(h)
    return towers(case, lambda t, n: outputs[t])


run(forward)
