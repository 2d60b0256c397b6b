"""Can ``AAEClusterer(n_init=n)`` choose its fit early? Modularity along training.

For each seed, the ``n_init`` seeds that ``AAEClusterer(n_init=3, random_state=seed)``
draws are each trained with the defaults on all digits (pixels / 16) in warm-started
stages that end at the epochs of ``STAGES``; after every stage the clusters are merged
and scored without labels by their modularity on the rows' neighbour graph (what
``n_init`` keeps) and with the labels by majority-label accuracy. Prints, per seed and
on average, the final accuracy of the fit that modularity picks after each stage, of
the first fit, and of the best fit (an oracle). Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-03-amd-cpu/ninit_screening.py SEED...
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
from bench_family_digits import majority_accuracy  # noqa: E402

from sklearn_aae import AAEClusterer  # noqa: E402

N_INIT = 3
STAGES = (5, 10, 25, 100)


def main():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    X, y = load_digits(return_X_y=True)
    rows = X / 16
    picks = {stage: [] for stage in STAGES}
    first, oracle = [], []
    for seed in map(int, sys.argv[1:]):
        draws = np.random.RandomState(seed).randint(np.iinfo(np.int32).max, size=N_INIT)
        modularity = np.zeros((N_INIT, len(STAGES)))
        accuracy = np.zeros((N_INIT, len(STAGES)))
        for i, draw in enumerate(draws):
            model, done = AAEClusterer(random_state=int(draw)), 0
            for j, stage in enumerate(STAGES):
                model.set_params(max_iter=stage - done, warm_start=done > 0).fit(rows)
                done = stage
                modularity[i, j] = model._merge_categories(rows, None)
                accuracy[i, j] = majority_accuracy(y, model.labels_)
        final = accuracy[:, -1]
        for j, stage in enumerate(STAGES):
            picks[stage].append(final[int(np.argmax(modularity[:, j]))])
        first.append(final[0])
        oracle.append(final.max())
        print(
            f"seed {seed}: modularity by stage {np.round(modularity, 4).tolist()} "
            f"accuracy by stage {np.round(accuracy, 4).tolist()}",
            flush=True,
        )
    for stage in STAGES:
        acc = np.array(picks[stage])
        print(
            f"picked after {stage} epochs: {acc.mean():.4f} ± {acc.std():.4f} "
            f"(lowest {acc.min():.4f})"
        )
    for name, acc in (("first fit", first), ("best fit", oracle)):
        acc = np.array(acc)
        print(f"{name}: {acc.mean():.4f} ± {acc.std():.4f} (lowest {acc.min():.4f})")


if __name__ == "__main__":
    main()
