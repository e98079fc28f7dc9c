"""Reference for the residual quantizer forward pass and its gradients.

Loss = sum(upstream * ste) + beta * commit (+ codebookWeight * codebook),
with ste = x + sg(s_D - x), commit = (1/D) sum_d sum_i w_i ||x_i - sg(s_d,i)||^2
/ sum_i w_i and codebook = sum_d sum_i w_i ||sg(r_{d-1},i) - e_{c_d,i}||^2 /
sum_i w_i. Codes are the squared-Euclidean nearest codes of the residuals."""

import torch

from common import read_inputs, tensor, to_list, write_golden

for name in ["quantizer_shared_gradient", "quantizer_per_level_gradient", "quantizer_shared_ema"]:
    inputs = read_inputs(name)
    D = inputs["levels"]
    x = tensor(inputs["x"]).requires_grad_()
    books = [tensor(b).requires_grad_() for b in inputs["codebook"]]
    w = tensor(inputs["weights"])
    wn = w / w.sum()
    residual = x.detach()
    partial = torch.zeros_like(x)
    commit = 0
    codebook_loss = 0
    codes = []
    for d in range(D):
        book = books[0] if len(books) == 1 else books[d]
        with torch.no_grad():
            distances = ((residual.unsqueeze(1) - book.unsqueeze(0)) ** 2).sum(2)
            code = distances.argmin(1)
        codes.append(code)
        quantized = book[code]
        partial = partial + quantized.detach()
        commit = commit + ((x - partial) ** 2).sum(1).mul(wn).sum()
        codebook_loss = codebook_loss + ((residual - quantized) ** 2).sum(1).mul(wn).sum()
        residual = residual - quantized.detach()
    commit = commit / D
    ste = x + (partial - x).detach()
    loss = (tensor(inputs["upstream"]) * ste).sum() + inputs["beta"] * commit
    if inputs["update"] == "gradient":
        loss = loss + inputs["codebookWeight"] * codebook_loss
    loss.backward()
    outputs = {
        "codes": torch.stack(codes, 1).tolist(),
        "hierarchy": to_list(ste),
        "commitLoss": float(commit),
        "codebookLoss": float(codebook_loss) if inputs["update"] == "gradient" else None,
        "loss": float(loss),
        "gradX": to_list(x.grad),
    }
    if inputs["update"] == "gradient":
        outputs["gradCodebook"] = [to_list(b.grad) for b in books]
    write_golden(name, __file__, inputs, outputs)
