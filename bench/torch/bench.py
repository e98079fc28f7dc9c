"""PyTorch twins of the compiled KuaiRand models, timed on the same batches.

usage: python3 bench/torch/bench.py BASE [--variant dense|sparse]
           [--threads N] [--warmup STEPS] [--windows N] [--steps STEPS]

BASE.json and BASE.bin come from bench/export-batches.ts: the model's
backbone and hierarchy blocks, the feature layout and pre-encoded batches of
our data stage, so the twin trains on exactly the ids the compiled model trains on.

The models follow the hmdnc runtime's definitions (docs/runtime.md):
embedding 16 per table, mean pooling for multi-value features, one tower per
scenario selected by the row's scenario, Adam lr 1e-3 (torch's Adam is the
same update as the runtime's). `dense` trains the tables with dense Adam;
`sparse` uses nn.Embedding(sparse=True) and SparseAdam for the tables.

Prints one JSON object: samples/s (median of the timed windows after the
warm-up), every window's rate, peak RSS and the torch configuration.
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F


# ---------------------------------------------------------------- data


def load_batches(base):
    with open(base + ".json") as f:
        layout = json.load(f)
    raw = np.fromfile(base + ".bin", dtype=np.uint8)
    b = layout["batchSize"]
    feats = layout["features"]
    cat = [f for f in feats if f["kind"] == "categorical"]
    multi = [f for f in feats if f["kind"] == "multi"]
    num = [f for f in feats if f["kind"] == "numeric"]
    offset = 0

    def take(count, dtype):
        nonlocal offset
        size = count * 4
        arr = raw[offset : offset + size].view(dtype)
        offset += size
        return torch.from_numpy(arr.copy())

    batches = []
    for _ in range(layout["batches"]):
        batch = {"cat": {}, "multi": {}, "num": {}}
        for f in cat:
            batch["cat"][f["name"]] = take(b, np.int32).long()
        for f in multi:
            ids = take(b * f["maxLength"], np.int32).long()
            batch["multi"][f["name"]] = ids.view(b, f["maxLength"])
        for f in num:
            batch["num"][f["name"]] = take(b, np.float32)
        batch["scenario"] = take(b, np.int32).long()
        batch["label"] = take(b, np.float32)
        batches.append(batch)
    if offset != raw.size:
        sys.exit(f"{base}.bin: {raw.size - offset} bytes left over")
    return layout, batches


# -------------------------------------------------------------- layers


class Embeddings(nn.Module):
    """Builds E: one block per feature in IR order, numeric values as columns."""

    def __init__(self, layout, sparse):
        super().__init__()
        dim = layout["embeddingDim"]
        self.features = layout["features"]
        self.tables = nn.ModuleDict()
        self.offsets = {}
        width = 0
        for f in self.features:
            self.offsets[f["name"]] = (width, 1 if f["kind"] == "numeric" else dim)
            if f["kind"] == "numeric":
                width += 1
                continue
            table = nn.Embedding(f["rows"], dim, sparse=sparse)
            nn.init.uniform_(table.weight, -0.05, 0.05)
            self.tables[f["name"]] = table
            width += dim
        self.width = width

    def forward(self, batch):
        blocks = []
        for f in self.features:
            name = f["name"]
            if f["kind"] == "categorical":
                blocks.append(self.tables[name](batch["cat"][name]))
            elif f["kind"] == "multi":
                ids = batch["multi"][name]
                mask = (ids >= 0).unsqueeze(-1).float()
                rows = self.tables[name](ids.clamp(min=0)) * mask
                count = mask.sum(1).clamp(min=1.0)
                blocks.append(rows.sum(1) / count)
            else:
                blocks.append(batch["num"][name].unsqueeze(1))
        return torch.cat(blocks, 1)

    def columns(self, e, names):
        parts = []
        for name in names:
            start, width = self.offsets[name]
            parts.append(e[:, start : start + width])
        return torch.cat(parts, 1)


def mlp(in_dim, widths):
    layers = []
    for w in widths:
        layers += [nn.Linear(in_dim, w), nn.ReLU()]
        in_dim = w
    return nn.Sequential(*layers)


class GateUnit(nn.Module):
    """2 * sigmoid(W2 relu(W1 x + b1) + b2), W2 and b2 zero at the start."""

    def __init__(self, in_dim, hidden, out_dim):
        super().__init__()
        self.hidden = nn.Linear(in_dim, hidden)
        self.output = nn.Linear(hidden, out_dim)
        nn.init.zeros_(self.output.weight)
        nn.init.zeros_(self.output.bias)

    def forward(self, x):
        return 2 * torch.sigmoid(self.output(F.relu(self.hidden(x))))


class Towers(nn.Module):
    """One tower per scenario on every row; keeps each row's own logit."""

    def __init__(self, scenarios, in_dim, widths):
        super().__init__()
        self.towers = nn.ModuleList(
            nn.Sequential(mlp(in_dim, widths), nn.Linear(widths[-1], 1))
            for _ in range(scenarios)
        )

    def forward(self, inputs, scenario):
        # inputs: one [B, d] tensor shared by all towers, or a list per tower.
        if isinstance(inputs, torch.Tensor):
            inputs = [inputs] * len(self.towers)
        logits = torch.cat([t(x) for t, x in zip(self.towers, inputs)], 1)
        return logits.gather(1, scenario.unsqueeze(1)).squeeze(1)


