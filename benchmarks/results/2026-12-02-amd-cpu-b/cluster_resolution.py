"""The merge of K categories into 10 clusters with a resolution γ (exploration).

Greedy modularity with Reichardt and Bornholdt's resolution: join the pair of groups
with the largest e_ij - γ a_i a_j (``merge_by_modularity(..., resolution=γ)``; γ = 1 is
what ``AAEClusterer`` does; γ > 1 favours groups of even size). On the categories saved by
``cluster_fits.py``, along the fuzzy 15-neighbour graph of the rows (pixels / 16).
Prints the majority-label accuracy per γ and K, mean and per seed. Run from the
repository root:

    KS="20 30" python benchmarks/results/2026-12-02-amd-cpu-b/cluster_resolution.py SEED...
"""

import os
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
from bench_family_digits import majority_accuracy  # noqa: E402

from sklearn_aae._neighbors import fuzzy_graph, merge_by_modularity  # noqa: E402

HERE = Path(__file__).resolve().parent


def main():
    X, y = load_digits(return_X_y=True)
    graph = fuzzy_graph((X / 16).astype(np.float32), 15, "cpu", 0)
    seeds = [int(s) for s in sys.argv[1:]]
    for gamma in (0.5, 1, 1.5, 2, 3, 5):
        for k in map(int, os.environ.get("KS", "20").split()):
            accuracy = []
            for seed in seeds:
                labels = np.load(HERE / "fits" / f"K{k}_seed{seed}.npy")
                members = np.eye(k)[labels]
                affinity = members.T @ (graph @ members)
                group = merge_by_modularity(affinity, 10, resolution=gamma)
                accuracy.append(majority_accuracy(y, group[labels]))
            print(gamma, k, round(np.mean(accuracy), 4), np.round(accuracy, 3), flush=True)


if __name__ == "__main__":
    main()
