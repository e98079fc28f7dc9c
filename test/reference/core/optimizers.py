"""Reference for the dense optimizers (torch Adam, Adagrad, SGD with
momentum) over three steps, and for the lazy sparse Adam of the embedding
tables (torch SparseAdam: only touched rows change, bias correction by the
table's global step)."""

import torch

from common import read_inputs, tensor, to_list, write_golden

NAME = "optimizers"
inputs = read_inputs(NAME)


def run(make):
    weight = torch.nn.Parameter(tensor(inputs["weight"]))
    optimizer = make([weight])
    trace = []
    for grad in inputs["grads"]:
        optimizer.zero_grad()
        weight.grad = tensor(grad)
        optimizer.step()
        trace.append(to_list(weight))
    return trace


adam, adagrad, sgd = inputs["adam"], inputs["adagrad"], inputs["sgd"]
outputs = {
    "adam": run(lambda p: torch.optim.Adam(p, lr=adam["lr"], betas=(adam["beta1"], adam["beta2"]), eps=adam["epsilon"])),
    "adagrad": run(lambda p: torch.optim.Adagrad(p, lr=adagrad["lr"], initial_accumulator_value=adagrad["initialAccumulator"], eps=1e-10)),
    "sgd": run(lambda p: torch.optim.SGD(p, lr=sgd["lr"], momentum=sgd["momentum"])),
}

table = torch.nn.Parameter(tensor(inputs["table"]))
sparse = torch.optim.SparseAdam([table], lr=adam["lr"], betas=(adam["beta1"], adam["beta2"]), eps=adam["epsilon"])
trace = []
for step in inputs["sparseSteps"]:
    sparse.zero_grad()
    rows = torch.tensor(step["rows"])
    table.grad = torch.sparse_coo_tensor(rows.unsqueeze(0), tensor(step["grads"]), table.shape)
    sparse.step()
    trace.append(to_list(table))
outputs["sparseAdam"] = trace
write_golden(NAME, __file__, inputs, outputs)
