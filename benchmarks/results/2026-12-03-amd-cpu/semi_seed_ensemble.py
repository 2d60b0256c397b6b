"""AAEClassifier: does averaging the probabilities of models fitted from several seeds
beat one model? Digits, pixels / 16, 10 % of the training labels (exploration).

For each seed, the split of ``bench_family_digits.py`` (through ``semi_pseudo.split``);
``K`` classifiers with the defaults, from seeds drawn from the seed, as ``n_init`` draws
them; prints the test accuracy of the first alone, of the mean of the first 2 and of all
``K`` models' ``predict_proba``, and of ``LabelSpreading(knn, 7)`` on the same split.
Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-03-amd-cpu/semi_seed_ensemble.py SEED...
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.semi_supervised import LabelSpreading

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "2026-12-02-intel-cpu"))
from semi_pseudo import split  # noqa: E402

from sklearn_aae import AAEClassifier  # noqa: E402

K = 3


def main():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    rows = []
    for seed in map(int, sys.argv[1:]):
        Xtr, Xte, _, yte, yp = split(seed)
        draws = np.random.RandomState(seed).randint(np.iinfo(np.int32).max, size=K)
        models = [AAEClassifier(random_state=int(d)).fit(Xtr, yp) for d in draws]
        proba = [m.predict_proba(Xte) for m in models]
        classes = models[0].classes_
        row = [
            float(np.mean(classes[np.mean(proba[:k], axis=0).argmax(1)] == yte)) for k in (1, 2, K)
        ]
        row.append(LabelSpreading(kernel="knn", n_neighbors=7).fit(Xtr, yp).score(Xte, yte))
        rows.append(row)
        print(
            f"seed {seed}: one {row[0]:.4f} two {row[1]:.4f} {K} {row[2]:.4f} peer {row[3]:.4f}",
            flush=True,
        )
    rows = np.array(rows)
    mean = rows.mean(axis=0)
    wins = (rows[:, :3] > rows[:, 3:]).sum(axis=0)
    print(
        f"MEAN one {mean[0]:.4f} two {mean[1]:.4f} {K} {mean[2]:.4f} peer {mean[3]:.4f}; "
        f"ahead of the peer on {wins.tolist()}"
    )


if __name__ == "__main__":
    main()
