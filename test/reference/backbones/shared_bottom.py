"""PyTorch reference of the shared-bottom backbone: h = MLP(E), towers."""

from reference import modulate, mlp, run, towers, uses_modulation


def forward(case):
    E = case.E
    if uses_modulation(case):
        E = modulate(case, E)
    h = mlp(case, "backbone/bottom", E, case.backbone["layers"])
    return towers(case, lambda t, n: h)


run(forward)
