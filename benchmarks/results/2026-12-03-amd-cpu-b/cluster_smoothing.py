"""Do AAEClusterer's clusters gain from smoothing along the rows' neighbour graph?

Fits the default AAEClusterer(10) on all digits / 16 for each seed, then spreads its
cluster probabilities along the fuzzy neighbour graph of the rows (label-spreading
iterations F <- a S F + (1 - a) P, S the symmetrically normalised graph) and reports
majority accuracy, ARI and NMI before and after, and how many rows changed cluster.

    OMP_NUM_THREADS=1 python cluster_smoothing.py --seeds 0 1 2 3 4 5 6 7 8 9
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from _common import machine_info, print_header  # noqa: E402
from bench_family_digits import majority_accuracy  # noqa: E402

from sklearn_aae import AAEClusterer  # noqa: E402
from sklearn_aae._neighbors import fuzzy_graph  # noqa: E402


def fit(seed, X, params):
    import torch

    torch.set_num_threads(1)
    model = AAEClusterer(10, random_state=seed, **params).fit(X)
    return model.predict_proba(X)


def spread(graph, proba, alpha, iters=30):
    degree = np.asarray(graph.sum(axis=1)).ravel()
    inv = 1.0 / np.sqrt(np.maximum(degree, 1e-12))
    S = sp.diags(inv) @ graph @ sp.diags(inv)
    F = proba.copy()
    for _ in range(iters):
        F = alpha * (S @ F) + (1 - alpha) * proba
    return F


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--params", default="{}")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    print_header(machine_info("cpu"))
    digits = load_digits()
    X, y = (digits.data / 16).astype(np.float32), digits.target
    params = json.loads(args.params)
    probas = Parallel(n_jobs=args.n_jobs)(delayed(fit)(s, X, params) for s in args.seeds)
    graphs = {k: fuzzy_graph(X, k, "cpu", 0) for k in (10, 15, 30)}
    for seed, proba in zip(args.seeds, probas, strict=True):
        base = proba.argmax(axis=1)
        row = {"seed": seed, "plain": round(majority_accuracy(y, base), 4)}
        for k, graph in graphs.items():
            graph = sp.csr_matrix(graph)
            for alpha in (0.5, 0.8, 0.95):
                lab = spread(graph, proba, alpha).argmax(axis=1)
                row[f"k{k}_a{alpha}"] = round(majority_accuracy(y, lab), 4)
        row["ari"] = round(adjusted_rand_score(y, base), 3)
        row["nmi"] = round(normalized_mutual_info_score(y, base), 3)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
