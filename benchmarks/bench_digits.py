"""Downstream accuracy on scikit-learn digits: StandardScaler -> reducer -> SVC().

5-fold stratified CV (shuffled, random_state=0) with 2 and 8 components, for
AAETransformer with its defaults (only n_components and random_state set) and PCA, in
the same run. Prints the machine, a table and one JSON line per result.

    python benchmarks/bench_digits.py [--components 2 8] [--seeds 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _common import emit, machine_info, print_header, print_table
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_aae import AAETransformer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, nargs="+", default=[2, 8])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--n-jobs", type=int, default=1, help="CV folds in parallel")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    X, y = load_digits(return_X_y=True)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    print_header(machine_info("cuda" if torch.cuda.is_available() else "cpu"))
    rows = []
    for k in args.components:
        for name, make in (("PCA", PCA), ("AAETransformer", AAETransformer)):
            for seed in args.seeds if name == "AAETransformer" else args.seeds[:1]:
                reducer = make(n_components=k, random_state=seed)
                pipe = Pipeline([("scale", StandardScaler()), ("reduce", reducer), ("clf", SVC())])
                t0 = time.perf_counter()
                scores = cross_val_score(pipe, X, y, cv=cv, n_jobs=args.n_jobs)
                elapsed = time.perf_counter() - t0
                row = {
                    "bench": "digits_svc",
                    "reducer": name,
                    "n_components": k,
                    "seed": seed,
                    "accuracy": float(np.mean(scores)),
                    "std": float(np.std(scores)),
                    "cv_seconds": elapsed,
                }
                emit(row)
                rows.append(row)
    print()
    print_table(rows, ["reducer", "n_components", "seed", "accuracy", "std", "cv_seconds"])


if __name__ == "__main__":
    main()
