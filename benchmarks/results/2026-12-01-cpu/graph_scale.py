"""How the graph term's distance scale should depend on the code's dimension.

The term measures distances between d-dimensional codes on the scale ``code_scale`` ·
sqrt(2 / d) (the package's rule); the alternative tried, ``--arm fixed``, keeps the
scale of 2-D codes at every dimension (the rule before). Per seed, for one arm:

- ``transformer``: 5-fold CV accuracy (shuffled, ``random_state=0``) of
  ``StandardScaler -> AAETransformer(8, neighbor_weight=1) -> SVC()`` on digits, the
  MMD² of a fit on all digits to the prior, and how many fits warned that the
  discriminator won (``AdversarialTrainingWarning``);
- ``family``: ``AAEClassifier`` and ``AAEClusterer`` as ``bench_family_digits.py`` runs
  them (its splits, its scores), without the peers.

    OMP_NUM_THREADS=1 python benchmarks/results/2026-12-01-cpu/graph_scale.py \\
        --arm dimension --parts transformer family --seeds 0 1 2
"""

import argparse
import json
import math
import sys
import warnings
from pathlib import Path

from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import sklearn_aae._training as training
from sklearn_aae import AAETransformer, AdversarialTrainingWarning, prior_fit_score

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
import bench_family_digits as family  # noqa: E402
from _common import machine_info, print_header  # noqa: E402


def use_fixed_scale():
    """Train with the 2-D codes' scale at every dimension."""
    loss = training.neighbor_loss

    def fixed(z, z_neighbors, *args, code_scale, **kwargs):
        return loss(
            z, z_neighbors, *args, code_scale=code_scale * math.sqrt(z.shape[1] / 2), **kwargs
        )

    training.neighbor_loss = fixed


def transformer(seed, X, y):
    cv = StratifiedKFold(shuffle=True, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        aae = AAETransformer(n_components=8, neighbor_weight=1.0, random_state=seed)
        accuracy = cross_val_score(make_pipeline(StandardScaler(), aae, SVC()), X, y, cv=cv).mean()
        full = make_pipeline(StandardScaler(), aae).fit(X)
        mmd2 = -prior_fit_score(full, X)
    won = sum(issubclass(w.category, AdversarialTrainingWarning) for w in caught)
    yield {
        "model": "AAETransformer(8, neighbor_weight=1)",
        "accuracy": accuracy,
        "mmd2": mmd2,
        "discriminator_won_fits": f"{won}/6",
    }


def family_models(seed, X, y):
    for part, run in (("semi", family.run_semi), ("cluster", family.run_cluster)):
        models = family.aae_models(part, False, {})
        # standardized input only, as when the logs were written
        for row in run(X, y, seed, models, peers=False, aae_inputs=("std",)):
            yield {
                k: row[k]
                for k in ("model", "accuracy", "accuracy_majority", "ari", "nmi")
                if k in row
            }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arm", choices=["dimension", "fixed"], required=True)
    parser.add_argument("--parts", nargs="+", choices=["transformer", "family"], required=True)
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    args = parser.parse_args()
    print_header(machine_info())
    if args.arm == "fixed":
        use_fixed_scale()
    warnings.filterwarnings("ignore", module="sklearn")
    X, y = load_digits(return_X_y=True)
    parts = {"transformer": transformer, "family": family_models}
    for seed in args.seeds:
        for part in args.parts:
            for row in parts[part](seed, X, y):
                print(json.dumps({"arm": args.arm, "seed": seed, "part": part, **row}), flush=True)


if __name__ == "__main__":
    main()
