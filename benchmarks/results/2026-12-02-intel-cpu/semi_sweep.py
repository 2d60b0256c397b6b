"""AAEClassifier settings on digits (pixels / 16, 10 % of the training labels): test
accuracy against LabelSpreading(knn, 7) on the same split (exploration).

The split is bench_family_digits.py's (70/30 stratified, then 10 % of the training
labels, both by the seed). Settings are JSON objects of estimator parameters; the keys
``balance`` and ``agreement`` patch the category-agreement term of the graph loss, as
in ``cluster_sweep.py``; without them the estimator's own term runs. Run from the
repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-02-intel-cpu/semi_sweep.py \
        --seeds 0 1 2 --settings '{}' '{"balance": 1}'
"""

import sys
from pathlib import Path

import numpy as np
from sklearn.semi_supervised import LabelSpreading

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cluster_sweep import setting, sweep_args  # noqa: E402
from semi_pseudo import split  # noqa: E402

from sklearn_aae import AAEClassifier  # noqa: E402


def main():
    args = sweep_args()
    splits = {seed: split(seed) for seed in args.seeds}
    peer = {
        seed: LabelSpreading(kernel="knn", n_neighbors=7).fit(Xtr, yp).score(Xte, yte)
        for seed, (Xtr, Xte, _, yte, yp) in splits.items()
    }
    print(
        "LabelSpreading(knn, 7):",
        {s: round(v, 4) for s, v in peer.items()},
        f"MEAN {np.mean(list(peer.values())):.4f}",
        flush=True,
    )
    for text in args.settings:
        params = setting(text)
        scores = {}
        for seed, (Xtr, Xte, _, yte, yp) in splits.items():
            scores[seed] = AAEClassifier(random_state=seed, **params).fit(Xtr, yp).score(Xte, yte)
            print(f"{text} seed {seed}: {scores[seed]:.4f}", flush=True)
        wins = sum(scores[s] > peer[s] for s in scores)
        print(
            f"{text} MEAN {np.mean(list(scores.values())):.4f} "
            f"± {np.std(list(scores.values())):.4f}, ahead of the peer on {wins}/{len(scores)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
