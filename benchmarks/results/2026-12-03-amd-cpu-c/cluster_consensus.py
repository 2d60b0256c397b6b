"""Does a consensus of several AAEClusterer fits beat one fit? (exploration)

For each seed, ``K`` fits of the default ``AAEClusterer(10)`` on all digits / 16, from
seeds drawn from the seed as ``n_init`` draws them. Prints the majority-label accuracy
of each fit, and of a consensus of the first 3 and of all K fits: the co-association
matrix (the share of fits that put two rows in the same cluster) cut into 10 clusters
by average linkage. The fits' labels are saved to ``--save`` (an .npz) so that other
consensus rules can be scored without refitting. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-03-amd-cpu-c/cluster_consensus.py \
        --save labels.npz SEED...
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from _common import machine_info, print_header  # noqa: E402
from bench_family_digits import majority_accuracy  # noqa: E402

from sklearn_aae import AAEClusterer  # noqa: E402

K = 5


def fit(seed, X):
    import torch

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    return AAEClusterer(10, random_state=seed).fit(X).labels_


def consensus(labelings, n_clusters=10):
    """Average-linkage cut of the co-association distance (1 - share of fits agreeing)."""
    together = np.mean([lab[:, None] == lab[None, :] for lab in labelings], axis=0)
    distance = 1.0 - together
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return fcluster(tree, n_clusters, criterion="maxclust")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("seeds", type=int, nargs="+")
    parser.add_argument("--save", default=None)
    args = parser.parse_args()
    print_header(machine_info("cpu"))
    digits = load_digits()
    X, y = (digits.data / 16).astype(np.float32), digits.target
    draws = {
        s: np.random.RandomState(s).randint(np.iinfo(np.int32).max, size=K) for s in args.seeds
    }
    jobs = [(s, int(d)) for s in args.seeds for d in draws[s]]
    fitted = Parallel(n_jobs=2)(delayed(fit)(d, X) for _, d in jobs)
    saved, rows = {}, []
    for s in args.seeds:
        labelings = [lab for (seed, _), lab in zip(jobs, fitted, strict=True) if seed == s]
        saved[f"seed{s}"] = np.array(labelings)
        single = [majority_accuracy(y, lab) for lab in labelings]
        c3, cK = consensus(labelings[:3]), consensus(labelings)
        row = [single[0], np.mean(single), max(single), majority_accuracy(y, c3)]
        row += [majority_accuracy(y, cK), adjusted_rand_score(y, cK)]
        rows.append(row)
        print(
            f"seed {s}: fits {np.round(single, 4).tolist()}; consensus of 3 {row[3]:.4f}, "
            f"of {K} {row[4]:.4f} (ARI {row[5]:.3f})",
            flush=True,
        )
    mean = np.mean(rows, axis=0)
    print(
        f"MEAN first fit {mean[0]:.4f}, any fit {mean[1]:.4f}, best of {K} {mean[2]:.4f}, "
        f"consensus of 3 {mean[3]:.4f}, of {K} {mean[4]:.4f} (ARI {mean[5]:.3f})"
    )
    if args.save:
        np.savez(args.save, y=y, **saved)


if __name__ == "__main__":
    main()
