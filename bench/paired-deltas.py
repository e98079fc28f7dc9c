"""Compares each HMDN variant of an experiment with its plain backbone, seed by seed.

usage: python3 bench/paired-deltas.py RESULTS.json [PREFIX]

Reads the results.json that `hmdnc run` writes and pairs every variant
named PREFIX + NAME (PREFIX defaults to "hmdn_") with the variant NAME.
Runs of a pair that share a seed train on the same batches in the same
order, because the training seed seeds the shuffle. The per-seed
difference therefore cancels the part of the spread that comes from the
batch order. For each pair it prints the
mean and standard deviation (n - 1) of the test AUC difference over the
seeds both ran, how many seeds favour HMDN, and the same mean difference
per scenario. Standard library only.
"""

import json
import statistics
import sys


def spread(values):
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, std


def main():
    path = sys.argv[1]
    prefix = sys.argv[2] if len(sys.argv) > 2 else "hmdn_"
    with open(path, encoding="utf8") as handle:
        data = json.load(handle)
    runs = {}
    for result in data["results"]:
        if result.get("status") == "ok" and result.get("auc") is not None:
            runs[(result["variant"], result["seed"])] = result
    variants = []
    for result in data["results"]:
        if result["variant"] not in variants:
            variants.append(result["variant"])

    print(f"{'pair':28s} {'seeds':>5s} {'plain AUC':>16s} {'delta AUC':>18s} {'wins':>5s}")
    for variant in variants:
        if not variant.startswith(prefix) or variant[len(prefix):] not in variants:
            continue
        plain = variant[len(prefix):]
        seeds = sorted(
            seed for (name, seed) in runs if name == variant and (plain, seed) in runs
        )
        if not seeds:
            continue
        base = [runs[(plain, seed)]["auc"] for seed in seeds]
        deltas = [runs[(variant, seed)]["auc"] - runs[(plain, seed)]["auc"] for seed in seeds]
        base_mean, base_std = spread(base)
        mean, std = spread(deltas)
        wins = sum(delta > 0 for delta in deltas)
        print(
            f"{variant + ' - ' + plain:28s} {len(seeds):5d} "
            f"{base_mean:8.4f} ± {base_std:.4f} {mean:+9.4f} ± {std:.4f} {wins:3d}/{len(seeds)}"
        )
        scenarios = runs[(plain, seeds[0])].get("scenarios") or {}
        cells = []
        for scenario in scenarios:
            pairs = [
                (runs[(variant, seed)]["scenarios"].get(scenario), runs[(plain, seed)]["scenarios"].get(scenario))
                for seed in seeds
            ]
            pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
            if pairs:
                cells.append(f"{scenario} {statistics.fmean(a - b for a, b in pairs):+.4f}")
        if cells:
            print(f"{'':28s} per scenario: {', '.join(cells)}")


if __name__ == "__main__":
    main()
