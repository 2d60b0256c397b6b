"""AAEClusterer with batch normalization in the encoder (exploration).

The paper's clustering model normalizes the encoder's hidden layers by batch. This
fits the default ``AAEClusterer(10)`` and the same with an encoder of (256, 256) hidden
layers, each followed by ``BatchNorm1d`` before its ReLU (through ``encoder_module``),
on all digits / 16, and prints majority-label accuracy, ARI and NMI per seed and their
means. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-03-amd-cpu-c/cluster_batchnorm.py SEED...
"""

import sys
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from _common import machine_info, print_header  # noqa: E402
from bench_family_digits import majority_accuracy  # noqa: E402

from sklearn_aae import AAEClusterer  # noqa: E402


def batchnorm_mlp(n_in, n_out, hidden=(256, 256)):
    """Linear -> BatchNorm1d -> ReLU blocks, then a linear output layer."""
    layers = []
    for width in hidden:
        layers += [nn.Linear(n_in, width), nn.BatchNorm1d(width), nn.ReLU()]
        n_in = width
    layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


SETTINGS = {"defaults": {}, "batch norm": {"encoder_module": batchnorm_mlp}}


def fit(name, seed, X, y):
    import torch

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    labels = AAEClusterer(10, random_state=seed, **SETTINGS[name]).fit(X).labels_
    return (
        majority_accuracy(y, labels),
        adjusted_rand_score(y, labels),
        normalized_mutual_info_score(y, labels),
    )


def main():
    seeds = [int(s) for s in sys.argv[1:]]
    print_header(machine_info("cpu"))
    digits = load_digits()
    X, y = (digits.data / 16).astype(np.float32), digits.target
    jobs = [(name, seed) for seed in seeds for name in SETTINGS]
    results = Parallel(n_jobs=2)(delayed(fit)(name, seed, X, y) for name, seed in jobs)
    table = dict(zip(jobs, results, strict=True))
    for seed in seeds:
        line = "; ".join(
            f"{name} acc {table[name, seed][0]:.4f} ARI {table[name, seed][1]:.3f} "
            f"NMI {table[name, seed][2]:.3f}"
            for name in SETTINGS
        )
        print(f"seed {seed}: {line}")
    for name in SETTINGS:
        values = np.array([table[name, seed] for seed in seeds])
        mean, std = values.mean(axis=0), values[:, 0].std()
        print(f"MEAN {name}: acc {mean[0]:.4f} ± {std:.4f} ARI {mean[1]:.3f} NMI {mean[2]:.3f}")


if __name__ == "__main__":
    main()
