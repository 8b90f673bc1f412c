"""mlp: the step contract for Python steps (docs/step-contract.md), with no dependencies.

The runtime puts this module on PYTHONPATH for every step, so a step can write:

    import mlp
    data = mlp.input("data")                  # an input: a path for artifacts, else its value
    for epoch in range(10):
        mlp.log_metric("loss", loss, step=epoch)   # streamed to the tracking store as it runs
    mlp.write_output("metrics", {"auc": 0.93})     # a record output, as JSON
    path = mlp.output_path("model")                # where an artifact output goes

Outside mlpc (a script run by hand) metrics go nowhere and outputs need MLP_OUT_<NAME> set.
"""
import json
import os
import time

__all__ = ["input", "output_path", "write_output", "log_metric", "log_metrics", "run_id", "attempt"]


def _suffix(name):
    return "".join(c.upper() if c.isascii() and c.isalnum() else "_" for c in name)


def input(name, default=None):
    """The value of input NAME: a path for artifacts, JSON-decoded for lists and records."""
    key = "MLP_IN_" + _suffix(name)
    raw = os.environ.get(key)
    if raw is None and key + "_FILE" in os.environ:
        # too long for the environment: the runtime left it in a file
        with open(os.environ[key + "_FILE"], encoding="utf-8") as f:
            raw = f.read()
    if raw is None:
        return default
    if raw[:1] in "[{":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def output_path(name):
    """Where output NAME must be written (a file or a folder for artifacts, a .json file for values)."""
    key = "MLP_OUT_" + _suffix(name)
    if key not in os.environ:
        raise KeyError(f"output '{name}' is not declared by this step ({key} is not set)")
    return os.environ[key]


def write_output(name, value):
    """Writes a value output (record, list or scalar) as JSON, atomically."""
    path = output_path(name)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f)
    os.replace(tmp, path)


def log_metric(name, value, step=None):
    """Appends one metric point; mlpc streams it into the tracking store while the step runs."""
    path = os.environ.get("MLP_METRICS_FILE")
    if not path:
        return
    point = {"name": name, "value": float(value), "time": time.time()}
    if step is not None:
        point["step"] = int(step)
    with open(path, "a") as f:
        f.write(json.dumps(point) + "\n")


def log_metrics(values, step=None):
    """Logs several metrics at once: log_metrics({"loss": 0.3, "acc": 0.9}, step=4)."""
    for name, value in values.items():
        log_metric(name, value, step)


def run_id():
    return os.environ.get("MLP_RUN_ID")


def attempt():
    return int(os.environ.get("MLP_ATTEMPT", "1"))
