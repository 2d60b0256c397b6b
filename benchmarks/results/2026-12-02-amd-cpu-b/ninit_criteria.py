"""Which of n fits should ``AAEClusterer(n_init=n)`` keep? Two criteria on the same fits.

For each seed, the ``n_init`` seeds that ``AAEClusterer(n_init=3, random_state=seed)``
draws are fitted one by one (defaults, all digits, pixels / 16 or standardized); each
fit is scored without labels by the modularity of its clusters on the rows' neighbour
graph (what ``n_init`` keeps now) and by the mean of ``score_samples`` (what it kept
before), and with the labels by majority-label accuracy, ARI and NMI. Prints, per seed
and on average, the accuracy of the fit each criterion keeps and of one fit
(``random_state=seed``, as the single-fit rows of the family benchmark). Run from the
repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-02-amd-cpu-b/ninit_criteria.py unit SEED...
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
from bench_family_digits import majority_accuracy  # noqa: E402

from sklearn_aae import AAEClusterer  # noqa: E402

N_INIT = 3


def scores(model, rows, y):
    return {
        "modularity": model._merge_categories(rows, None),
        "reconstruction": float(model.score_samples(rows).mean()),
        "accuracy": majority_accuracy(y, model.labels_),
        "ari": adjusted_rand_score(y, model.labels_),
        "nmi": normalized_mutual_info_score(y, model.labels_),
    }


def main():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    X, y = load_digits(return_X_y=True)
    rows = X / 16 if sys.argv[1] == "unit" else StandardScaler().fit_transform(X)
    kept = {"modularity": [], "reconstruction": [], "one fit": []}
    for seed in map(int, sys.argv[2:]):
        draws = np.random.RandomState(seed).randint(np.iinfo(np.int32).max, size=N_INIT)
        fits = [scores(AAEClusterer(random_state=int(s)).fit(rows), rows, y) for s in draws]
        single = scores(AAEClusterer(random_state=seed).fit(rows), rows, y)
        kept["one fit"].append(single)
        for name in ("modularity", "reconstruction"):
            kept[name].append(fits[int(np.argmax([f[name] for f in fits]))])
        print(
            f"seed {seed}: accuracy of the {N_INIT} fits",
            [round(f["accuracy"], 4) for f in fits],
            "modularity",
            [round(f["modularity"], 4) for f in fits],
            "reconstruction",
            [round(f["reconstruction"], 4) for f in fits],
            f"one fit {single['accuracy']:.4f}",
            flush=True,
        )
    for name, picked in kept.items():
        acc = np.array([p["accuracy"] for p in picked])
        print(
            f"{name}: accuracy {acc.mean():.4f} ± {acc.std():.4f} (lowest {acc.min():.4f}), "
            f"ARI {np.mean([p['ari'] for p in picked]):.4f}, "
            f"NMI {np.mean([p['nmi'] for p in picked]):.4f}"
        )


if __name__ == "__main__":
    main()
