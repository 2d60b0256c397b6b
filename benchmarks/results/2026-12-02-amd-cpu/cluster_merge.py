"""AAEClusterer with 20 categories merged into 10 clusters: three merges (exploration).

All 1797 digits on pixels / 16; per seed, one AAEClusterer(20) with its defaults, then
its 20 categories merged into 10 along UMAP's fuzzy 15-neighbour graph G of the rows
(as in ``../2026-12-01-cpu/family_explore.py``, whose graph and average linkage this
reuses), on the affinity A = Mᵀ G M between categories (M: the rows' memberships):

- average linkage on soft memberships (M = predict_proba), the earlier best arm;
- greedy modularity (Clauset-Newman-Moore: join the pair with the largest
  2(e_ij - a_i a_j), e = A / sum(A), a its row sums) on soft memberships;
- the same on hard memberships (M one-hot of labels_), which
  ``AAEClusterer(n_categories=...)`` now does (this script uses its merge, which joins
  the same pairs as the one it first ran with).

Prints the majority-label accuracy of each per seed and the means. Run from the
repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-02-amd-cpu/cluster_merge.py $(seq 0 9)
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "2026-12-01-cpu"))
sys.path.insert(0, str(HERE.parents[1]))  # benchmarks/
from bench_family_digits import majority_accuracy  # noqa: E402
from family_explore import fuzzy_graph, merge_groups  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from sklearn_aae import AAEClusterer  # noqa: E402
from sklearn_aae._neighbors import merge_by_modularity as modularity_merge  # noqa: E402


def main():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    X, y = load_digits(return_X_y=True)
    rows = X / 16
    graph = fuzzy_graph(rows)
    results = []
    for seed in map(int, sys.argv[1:]):
        model = AAEClusterer(20, random_state=seed).fit(rows)
        labels, soft = model.labels_, model.predict_proba(rows)
        hard = np.eye(20)[labels]
        A_soft, A_hard = soft.T @ (graph @ soft), hard.T @ (graph @ hard)
        row = (
            majority_accuracy(y, labels),
            majority_accuracy(y, merge_groups(A_soft, soft.sum(axis=0), 10)[labels]),
            majority_accuracy(y, modularity_merge(A_soft, 10)[labels]),
            majority_accuracy(y, modularity_merge(A_hard, 10)[labels]),
        )
        results.append(row)
        print(
            seed,
            "20 categories, average linkage (soft), modularity (soft), (hard):",
            np.round(row, 4),
            flush=True,
        )
    print("mean", np.round(np.mean(results, axis=0), 4))


if __name__ == "__main__":
    main()
