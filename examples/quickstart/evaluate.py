"""Scores the model on the held-out rows: accuracy, AUC and log loss, as a JSON record."""
import argparse
import csv
import json
import math

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--data", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()

with open(args.model) as f:
    model = json.load(f)
with open(args.data) as f:
    rows = list(csv.reader(f))[1:]
test = [([float(v) for v in r[:-1]], int(r[-1])) for r in rows[model["holdout_from_row"]:]]
scored = []
loss = 0.0
for x, y in test:
    p = 1 / (1 + math.exp(-(sum(w * v for w, v in zip(model["weights"], x)) + model["bias"])))
    scored.append((p, y))
    loss -= y * math.log(max(p, 1e-12)) + (1 - y) * math.log(max(1 - p, 1e-12))
accuracy = sum(1 for p, y in scored if (p > 0.5) == (y == 1)) / len(scored)
positives = [p for p, y in scored if y == 1]
negatives = [p for p, y in scored if y == 0]
# AUC: the probability that a random positive scores above a random negative.
ranked = sorted(scored)
rank_sum = sum(i + 1 for i, (p, y) in enumerate(ranked) if y == 1)
auc = (rank_sum - len(positives) * (len(positives) + 1) / 2) / (len(positives) * len(negatives))
with open(args.out, "w") as f:
    json.dump({"accuracy": accuracy, "auc": auc, "loss": loss / len(test)}, f)
print(f"accuracy {accuracy:.3f} auc {auc:.3f}")
