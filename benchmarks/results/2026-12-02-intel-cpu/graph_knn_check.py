"""The check of tests/test_neighbors.py::test_the_graph_term_keeps_neighbourhoods over seeds.

AAETransformer(2) with and without the graph term on all standardized digits; prints,
per seed, the 3-fold cross-validated accuracy of KNeighborsClassifier(10) on the codes
[without, with]. Run from the repository root, once per kernel set:

    ATEN_CPU_CAPABILITY=avx2 OMP_NUM_THREADS=1 python \
        benchmarks/results/2026-12-02-intel-cpu/graph_knn_check.py 0 1 2
"""

import sys
import warnings

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_aae import AAETransformer


def main():
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    for seed in map(int, sys.argv[1:]):
        scores = []
        for weight in (0.0, 1.0):
            codes = AAETransformer(2, neighbor_weight=weight, random_state=seed).fit_transform(X)
            scores.append(cross_val_score(KNeighborsClassifier(10), codes, y, cv=3).mean())
        print(seed, np.round(scores, 3), flush=True)


if __name__ == "__main__":
    main()
