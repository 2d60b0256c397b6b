"""Reduction quality of AAETransformer's defaults against PCA, KernelPCA and umap-learn.

For each reducer, ``StandardScaler -> reducer -> SVC()``:

- on scikit-learn digits: 5-fold stratified CV (shuffled, random_state=0) accuracy, with
  2 and 8 components, and the mean fit time of the whole pipeline per fold;
- on MNIST (``--mnist``): fit on a 10k subset of the training set, accuracy on the
  official 10k test set;

and, for AAETransformer with λ = 0 (a plain autoencoder) and with the default λ, how
closely the codes of all digits follow the prior: the MMD² between codes and as many
prior draws, and the p-value of the MMD permutation two-sample test.

umap-learn is used when installed (``pip install umap-learn``), twice: as a Pipeline runs
it, which passes ``y`` to its ``fit`` and makes its map supervised ("given y"), and
without ``y``, as AAETransformer runs.

    python benchmarks/bench_quality.py                     # digits
    python benchmarks/bench_quality.py --mnist ../shared/data/mnist
    python benchmarks/bench_quality.py --mnist ../shared/data/mnist --parts mnist
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _common import (
    UnsupervisedUMAP,
    emit,
    load_mnist,
    machine_info,
    print_header,
    print_table,
)
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA, KernelPCA
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_aae import AAETransformer, maximum_mean_discrepancy, mmd_test


def reducers(k, seed):
    out = {
        "PCA": PCA(n_components=k, random_state=seed),
        "KernelPCA(rbf)": KernelPCA(n_components=k, kernel="rbf", random_state=seed),
        "AAETransformer": AAETransformer(n_components=k, random_state=seed),
        "AAETransformer(neighbor_weight=1)": AAETransformer(
            n_components=k, neighbor_weight=1.0, random_state=seed
        ),
    }
    try:
        import umap

        # A Pipeline passes y to umap-learn's fit, which then learns a supervised map;
        # AAETransformer ignores y, so umap-learn also runs without it.
        out["umap-learn (given y)"] = umap.UMAP(n_components=k, random_state=seed)
        out["umap-learn"] = UnsupervisedUMAP(n_components=k, random_state=seed)
    except ImportError:
        pass
    return out


def pipeline(reducer):
    return Pipeline([("scale", StandardScaler()), ("reduce", reducer), ("clf", SVC())])


def digits_accuracy(components, seed, n_jobs):
    X, y = load_digits(return_X_y=True)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    for k in components:
        for name, reducer in reducers(k, seed).items():
            result = cross_validate(pipeline(reducer), X, y, cv=cv, n_jobs=n_jobs)
            yield {
                "bench": "quality",
                "data": "digits",
                "reducer": name,
                "n_components": k,
                "accuracy": float(np.mean(result["test_score"])),
                "std": float(np.std(result["test_score"])),
                "fit_s": float(np.mean(result["fit_time"])),
            }


def mnist_accuracy(components, seed, folder, n_train):
    X_train, y_train, X_test, y_test = load_mnist(folder)
    idx = np.random.RandomState(0).choice(len(X_train), n_train, replace=False)
    X_train, y_train = X_train[idx], y_train[idx]
    for k in components:
        for name, reducer in reducers(k, seed).items():
            pipe = pipeline(reducer)
            start = time.perf_counter()
            pipe.fit(X_train, y_train)
            fit_s = time.perf_counter() - start
            yield {
                "bench": "quality",
                "data": f"mnist-{n_train // 1000}k",
                "reducer": name,
                "n_components": k,
                "accuracy": float(pipe.score(X_test, y_test)),
                "fit_s": fit_s,
            }


def prior_fit(components, seed):
    X = StandardScaler().fit_transform(load_digits().data)
    for k in components:
        for lam in (0.0, AAETransformer().adversarial_weight):
            aae = AAETransformer(n_components=k, adversarial_weight=lam, random_state=seed)
            Z = aae.fit_transform(X)
            draws = aae._sample_prior(len(Z), random_state=1)
            mmd2, p_value = mmd_test(Z, draws, n_permutations=200)
            yield {
                "bench": "prior_fit",
                "data": "digits",
                "n_components": k,
                "adversarial_weight": lam,
                "mmd2": maximum_mean_discrepancy(Z, draws),
                "mmd_test_p": p_value,
                "final_discriminator_accuracy": aae.discriminator_accuracy_curve_[-1],
            }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, nargs="+", default=[2, 8])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--n-jobs", type=int, default=1, help="CV folds in parallel")
    parser.add_argument("--mnist", default=None, help="MNIST folder (skip MNIST if unset)")
    parser.add_argument("--mnist-train", type=int, default=10_000)
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=["digits", "mnist", "prior"],
        default=["digits", "mnist", "prior"],
        help="what to run (mnist only with --mnist)",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print_header(machine_info("cuda" if torch.cuda.is_available() else "cpu"))

    rows = []
    if "digits" in args.parts:
        for row in digits_accuracy(args.components, args.seed, args.n_jobs):
            emit(row)
            rows.append(row)
    if args.mnist and "mnist" in args.parts:
        for row in mnist_accuracy(args.components, args.seed, args.mnist, args.mnist_train):
            emit(row)
            rows.append(row)
    fits = []
    if "prior" in args.parts:
        for row in prior_fit(args.components, args.seed):
            emit(row)
            fits.append(row)
    print()
    print_table(rows, ["data", "reducer", "n_components", "accuracy", "std", "fit_s"])
    print()
    print_table(
        fits,
        [
            "n_components",
            "adversarial_weight",
            "mmd2",
            "mmd_test_p",
            "final_discriminator_accuracy",
        ],
    )


if __name__ == "__main__":
    main()
