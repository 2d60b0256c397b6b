"""Merges of K saved categories into 10 clusters, on all digits (exploration).

Reads the categories saved by ``cluster_fits.py`` and merges those that hold rows along
the fuzzy neighbour graph G of the rows (pixels / 16; 15 neighbours, or ``NEIGHBORS``),
on the affinity A = Mᵀ G M between categories (M: one-hot memberships). Merges:

- ``cnm``: greedy modularity, what ``AAEClusterer(n_categories=...)`` does;
- ``cnm+moves``: the same, then single categories moved to the group that raises the
  modularity most while any move does (no group emptied);
- ``spectral``: scikit-learn's SpectralClustering on A (precomputed affinity).

Prints the majority-label accuracy of the raw categories and of each merge, per seed,
and the means. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-02-amd-cpu-b/cluster_merges.py K SEED...
"""

import os
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.cluster import SpectralClustering
from sklearn.datasets import load_digits

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
from bench_family_digits import majority_accuracy  # noqa: E402

from sklearn_aae._neighbors import fuzzy_graph, merge_by_modularity  # noqa: E402

HERE = Path(__file__).resolve().parent


def modularity(e, group):
    e = e / e.sum()
    total = 0.0
    for g in np.unique(group):
        inside = group == g
        total += e[np.ix_(inside, inside)].sum() - e[inside].sum() ** 2
    return total


def refine(affinity, group):
    """Move single items between groups while a move raises the modularity."""
    group = group.copy()
    best = modularity(affinity, group)
    improved = True
    while improved:
        improved = False
        for item in range(len(group)):
            if np.sum(group == group[item]) == 1:
                continue
            for g in np.unique(group):
                if g == group[item]:
                    continue
                trial = group.copy()
                trial[item] = g
                score = modularity(affinity, trial)
                if score > best + 1e-12:
                    best, group, improved = score, trial, True
    return group


def main():
    warnings.simplefilter("ignore")
    X, y = load_digits(return_X_y=True)
    rows = (X / 16).astype(np.float32)
    graph = fuzzy_graph(rows, int(os.environ.get("NEIGHBORS", 15)), "cpu", 0)
    k = int(sys.argv[1])
    results = []
    for seed in map(int, sys.argv[2:]):
        labels = np.load(HERE / "fits" / f"K{k}_seed{seed}.npy")
        hard = np.eye(k)[labels]
        affinity = hard.T @ (graph @ hard)
        used = hard.sum(axis=0) > 0
        a_used = affinity[np.ix_(used, used)]
        index = np.cumsum(used) - 1  # category -> index among the used ones
        cnm = merge_by_modularity(a_used, 10)
        moved = refine(a_used, cnm)
        spectral = SpectralClustering(10, affinity="precomputed", random_state=0).fit_predict(
            a_used
        )
        row = [majority_accuracy(y, labels)] + [
            majority_accuracy(y, merge[index[labels]]) for merge in (cnm, moved, spectral)
        ]
        results.append(row)
        print(seed, "raw, cnm, cnm+moves, spectral:", np.round(row, 4), flush=True)
    print("mean", np.round(np.mean(results, axis=0), 4))


if __name__ == "__main__":
    main()
