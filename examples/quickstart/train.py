"""Trains logistic regression by batch gradient descent (standard library only)."""
import argparse
import csv
import json
import math
import os

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--epochs", type=int, default=50)
parser.add_argument("--out", required=True)
args = parser.parse_args()

with open(args.data) as f:
    rows = list(csv.reader(f))[1:]
split = int(len(rows) * 0.8)
train = [([float(v) for v in r[:-1]], int(r[-1])) for r in rows[:split]]
n_features = len(train[0][0])
w = [0.0] * n_features
b = 0.0
metrics_file = os.environ.get("MLP_METRICS_FILE")
for epoch in range(1, args.epochs + 1):
    gw = [0.0] * n_features
    gb = 0.0
    loss = 0.0
    for x, y in train:
        p = 1 / (1 + math.exp(-(sum(wi * xi for wi, xi in zip(w, x)) + b)))
        loss -= y * math.log(max(p, 1e-12)) + (1 - y) * math.log(max(1 - p, 1e-12))
        for i in range(n_features):
            gw[i] += (p - y) * x[i]
        gb += p - y
    w = [wi - args.lr * g / len(train) for wi, g in zip(w, gw)]
    b -= args.lr * gb / len(train)
    if metrics_file:
        with open(metrics_file, "a") as m:
            m.write(json.dumps({"name": "train_loss", "value": loss / len(train), "step": epoch}) + "\n")
with open(args.out, "w") as f:
    json.dump({"weights": w, "bias": b, "holdout_from_row": split}, f)
print(f"trained {args.epochs} epochs, final loss {loss / len(train):.4f}")
