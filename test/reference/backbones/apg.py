"""PyTorch reference of APG (Yan et al., 2022).

Per row: y = act(((h U) S(z)) V + b), S(z) = I + reshape(W2 relu(W1 z + b1)
+ b2); z = [scenario embedding | E' | both, (s_D)].
"""

import torch

from reference import act, modulate, norm, run, scenario_embedding, towers
from reference import uses_condition, uses_modulation


def forward(case):
    bb = case.backbone
    E = modulate(case, case.E) if uses_modulation(case) else case.E
    parts = []
    if bb["condition"] in ("scenario", "both"):
        parts.append(scenario_embedding(case, "backbone/scenario_embedding"))
    if bb["condition"] in ("input", "both"):
        parts.append(E)
    if uses_condition(case):
        parts.append(case.s)
    z = torch.cat(parts, 1)
    r = bb["rank"]
    h = E
    for i, _ in enumerate(bb["layers"]):
        p = f"backbone/apg/layer_{i}"
        rows = []
        for b in range(case.rows):
            hidden = torch.relu(z[b] @ case.w(f"{p}/core/hidden/kernel") + case.w(f"{p}/core/hidden/bias"))
            core = torch.eye(r) + (
                hidden @ case.w(f"{p}/core/output/kernel") + case.w(f"{p}/core/output/bias")
            ).reshape(r, r)
            rows.append(((h[b] @ case.w(f"{p}/u")) @ core) @ case.w(f"{p}/v") + case.w(f"{p}/bias"))
        y = norm(case, f"{p}/norm", bb["norm"], torch.stack(rows))
        h = act(y, bb["activation"])
    return towers(case, lambda t, n: h)


run(forward)
