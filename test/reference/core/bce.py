"""Reference for the weighted binary cross-entropy from logits and its
gradient, with torch's own stable `binary_cross_entropy_with_logits`."""

import torch

from common import read_inputs, tensor, to_list, write_golden

NAME = "bce"
inputs = read_inputs(NAME)
logits = tensor(inputs["logits"]).requires_grad_()
labels = tensor(inputs["labels"])
weights = tensor(inputs["weights"])
per_row = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction="none")
loss = (per_row * weights).sum() / weights.sum()
loss.backward()
write_golden(NAME, __file__, inputs, {"loss": float(loss), "grad": to_list(logits.grad)})
