"""AAEClassifier retrained on pseudo-labels that it and label spreading agree on (exploration).

Digits on pixels / 16, the split of bench_family_digits.py (70/30 stratified, 10 % of the
training labels, both by the seed). Per seed:

1. ``AAEClassifier(random_state=seed)`` on the partial labels (the defaults);
2. label spreading along the training rows' neighbour graph (``LabelSpreading(knn, 7)``);
3. every unlabelled training row on which both agree, with both probabilities above
   ``MIN_P``, gets that label; the classifier is fitted again on these labels, either
   from scratch (``fresh``) or warm-started for ``WARM`` more epochs (``warm``).

Prints test accuracy of the network, label spreading and both retrained networks, the
share and accuracy of the pseudo-labels, per seed and the means. Run from the repository
root: OMP_NUM_THREADS=1 python benchmarks/results/2026-12-02-intel-cpu/semi_pseudo.py SEED...
"""

import os
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.base import clone
from sklearn.semi_supervised import LabelSpreading

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "2026-12-02-amd-cpu"))
from semi_ensemble import split as split_with_indices  # noqa: E402

from sklearn_aae import AAEClassifier  # noqa: E402

MIN_P = float(os.environ.get("MIN_P", 0.0))
WARM = int(os.environ.get("WARM", 30))
ROUNDS = int(os.environ.get("ROUNDS", 1))
FRESH = bool(int(os.environ.get("FRESH", 1)))


def split(seed):
    """``semi_ensemble.py``'s split (bench_family_digits.py's), less the labelled indices."""
    Xtr, Xte, ytr, yte, _, yp = split_with_indices(seed)
    return Xtr, Xte, ytr, yte, yp


def main():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    res = []
    for seed in map(int, sys.argv[1:]):
        Xtr, Xte, ytr, yte, yp = split(seed)
        clf = AAEClassifier(random_state=seed).fit(Xtr, yp)
        ls = LabelSpreading(kernel="knn", n_neighbors=7).fit(Xtr, yp)
        row = {"net": clf.score(Xte, yte), "ls": ls.score(Xte, yte)}
        p_ls = ls.label_distributions_
        for round_ in range(1, ROUNDS + 1):
            p_net = clf.predict_proba(Xtr)
            agree = (p_net.argmax(1) == p_ls.argmax(1)) & (p_net.max(1) > MIN_P)
            agree &= p_ls.max(1) > MIN_P
            pseudo = np.where(yp >= 0, yp, np.where(agree, p_net.argmax(1), -1))
            new = pseudo >= 0
            if round_ == 1 and FRESH:
                row["fresh"] = clone(clf).fit(Xtr, pseudo).score(Xte, yte)
            clf.set_params(warm_start=True, max_iter=WARM).fit(Xtr, pseudo)
            row[f"warm{round_}"] = clf.score(Xte, yte)
            row[f"share{round_}"] = new.mean()
            row[f"pseudo_acc{round_}"] = (pseudo[new] == ytr[new]).mean()
        res.append(row)
        print(seed, {k: round(float(v), 4) for k, v in row.items()}, flush=True)
    print("mean", {k: round(float(np.mean([r[k] for r in res])), 4) for k in res[0]})


if __name__ == "__main__":
    main()
