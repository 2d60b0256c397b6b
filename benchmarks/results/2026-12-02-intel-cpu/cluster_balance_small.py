"""AAEClusterer's defaults on small data sets with two weights on the categories'
balance: does the weaker one leave categories unused or collapse? (exploration)

Data: iris (3 clusters), wine (3), breast cancer (2), all standardized; blobs of
unequal sizes (5 centres, 1000 rows, sizes 40/25/15/12/8 %); and digits with 5
clusters. Per data set, weight and seed: the number of categories holding rows (of
``2 * n_clusters``), the number of clusters holding rows, and the ARI against the
labels. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-02-intel-cpu/cluster_balance_small.py 2 1
"""

import sys
import warnings

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine, make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

import sklearn_aae._training as training
from sklearn_aae import AAEClusterer
from sklearn_aae._neighbors import category_agreement_loss


def datasets():
    for name, loader, k in (
        ("iris", load_iris, 3),
        ("wine", load_wine, 3),
        ("breast_cancer", load_breast_cancer, 2),
    ):
        X, y = loader(return_X_y=True)
        yield name, StandardScaler().fit_transform(X), y, k
    sizes = [400, 250, 150, 120, 80]
    X, y = make_blobs(sizes, n_features=10, cluster_std=2.0, random_state=0)
    yield "unequal blobs", StandardScaler().fit_transform(X), y, 5
    X, y = load_digits(return_X_y=True)
    yield "digits, 5 clusters", X / 16, y, 5


def main():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    for name, X, y, k in datasets():
        for balance in map(float, sys.argv[1:]):
            training.category_agreement_loss = lambda a, b, w=None, _b=balance, **_: (
                category_agreement_loss(a, b, w, balance=_b)
            )
            rows = []
            for seed in range(5):
                model = AAEClusterer(k, random_state=seed).fit(X)
                categories = model._class_logits(X.astype(np.float32)).argmax(axis=1)
                rows.append(
                    (
                        len(np.unique(categories)),
                        len(np.unique(model.labels_)),
                        adjusted_rand_score(y, model.labels_),
                    )
                )
            rows = np.array(rows)
            print(
                f"{name:20s} balance {balance}: categories used {rows[:, 0].astype(int)} "
                f"of {2 * k}, clusters {rows[:, 1].astype(int)}, ARI {np.round(rows[:, 2], 3)} "
                f"mean {rows[:, 2].mean():.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
