"""Shared helpers of the core reference scripts.

Each script reads `inputs/<name>.json`, computes the block with PyTorch and
writes `test/fixtures/golden/core/<name>.json` holding the inputs, the
outputs and the script that made it. The vitest suite reads only the golden
files, so CI needs no torch.
"""

import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
GOLDEN = os.path.join(ROOT, "test", "fixtures", "golden", "core")

torch.set_default_dtype(torch.float64)


def read_inputs(name):
    with open(os.path.join(HERE, "inputs", name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def tensor(values):
    return torch.tensor(values, dtype=torch.float64)


def to_list(t):
    return t.detach().cpu().tolist()


def write_golden(name, script, inputs, outputs):
    os.makedirs(GOLDEN, exist_ok=True)
    golden = {
        "script": os.path.relpath(os.path.abspath(script), ROOT),
        "torch": torch.__version__,
        "dtype": "float64",
        "inputs": inputs,
        "outputs": outputs,
    }
    path = os.path.join(GOLDEN, name + ".json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    sys.stdout.write("wrote " + os.path.relpath(path, ROOT) + "\n")
