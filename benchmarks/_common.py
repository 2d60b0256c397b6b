"""Helpers shared by the benchmark scripts: machine, output, MNIST, time-limited fits."""

from __future__ import annotations

import gzip
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def package_commit():
    """Return the commit of the checkout measured, "+dirty" if sklearn_aae/ has edits."""

    def git(*args):
        root = Path(__file__).resolve().parent.parent
        try:
            return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True).stdout
        except OSError:  # no git on this machine
            return ""

    commit = git("rev-parse", "--short", "HEAD").strip() or None
    if commit and git("status", "--porcelain", "--", "sklearn_aae").strip():
        commit += "+dirty"
    return commit


def fit_within(model, fit, max_minutes, epochs_per_fit):
    """Call ``fit()`` for the model's ``max_iter`` epochs, or until ``max_minutes``.

    Without a time limit, one call. With one, warm-started calls of ``epochs_per_fit``
    epochs each (each continues the training where the last stopped) until the epochs
    are done or a call ends past the limit.
    """
    if max_minutes is None:
        fit()
        return
    epochs = model.max_iter
    model.set_params(warm_start=True)
    start = time.perf_counter()
    while time.perf_counter() - start < 60 * max_minutes:
        model.set_params(max_iter=min(epochs_per_fit, epochs - getattr(model, "n_iter_", 0)))
        fit()
        if model.n_iter_ >= epochs:
            break


def machine_info(device="cpu"):
    """The machine, device and library versions a benchmark ran on."""
    import sklearn
    import skorch
    import torch

    info = {
        "machine": platform.node(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": str(device),
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
        "skorch": skorch.__version__,
        "numpy": np.__version__,
        "sklearn_aae_commit": package_commit(),
    }
    if str(device).startswith("cuda") and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name()
    return info


def print_header(info):
    print("# " + json.dumps({"machine_info": info}))
    print(
        f"# machine={info['machine']} cpus={info['cpu_count']} "
        f"torch_threads={info['torch_threads']} device={info['device']}"
        + (f" gpu={info['gpu']}" if "gpu" in info else "")
    )


def emit(record):
    """One JSON line per result, machine-readable."""
    print(json.dumps(record), flush=True)


def print_table(rows, columns):
    if not rows:
        return
    widths = [max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(_fmt(r.get(c)).ljust(w) for c, w in zip(columns, widths, strict=True)))


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.4f}"
    return "" if v is None else str(v)


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[:4], "big")
    if magic == 2051:
        n, rows, cols = (int.from_bytes(data[i : i + 4], "big") for i in (4, 8, 12))
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows * cols)
    if magic == 2049:
        return np.frombuffer(data, dtype=np.uint8, offset=8)
    raise ValueError(f"{path} is not an idx file (magic {magic}).")


def mnist_dir(arg=None):
    """The MNIST folder: an argument, $SKLEARN_AAE_MNIST, or ../shared/data/mnist."""
    candidates = [arg, os.environ.get("SKLEARN_AAE_MNIST")]
    here = Path(__file__).resolve().parent.parent
    candidates += [here.parent / "shared" / "data" / "mnist"]
    for c in candidates:
        if c and (Path(c) / "train-images-idx3-ubyte.gz").exists():
            return Path(c)
    raise FileNotFoundError(
        "MNIST idx files not found: pass --mnist DIR or set SKLEARN_AAE_MNIST to the "
        "folder holding train-images-idx3-ubyte.gz (nothing is downloaded)."
    )


def load_mnist(folder=None):
    """MNIST as float32 in [0, 1]: (X_train, y_train, X_test, y_test)."""
    d = mnist_dir(folder)
    X_train = _read_idx(d / "train-images-idx3-ubyte.gz").astype(np.float32) / 255
    y_train = _read_idx(d / "train-labels-idx1-ubyte.gz").astype(np.int64)
    X_test = _read_idx(d / "t10k-images-idx3-ubyte.gz").astype(np.float32) / 255
    y_test = _read_idx(d / "t10k-labels-idx1-ubyte.gz").astype(np.int64)
    return X_train, y_train, X_test, y_test
