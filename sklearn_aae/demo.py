"""Demo on scikit-learn's digits: ``python -m sklearn_aae.demo``.

Reduces the 64 pixels of the digits to 2 numbers with PCA, with the paper's adversarial
autoencoder (``AAETransformer``) and with the neighbour-graph term
(``neighbor_weight=1.0``), and prints:

1. for each, the 3-fold cross-validated accuracy of ``StandardScaler -> reducer ->
   SVC()``, as soon as its folds (and those of the lines above) are done;
2. for both AAE models, how closely the codes of all 1797 digits, each encoded by the
   model of the fold that did not train on it, follow the N(0, I) prior: the MMD² to as
   many prior draws and the p-value of a two-sample test, next to a plain autoencoder
   (λ = 0), whose codes do not;

and, with matplotlib installed, writes the codes of all digits from both models'
first fold over prior draws to a PNG. Nothing is downloaded; it takes under a minute
on two cores.
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
from threadpoolctl import threadpool_limits

from ._metrics import maximum_mean_discrepancy, mmd_test
from ._transformer import AAETransformer

#: The models compared, by the label printed.
PLAIN = "AAETransformer"
GRAPH = "AAETransformer(neighbor_weight=1)"
NO_PRIOR = "plain autoencoder (λ=0)"
#: Folds of the cross-validation.
N_FOLDS = 3


def _models(k):
    """Return the AAE models in the order their fits start (accuracy lines first)."""
    return {
        PLAIN: AAETransformer(n_components=k, random_state=0),
        GRAPH: AAETransformer(n_components=k, neighbor_weight=1.0, random_state=0),
        NO_PRIOR: AAETransformer(n_components=k, adversarial_weight=0.0, random_state=0),
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


def _fold(reducer, X, y, train, test):
    """Fit ``StandardScaler -> reducer -> SVC()`` on one fold's training rows.

    Returns the accuracy on the fold's test rows, the seconds it took, the test rows'
    indices, the codes of all rows and, for an AAE, its discriminator's accuracy in the
    last training epoch.
    """
    start = time.perf_counter()
    pipe = Pipeline([("scale", StandardScaler()), ("reduce", reducer), ("clf", SVC())])
    score = _quiet(lambda: pipe.fit(X[train], y[train])).score(X[test], y[test])
    seconds = time.perf_counter() - start
    codes = pipe[:-1].transform(X)
    d_accuracy = getattr(pipe["reduce"], "discriminator_accuracy_curve_", [np.nan])[-1]
    return score, seconds, test, codes, d_accuracy


def _tasks(k, X, y):
    """Every AAE fit of the demo: each model's folds, models in the order of ``_models``.

    All of them go to one pool of workers at once, so that no core waits for the last
    fold of a model while the next model's fits could run; started in this order, the
    lines come one by one. (PCA's folds take milliseconds and run in the calling
    process: a worker's first task sets the memory it is allowed to grow from, and one
    that had only fitted PCA would be restarted when it first trains a network.)
    """
    for name, model in _models(k).items():
        for train, test in _folds(X, y):
            yield name, delayed(_fold)(clone(model), X, y, train, test)


def _print_cv_line(name, folds):
    """Print a model's mean fold accuracy; ``folds`` holds ``_fold``'s results."""
    scores, seconds = [f[0] for f in folds], [f[1] for f in folds]
    print(
        f"  {name:<34} {np.mean(scores):.3f} ± {np.std(scores):.3f}   "
        f"({sum(seconds):.0f} s of fitting)",
        flush=True,
    )


def _held_out_codes(folds):
    """Each row's code from the model of the fold that did not train on it."""
    codes = np.full(folds[0][3].shape, np.nan)
    for _, _, test, Z, _ in folds:
        codes[test] = Z[test]
    return codes


def _prior_line(name, Z, d_accuracy, prior_draws):
    """Return the line on how closely the codes ``Z`` follow the prior."""
    mmd2 = maximum_mean_discrepancy(Z, prior_draws)
    _, p_value = mmd_test(Z, prior_draws, n_permutations=100)
    return (
        f"  {name:<34} MMD² = {mmd2:.4f}  two-sample p = {p_value:.3f}  "
        f"discriminator accuracy = {d_accuracy:.2f}"
    )


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
    pca = PCA(n_components=k, random_state=0)
    _print_cv_line("PCA", [_fold(pca, X, y, *fold) for fold in _folds(X, y)])
    names, jobs = zip(*_tasks(k, X, y), strict=True)
    # Results come back in the order of the tasks, each as soon as it and those before
    # it are done: a model's line is printed as soon as its folds are.
    results = Parallel(n_jobs=args.n_jobs, return_as="generator")(jobs)
    prior_draws = np.random.RandomState(0).standard_normal((len(X), k))
    folds = {name: [] for name in names}
    prior_lines = {}
    for name, result in zip(names, results, strict=True):
        folds[name].append(result)
        if len(folds[name]) < N_FOLDS:
            continue
        if name != NO_PRIOR:
            _print_cv_line(name, folds[name])
        # Its prior line now, on one thread, while the workers fit the models after it;
        # printed below. The discriminator's accuracy is the folds' mean.
        d_accuracy = np.mean([fold[4] for fold in folds[name]])
        with threadpool_limits(1):
            prior_lines[name] = _prior_line(
                name, _held_out_codes(folds[name]), d_accuracy, prior_draws
            )
    print(
        f"\nHow closely the codes of all {len(X)} digits follow the N(0, I) prior (each "
        "digit encoded by the model of the fold that did not train on it)"
    )
    for name in (NO_PRIOR, PLAIN, GRAPH):
        print(prior_lines[name])
    print(
        "  (MMD² near 0 and a discriminator near 0.5 mean the codes match the prior; "
        "the discriminator's accuracy is that of its last training epoch.)"
    )
    # One model's codes per panel: the fold models' axes need not agree with each other.
    codes = {name: folds[name][0][3] for name in (PLAIN, GRAPH)}

    if k == 2:
        try:
            _plot(codes, prior_draws, y, args.png)
            print(
                f"\nFigure of all digits' codes over prior draws, from each model of the "
                f"first fold: {args.png}"
            )
        except ImportError:
            print("\nInstall matplotlib to get a figure of the codes over the prior.")
    print(f"\nDone in {time.perf_counter() - start:.0f} s.")


if __name__ == "__main__":
    main()
