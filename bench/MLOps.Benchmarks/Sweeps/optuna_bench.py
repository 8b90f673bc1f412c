#!/usr/bin/python3
"""Optuna 3.1 side of the sweep benchmarks (bench/MLOps.Benchmarks/Sweeps).

quality: best value after 50 and 100 trials on Branin and Hartmann6 for TPE and random, seeds FIRST..FIRST+N-1
(FIRST defaults to 0), and with multivariate TPE when asked.
latency: time of study.ask() with the same search space after 100, 500, 1000 finished trials.
Prints one JSON object per line; the C# harness reads them.
"""
import json
import math
import statistics
import sys
import time
import warnings

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial

optuna.logging.set_verbosity(optuna.logging.WARNING)

A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def branin(x):
    a, b, c, r, s, t = 1, 5.1 / (4 * math.pi ** 2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return a * (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * math.cos(x[0]) + s


def hartmann6(x):
    x = np.asarray(x)
    return float(-np.sum(ALPHA * np.exp(-np.sum(A * (x - P) ** 2, axis=1))))


FUNCTIONS = {
    "branin": (branin, {"x1": FloatDistribution(-5, 10), "x2": FloatDistribution(0, 15)}),
    "hartmann6": (hartmann6, {f"x{i}": FloatDistribution(0, 1) for i in range(6)}),
}


def sampler(name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe-mv":
        # multivariate is experimental in 3.1; the warning would only clutter the benchmark's output.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    return optuna.samplers.RandomSampler(seed=seed)


def quality(seeds, trials, first, samplers):
    for fname, (f, space) in FUNCTIONS.items():
        for sname in samplers:
            for seed in range(first, first + seeds):
                study = optuna.create_study(sampler=sampler(sname, seed))
                best = math.inf
                bests = {}
                for n in range(1, max(trials) + 1):
                    t = study.ask(space)
                    v = f([t.params[k] for k in space])
                    study.tell(t, v)
                    best = min(best, v)
                    if n in trials:
                        bests[n] = best
                for n, b in bests.items():
                    print(json.dumps({"kind": "quality", "function": fname, "sampler": "optuna-" + sname, "seed": seed, "trials": n, "best": b}), flush=True)


def latency(sizes, asks):
    rng = np.random.RandomState(0)
    for fname, (f, space) in FUNCTIONS.items():
        for size in sizes:
            study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
            for _ in range(size):
                params = {k: float(rng.uniform(d.low, d.high)) for k, d in space.items()}
                study.add_trial(create_trial(params=params, distributions=space, value=f([params[k] for k in space])))
            times = []
            cpu = 0.0
            for _ in range(asks):
                start = time.perf_counter()
                cpu_start = time.process_time()
                t = study.ask(space)
                cpu += time.process_time() - cpu_start
                times.append(time.perf_counter() - start)
                study.tell(t, state=TrialState.FAIL)  # failed trials are ignored by TPE: the history stays `size`
            print(json.dumps({"kind": "latency", "function": fname, "sampler": "optuna-tpe", "finished": size,
                              "median_ms": statistics.median(times) * 1000, "min_ms": min(times) * 1000,
                              "cpu_ms": cpu / asks * 1000}), flush=True)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "quality":
        first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
        samplers = sys.argv[5].split(",") if len(sys.argv) > 5 else ["tpe", "random"]
        quality(int(sys.argv[2]), [int(x) for x in sys.argv[3].split(",")], first, samplers)
    elif mode == "latency":
        latency([int(x) for x in sys.argv[2].split(",")], int(sys.argv[3]))
    else:
        sys.exit("usage: optuna_bench.py quality SEEDS 50,100 [FIRST_SEED [tpe,random,tpe-mv]] | latency 100,500,1000 ASKS")