class Quantizer(nn.Module):
    """Residual quantizer: shared codebook, EMA update, straight-through output."""

    def __init__(self, levels, size, dim, decay, epsilon, beta):
        super().__init__()
        self.levels, self.size, self.decay, self.epsilon = levels, size, decay, epsilon
        self.beta = beta
        self.register_buffer("codebook", torch.randn(size, dim) * 0.1)
        self.register_buffer("ema_count", torch.ones(levels, size))
        self.register_buffer("ema_sum", self.codebook.clone() * levels)
        self.initialized = False
        self.saved = None

    def forward(self, x):
        if self.training and not self.initialized:
            with torch.no_grad():
                picks = torch.randperm(x.shape[0])[: self.size]
                self.codebook.copy_(x[picks])
                self.ema_sum.copy_(self.codebook * self.levels)
            self.initialized = True
        with torch.no_grad():
            norms = (self.codebook**2).sum(1)
            r = x.detach()
            codes, residuals, partial = [], [], []
            for _ in range(self.levels):
                c = (norms - 2 * r @ self.codebook.t()).argmin(1)
                residuals.append(r)
                r = r - self.codebook[c]
                codes.append(c)
                partial.append(x.detach() - r)
        s = partial[-1]
        commit = sum(((x - p) ** 2).sum(1).mean() for p in partial) / self.levels
        self.saved = (codes, residuals)
        return x + (s - x).detach(), self.beta * commit

    @torch.no_grad()
    def update(self):
        codes, residuals = self.saved
        total_sum = torch.zeros_like(self.ema_sum)
        for d, (c, r) in enumerate(zip(codes, residuals)):
            one_hot = F.one_hot(c, self.size).float()
            self.ema_count[d].mul_(self.decay).add_(one_hot.sum(0), alpha=1 - self.decay)
            total_sum += one_hot.t() @ r
        self.ema_sum.mul_(self.decay).add_(total_sum, alpha=1 - self.decay)
        n = self.ema_count.sum(0)
        smoothed = (n + self.epsilon) / (n.sum() + self.size * self.epsilon) * n.sum()
        self.codebook.copy_(self.ema_sum / smoothed.unsqueeze(1))
        dead = (n < 1.0).nonzero().flatten()
        if dead.numel() > 0:
            pool = torch.cat(residuals, 0)
            picks = torch.randint(0, pool.shape[0], (dead.numel(),))
            self.codebook[dead] = pool[picks]
            self.ema_count[:, dead] = max(n.sum().item() / self.size, 1.0) / self.levels


class Hierarchy(nn.Module):
    """Explicit and implicit views fused into x, then quantized to s_D."""

    def __init__(self, embeddings, ir):
        super().__init__()
        dim = ir["codeDim"]
        self.embeddings = embeddings
        self.explicit_names = ir["explicit"]
        explicit_width = sum(embeddings.offsets[n][1] for n in self.explicit_names)
        self.explicit = nn.Linear(explicit_width, dim)
        self.implicit = nn.Linear(embeddings.width, dim)
        self.fusion = nn.Linear(2 * dim, dim)
        update = ir["update"]
        self.quantizer = Quantizer(
            ir["levels"], ir["codebookSize"], dim, update["decay"], update["epsilon"], ir["beta"]
        )
        self.dim = dim

    def forward(self, e):
        x_exp = self.explicit(self.embeddings.columns(e, self.explicit_names))
        x_imp = self.implicit(e)
        x = self.fusion(torch.cat([x_exp, x_imp], 1))
        return self.quantizer(x)


# -------------------------------------------------------------- models


