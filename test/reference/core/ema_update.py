"""Reference for the EMA codebook update of a shared codebook with
dead-code resets.

Per level d the counts n_d = sum_i mask_i onehot(c_d,i) and the sums
sum_d sum_i mask_i onehot(c_d,i) r_{d-1,i} enter moving averages with
`decay`; the codebook is ema_sum / smoothed count, where the smoothed count
is (N_k + eps) / (sum N + K eps) * sum N (Laplace smoothing). A code whose
summed moving count is below `threshold` is replaced by the residual row
resetRows[k] of the level-major stacked residuals, and its count set to
max(sum N / K, threshold), split evenly over the levels."""

import torch

from common import read_inputs, tensor, to_list, write_golden

NAME = "ema_update"
inputs = read_inputs(NAME)
D, K = inputs["levels"], inputs["codebookSize"]
decay, eps, threshold = inputs["decay"], inputs["epsilon"], inputs["threshold"]
x = tensor(inputs["x"])
book = tensor(inputs["codebook"])
ema_count = tensor(inputs["emaCount"])
ema_sum = tensor(inputs["emaSum"])
mask = tensor(inputs["mask"])

residual = x
residuals, onehots = [], []
for d in range(D):
    code = ((residual.unsqueeze(1) - book.unsqueeze(0)) ** 2).sum(2).argmin(1)
    onehot = torch.nn.functional.one_hot(code, K).to(x.dtype)
    residuals.append(residual)
    onehots.append(onehot)
    residual = residual - book[code]

stacked_r = torch.cat(residuals)
stacked_h = torch.cat(onehots) * mask.repeat(D).unsqueeze(1)
batch_counts = stacked_h.reshape(D, -1, K).sum(1)
ema_count = decay * ema_count + (1 - decay) * batch_counts
ema_sum = decay * ema_sum + (1 - decay) * stacked_h.t() @ stacked_r
count = ema_count.sum(0)
total = count.sum()
smoothed = (count + eps) / (total + K * eps) * total
book = ema_sum / smoothed.unsqueeze(1)

dead = count < threshold
fresh = max(float(total) / K, threshold)
replacement = stacked_r[torch.tensor(inputs["resetRows"])]
book = torch.where(dead.unsqueeze(1), replacement, book)
ema_sum = torch.where(dead.unsqueeze(1), replacement * fresh, ema_sum)
ema_count = torch.where(dead.unsqueeze(0), torch.full_like(ema_count, fresh / D), ema_count)

write_golden(NAME, __file__, inputs, {
    "codebook": to_list(book),
    "emaCount": to_list(ema_count),
    "emaSum": to_list(ema_sum),
    "windowCounts": to_list(batch_counts),
    "resets": int(dead.sum()),
})
