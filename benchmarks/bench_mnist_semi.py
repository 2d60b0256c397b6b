"""The paper's MNIST tables: semi-supervised error (Table 2) and clustering error (Table 3).

- ``semi100`` / ``semi1000``: ``AAEClassifier`` trained on the training rows with 100 (or
  1000) labels, 10 % of them per class, the rest -1; error on the 10k test set. Paper:
  1.90 % ± 0.10 (100 labels), 1.60 % ± 0.08 (1000 labels).
- ``cluster16``: ``AAEClusterer(n_clusters=16)`` trained without labels; every cluster k
  takes the label of the training example x that maximises q(y=k|x) (the paper's rule,
  §6), and the error is that of the test set's clusters. Paper: 9.55 % ± 2.05. The error
  with the majority rule (every cluster takes the majority label of its training members)
  is printed too.

Presets (``PRESETS`` below): ``cpu`` is a short run on a subset of the training set that
finishes in under ~20 minutes on 2 cores; ``gpu`` is paper-like (all 60k rows, 2x1000
networks, 2x3000 for clustering, batch 100, many epochs, ``device="cuda"``). Prints the
machine, the settings, one JSON line per result and a table with the paper's figure next
to each error. MNIST is read from ``--mnist DIR``, ``$SKLEARN_AAE_MNIST`` or
``../shared/data/mnist`` (nothing is downloaded).

``--max-minutes M`` bounds each experiment's training: it then trains in warm-started
steps of ``--epochs-per-fit`` epochs (continuing the same training) until the preset's
epochs are done or the first step that ends past M minutes, and reports the epochs
reached; a GPU lease of 15 minutes can then give one experiment's figure.

    OMP_NUM_THREADS=1 python benchmarks/bench_mnist_semi.py --preset cpu
    python benchmarks/bench_mnist_semi.py --preset gpu [--experiments semi100] [--seeds 0 1]
    python benchmarks/bench_mnist_semi.py --preset gpu --experiments semi100 --max-minutes 8
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from _common import emit, fit_within, load_mnist, machine_info, print_header, print_table
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_aae import AAEClassifier, AAEClusterer

#: The paper's figures (Makhzani et al. 2015, Tables 2 and 3): test error in %, ± std.
PAPER = {"semi100": (1.90, 0.10), "semi1000": (1.60, 0.08), "cluster16": (9.55, 2.05)}

#: n_train: training rows used (a seeded random subset when below 60000); scaling: "unit"
#: (pixels / 255, Bernoulli decoder with binary cross-entropy) or "standard"
#: (StandardScaler, squared error); the rest are estimator parameters, per experiment.
PRESETS = {
    "cpu": {
        "n_train": 20_000,
        "scaling": "unit",
        "device": "cpu",
        "semi": {"hidden_layer_sizes": (256, 256), "batch_size": 100, "max_iter": 40},
        "cluster": {"hidden_layer_sizes": (256, 256), "batch_size": 100, "max_iter": 40},
    },
    "gpu": {
        "n_train": 60_000,
        "scaling": "unit",
        "device": "cuda",
        "semi": {
            "hidden_layer_sizes": (1000, 1000),
            "batch_size": 100,
            "max_iter": 500,
            "cuda_graphs": True,
        },
        "cluster": {
            "hidden_layer_sizes": (3000, 3000),
            "batch_size": 100,
            "max_iter": 500,
            "cuda_graphs": True,
        },
    },
}

EXPERIMENTS = {"semi100": 100, "semi1000": 1000, "cluster16": 16}


def confident_labels(y, confidence):
    """Label of every cluster k: that of the example maximising ``confidence[:, k]``."""
    return y[np.argmax(confidence, axis=0)]


def majority_labels(y, clusters, n_clusters):
    """Label of every cluster: the majority label of its members (-1 when empty)."""
    out = np.full(n_clusters, -1)
    for k in np.unique(clusters):
        out[k] = np.bincount(y[clusters == k]).argmax()
    return out


def prepare(preset, seed, folder):
    X_train, y_train, X_test, y_test = load_mnist(folder)
    if preset["n_train"] < X_train.shape[0]:
        keep, _ = train_test_split(
            np.arange(y_train.shape[0]),
            train_size=preset["n_train"],
            stratify=y_train,
            random_state=seed,
        )
        X_train, y_train = X_train[keep], y_train[keep]
    if preset["scaling"] == "standard":
        scaler = StandardScaler().fit(X_train)
        X_train = scaler.transform(X_train).astype(np.float32)
        X_test = scaler.transform(X_test).astype(np.float32)
    return X_train, y_train, X_test, y_test


def run(experiment, preset, seed, data, device, max_minutes=None, epochs_per_fit=10):
    X_train, y_train, X_test, y_test = data
    loss = "binary_crossentropy" if preset["scaling"] == "unit" else "squared_error"
    common = {"reconstruction_loss": loss, "device": device, "random_state": seed}
    if experiment.startswith("semi"):
        n_labels = EXPERIMENTS[experiment]
        labelled, _ = train_test_split(
            np.arange(y_train.shape[0]), train_size=n_labels, stratify=y_train, random_state=seed
        )
        y_partial = np.full_like(y_train, -1)
        y_partial[labelled] = y_train[labelled]
        params = {**preset["semi"], **common}
        model = AAEClassifier(**params)
        t0 = time.perf_counter()
        fit_within(model, lambda: model.fit(X_train, y_partial), max_minutes, epochs_per_fit)
        seconds = time.perf_counter() - t0
        error = 100 * (1 - model.score(X_test, y_test))
        extra = {"n_labels": n_labels}
    else:
        n_clusters = EXPERIMENTS[experiment]
        params = {**preset["cluster"], **common, "n_clusters": n_clusters}
        model = AAEClusterer(**params)
        t0 = time.perf_counter()
        fit_within(model, lambda: model.fit(X_train), max_minutes, epochs_per_fit)
        seconds = time.perf_counter() - t0
        test_clusters = model.predict(X_test)
        paper_rule = confident_labels(y_train, model.predict_proba(X_train))
        majority = majority_labels(y_train, model.labels_, n_clusters)
        error = 100 * np.mean(paper_rule[test_clusters] != y_test)
        extra = {
            "error_majority_pct": 100 * float(np.mean(majority[test_clusters] != y_test)),
            "clusters_used": int(np.unique(model.labels_).shape[0]),
        }
    paper, paper_std = PAPER[experiment]
    return {
        "bench": "mnist_paper_tables",
        "experiment": experiment,
        "seed": seed,
        "error_pct": float(error),
        "paper_error_pct": f"{paper:.2f} ± {paper_std:.2f}",
        **extra,
        "n_train": int(X_train.shape[0]),
        "scaling": preset["scaling"],
        "device": str(model.device_),
        "epochs": int(model.n_iter_),
        "max_minutes": max_minutes,
        "fit_seconds": seconds,
        "params": {k: v for k, v in params.items() if k not in ("device", "random_state")},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument(
        "--experiments", nargs="+", choices=list(EXPERIMENTS), default=list(EXPERIMENTS)
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--mnist", default=None, help="folder of the MNIST idx .gz files")
    parser.add_argument(
        "--preset-override",
        type=json.loads,
        default={},
        help="JSON object merged into the preset, e.g. '{\"n_train\": 60000}'",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument(
        "--max-minutes", type=float, default=None, help="training time limit per experiment"
    )
    parser.add_argument(
        "--epochs-per-fit", type=int, default=10, help="warm-start step under --max-minutes"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    preset = {**PRESETS[args.preset]}
    for key, value in args.preset_override.items():
        preset[key] = {**preset[key], **value} if isinstance(value, dict) else value
    device = preset["device"]
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit(f"--preset {args.preset} needs CUDA, which this machine does not have.")

    print_header(machine_info(device))
    print("# " + json.dumps({"preset": args.preset, **preset}))
    t_start = time.perf_counter()
    rows = []
    for seed in args.seeds:
        data = prepare(preset, seed, args.mnist)
        for experiment in args.experiments:
            row = run(experiment, preset, seed, data, device, args.max_minutes, args.epochs_per_fit)
            emit(row)
            rows.append(row)
    print()
    columns = ["experiment", "seed", "error_pct", "paper_error_pct", "n_train", "scaling"]
    columns += ["device", "epochs", "fit_seconds"]
    print_table(rows, columns)
    if len(args.seeds) > 1:
        print()
        for experiment in args.experiments:
            errors = [r["error_pct"] for r in rows if r["experiment"] == experiment]
            print(f"{experiment}: {np.mean(errors):.2f} ± {np.std(errors):.2f} % over seeds")
    print(f"\n# total wall time: {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
