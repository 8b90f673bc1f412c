"""Generates a synthetic binary classification set as CSV (standard library only)."""
import argparse
import csv
import math
import random

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--rows", type=int, default=2000)
parser.add_argument("--features", type=int, default=5)
parser.add_argument("--seed", type=int, default=7)
args = parser.parse_args()

rng = random.Random(args.seed)
weights = [rng.uniform(-2, 2) for _ in range(args.features)]
with open(args.out, "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow([f"x{i}" for i in range(args.features)] + ["label"])
    for _ in range(args.rows):
        x = [rng.gauss(0, 1) for _ in range(args.features)]
        z = sum(w * v for w, v in zip(weights, x)) + rng.gauss(0, 1.0)
        label = 1 if 1 / (1 + math.exp(-z)) > 0.5 else 0
        writer.writerow([f"{v:.6f}" for v in x] + [label])
print(f"wrote {args.rows} rows to {args.out}")
