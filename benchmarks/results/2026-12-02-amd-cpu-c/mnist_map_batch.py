"""The 2-D map of 10 000 fitted MNIST images with the graph term, per batch size.

AAETransformer(2, neighbor_weight=1, random_state=0) fitted on the 10 000 training
images that bench_neighbors.py's mnist part uses (pixels in [0, 1]), once per setting
(a JSON object of parameters). Prints the 3-fold CV accuracy of
KNeighborsClassifier(10) on the codes, their trustworthiness (10 neighbours, on 3000 of
the rows) and the fit time. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-02-amd-cpu-c/mnist_map_batch.py \
        DIR '{"neighbor_weight": 1}' '{"neighbor_weight": 1, "batch_size": 64}'
"""

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.manifold import trustworthiness
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
from _common import load_mnist  # noqa: E402

from sklearn_aae import AAETransformer  # noqa: E402


def main():
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    X, y, _, _ = load_mnist(sys.argv[1])
    idx = np.random.RandomState(0).choice(len(X), 10000, replace=False)
    X, y = X[idx], y[idx]
    sub = np.random.RandomState(1).choice(len(X), 3000, replace=False)
    for spec in sys.argv[2:]:
        params = json.loads(spec)
        start = time.perf_counter()
        Z = AAETransformer(random_state=0, **params).fit_transform(X)
        seconds = time.perf_counter() - start
        knn = cross_val_score(KNeighborsClassifier(10), Z, y, cv=3).mean()
        trust = trustworthiness(X[sub], Z[sub], n_neighbors=10)
        print(params, round(knn, 3), round(trust, 3), round(seconds, 1), flush=True)


if __name__ == "__main__":
    main()
