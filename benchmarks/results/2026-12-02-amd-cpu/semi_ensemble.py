"""AAEClassifier's test probabilities combined with LabelSpreading's (exploration).

Digits on pixels / 16, the split of bench_family_digits.py (70/30 stratified, 10 % of
the training labels, both by the seed). Per seed: the AAE alone, LabelSpreading(knn, 7)
alone, their probabilities averaged with weight a on the AAE, and a kNN vote over the
training rows' labels (the AAE's predictions where unlabelled), alone and added to the
AAE's. Run: OMP_NUM_THREADS=1 python semi_ensemble.py 0 1 2 3 4 5 6 7 8 9
"""

import sys
import warnings

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors
from sklearn.semi_supervised import LabelSpreading

from sklearn_aae import AAEClassifier


def split(seed):
    """bench_family_digits.py's split on pixels / 16: train, test, partial labels."""
    X, y = load_digits(return_X_y=True)
    X = X / 16
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    lab, _ = train_test_split(np.arange(len(ytr)), train_size=0.1, stratify=ytr, random_state=seed)
    yp = np.full_like(ytr, -1)
    yp[lab] = ytr[lab]
    return Xtr, Xte, ytr, yte, lab, yp


def main():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    res = []
    for seed in map(int, sys.argv[1:]):
        Xtr, Xte, ytr, yte, lab, yp = split(seed)
        clf = AAEClassifier(random_state=seed).fit(Xtr, yp)
        ls = LabelSpreading(kernel="knn", n_neighbors=7).fit(Xtr, yp)
        P_net = clf.predict_proba(Xte)
        P_ls = ls.predict_proba(Xte)
        row = {"net": (P_net.argmax(1) == yte).mean(), "ls": (P_ls.argmax(1) == yte).mean()}
        for a in (0.3, 0.5, 0.7):
            row[f"avg{a}"] = ((a * P_net + (1 - a) * P_ls).argmax(1) == yte).mean()
        # the network's predictions on the training rows (the labels where given), then
        # a vote of each test row's k nearest training rows
        Ptr = clf.predict_proba(Xtr)
        Ptr[lab] = np.eye(10)[ytr[lab]]
        for k in (7, 10):
            nn = NearestNeighbors(n_neighbors=k).fit(Xtr)
            idx = nn.kneighbors(Xte, return_distance=False)
            P_vote = Ptr[idx].mean(1)
            row[f"vote{k}"] = (P_vote.argmax(1) == yte).mean()
            row[f"vote{k}+net"] = ((P_vote + P_net).argmax(1) == yte).mean()
        res.append(row)
        print(seed, {k: round(v, 4) for k, v in row.items()}, flush=True)
    print({k: round(np.mean([r[k] for r in res]), 4) for k in res[0]})


if __name__ == "__main__":
    main()
