"""Ideas tried to lift AAEClassifier and AAEClusterer on digits, on choosing seeds (0-9).

None of them became a default; the logs say why. Every part prints one line per seed
and a mean ± std per arm (majority-label accuracy for clustering, test accuracy for
classification, on the split and labels of ``bench_family_digits.py``):

- ``pseudo``: AAEClassifier on pixels / 16 trained (a) as it is, (b) on the labels that
  ``LabelSpreading(kernel="knn", n_neighbors=7)`` spreads to every training row, (c)
  then twice more on its own predictions for the unlabelled rows (self-training);
  LabelSpreading itself beside them.
- ``merge``: AAEClusterer with 10 categories (the defaults, a baseline on each input), or
  with 20 or 30 categories, then merged into 10 clusters by
  average linkage on the neighbour graph (UMAP's fuzzy kNN graph of the input, 15
  neighbours): the two groups with the largest edge weight between them per product of
  their sizes merge first, on hard or soft (``predict_proba``) memberships.
- ``agreement``: AAEClusterer with the graph term's parts changed: without its attraction
  of the style codes (the category agreement only), the agreement weighted 3 times, or
  the categories' balance weighted 4 instead of 2.

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-01-cpu/family_explore.py \\
        --part pseudo --seeds 0 1 2 3 4 5
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
from _common import machine_info, print_header  # noqa: E402
from bench_family_digits import (  # noqa: E402
    LABELLED_FRACTION,
    PIXEL_RANGE,
    TEST_SIZE,
    majority_accuracy,
)
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.semi_supervised import LabelSpreading  # noqa: E402

import sklearn_aae._training as training  # noqa: E402
from sklearn_aae import AAEClassifier, AAEClusterer  # noqa: E402
from sklearn_aae._neighbors import (  # noqa: E402
    fuzzy_weights,
    nearest_neighbors,
    symmetric_graph,
)


def semi_split(X, y, seed):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, stratify=y, random_state=seed
    )
    labelled, _ = train_test_split(
        np.arange(len(y_train)), train_size=LABELLED_FRACTION, stratify=y_train, random_state=seed
    )
    y_partial = np.full_like(y_train, -1)
    y_partial[labelled] = y_train[labelled]
    return X_train, X_test, y_train, y_test, y_partial, labelled


def part_pseudo(X, y, seed):
    X_train, X_test, y_train, y_test, y_partial, labelled = semi_split(X / PIXEL_RANGE, y, seed)
    spreading = LabelSpreading(kernel="knn", n_neighbors=7).fit(X_train, y_partial)
    out = {"LabelSpreading": spreading.score(X_test, y_test)}
    out["default"] = AAEClassifier(random_state=seed).fit(X_train, y_partial).score(X_test, y_test)
    labels = spreading.transduction_
    for round_ in range(3):
        model = AAEClassifier(random_state=seed).fit(X_train, labels)
        out["spread labels" if round_ == 0 else f"self-training {round_}"] = model.score(
            X_test, y_test
        )
        labels = model.predict(X_train)
        labels[labelled] = y_train[labelled]
    return out


def fuzzy_graph(X):
    indices, distances = nearest_neighbors(X.astype(np.float32), 14, "cpu", 0)
    return symmetric_graph(indices, fuzzy_weights(distances), X.shape[0]).tocsr()


def merge_groups(affinity, sizes, n_groups):
    """Average linkage: join the two groups of largest affinity per product of sizes."""
    groups = [[i] for i in range(affinity.shape[0])]
    while len(groups) > n_groups:
        best = (-1.0, 0, 0)
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                between = affinity[np.ix_(groups[i], groups[j])].sum()
                score = between / (sizes[groups[i]].sum() * sizes[groups[j]].sum())
                if score > best[0]:
                    best = (score, i, j)
        _, i, j = best
        groups[i] += groups.pop(j)
    mapping = np.zeros(affinity.shape[0], dtype=int)
    for g, members in enumerate(groups):
        mapping[members] = g
    return mapping


def part_merge(X, y, seed):
    out = {}
    inputs = {"std": StandardScaler().fit_transform(X), "unit": X / PIXEL_RANGE}
    for name, rows in inputs.items():
        graph = fuzzy_graph(rows)
        # the baseline: 10 categories, the defaults, on the same input
        out[f"{name} 10 categories"] = majority_accuracy(
            y, AAEClusterer(10, random_state=seed).fit(rows).labels_
        )
        for k in (20, 30):
            model = AAEClusterer(k, random_state=seed).fit(rows)
            clusters, proba = model.labels_, model.predict_proba(rows)
            out[f"{name} {k} categories"] = majority_accuracy(y, clusters)
            hard = np.eye(k)[clusters]
            for kind, member in (("hard", hard), ("soft", proba)):
                affinity = member.T @ (graph @ member)
                mapping = merge_groups(affinity, member.sum(axis=0), 10)
                out[f"{name} {k} merged ({kind})"] = majority_accuracy(y, mapping[clusters])
    return out


def part_agreement(X, y, seed):
    rows = StandardScaler().fit_transform(X)
    neighbor_loss, agreement = training.neighbor_loss, training.category_agreement_loss
    arms = {
        "default": (neighbor_loss, agreement),
        "agreement only": (lambda z, *a, **k: z.new_zeros(()), agreement),
        "agreement x3": (neighbor_loss, lambda *a, **k: 3 * agreement(*a, **k)),
        "balance 4": (neighbor_loss, lambda *a, **k: agreement(*a, **{**k, "balance": 4.0})),
    }
    out = {}
    try:
        for name, (loss, agree) in arms.items():
            training.neighbor_loss, training.category_agreement_loss = loss, agree
            clusters = AAEClusterer(10, random_state=seed).fit_predict(rows)
            out[name] = majority_accuracy(y, clusters)
    finally:
        training.neighbor_loss, training.category_agreement_loss = neighbor_loss, agreement
    return out


PARTS = {"pseudo": part_pseudo, "merge": part_merge, "agreement": part_agreement}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=sorted(PARTS), required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # ConvergenceWarning at max_iter, as in the benchmark
    print_header(machine_info("cpu"))
    X, y = load_digits(return_X_y=True)
    results = {}
    for seed in args.seeds:
        out = PARTS[args.part](X, y, seed)
        print(seed, "  ".join(f"{k}: {v:.4f}" for k, v in out.items()), flush=True)
        for k, v in out.items():
            results.setdefault(k, []).append(v)
    print()
    for k, v in results.items():
        print(f"{k:28s} {np.mean(v):.4f} ± {np.std(v):.4f}  (min {np.min(v):.4f}, n={len(v)})")


if __name__ == "__main__":
    main()
