"""AAEClusterer(10) settings on all digits (pixels / 16): purity of the categories and
accuracy of the merged clusters (exploration).

Each setting is a JSON object of estimator parameters; the keys ``balance`` (the weight
of the categories' balance in the graph term; the model's ``category_balance`` when
only ``agreement`` is given) and ``agreement`` (a weight on the whole category-agreement
term) patch the training loop instead. Without either key the estimator's own term
runs, with its ``category_balance``. An earlier version patched a balance of 2.0 when
the key was missing: the logs of ``2026-12-02-amd-cpu-c/cluster_sweep_*`` ran with it.
Prints, per setting and seed, the majority-label accuracy of the raw categories and of
the clusters (``labels_``), ARI, and the means. Run from the repository root:

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-02-intel-cpu/cluster_sweep.py \
        --seeds 0 1 2 --settings '{}' '{"neighbor_weight": 2}'
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
from bench_family_digits import majority_accuracy  # noqa: E402

import sklearn_aae._training as training  # noqa: E402
from sklearn_aae import AAEClusterer  # noqa: E402
from sklearn_aae._neighbors import category_agreement_loss  # noqa: E402


def patched(balance, agreement):
    """The category-agreement term times ``agreement``, with its own ``balance`` weight,
    or with the model's when ``balance`` is None."""

    def loss(logits, logits_neighbors, weights=None, **kwargs):
        if balance is not None:
            kwargs["balance"] = balance
        return agreement * category_agreement_loss(logits, logits_neighbors, weights, **kwargs)

    return loss


def setting(text):
    """Return the estimator parameters of a JSON setting; patch the training loop's
    category-agreement term by its ``balance`` and ``agreement`` keys, if any, or put
    the estimator's own term back."""
    params = json.loads(text)
    if "balance" in params or "agreement" in params:
        balance = params.pop("balance", None)
        agreement = params.pop("agreement", 1.0)
        training.category_agreement_loss = patched(balance, agreement)
    else:
        training.category_agreement_loss = category_agreement_loss
    return params


def sweep_args():
    """The command line of the sweeps (``--seeds``, ``--settings``); one torch thread."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--settings", nargs="+", default=["{}"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    return args


def main():
    args = sweep_args()
    X, y = load_digits(return_X_y=True)
    rows = X / 16
    for text in args.settings:
        params = setting(text)
        results = []
        for seed in args.seeds:
            start = time.perf_counter()
            model = AAEClusterer(10, random_state=seed, **params).fit(rows)
            z = model._class_logits(rows.astype(np.float32)).argmax(axis=1)
            row = [
                majority_accuracy(y, z),
                majority_accuracy(y, model.labels_),
                adjusted_rand_score(y, model.labels_),
            ]
            results.append(row)
            print(
                f"{text} seed {seed}: categories {row[0]:.4f} clusters {row[1]:.4f} "
                f"ARI {row[2]:.4f} ({time.perf_counter() - start:.1f} s)",
                flush=True,
            )
        mean, std = np.mean(results, axis=0), np.std(results, axis=0)
        print(
            f"{text} MEAN categories {mean[0]:.4f} clusters {mean[1]:.4f} ± {std[1]:.4f} "
            f"(lowest {np.min(np.array(results)[:, 1]):.4f}) ARI {mean[2]:.4f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
