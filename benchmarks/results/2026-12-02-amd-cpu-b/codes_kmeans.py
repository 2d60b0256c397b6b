"""KMeans and a Gaussian mixture on AAETransformer codes (with the graph term), digits.

The N2D recipe with our reducer in umap-learn's place (exploration): all digits on
pixels / 16, ``AAETransformer(n_components=d, neighbor_weight=1)``, then
``KMeans(10, n_init=10)`` and ``GaussianMixture(10, n_init=3)`` on the codes. Prints
the majority-label accuracy per seed and dimension, and the means. Run from the
repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-02-amd-cpu-b/codes_kmeans.py 2,10 SEED...
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.mixture import GaussianMixture

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
from bench_family_digits import majority_accuracy  # noqa: E402

from sklearn_aae import AAETransformer  # noqa: E402


def main():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    X, y = load_digits(return_X_y=True)
    rows = X / 16
    dims = [int(d) for d in sys.argv[1].split(",")]
    results = {d: [] for d in dims}
    for seed in map(int, sys.argv[2:]):
        for d in dims:
            aae = AAETransformer(n_components=d, neighbor_weight=1.0, random_state=seed)
            Z = aae.fit_transform(rows)
            kmeans = KMeans(10, n_init=10, random_state=seed).fit_predict(Z)
            mixture = GaussianMixture(10, n_init=3, reg_covar=1e-3, random_state=seed)
            row = (majority_accuracy(y, kmeans), majority_accuracy(y, mixture.fit(Z).predict(Z)))
            results[d].append(row)
            print(f"seed {seed}, {d}-D: KMeans {row[0]:.4f}, GaussianMixture {row[1]:.4f}")
    for d, rows_d in results.items():
        km, gm = np.mean(rows_d, axis=0)
        print(f"{d}-D mean: KMeans {km:.4f}, GaussianMixture {gm:.4f}")


if __name__ == "__main__":
    main()
