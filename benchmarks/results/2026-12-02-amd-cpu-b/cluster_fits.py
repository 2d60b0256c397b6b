"""Fit AAEClusterer with K categories on all digits (pixels / 16); save each row's category.

Exploration of the merge of many categories into 10 clusters: fitting is the slow
part, so the categories of every (K, seed) are saved to ``fits/K{K}_seed{seed}.npy``
and ``cluster_merges.py`` tries merges on them. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-02-amd-cpu-b/cluster_fits.py K SEED...
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits

from sklearn_aae import AAEClusterer

HERE = Path(__file__).resolve().parent


def main():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    X, _ = load_digits(return_X_y=True)
    rows = X / 16
    k = int(sys.argv[1])
    (HERE / "fits").mkdir(exist_ok=True)
    for seed in map(int, sys.argv[2:]):
        start = time.perf_counter()
        # n_categories = n_clusters = K: no merge inside fit, the raw categories.
        model = AAEClusterer(k, n_categories=None, random_state=seed).fit(rows)
        np.save(HERE / "fits" / f"K{k}_seed{seed}.npy", model.labels_.astype(np.int8))
        used = len(np.unique(model.labels_))
        print(f"K={k} seed={seed} used={used} {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main()
