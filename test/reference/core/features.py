"""Reference for building E: embedding lookup, masked mean/sum/max pooling
(padding id -1 never counts; an all-padding row pools to zeros), numeric
passthrough, and the table gradients for a given dLoss/dE."""

import torch

from common import read_inputs, tensor, to_list, write_golden

NAME = "features"
inputs = read_inputs(NAME)
B = inputs["batch"]
tables = {name: tensor(t["values"]).reshape(t["rows"], t["dim"]).requires_grad_()
          for name, t in inputs["tables"].items()}

columns = []
for feature in inputs["features"]:
    if feature["kind"] == "numeric":
        columns.append(tensor(feature["values"]).reshape(B, 1))
        continue
    table = tables[feature["table"]]
    if feature["kind"] == "categorical":
        columns.append(table[torch.tensor(feature["ids"])])
        continue
    ids = torch.tensor(feature["ids"]).reshape(B, feature["maxLength"])
    present = ids != -1
    rows = table[ids.clamp(min=0)]  # [B, L, dim]
    mask = present.unsqueeze(2).to(rows.dtype)
    count = mask.sum(1)
    if feature["pooling"] == "max":
        masked = torch.where(present.unsqueeze(2), rows, torch.full_like(rows, float("-inf")))
        pooled = torch.where(count > 0, masked.max(1).values, torch.zeros_like(count))
    else:
        pooled = (rows * mask).sum(1)
        if feature["pooling"] == "mean":
            pooled = pooled / count.clamp(min=1)
    columns.append(pooled)

E = torch.cat(columns, 1)
upstream = tensor(inputs["upstream"])
(E * upstream).sum().backward()

write_golden(NAME, __file__, inputs, {
    "embeddings": to_list(E),
    "tableGradients": {name: to_list(t.grad) for name, t in tables.items()},
})
