"""Checks that the synthetic data hides its structure in interactions.

usage: /usr/bin/python3 bench/synth-structure.py FILE.csv

Fits logistic regressions (scikit-learn) on one-hot features of the first
80 % of FILE (written by `hmdnc synth`) and prints the test AUC on the rest
for: main effects only, then the segment pair, then scenario x segment
pair, then that with the item category, then the planted structure
itself (the `true_*` columns).
"""

import csv
import sys

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import OneHotEncoder

with open(sys.argv[1], newline="") as handle:
    rows = list(csv.DictReader(handle))
columns = {name: np.array([row[name] for row in rows]) for name in rows[0]}
labels = columns["is_click"].astype(int)
train = np.arange(len(rows)) < int(len(rows) * 0.8)
test = ~train
log_price = np.log(columns["item_price"].astype(float))[:, None]
group = columns["true_scenario_group"].astype(int)[:, None]


def join(*names):
    out = columns[names[0]]
    for name in names[1:]:
        out = np.char.add(np.char.add(out, "_"), columns[name])
    return out


def report(title, categorical, numeric):
    table = np.stack(categorical, axis=1)
    encoder = OneHotEncoder(handle_unknown="ignore", min_frequency=5)
    x_train = hstack([encoder.fit_transform(table[train]), csr_matrix(numeric[train])])
    x_test = hstack([encoder.transform(table[test]), csr_matrix(numeric[test])])
    model = LogisticRegression(max_iter=2000).fit(x_train, labels[train])
    auc = roc_auc_score(labels[test], model.predict_proba(x_test)[:, 1])
    print(f"{title:48s} test AUC {auc:.4f}")


base = [columns[name] for name in
        ["scenario", "user_seg_a", "user_seg_b", "device", "region", "hour", "item_category"]]
report("main effects", base, log_price)
pair = join("user_seg_a", "user_seg_b")
report("+ user_seg_a x user_seg_b", base + [pair], log_price)
columns["pair"] = pair
report("+ scenario x user_seg_a x user_seg_b", base + [pair, join("scenario", "pair")], log_price)
report(
    "+ scenario x segments x item_category",
    base + [pair, join("scenario", "pair"), join("scenario", "pair", "item_category")],
    log_price,
)
interest = columns["true_interest"].astype(int)
category = np.array([int(value[1:]) for value in columns["item_category"]])
match = ((category == interest % 12) | (category == (interest + 5) % 12)).astype(int)
columns["match"] = match.astype(str)
report(
    "planted structure (true_* columns)",
    base
    + [
        join("true_scenario_group", "true_population"),
        join("true_scenario_group", "match"),
        join("true_scenario_group", "true_population", "item_category"),
    ],
    np.hstack([log_price * (group == 0), log_price * (group == 1)]),
)
