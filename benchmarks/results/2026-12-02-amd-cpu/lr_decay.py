"""A cosine decay of both learning rates as a time-to-quality lever (exploration).

Per setting and seed: the 5-fold CV accuracy of StandardScaler -> AAETransformer -> SVC
on digits at 2 and 8 components (shuffled folds, random_state=0, as in
bench_time_to_quality.py), then one fit on all standardized digits at 2 components: its
wall time and the MMD² of its codes to draws from the prior (as bench_neighbors.py's
prior part). "cos E": both rates fall along half a cosine to a tenth over E epochs
(the benchmarks' LearningRateSchedule). Run from this folder:

    OMP_NUM_THREADS=1 python lr_decay.py 0,1        # seeds; optional: names, comma-separated
"""

import json
import sys
import time
import warnings
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
from _common import LearningRateSchedule  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from sklearn_aae import AAETransformer, maximum_mean_discrepancy  # noqa: E402

SETTINGS = {
    "default": ({}, None),
    "cos 100": ({}, "cosine"),
    "cos 75": ({"max_iter": 75}, "cosine"),
    "cos 60": ({"max_iter": 60}, "cosine"),
    "noise cos 75": ({"max_iter": 75, "input_noise": 0.1}, "cosine"),
    "noise lr3e-3 cos 75": ({"max_iter": 75, "input_noise": 0.1, "learning_rate": 3e-3}, "cosine"),
}


def make(name, k, seed):
    params, decay = SETTINGS[name]
    epochs = params.get("max_iter", 100)
    callbacks = None
    if decay is not None:
        callbacks = [LearningRateSchedule(epochs, decay=decay, final_factor=0.1)]
    return AAETransformer(k, random_state=seed, callbacks=callbacks, **params)


def main():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = load_digits(return_X_y=True)
    Xs = StandardScaler().fit_transform(X)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    names = sys.argv[2].split(",") if len(sys.argv) > 2 else list(SETTINGS)
    for seed in map(int, sys.argv[1].split(",")):
        for name in names:
            row = {"setting": name, "seed": seed}
            for k in (2, 8):
                pipe = make_pipeline(StandardScaler(), make(name, k, seed), SVC())
                row[f"acc{k}"] = cross_val_score(pipe, X, y, cv=cv).mean()
            aae = make(name, 2, seed)
            start = time.perf_counter()
            Z = aae.fit_transform(Xs)
            row["fit_s"] = time.perf_counter() - start
            row["mmd2"] = maximum_mean_discrepancy(Z, aae._sample_prior(len(Z), random_state=1))
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