class SharedBottom(nn.Module):
    def __init__(self, layout, in_dim, s_dim):
        super().__init__()
        widths = layout["backbone"]["layers"]
        self.bottom = mlp(in_dim, widths)
        self.towers = Towers(layout["scenarios"], widths[-1], layout["towers"])

    def forward(self, e, s, batch):
        return self.towers(self.bottom(e), batch["scenario"])


class Mmoe(nn.Module):
    def __init__(self, layout, in_dim, s_dim):
        super().__init__()
        ir = layout["backbone"]
        self.scenarios = layout["scenarios"]
        self.n = ir["experts"]
        self.experts = nn.ModuleList(mlp(in_dim, ir["expertLayers"]) for _ in range(self.n))
        self.gates = nn.Linear(in_dim + s_dim, self.n * self.scenarios, bias=False)
        self.towers = Towers(self.scenarios, ir["expertLayers"][-1], layout["towers"])

    def forward(self, e, s, batch):
        outputs = torch.stack([f(e) for f in self.experts], 1)  # [B, n, d]
        gate_in = e if s is None else torch.cat([e, s], 1)
        g = self.gates(gate_in).view(-1, self.scenarios, self.n).softmax(-1)
        mixed = torch.einsum("bsn,bnd->bsd", g, outputs)
        return self.towers(list(mixed.unbind(1)), batch["scenario"])


class Ple(nn.Module):
    def __init__(self, layout, in_dim, s_dim):
        super().__init__()
        ir = layout["backbone"]
        self.units = layout["scenarios"]
        self.k, self.m = ir["specificExperts"], ir["sharedExperts"]
        widths = ir["expertLayers"]
        self.levels = nn.ModuleList()
        for level in range(ir["levels"]):
            d = in_dim if level == 0 else widths[-1]
            last = level == ir["levels"] - 1
            mod = nn.Module()
            mod.specific = nn.ModuleList(
                nn.ModuleList(mlp(d, widths) for _ in range(self.k)) for _ in range(self.units)
            )
            mod.shared = nn.ModuleList(mlp(d, widths) for _ in range(self.m))
            mod.gates = nn.ModuleList(
                nn.Linear(d + s_dim, self.k + self.m, bias=False) for _ in range(self.units)
            )
            mod.shared_gate = (
                None if last else nn.Linear(d + s_dim, self.units * self.k + self.m, bias=False)
            )
            self.levels.append(mod)
        self.towers = Towers(self.units, widths[-1], layout["towers"])

    def forward(self, e, s, batch):
        cat = (lambda x: x) if s is None else (lambda x: torch.cat([x, s], 1))
        unit_in = [e] * self.units
        shared_in = e
        for level in self.levels:
            own = [[f(unit_in[u]) for f in level.specific[u]] for u in range(self.units)]
            shared = [f(shared_in) for f in level.shared]
            nxt = []
            for u in range(self.units):
                g = level.gates[u](cat(unit_in[u])).softmax(-1)
                experts = torch.stack(own[u] + shared, 1)
                nxt.append((g.unsqueeze(-1) * experts).sum(1))
            if level.shared_gate is not None:
                g = level.shared_gate(cat(shared_in)).softmax(-1)
                experts = torch.stack([o for row in own for o in row] + shared, 1)
                shared_in = (g.unsqueeze(-1) * experts).sum(1)
            unit_in = nxt
        return self.towers(unit_in, batch["scenario"])


