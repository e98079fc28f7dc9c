"""Writes the seeded input fixtures the reference scripts read.

Run once with `/usr/bin/python3 make_inputs.py`; the fixtures are committed,
so rerunning is needed only when a block's inputs change.
"""

import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.RandomState(20261204)


def values(*shape, scale=1.0):
    return np.round(rng.randn(*shape) * scale, 4).tolist()


def write(name, data):
    os.makedirs(os.path.join(HERE, "inputs"), exist_ok=True)
    with open(os.path.join(HERE, "inputs", name + ".json"), "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


B = 6
# Features: a categorical id, three multi-value features over two tables
# (one table shared by a mean- and a max-pooled feature), a numeric value.
write(
    "features",
    {
        "batch": B,
        "tables": {"t1": {"rows": 5, "dim": 3, "values": values(5, 3)},
                   "t2": {"rows": 6, "dim": 2, "values": values(6, 2)},
                   "t3": {"rows": 4, "dim": 2, "values": values(4, 2)}},
        "features": [
            {"name": "a", "kind": "categorical", "table": "t1",
             "ids": [0, 1, 3, 3, 4, 2]},
            {"name": "m_mean", "kind": "multi", "table": "t2", "pooling": "mean", "maxLength": 3,
             "ids": [2, 3, -1, -1, -1, -1, 5, 5, 2, 0, -1, -1, 1, 4, 3, 2, -1, -1]},
            {"name": "m_max", "kind": "multi", "table": "t2", "pooling": "max", "maxLength": 2,
             "ids": [2, 4, 3, -1, -1, -1, 5, 2, 0, 1, 4, 4]},
            {"name": "m_sum", "kind": "multi", "table": "t3", "pooling": "sum", "maxLength": 2,
             "ids": [1, 1, 2, -1, -1, -1, 3, 0, 2, 3, 1, -1]},
            {"name": "n", "kind": "numeric", "values": values(B)},
        ],
        # dLoss/dE, B x (3 + 2 + 2 + 2 + 1)
        "upstream": values(B, 10),
    },
)

# Quantizer: x from a view, a codebook, row weights with one zero row, the
# upstream gradient of the task loss w.r.t. the STE output.
for name, update, books in [("quantizer_shared_gradient", "gradient", "shared"),
                            ("quantizer_per_level_gradient", "gradient", "per_level"),
                            ("quantizer_shared_ema", "ema", "shared")]:
    levels, size, dim = 3, 4, 3
    count = 1 if books == "shared" else levels
    write(name, {
        "levels": levels, "codebookSize": size, "codeDim": dim,
        "beta": 0.25, "update": update, "codebookWeight": 0.7, "codebooks": books,
        "x": values(8, dim), "codebook": [values(size, dim) for _ in range(count)],
        "weights": [1, 1, 0.5, 0, 1, 2, 1, 1],
        "upstream": values(8, dim),
    })

# EMA update of a shared codebook over two levels, with one dead code reset
# to a given residual row.
write("ema_update", {
    "levels": 2, "codebookSize": 4, "codeDim": 2, "decay": 0.8, "epsilon": 1e-3,
    "threshold": 2.5,
    "x": values(10, 2), "codebook": values(4, 2),
    "emaCount": [[2.0, 0.5, 1.0, 3.0], [1.0, 0.2, 2.0, 0.1]],
    "emaSum": values(4, 2),
    "mask": [1, 1, 1, 0, 1, 1, 1, 1, 1, 1],
    "resetRows": [3, 12, 7, 19],
})

# BCE from logits with sample weights (one zero weight) and extreme logits.
write("bce", {
    "logits": [30.0, -30.0, 100.0, -100.0, 0.3, -1.2, 2.5, 0.0],
    "labels": [0, 1, 1, 0, 1, 0, 1, 1],
    "weights": [1, 1, 1, 1, 2, 0, 0.5, 1],
})

# Optimizers: three steps on one weight with given gradients; a sparse table
# whose rows are touched in different steps (duplicates summed beforehand).
write("optimizers", {
    "weight": values(3, 2),
    "grads": [values(3, 2) for _ in range(3)],
    "adam": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
    "adagrad": {"lr": 0.1, "initialAccumulator": 0.1},
    "sgd": {"lr": 0.1, "momentum": 0.9},
    "table": values(5, 2),
    "sparseSteps": [
        {"rows": [1, 3], "grads": values(2, 2)},
        {"rows": [3, 4], "grads": values(2, 2)},
        {"rows": [1], "grads": values(1, 2)},
    ],
})
