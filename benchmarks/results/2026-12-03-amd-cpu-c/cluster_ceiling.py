"""How far simple graph-based clusterings get on digits (exploration, a calibration).

Spectral clustering on the k-nearest-neighbour graph of pixels / 16 (k = 10, 15, 30),
and umap-learn to 10 dimensions with 30 neighbours and ``min_dist=0`` (a wider graph
than the N2D set-up of ``bench_family_digits.py``) followed by ``KMeans(n_init=10)``
and ``GaussianMixture(n_init=5)``: majority-label accuracy on all 1797 digits, per seed.
Run from the repository root:

    OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python \
        benchmarks/results/2026-12-03-amd-cpu-c/cluster_ceiling.py SEED...
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import umap
from sklearn.cluster import KMeans, SpectralClustering
from sklearn.datasets import load_digits
from sklearn.mixture import GaussianMixture

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from _common import machine_info, print_header  # noqa: E402
from bench_family_digits import majority_accuracy  # noqa: E402


def main():
    print_header(machine_info("cpu"))
    warnings.simplefilter("ignore")
    X, y = load_digits(return_X_y=True)
    X = X / 16
    rows = []
    for seed in map(int, sys.argv[1:]):
        row = {}
        for k in (10, 15, 30):
            spectral = SpectralClustering(
                10,
                affinity="nearest_neighbors",
                n_neighbors=k,
                assign_labels="cluster_qr",
                random_state=seed,
            )
            row[f"spectral k={k}"] = majority_accuracy(y, spectral.fit_predict(X))
        embedding = umap.UMAP(
            n_components=10, n_neighbors=30, min_dist=0.0, random_state=seed
        ).fit_transform(X)
        row["umap(30) + KMeans"] = majority_accuracy(
            y, KMeans(10, n_init=10, random_state=seed).fit_predict(embedding)
        )
        row["umap(30) + GaussianMixture"] = majority_accuracy(
            y, GaussianMixture(10, n_init=5, random_state=seed).fit_predict(embedding)
        )
        rows.append(row)
        print(f"seed {seed}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)
    for name in rows[0]:
        values = np.array([row[name] for row in rows])
        print(f"MEAN {name}: {values.mean():.3f} ± {values.std():.3f} (best {values.max():.3f})")


if __name__ == "__main__":
    main()
