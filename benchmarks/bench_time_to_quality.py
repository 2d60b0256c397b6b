"""Accuracy against wall-clock time: AAETransformer's defaults, candidate settings, umap-learn.

For each reducer, in one process, with one torch / numba thread (``OMP_NUM_THREADS=1
NUMBA_NUM_THREADS=1``), umap-learn unsupervised as AAETransformer is (a Pipeline would
pass ``y`` to umap-learn's ``fit`` and make its map supervised), both timed after a
warm-up call (umap-learn's first call compiles numba kernels, torch's first fit loads its
kernels), fits alternating in rounds:

- digits: the wall time of one fit on all 1797 standardized digits, and the 5-fold
  stratified CV accuracy (shuffled, ``random_state=0``) of
  ``StandardScaler -> reducer -> SVC()``;
- MNIST (``--mnist DIR``): fit on 10 000 training images (standardized), accuracy of the
  SVC on the official test set, and the fit's wall time.

Candidates are named settings on top of the defaults (``CANDIDATES`` below); ``--only``
picks some (given no names, only the added ones) and ``--candidate NAME=JSON`` adds one,
e.g. ``--candidate 'noise 0.1={"input_noise": 0.1}'`` (the name ends at the first
``=``). Prints the machine, one JSON line per fit and a table (median time over the
rounds, accuracy, the ratio of the time to umap-learn's).

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/bench_time_to_quality.py
    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/bench_time_to_quality.py \\
        --data mnist --mnist DIR --components 8
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings

import numpy as np
import torch
from _common import (
    UnsupervisedUMAP,
    emit,
    load_mnist,
    machine_info,
    print_header,
    print_table,
)
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_aae import AAETransformer

#: Settings compared with the defaults (each on top of them).
CANDIDATES = {
    "defaults": {},
    "neighbor_weight=1": {"neighbor_weight": 1.0},
    # the paper's two encoder steps per mini-batch (the default until this version; with
    # the graph term the default still), and the one joint step with the graph term
    "alternating": {"adversarial_update": "alternating"},
    "joint, neighbor_weight=1": {"adversarial_update": "joint", "neighbor_weight": 1.0},
    # the defaults before the version before: batch 128, a discriminator as wide as the
    # encoder, the R1 penalty at every step, every epoch of max_iter
    "previous defaults": {
        "adversarial_update": "alternating",
        "batch_size": 128,
        "learning_rate": 1e-3,
        "discriminator_learning_rate": 5e-4,
        "discriminator_hidden_layer_sizes": None,
        "gradient_penalty_interval": 1,
        "n_iter_no_change": 10_000,
    },
}


def make_reducer(name, k, seed):
    if name == "umap-learn":
        # unsupervised: a Pipeline would pass y to umap-learn's fit (a supervised map)
        return UnsupervisedUMAP(n_components=k, random_state=seed)
    return AAETransformer(n_components=k, random_state=seed, **CANDIDATES[name])


def _row(data, name, k, seed, fit_s, accuracy, reducer):
    return {
        "data": data,
        "reducer": name,
        "n_components": k,
        "seed": seed,
        "fit_s": fit_s,
        "accuracy": float(accuracy),
        "epochs": getattr(reducer, "n_iter_", None),
    }


def digits_round(names, k, seed):
    X, y = load_digits(return_X_y=True)
    Xs = StandardScaler().fit_transform(X)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    for name in names:
        reducer = make_reducer(name, k, seed)
        start = time.perf_counter()
        reducer.fit(Xs)
        fit_s = time.perf_counter() - start
        pipe = make_pipeline(StandardScaler(), make_reducer(name, k, seed), SVC())
        accuracy = cross_val_score(pipe, X, y, cv=cv).mean()
        yield _row("digits", name, k, seed, fit_s, accuracy, reducer)


def mnist_round(names, k, seed, folder, n_train):
    X_train, y_train, X_test, y_test = load_mnist(folder)
    idx = np.random.RandomState(0).choice(len(X_train), n_train, replace=False)
    X_train, y_train = X_train[idx], y_train[idx]
    for name in names:
        reducer = make_reducer(name, k, seed)
        pipe = make_pipeline(StandardScaler(), reducer, SVC())
        start = time.perf_counter()
        Z_train = pipe[:2].fit_transform(X_train)  # as Pipeline.fit does; timed alone
        fit_s = time.perf_counter() - start
        pipe[2].fit(Z_train, y_train)
        accuracy = pipe.score(X_test, y_test)
        yield _row(f"mnist-{n_train // 1000}k", name, k, seed, fit_s, accuracy, reducer)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["digits", "mnist"], default="digits")
    parser.add_argument("--mnist", default=None, help="MNIST folder (with --data mnist)")
    parser.add_argument("--mnist-train", type=int, default=10_000)
    parser.add_argument("--components", type=int, nargs="+", default=[2, 8])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--rounds", type=int, default=1, help="rounds per seed")
    parser.add_argument(
        "--only", nargs="*", default=None, help="candidate names (none: only --candidate's)"
    )
    parser.add_argument(
        "--candidate",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="a further candidate: its name, '=', its parameters as a JSON object",
    )
    parser.add_argument("--no-umap", action="store_true")
    args = parser.parse_args(argv)
    added = []
    for spec in args.candidate:
        name, sep, params = spec.partition("=")
        if not sep or not name:
            parser.error(f"--candidate takes NAME=JSON, got {spec!r}")
        CANDIDATES[name] = json.loads(params)
        added.append(name)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print_header(machine_info("cpu"))
    names = list(dict.fromkeys(args.only + added)) if args.only is not None else list(CANDIDATES)
    # A first fit in a process pays one-off costs (torch's kernels, first allocations):
    # warm up as umap-learn is, so that neither is timed cold.
    warm_up = np.random.RandomState(0).rand(300, 8)
    AAETransformer(2, max_iter=2, neighbor_weight=1.0, random_state=0).fit(warm_up)
    if not args.no_umap:
        try:
            import umap

            umap.UMAP(n_components=2, random_state=0).fit(np.random.RandomState(0).rand(300, 8))
            names.append("umap-learn")
        except ImportError:
            print("# umap-learn is not installed: its rows are left out")

    rows = []
    for k in args.components:
        for seed in args.seeds:
            for _ in range(args.rounds):
                if args.data == "digits":
                    results = digits_round(names, k, seed)
                else:
                    results = mnist_round(names, k, seed, args.mnist, args.mnist_train)
                for row in results:
                    emit({"bench": "time_to_quality", **row})
                    rows.append(row)

    table = []
    for k in args.components:
        per_name = {}
        for name in names:
            mine = [r for r in rows if r["reducer"] == name and r["n_components"] == k]
            per_name[name] = (
                statistics.median(r["fit_s"] for r in mine),
                float(np.mean([r["accuracy"] for r in mine])),
                mine[-1]["epochs"],
            )
        umap_s = per_name.get("umap-learn", (None,))[0]
        for name, (fit_s, accuracy, epochs) in per_name.items():
            table.append(
                {
                    "data": rows[0]["data"],
                    "n_components": k,
                    "reducer": name,
                    "fit_s": fit_s,
                    "ratio_to_umap": fit_s / umap_s if umap_s else None,
                    "accuracy": accuracy,
                    "epochs": epochs,
                }
            )
    print()
    print_table(
        table, ["data", "n_components", "reducer", "fit_s", "ratio_to_umap", "accuracy", "epochs"]
    )


if __name__ == "__main__":
    main()
