"""Which score picks the best of several AAEClusterer fits, as KMeans picks by inertia?

One default ``AAEClusterer(10)`` per seed on all standardized digits; per fit, its
majority-label accuracy and scores that need no labels: the last epochs' losses
(reconstruction, neighbour-graph, total), the discriminators' accuracy, the mean
confidence of ``predict_proba``, the entropy of the cluster sizes, and the mean of
``score_samples`` (minus the reconstruction error of the deterministic codes). Then,
for each score, the Spearman correlation with accuracy and the mean accuracy of the fit
it would keep among every subset of n seeds (n = 3, 5), against the mean of one fit.

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-01-cpu/cluster_selection.py \\
        --seeds 0 1 2 3 4 5 6 7 8 9
"""

import argparse
import itertools
import json
import sys
import warnings
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from sklearn_aae import AAEClusterer

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
from _common import machine_info, print_header  # noqa: E402
from bench_family_digits import majority_accuracy  # noqa: E402

#: score name: +1 where higher should be better, -1 where lower should
SCORES = {
    "reconstruction_loss": -1,
    "neighbor_loss": -1,
    "train_loss": -1,
    "discriminator_accuracy": -1,
    "confidence": 1,
    "size_entropy": 1,
    "score_samples": 1,
}


def fit_one(seed, X, y):
    model = AAEClusterer(n_clusters=10, random_state=seed).fit(X)
    history = model.net_.history
    proba = model.predict_proba(X)
    sizes = np.bincount(proba.argmax(1), minlength=10) / len(X)
    sizes = sizes[sizes > 0]
    row = {"seed": seed, "accuracy_majority": majority_accuracy(y, model.labels_)}
    for name in ("reconstruction_loss", "neighbor_loss", "train_loss", "discriminator_accuracy"):
        row[name] = float(np.mean(history[-5:, name]))
    row["confidence"] = float(proba.max(1).mean())
    row["size_entropy"] = float(-(sizes * np.log(sizes)).sum())
    row["score_samples"] = float(model.score_samples(X).mean())
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    args = parser.parse_args()
    print_header(machine_info())
    warnings.filterwarnings("ignore", module="sklearn")
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    rows = []
    for seed in args.seeds:
        rows.append(fit_one(seed, X, y))
        print(json.dumps(rows[-1]), flush=True)
    accuracy = np.array([r["accuracy_majority"] for r in rows])
    print(f"\none fit: accuracy {accuracy.mean():.4f} ± {accuracy.std():.4f}")
    for name, sign in SCORES.items():
        score = sign * np.array([r[name] for r in rows])
        line = f"{name:>24}: Spearman {spearmanr(accuracy, score).correlation:+.2f}"
        for n in (3, 5):
            kept = [
                accuracy[list(c)][np.argmax(score[list(c)])]
                for c in itertools.combinations(range(len(rows)), n)
            ]
            line += f"; best of {n}: {np.mean(kept):.4f} ± {np.std(kept):.4f}"
        print(line)


if __name__ == "__main__":
    main()
