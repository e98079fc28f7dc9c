"""Shared pieces of the PyTorch backbone references.

Each `<kind>.py` script is an independent, loop-based implementation of one
backbone from its paper definition and the hmdnc conventions documented in
docs/runtime-backbones.md (weight names, layer order, initial values do not
matter here because every weight is read from the fixture). It reads a
fixture written by make-inputs.ts, runs the forward pass in float64,
back-propagates `sum_t sum_b upstream[t][b] * logit[t][b]`, and writes the
golden file with the logits, every gradient and the updated states.

Usage: <kind>.py INPUT.json OUTPUT.json
"""

import json
import os
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

LEAKY_RELU_ALPHA = 0.01
NORM_EPSILON = 1e-5
BATCH_NORM_MOMENTUM = 0.99
MODULATION_HIDDEN = 64


class Case:
    """One fixture: its configuration, weights as leaf tensors, inputs."""

    def __init__(self, path):
        with open(path) as f:
            self.data = json.load(f)
        config = self.data["config"]
        self.config = config
        self.backbone = config["backbone"]
        self.tasks = config["tasks"]
        self.scenarios = config["scenarios"]
        self.training = config["training"]
        self.slices = config["featureSlices"]
        if self.backbone["dropout"] != 0:
            raise ValueError("the references run without dropout")

        self.weights = {}
        self.trainable = {}
        for name, w in self.data["weights"].items():
            t = torch.tensor(w["values"]).reshape(w["shape"])
            t.requires_grad_(w["trainable"])
            self.weights[name] = t
            self.trainable[name] = w["trainable"]
        self.used = set()
        self.states = {}

        inputs = self.data["inputs"]
        self.E = torch.tensor(inputs["embeddings"], requires_grad=True)
        self.s = (
            torch.tensor(inputs["hierarchy"], requires_grad=True)
            if inputs["hierarchy"] is not None
            else None
        )
        self.scenario = inputs["scenario"]
        self.rows = len(self.scenario)
        self.use = self.backbone["hierarchyUse"]

    def w(self, name):
        if name not in self.weights:
            raise KeyError(f"fixture has no weight {name}")
        self.used.add(name)
        return self.weights[name]

    def onehot(self):
        return F.one_hot(torch.tensor(self.scenario), self.scenarios).double()

    def columns(self, names):
        """The slices of E of the named features, concatenated."""
        parts = []
        for n in names:
            sl = self.slices[n]
            parts.append(self.E_current[:, sl["offset"] : sl["offset"] + sl["width"]])
        return torch.cat(parts, dim=1)


def act(x, kind):
    if kind == "relu":
        return torch.relu(x)
    if kind == "leaky_relu":
        return F.leaky_relu(x, LEAKY_RELU_ALPHA)
    if kind == "gelu":
        return F.gelu(x)
    if kind == "swish":
        return x * torch.sigmoid(x)
    if kind == "tanh":
        return torch.tanh(x)
    if kind == "sigmoid":
        return torch.sigmoid(x)
    if kind == "linear":
        return x
    raise ValueError(kind)


def norm(case, prefix, kind, x):
    """Layer or batch norm of rows x [B, d]."""
    if kind == "none":
        return x
    gamma, beta = case.w(f"{prefix}/gamma"), case.w(f"{prefix}/beta")
    if kind == "layer":
        mean = x.mean(dim=1, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=1, keepdim=True)
        return (x - mean) / torch.sqrt(var + NORM_EPSILON) * gamma + beta
    assert kind == "batch"
    if case.training:
        mean = x.mean(dim=0)
        var = ((x - mean) ** 2).mean(dim=0)
        record_moving(case, f"{prefix}/moving_mean", mean)
        record_moving(case, f"{prefix}/moving_variance", var)
    else:
        mean = case.w(f"{prefix}/moving_mean")
        var = case.w(f"{prefix}/moving_variance")
    return (x - mean) / torch.sqrt(var + NORM_EPSILON) * gamma + beta


def record_moving(case, name, stat):
    old = case.w(name).detach()
    case.states[name] = (
        BATCH_NORM_MOMENTUM * old + (1 - BATCH_NORM_MOMENTUM) * stat.detach()
    )


def dense(case, prefix, x):
    return x @ case.w(f"{prefix}/kernel") + case.w(f"{prefix}/bias")


