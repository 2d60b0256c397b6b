"""Demo on scikit-learn's digits: ``python -m sklearn_aae.demo``.

Reduces the 64 pixels of the digits to 2 numbers with PCA, with the paper's adversarial
autoencoder (``AAETransformer``) and with the neighbour-graph term
(``neighbor_weight=1.0``), and prints for each:

1. the 3-fold cross-validated accuracy of ``StandardScaler -> reducer -> SVC()``;
2. how closely the codes of all 1797 digits follow the N(0, I) prior: the MMD² to as many
   prior draws and the p-value of a two-sample test, next to a plain autoencoder
   (λ = 0), whose codes do not;

and, with matplotlib installed, writes both models' codes over prior draws to a PNG.
Each line is printed as soon as its model's fits, and those above it, are done. Nothing
is downloaded; it takes under a minute on two cores.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ._metrics import maximum_mean_discrepancy, mmd_test
from ._transformer import AAETransformer

#: The models compared, by the label printed.
PLAIN = "AAETransformer"
GRAPH = "AAETransformer(neighbor_weight=1)"
NO_PRIOR = "plain autoencoder (λ=0)"
#: Folds of the cross-validation.
N_FOLDS = 3


def _reducers(k):
    return {
        "PCA": PCA(n_components=k, random_state=0),
        PLAIN: AAETransformer(n_components=k, random_state=0),
        GRAPH: AAETransformer(n_components=k, neighbor_weight=1.0, random_state=0),
    }


def _folds(X, y):
    return list(StratifiedKFold(N_FOLDS, shuffle=True, random_state=0).split(X, y))


def _quiet(fit):
    """Run ``fit()`` without ConvergenceWarnings.

    The demo trains the default 100 epochs, which end before the training criterion has
    stopped improving; every fit would say so. Set here, in the process that fits (the
    filter does not reach joblib's workers from the caller).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit()


def _fold_accuracy(reducer, X, y, train, test):
    """Accuracy of ``StandardScaler -> reducer -> SVC()`` on one fold, and its seconds."""
    start = time.perf_counter()
    pipe = Pipeline([("scale", StandardScaler()), ("reduce", reducer), ("clf", SVC())])
    score = _quiet(lambda: pipe.fit(X[train], y[train])).score(X[test], y[test])
    return score, time.perf_counter() - start


def _fit_codes(params, X):
    start = time.perf_counter()
    aae = AAETransformer(random_state=0, n_jobs=1, **params)
    Z = _quiet(lambda: aae.fit_transform(X))
    return Z, aae.discriminator_accuracy_curve_[-1], time.perf_counter() - start


def _indexed(index, function, *args):
    return index, function(*args)


def _tasks(k, X, y):
    """Every AAE fit of the demo, in the order its lines are printed.

    All of them go to one pool of workers at once, so that no core waits for the last
    fold of a model while the next model's fits could run. (PCA's folds take
    milliseconds and run in the calling process: a worker's first task sets the memory
    it is allowed to grow from, and one that had only fitted PCA would be restarted
    when it first trains a network.)
    """
    for name, reducer in _reducers(k).items():
        if name == "PCA":
            continue
        for train, test in _folds(X, y):
            yield ("cv", name), (_fold_accuracy, clone(reducer), X, y, train, test)
    Xs = StandardScaler().fit_transform(X)
    for label, params in _prior_models(k).items():
        yield ("prior", label), (_fit_codes, params, Xs)


def _start_order(keys):
    """Return the order to start the fits in: the longest first, then as printed.

    The graph model's fit on all rows is the longest. Started in the order the lines are
    printed, it came last and one core waited for it alone at the end; started first, it
    runs beside the others, whose lines still come one by one.
    """
    longest = keys.index(("prior", GRAPH))
    return [longest] + [i for i in range(len(keys)) if i != longest]


def _in_order(results):
    """Yield the results of ``(index, result)`` pairs that arrive in any order by index."""
    done, next_index = {}, 0
    for index, result in results:
        done[index] = result
        while next_index in done:
            yield done.pop(next_index)
            next_index += 1


def _print_cv_line(name, folds):
    """Print a model's mean fold accuracy; ``folds`` holds (accuracy, seconds) pairs."""
    scores, seconds = zip(*folds, strict=True)
    print(
        f"  {name:<34} {np.mean(scores):.3f} ± {np.std(scores):.3f}   "
        f"({sum(seconds):.0f} s of fitting)",
        flush=True,
    )


def _prior_models(k):
    return {
        NO_PRIOR: {"n_components": k, "adversarial_weight": 0.0},
        PLAIN: {"n_components": k},
        GRAPH: {"n_components": k, "neighbor_weight": 1.0},
    }


def _plot(codes, prior_draws, y, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(codes), figsize=(5 * len(codes), 4.6))
    # The same window for both, where the prior puts its mass (a few outlying codes of
    # a model may fall outside it).
    limit = 1.2 * np.abs(prior_draws).max()
    for ax, (title, Z) in zip(axes, codes.items(), strict=True):
        ax.scatter(*prior_draws.T, s=3, c="lightgrey", label="prior draws")
        points = ax.scatter(*Z.T, s=4, c=y, cmap="tab10", label="codes")
        ax.set_title(title)
        ax.set_xlabel("z[0]")
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
    axes[0].set_ylabel("z[1]")
    axes[0].legend(loc="upper right", markerscale=3)
    fig.colorbar(points, ax=axes, label="digit")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    """Run the demo; ``argv`` as for the command line."""
    parser = argparse.ArgumentParser(description="AAETransformer on scikit-learn digits.")
    parser.add_argument("--n-components", type=int, default=2)
    parser.add_argument("--n-jobs", type=int, default=2, help="fits run in parallel")
    parser.add_argument("--png", default="aae_digits_codes.png", help="figure path")
    args = parser.parse_args(argv)
    k = args.n_components
    start = time.perf_counter()

    X, y = load_digits(return_X_y=True)
    print(f"digits: {X.shape[0]} images of {X.shape[1]} pixels, {k}-D codes\n")
    print("3-fold CV accuracy of StandardScaler -> reducer -> SVC()", flush=True)
    pca = _reducers(k)["PCA"]
    _print_cv_line("PCA", [_fold_accuracy(pca, X, y, *fold) for fold in _folds(X, y)])
    keys, tasks = zip(*_tasks(k, X, y), strict=True)
    # The longest fit starts first, the others in the order of the lines; results come
    # back as each ends, and a line is printed once its fits and those above are done.
    jobs = (delayed(_indexed)(i, *tasks[i]) for i in _start_order(keys))
    unordered = Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs)
    results = _in_order(unordered)
    prior_draws = np.random.RandomState(0).standard_normal((len(X), k))
    pending, codes = [], {}
    for (part, name), result in zip(keys, results, strict=True):
        if part == "cv":
            pending.append(result)
            if len(pending) < N_FOLDS:
                continue
            _print_cv_line(name, pending)
            pending = []
            continue
        if name == NO_PRIOR:  # the first of the prior fits
            print(
                f"\nHow closely the codes of all {len(X)} digits follow the N(0, I) prior",
                flush=True,
            )
        Z, d_accuracy, seconds = result
        mmd2 = maximum_mean_discrepancy(Z, prior_draws)
        _, p_value = mmd_test(Z, prior_draws, n_permutations=100)
        print(
            f"  {name:<34} MMD² = {mmd2:.4f}  two-sample p = {p_value:.3f}  "
            f"discriminator accuracy = {d_accuracy:.2f}   ({seconds:.0f} s)",
            flush=True,
        )
        if name != NO_PRIOR:
            codes[name] = Z
    print("  (MMD² near 0 and a discriminator near 0.5 mean the codes match the prior.)")

    if k == 2:
        try:
            _plot(codes, prior_draws, y, args.png)
            print(f"\nFigure of both models' codes over prior draws: {args.png}")
        except ImportError:
            print("\nInstall matplotlib to get a figure of the codes over the prior.")
    print(f"\nDone in {time.perf_counter() - start:.0f} s.")


if __name__ == "__main__":
    main()