class Pepnet(nn.Module):
    def __init__(self, layout, in_dim, s_dim, embeddings):
        super().__init__()
        ir = layout["backbone"]
        self.embeddings = embeddings
        self.ep_names, self.pp_names = ir["epnetFeatures"], ir["ppnetFeatures"]
        hidden = ir["gateHidden"]
        self.modulation = GateUnit(s_dim + in_dim, hidden, in_dim) if s_dim else None
        ep_w = sum(embeddings.offsets[n][1] for n in self.ep_names)
        pp_w = sum(embeddings.offsets[n][1] for n in self.pp_names)
        self.scenario_embedding = nn.Embedding(layout["scenarios"], ir["scenarioDim"])
        nn.init.uniform_(self.scenario_embedding.weight, -0.05, 0.05)
        self.epnet = GateUnit(ep_w + ir["scenarioDim"] + s_dim + in_dim, hidden, in_dim)
        widths = ir["layers"]
        dims = [in_dim] + widths[:-1]
        self.trunk = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, widths))
        self.trunk_gates = nn.ModuleList(GateUnit(pp_w + in_dim, hidden, d) for d in dims)
        towers = layout["towers"]
        tower_dims = [widths[-1]] + towers
        self.tower_gates = nn.ModuleList(GateUnit(pp_w + in_dim, hidden, d) for d in tower_dims)
        self.towers = nn.ModuleList()
        for _ in range(layout["scenarios"]):
            layers = nn.ModuleList(
                nn.Linear(a, b) for a, b in zip(tower_dims, towers + [1])
            )
            self.towers.append(layers)

    def forward(self, e, s, batch):
        if self.modulation is not None:
            e = self.modulation(torch.cat([s, e.detach()], 1)) * e
        parts = [self.embeddings.columns(e, self.ep_names), self.scenario_embedding(batch["scenario"])]
        if s is not None:
            parts.append(s)
        parts.append(e.detach())
        e_prime = self.epnet(torch.cat(parts, 1)) * e
        pp_in = torch.cat([self.embeddings.columns(e, self.pp_names), e_prime.detach()], 1)
        h = e_prime
        for layer, gate in zip(self.trunk, self.trunk_gates):
            h = F.relu(layer(h * gate(pp_in)))
        scales = [gate(pp_in) for gate in self.tower_gates]
        logits = []
        for layers in self.towers:
            t = h
            for i, layer in enumerate(layers):
                t = layer(t * scales[i])
                if i < len(layers) - 1:
                    t = F.relu(t)
            logits.append(t)
        logits = torch.cat(logits, 1)
        return logits.gather(1, batch["scenario"].unsqueeze(1)).squeeze(1)


class Model(nn.Module):
    def __init__(self, layout, sparse):
        super().__init__()
        self.embeddings = Embeddings(layout, sparse)
        h = layout["hierarchy"]
        self.hierarchy = None
        s_dim = 0
        if h is not None:
            h = dict(h, explicit=layout["explicit"])
            self.hierarchy = Hierarchy(self.embeddings, h)
            s_dim = self.hierarchy.dim
        kind = layout["backbone"]["kind"]
        width = self.embeddings.width
        if kind == "pepnet":
            self.backbone = Pepnet(layout, width, s_dim, self.embeddings)
        else:
            cls = {"shared_bottom": SharedBottom, "mmoe": Mmoe, "ple": Ple}[kind]
            self.backbone = cls(layout, width, s_dim)

    def forward(self, batch):
        e = self.embeddings(batch)
        s, extra = None, 0.0
        if self.hierarchy is not None:
            s, extra = self.hierarchy(e)
        logit = self.backbone(e, s, batch)
        return F.binary_cross_entropy_with_logits(logit, batch["label"]) + extra


# ---------------------------------------------------------------- main


def blas_library():
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower()}
        return sorted(os.path.basename(p) for p in libs if p.startswith("/"))
    except OSError:
        return []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--variant", choices=["dense", "sparse"], default="dense")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    layout, batches = load_batches(args.base)
    sparse = args.variant == "sparse"
    model = Model(layout, sparse)
    table_params = list(model.embeddings.tables.parameters())
    table_ids = {id(p) for p in table_params}
    dense_params = [p for p in model.parameters() if id(p) not in table_ids]
    if sparse:
        optimizers = [torch.optim.Adam(dense_params, lr=1e-3), torch.optim.SparseAdam(table_params, lr=1e-3)]
    else:
        optimizers = [torch.optim.Adam(model.parameters(), lr=1e-3)]
    model.train()

    step = 0

    def train_step():
        nonlocal step
        batch = batches[step % len(batches)]
        step += 1
        for opt in optimizers:
            opt.zero_grad(set_to_none=True)
        loss = model(batch)
        loss.backward()
        for opt in optimizers:
            opt.step()
        if model.hierarchy is not None:
            model.hierarchy.quantizer.update()
        return loss

    for _ in range(args.warmup):
        train_step()
    rates, cpu_rates = [], []
    for _ in range(args.windows):
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(args.steps):
            loss = train_step()
        loss.item()
        samples = args.steps * layout["batchSize"]
        rates.append(samples / (time.perf_counter() - start))
        cpu_rates.append(samples / (time.process_time() - cpu_start))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "system": f"pytorch-{args.variant}",
                "model": layout["model"],
                "batchSize": layout["batchSize"],
                "samplesPerSecond": statistics.median(rates),
                "windows": rates,
                "samplesPerCpuSecond": statistics.median(cpu_rates),
                "peakRssMb": peak_kb / 1024,
                "finalLoss": float(loss.item()),
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY"),
                "blas": blas_library(),
            }
        )
    )


if __name__ == "__main__":
    main()