def mlp(case, prefix, x, widths, gate=None):
    """dense -> norm -> activation per width; `gate(i)` scales layer i's input."""
    h = x
    for i, _ in enumerate(widths):
        if gate is not None:
            h = h * gate(i)
        y = dense(case, f"{prefix}/layer_{i}", h)
        y = norm(case, f"{prefix}/layer_{i}/norm", case.backbone["norm"], y)
        h = act(y, case.backbone["activation"])
    return h


def gate_unit(case, prefix, x):
    hidden = torch.relu(dense(case, f"{prefix}/hidden", x))
    return 2 * torch.sigmoid(dense(case, f"{prefix}/output", hidden))


def modulate(case, E):
    """HMDN modulation E' = 2 sigmoid(MLP([s_D, sg(E)])) * E."""
    delta = gate_unit(case, "backbone/modulation", torch.cat([case.s, E.detach()], 1))
    return delta * E


def uses_modulation(case):
    return case.use in ("modulate", "modulate_condition")


def uses_condition(case):
    return case.use in ("condition", "modulate_condition")


def scenario_embedding(case, name):
    table = case.w(name)
    return torch.stack([table[p] for p in case.scenario])


def unit_prefix(case, base, t, n):
    """`<base>/<task>`, plus `/scenario_<n>` for a per-scenario task."""
    task = case.tasks[t]
    name = f"{base}/{task['name']}"
    return f"{name}/scenario_{n}" if task["towers"] == "per_scenario" else name


def towers(case, unit_input, gate=None):
    """Per task, each row runs through its own unit's tower (row by row).

    unit_input(t, n) -> [B, d] is the input of task t's unit n (n is the
    scenario for per-scenario towers, else 0); gate(t, i) -> [B, d] scales
    tower layer i's input.
    """
    logits = []
    for t, task in enumerate(case.tasks):
        per_scenario = task["towers"] == "per_scenario"
        rows = []
        for b in range(case.rows):
            n = case.scenario[b] if per_scenario else 0
            prefix = unit_prefix(case, "backbone/tower", t, n)
            h = unit_input(t, n)[b : b + 1]
            layers = [f"layer_{i}" for i in range(len(task["tower"]))] + ["logit"]
            for i, layer in enumerate(layers):
                if gate is not None:
                    h = h * gate(t, i)[b : b + 1]
                h = dense(case, f"{prefix}/{layer}", h)
                if layer != "logit":
                    h = act(h, case.backbone["activation"])
            rows.append(h.reshape(()))
        logits.append(torch.stack(rows))
    return logits


def run(forward):
    """Reads argv[1], runs `forward(case) -> [logits per task]`, writes argv[2]."""
    input_path, output_path = sys.argv[1], sys.argv[2]
    case = Case(input_path)
    logits = forward(case)
    upstream = torch.tensor(case.data["upstream"])
    loss = sum((logits[t] * upstream[t]).sum() for t in range(len(logits)))
    loss.backward()
    unused = [n for n in case.weights if n not in case.used]
    if unused:
        raise ValueError(f"weights the reference never read: {unused}")

    def flat(t):
        # Ten significant digits: well below the float32 error being tested.
        return [float(f"{float(v):.10g}") for v in t.detach().reshape(-1)]

    gradients = {}
    for name, t in case.weights.items():
        if case.trainable[name]:
            g = t.grad if t.grad is not None else torch.zeros_like(t)
            gradients[name] = flat(g)
    states = {}
    for name, t in case.weights.items():
        if not case.trainable[name]:
            states[name] = flat(case.states.get(name, t))
    script = os.path.relpath(sys.argv[0])
    golden = dict(case.data)
    golden["generatedBy"] = script
    golden["command"] = (
        "test/reference/backbones/regenerate.sh "
        + case.data["case"]
        + f"  (runs: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 {script} INPUT OUTPUT)"
    )
    golden["torchVersion"] = torch.__version__
    golden["expected"] = {
        "logits": [flat(l) for l in logits],
        "gradients": gradients,
        "embeddingsGradient": flat(case.E.grad),
        "hierarchyGradient": (
            flat(case.s.grad if case.s.grad is not None else torch.zeros_like(case.s))
            if case.s is not None
            else None
        ),
        "states": states,
    }
    tmp = output_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(golden, f)
    os.replace(tmp, output_path)
