"""Compares each HMDN variant of an experiment with its plain backbone, seed by seed.

usage: python3 bench/paired-deltas.py RESULTS.json [PREFIX]
       python3 bench/paired-deltas.py RESULTS.json --pair VARIANT=BASE [--pair ...]

Reads the results.json that `hmdnc run` writes and pairs every variant
named PREFIX + NAME (PREFIX defaults to "hmdn_") with the variant NAME, or
each VARIANT with its BASE when pairs are given. Runs of a pair that share
a seed train on the same batches in the same order, because the training
seed seeds the shuffle. They also start every weight they share from the
same values, since each weight draws from a stream named after it. The
per-seed difference therefore cancels the part of the
spread that comes from the batch order and the shared initial weights.
For each pair it prints the mean and standard deviation (n - 1) of the
test AUC difference over the seeds both ran, how many seeds favour the
variant, and the same mean difference per scenario. Standard library
only.
"""

import json
import os
import statistics
import sys


def spread(values):
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, std


def fail(message):
    """Prints `message` and the usage line to stderr and exits with 1."""
    usage = __doc__.split("\n\n")[1]
    sys.exit(f"error: {message}\n{usage}")


def pairs_to_compare(arguments, variants):
    """Returns (variant, base) pairs from --pair options, or by the prefix rule."""
    if not any(argument.startswith("--pair") for argument in arguments):
        if len(arguments) > 1:
            fail(f"expected at most one PREFIX, got {' '.join(arguments)}")
        prefix = arguments[0] if arguments else "hmdn_"
        return [
            (variant, variant[len(prefix):])
            for variant in variants
            if variant.startswith(prefix) and variant[len(prefix):] in variants
        ]
    pairs = []
    rest = list(arguments)
    while rest:
        argument = rest.pop(0)
        if argument.startswith("--pair="):
            value = argument[len("--pair="):]
        elif argument == "--pair" and rest:
            value = rest.pop(0)
        else:
            fail(f"expected --pair VARIANT=BASE, got {argument!r}")
        variant, equals, base = value.partition("=")
        if not equals or not variant or not base:
            fail(f"expected --pair VARIANT=BASE, got {value!r}")
        for name in (variant, base):
            if name not in variants:
                fail(f"no variant {name!r} in the results; they are {', '.join(variants)}")
        pairs.append((variant, base))
    return pairs


def main():
    if len(sys.argv) < 2:
        fail("missing RESULTS.json")
    path = sys.argv[1]
    try:
        with open(path, encoding="utf8") as handle:
            data = json.load(handle)
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}")
    except json.JSONDecodeError as error:
        fail(f"{path} is not JSON: {error.msg} at line {error.lineno}")
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        fail(f"{path} has no results list; is it the results.json of hmdnc run?")
    runs = {}
    for result in data["results"]:
        if result.get("status") == "ok" and result.get("auc") is not None:
            runs[(result["variant"], result["seed"])] = result
    variants = []
    for result in data["results"]:
        if result["variant"] not in variants:
            variants.append(result["variant"])
    pairs = pairs_to_compare(sys.argv[2:], variants)
    if not pairs:
        fail("no pairs to compare: no variant is named PREFIX + another; pass --pair VARIANT=BASE")

    print(f"{'pair':40s} {'seeds':>5s} {'plain AUC':>16s} {'delta AUC':>18s} {'wins':>5s}")
    for variant, plain in pairs:
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
            f"{variant + ' - ' + plain:40s} {len(seeds):5d} "
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
            print(f"{'':40s} per scenario: {', '.join(cells)}")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        # The reader closed the pipe (`| head`): drop the rest of the output.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
