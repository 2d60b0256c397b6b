"""Clusters smoothed along the rows' neighbour graph, on saved fits (exploration).

Reads the categories saved by ``../2026-12-02-amd-cpu-b/cluster_fits.py`` (K categories
per row, pixels / 16), merges them into 10 clusters as ``AAEClusterer`` does (greedy
modularity on the fuzzy graph of 15 neighbours), then spreads the clusters along the
same graph: F = (1 - a) (I - a S)^-1 Y, S = D^-1/2 G D^-1/2, Y the one-hot clusters,
for several a. Prints majority-label accuracy per seed and the means. Run from the
repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-02-intel-cpu/cluster_smoothing.py K SEED...
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve
from sklearn.datasets import load_digits

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
from bench_family_digits import majority_accuracy  # noqa: E402

from sklearn_aae._neighbors import fuzzy_graph, merge_by_modularity  # noqa: E402

FITS = Path(__file__).resolve().parents[1] / "2026-12-02-amd-cpu-b" / "fits"
ALPHAS = (0.5, 0.8, 0.9, 0.95, 0.99)


def spread(graph, onehot, alpha):
    degree = np.asarray(graph.sum(axis=1)).ravel()
    inv = sp.diags(1 / np.sqrt(np.maximum(degree, 1e-12)))
    s = inv @ graph @ inv
    system = (sp.identity(graph.shape[0]) - alpha * s).tocsc()
    return spsolve(system, onehot)


def main():
    warnings.simplefilter("ignore")
    X, y = load_digits(return_X_y=True)
    rows = (X / 16).astype(np.float32)
    graph = sp.csr_matrix(fuzzy_graph(rows, 15, "cpu", 0))
    k = int(sys.argv[1])
    results = []
    for seed in map(int, sys.argv[2:]):
        labels = np.load(FITS / f"K{k}_seed{seed}.npy")
        hard = np.eye(k)[labels]
        affinity = hard.T @ (graph @ hard)
        used = hard.sum(axis=0) > 0
        index = np.cumsum(used) - 1
        merge = merge_by_modularity(affinity[np.ix_(used, used)], 10)
        clusters = merge[index[labels]]
        onehot = np.eye(10)[clusters]
        row = [majority_accuracy(y, clusters)]
        for alpha in ALPHAS:
            row.append(majority_accuracy(y, spread(graph, onehot, alpha).argmax(axis=1)))
        results.append(row)
        print(seed, "merged, then spread with a =", ALPHAS, np.round(row, 4), flush=True)
    print("mean", np.round(np.mean(results, axis=0), 4))


if __name__ == "__main__":
    main()
