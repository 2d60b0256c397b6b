"""Sweep AAETransformer hyper-parameters on digits: SVC accuracy, MMD² to the prior, fit time.

For each configuration (a JSON dict of constructor parameters, on top of the current
defaults), each number of components and each seed: the mean accuracy of
``Pipeline([StandardScaler(), AAETransformer(n_components=k, random_state=seed, **cfg),
SVC()])`` under ``StratifiedKFold(folds, shuffle=True, random_state=0)``, the MMD² between
each fold's training codes and as many prior draws, and the mean fit time per fold. With
``--full-fit``, also one fit on all 1797 standardized digits: its time and the MMD² of
its codes against as many prior draws (as ``bench_quality.py`` measures it).

    python benchmarks/tune_defaults.py --config base='{}' \
        --config small='{"hidden_layer_sizes": [128, 128]}' --components 2 --folds 3
    python benchmarks/tune_defaults.py --config X='{...}' --components 2 8 --seeds 0 1 2 \
        --folds 5 --full-fit
    python benchmarks/tune_defaults.py --config X='{...}' --time-only --threads 2 --repeats 3

Prints the machine and one JSON line per (configuration, components, seed).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from _common import emit, machine_info, print_header
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler
from sklearn.svm import SVC

from sklearn_aae import AAETransformer, prior_fit_score


def _config(text):
    name, _, spec = text.partition("=")
    params = json.loads(spec) if spec else {}
    for key in ("hidden_layer_sizes", "discriminator_hidden_layer_sizes"):
        if isinstance(params.get(key), list):
            params[key] = tuple(params[key])
    return name, params


def _scaler(kind):
    """The pipeline's scaling step: the protocol's StandardScaler, or a diagnostic one."""
    if kind == "minmax":
        return MinMaxScaler()
    if kind == "clip3":  # standardize, then clip the rare-pixel outliers (up to 42 std)
        return Pipeline(
            [
                ("std", StandardScaler()),
                ("clip", FunctionTransformer(np.clip, kw_args={"a_min": -3, "a_max": 3})),
            ]
        )
    return StandardScaler()


def cross_validate(X, y, k, seed, params, folds, threads, scaler="standard"):
    cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    scores, fit_s, mmds = [], [], []
    for train, test in cv.split(X, y):
        aae = AAETransformer(n_components=k, random_state=seed, n_jobs=threads, **params)
        pipe = Pipeline([("scale", _scaler(scaler)), ("reduce", aae), ("clf", SVC())])
        t0 = time.perf_counter()
        pipe.fit(X[train], y[train])
        fit_s.append(time.perf_counter() - t0)
        scores.append(pipe.score(X[test], y[test]))
        # MMD² of the training codes against as many prior draws (seeded as before)
        mmds.append(-prior_fit_score(pipe, X[train], random_state=1))
    return scores, fit_s, mmds


def full_fit(X, k, seed, params, threads):
    Xs = StandardScaler().fit_transform(X)
    aae = AAETransformer(n_components=k, random_state=seed, n_jobs=threads, **params)
    t0 = time.perf_counter()
    aae.fit(Xs)
    elapsed = time.perf_counter() - t0
    mmd2 = -prior_fit_score(aae, Xs, random_state=1)
    return elapsed, mmd2, float(aae.discriminator_accuracy_curve_[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config",
        type=_config,
        action="append",
        required=True,
        help="NAME=JSON of AAETransformer parameters (repeatable)",
    )
    parser.add_argument("--components", type=int, nargs="+", default=[2])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (n_jobs)")
    parser.add_argument("--full-fit", action="store_true", help="also time a fit on all digits")
    parser.add_argument("--time-only", action="store_true", help="only the full fit, no CV")
    parser.add_argument(
        "--scaler",
        choices=["standard", "minmax", "clip3"],
        default="standard",
        help="scaling step of the CV pipeline (diagnostics; the protocol is 'standard')",
    )
    parser.add_argument("--repeats", type=int, default=1, help="full fits per configuration")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    X, y = load_digits(return_X_y=True)
    print_header(machine_info("cpu"))
    for name, params in args.config:
        for k in args.components:
            for seed in args.seeds:
                row = {
                    "bench": "tune_defaults",
                    "config": name,
                    "params": {
                        p: list(v) if isinstance(v, tuple) else v for p, v in params.items()
                    },
                    "n_components": k,
                    "seed": seed,
                    "threads": args.threads,
                }
                if not args.time_only:
                    scores, fit_s, mmds = cross_validate(
                        X, y, k, seed, params, args.folds, args.threads, args.scaler
                    )
                    row.update(
                        folds=args.folds,
                        scaler=args.scaler,
                        accuracy=float(np.mean(scores)),
                        std=float(np.std(scores)),
                        fold_scores=[round(float(v), 4) for v in scores],
                        fold_fit_s=float(np.mean(fit_s)),
                        fold_mmd2=float(np.mean(mmds)),
                    )
                if args.full_fit or args.time_only:
                    times = []
                    for _ in range(args.repeats):
                        t, mmd2, d_acc = full_fit(X, k, seed, params, args.threads)
                        times.append(t)
                    row.update(
                        full_fit_s=float(np.min(times)),
                        full_fit_all_s=[round(t, 3) for t in times],
                        full_mmd2=mmd2,
                        final_d_acc=d_acc,
                    )
                emit(row)


if __name__ == "__main__":
    main()
