"""How well codes follow the prior: maximum mean discrepancy, a two-sample test, a scorer."""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

# Pairwise kernels cost O(n^2): past this many rows, a random subset is used.
_MAX_ROWS = 2000


def _sq_dists(A, B):
    d = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * A @ B.T
    return np.maximum(d, 0.0)


def _median_bandwidth(Z):
    d = _sq_dists(Z, Z)
    upper = d[np.triu_indices_from(d, k=1)]
    med = np.median(upper) if upper.size else 1.0
    return float(np.sqrt(0.5 * med)) if med > 0 else 1.0


def _mmd2(X, Y, bandwidth):
    gamma = 1.0 / (2.0 * bandwidth**2)
    kxx = np.exp(-gamma * _sq_dists(X, X))
    kyy = np.exp(-gamma * _sq_dists(Y, Y))
    kxy = np.exp(-gamma * _sq_dists(X, Y))
    n, m = len(X), len(Y)
    # Unbiased estimate: leave out the diagonals of the within-sample kernels.
    return float(
        (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
        + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        - 2.0 * kxy.mean()
    )


def _prepare(X, Y, max_rows, random_state):
    X = check_array(X, dtype=np.float64, input_name="X")
    Y = check_array(Y, dtype=np.float64, input_name="Y")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of columns, got {X.shape[1]} and {Y.shape[1]}."
        )
    if len(X) < 2 or len(Y) < 2:
        raise ValueError("The MMD needs at least 2 samples in X and in Y.")
    rng = check_random_state(random_state)
    if len(X) > max_rows:
        X = X[rng.choice(len(X), max_rows, replace=False)]
    if len(Y) > max_rows:
        Y = Y[rng.choice(len(Y), max_rows, replace=False)]
    return X, Y, rng


def maximum_mean_discrepancy(X, Y, *, bandwidth=None, max_rows=_MAX_ROWS, random_state=0):
    """Squared maximum mean discrepancy between two samples, with a Gaussian kernel.

    The unbiased estimate of MMD², which is 0 in expectation when X and Y come from the
    same distribution (and may then be slightly negative) and grows as they differ.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        First sample, e.g. codes from ``AAETransformer.transform``.
    Y : array-like of shape (n_samples_Y, n_features)
        Second sample, e.g. draws from the prior.
    bandwidth : float, default=None
        Kernel width; None uses the median heuristic on the pooled sample.
    max_rows : int, default=2000
        Larger samples are subsampled to this many rows (the cost is quadratic).
    random_state : int, RandomState instance or None, default=0
        Seeds the subsampling.

    Returns
    -------
    mmd2 : float
        The unbiased MMD² estimate.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_aae import maximum_mean_discrepancy
    >>> rng = np.random.RandomState(0)
    >>> same = maximum_mean_discrepancy(rng.randn(300, 2), rng.randn(300, 2))
    >>> shifted = maximum_mean_discrepancy(rng.randn(300, 2), rng.randn(300, 2) + 1)
    >>> bool(shifted > 10 * abs(same))
    True
    """
    X, Y, _ = _prepare(X, Y, max_rows, random_state)
    if bandwidth is None:
        bandwidth = _median_bandwidth(np.vstack([X, Y]))
    return _mmd2(X, Y, bandwidth)


def mmd_test(X, Y, *, n_permutations=200, max_rows=1000, random_state=0):
    """Permutation two-sample test of "X and Y come from the same distribution".

    Parameters
    ----------
    X, Y : array-like of shape (n_samples, n_features)
        The two samples.
    n_permutations : int, default=200
        Number of random relabellings of the pooled sample.
    max_rows : int, default=1000
        Larger samples are subsampled to this many rows.
    random_state : int, RandomState instance or None, default=0
        Seeds the subsampling and the permutations.

    Returns
    -------
    mmd2 : float
        The unbiased MMD² of the samples as given.
    p_value : float
        Fraction of permutations (counting the observed split) with an MMD² at least as
        large; small values mean the samples differ.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_aae import mmd_test
    >>> rng = np.random.RandomState(0)
    >>> _, p = mmd_test(rng.randn(200, 2), rng.randn(200, 2) + 1, n_permutations=50)
    >>> bool(p < 0.05)
    True
    """
    X, Y, rng = _prepare(X, Y, max_rows, random_state)
    pooled = np.vstack([X, Y])
    bandwidth = _median_bandwidth(pooled)
    observed = _mmd2(X, Y, bandwidth)
    n = len(X)
    exceed = 1
    for _ in range(n_permutations):
        perm = rng.permutation(len(pooled))
        if _mmd2(pooled[perm[:n]], pooled[perm[n:]], bandwidth) >= observed:
            exceed += 1
    return observed, exceed / (n_permutations + 1)


def _codes_and_model(estimator, X):
    """Codes of X from ``estimator``, or from the AAE step of a Pipeline."""
    if isinstance(estimator, Pipeline):
        Xt = X
        for _, step in estimator.steps:
            if step is None or step == "passthrough":
                continue
            if hasattr(step, "_sample_prior"):
                return step._codes_for_prior_fit(Xt), step
            Xt = step.transform(Xt)
        raise ValueError(
            "prior_fit_score needs a Pipeline with an adversarial autoencoder step "
            "(e.g. AAETransformer); none was found."
        )
    if not hasattr(estimator, "_sample_prior"):
        raise TypeError(
            f"prior_fit_score needs an sklearn-aae estimator or a Pipeline holding one, "
            f"got {type(estimator).__name__}."
        )
    return estimator._codes_for_prior_fit(X), estimator


def prior_fit_score(estimator, X, y=None, *, random_state=0):
    """Scorer: minus the MMD² between the codes of X and as many prior draws.

    Higher is better (0 is a perfect match), so it can be passed as ``scoring=`` to
    ``GridSearchCV`` or ``cross_val_score`` to choose λ by how well codes follow the prior
    rather than by reconstruction alone. Works on a fitted ``AAETransformer`` or a
    Pipeline that contains one (the steps before it transform X first).

    Parameters
    ----------
    estimator : AAETransformer or Pipeline
        Fitted estimator.
    X : array-like of shape (n_samples, n_features)
        Data to encode.
    y : None
        Ignored.
    random_state : int, RandomState instance or None, default=0
        Seeds the prior draws and subsampling, so that scores are comparable.

    Returns
    -------
    score : float
        ``-maximum_mean_discrepancy(codes, prior draws)``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_aae import AAETransformer, prior_fit_score
    >>> X = load_digits().data[:300]
    >>> pipe = make_pipeline(StandardScaler(), AAETransformer(max_iter=3, random_state=0))
    >>> cross_val_score(pipe, X, cv=2, scoring=prior_fit_score).shape
    (2,)
    """
    Z, model = _codes_and_model(estimator, X)
    n = min(len(Z), _MAX_ROWS)
    prior_draws = model._sample_prior(n, random_state)
    return -maximum_mean_discrepancy(Z, prior_draws, random_state=random_state)
