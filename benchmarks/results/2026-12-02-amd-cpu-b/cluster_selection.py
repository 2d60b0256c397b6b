"""Does the modularity of a clusterer's clusters tell the better fits? (exploration)

For each saved fit of ``cluster_fits.py`` (K categories, seeds given), the categories
that hold rows are merged into 10 clusters as ``AAEClusterer`` merges them (none to
merge for K = 10), then scored by majority-label accuracy and by Newman's modularity on the fuzzy
15-neighbour graph of the rows (pixels / 16), which needs no label. Prints both per
seed, their Spearman correlation, and what keeping the most modular of 3 fits would
score: the mean and lowest accuracy over every 3 of the seeds, against one fit.
Run from the repository root:

    python benchmarks/results/2026-12-02-amd-cpu-b/cluster_selection.py K SEED...
"""

import sys
from itertools import combinations
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr
from sklearn.datasets import load_digits

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
from bench_family_digits import majority_accuracy  # noqa: E402

from sklearn_aae._neighbors import fuzzy_graph, merge_by_modularity, modularity  # noqa: E402

HERE = Path(__file__).resolve().parent


def main():
    X, y = load_digits(return_X_y=True)
    graph = fuzzy_graph((X / 16).astype(np.float32), 15, "cpu", 0)
    k = int(sys.argv[1])
    seeds = [int(s) for s in sys.argv[2:]]
    accuracy, score = [], []
    for seed in seeds:
        labels = np.load(HERE / "fits" / f"K{k}_seed{seed}.npy")
        # the categories that hold rows, merged as AAEClusterer merges them
        members = np.eye(k)[labels][:, np.unique(labels)]
        affinity = members.T @ (graph @ members)
        used = members.shape[1]
        group = merge_by_modularity(affinity, 10) if used > 10 else np.arange(used)
        labels = np.searchsorted(np.unique(labels), labels)
        accuracy.append(majority_accuracy(y, group[labels]))
        score.append(modularity(affinity, group))
        print(f"seed {seed}: accuracy {accuracy[-1]:.4f}, modularity {score[-1]:.4f}")
    accuracy, score = np.array(accuracy), np.array(score)
    rho = spearmanr(accuracy, score)
    print(f"K={k}: Spearman {rho.statistic:.3f} (p = {rho.pvalue:.3f})")
    triples = [list(t) for t in combinations(range(len(seeds)), 3)]
    kept = [accuracy[t][np.argmax(score[t])] for t in triples]
    print(
        f"K={k}: one fit {accuracy.mean():.4f} (lowest {accuracy.min():.4f}); "
        f"the most modular of 3: {np.mean(kept):.4f} (lowest {np.min(kept):.4f}, "
        f"over {len(kept)} triples)"
    )


if __name__ == "__main__":
    main()
