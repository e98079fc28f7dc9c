"""PyTorch reference of STAR (Sheng et al., 2021).

Row b of scenario p: y = x (W_shared * W_p) + b_shared + b_p per star layer.
Partitioned norm: (gamma gamma_p) (y - mu) / sqrt(var + eps) + beta + beta_p
with statistics shared by the scenarios. An auxiliary network on
[one-hot(p), (s_D)] adds one logit per task.
"""

import torch

from reference import (
    BATCH_NORM_MOMENTUM,
    NORM_EPSILON,
    act,
    mlp,
    modulate,
    norm,
    run,
    towers,
    uses_condition,
    uses_modulation,
)


def partitioned_norm(case, prefix, y):
    if case.training:
        mean = y.mean(dim=0)
        var = ((y - mean) ** 2).mean(dim=0)
        for name, stat in (("moving_mean", mean), ("moving_variance", var)):
            old = case.w(f"{prefix}/{name}").detach()
            case.states[f"{prefix}/{name}"] = (
                BATCH_NORM_MOMENTUM * old + (1 - BATCH_NORM_MOMENTUM) * stat.detach()
            )
    else:
        mean = case.w(f"{prefix}/moving_mean")
        var = case.w(f"{prefix}/moving_variance")
    rows = []
    for b, p in enumerate(case.scenario):
        scale = case.w(f"{prefix}/gamma") * case.w(f"{prefix}/scenario_gamma")[p]
        shift = case.w(f"{prefix}/beta") + case.w(f"{prefix}/scenario_beta")[p]
        rows.append((y[b] - mean) / torch.sqrt(var + NORM_EPSILON) * scale + shift)
    return torch.stack(rows)


def forward(case):
    bb = case.backbone
    h = modulate(case, case.E) if uses_modulation(case) else case.E
    for i, _ in enumerate(bb["layers"]):
        prefix = f"backbone/star/layer_{i}"
        rows = []
        for b, p in enumerate(case.scenario):
            kernel = case.w(f"{prefix}/shared/kernel") * case.w(f"{prefix}/scenario/kernel")[p]
            bias = case.w(f"{prefix}/shared/bias") + case.w(f"{prefix}/scenario/bias")[p]
            rows.append(h[b] @ kernel + bias)
        y = torch.stack(rows)
        if bb["partitionedNorm"]:
            y = partitioned_norm(case, f"{prefix}/partitioned_norm", y)
        else:
            y = norm(case, f"{prefix}/norm", bb["norm"], y)
        h = act(y, bb["activation"])
    logits = towers(case, lambda t, n: h)
    aux_in = case.onehot()
    if uses_condition(case):
        aux_in = torch.cat([aux_in, case.s], 1)
    saved_norm = bb["norm"]
    bb["norm"] = "none"  # the auxiliary network has no norm
    a = mlp(case, "backbone/auxiliary", aux_in, bb["auxiliaryLayers"])
    bb["norm"] = saved_norm
    aux = a @ case.w("backbone/auxiliary/logit/kernel") + case.w("backbone/auxiliary/logit/bias")
    return [logits[t] + aux[:, t] for t in range(len(logits))]


run(forward)
