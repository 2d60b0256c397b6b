"""sample_weight: what it changes, what it leaves alone, and how it is routed.

scikit-learn's two equivalence checks (weights against removing or repeating rows) are
expected failures for these stochastic estimators (``test_common.py``); the tests here
check what those checks would have shown, with tolerances a stochastic fit can meet.
"""

import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_array_equal
from scipy.stats import ttest_ind
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_aae import AAEClassifier, AAEClusterer, AAETransformer


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def small(**params):
    params = {"n_components": 4, "hidden_layer_sizes": (64, 64), "max_iter": 30, **params}
    return AAETransformer(**params)


def test_zero_weight_rows_are_left_out(blobs, rng):
    X, _ = blobs
    junk = 50 * rng.standard_normal((40, X.shape[1]))  # rows that would wreck the fit
    X_more = np.vstack([X[:150], junk, X[150:]])
    w = np.r_[np.ones(150), np.zeros(40), np.full(len(X) - 150, 1.0)]
    w[0] = 1.0 + 1e-9  # not constant, so the weighted path runs
    alone = small(random_state=0).fit(X, sample_weight=np.r_[w[:150], w[190:]])
    weighted = small(random_state=0).fit(X_more, sample_weight=w)
    assert_array_equal(weighted.transform(X), alone.transform(X))


def test_equal_weights_are_no_weights(blobs):
    X, _ = blobs
    none = small(random_state=0).fit(X)
    for w in (np.ones(len(X)), np.full(len(X), 3.5)):
        assert_array_equal(
            small(random_state=0).fit(X, sample_weight=w).transform(X), none.transform(X)
        )


def _class_zero_error_ratio(est, X, y):
    errors = -est.score_samples(X)
    return errors[y == 0].mean() / errors[y != 0].mean()


def test_up_weighting_a_class_lowers_its_error_like_repeating_its_rows(digits):
    X, y = digits
    zero = y == 0
    ratios = {"none": [], "weights": [], "repeats": []}
    for seed in range(3):
        ratios["none"].append(_class_zero_error_ratio(small(random_state=seed).fit(X), X, y))
        weighted = small(random_state=seed).fit(X, sample_weight=np.where(zero, 3.0, 1.0))
        ratios["weights"].append(_class_zero_error_ratio(weighted, X, y))
        repeated = small(random_state=seed).fit(np.vstack([X, X[zero], X[zero]]))
        ratios["repeats"].append(_class_zero_error_ratio(repeated, X, y))
    mean = {k: np.mean(v) for k, v in ratios.items()}
    # weight 3 on the zeros lowers their error relative to the other digits ...
    assert mean["weights"] < mean["none"] - 0.04
    # ... about as much as repeating them twice more does (integer weights ~ repeats)
    assert abs(mean["weights"] - mean["repeats"]) < 0.05
    assert ttest_ind(ratios["weights"], ratios["repeats"]).pvalue > 0.01


def test_weights_reach_the_classifier_and_the_clusterer(blobs):
    X, y = blobs
    w = np.linspace(0.5, 2.0, len(X))
    clf = AAEClassifier(max_iter=3, random_state=0, unlabelled_label=None)
    assert not np.array_equal(
        clf.fit(X, y, sample_weight=w).predict_proba(X), clf.fit(X, y).predict_proba(X)
    )
    clu = AAEClusterer(n_clusters=3, max_iter=3, random_state=0)
    assert not np.array_equal(
        clu.fit(X, sample_weight=w).predict_proba(X), clu.fit(X).predict_proba(X)
    )


def test_partial_fit_and_the_graph_term_take_weights(blobs):
    X, _ = blobs
    w = np.linspace(0.5, 2.0, len(X))
    a = small(random_state=0, neighbor_weight=1.0).partial_fit(X, sample_weight=w)
    b = small(random_state=0, neighbor_weight=1.0).partial_fit(X)
    assert a.neighbor_loss_curve_ != b.neighbor_loss_curve_


def test_bad_weights_are_clear_errors(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="Negative values"):
        small().fit(X, sample_weight=-np.ones(len(X)))
    with pytest.raises(ValueError, match="at least one non-zero"):
        small().fit(X, sample_weight=np.zeros(len(X)))
    with pytest.raises(ValueError, match="shape"):
        small().fit(X, sample_weight=np.ones(3))


def test_weights_cannot_silence_every_labelled_sample_of_a_class(blobs):
    X, y = blobs
    w = np.where(y == 1, 0.0, 1.0)
    with pytest.raises(ValueError, match="every labelled sample of 1 class"):
        AAEClassifier(max_iter=1, unlabelled_label=None).fit(X, y, sample_weight=w)
    w[np.flatnonzero(y == 1)[0]] = 1.0  # one labelled 1 left: it trains
    AAEClassifier(max_iter=1, unlabelled_label=None).fit(X, y, sample_weight=w)


def test_weights_are_routed_through_a_pipeline_and_a_grid_search(blobs):
    X, y = blobs
    w = np.linspace(0.5, 2.0, len(X))
    with sklearn.config_context(enable_metadata_routing=True):
        aae = small(random_state=0).set_fit_request(sample_weight=True)
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=False), aae)
        pipe.fit(X, sample_weight=w)
        direct = small(random_state=0).fit(StandardScaler().fit_transform(X), sample_weight=w)
        assert_array_equal(pipe.transform(X), direct.transform(StandardScaler().fit_transform(X)))
        search = GridSearchCV(
            small(random_state=0).set_fit_request(sample_weight=True),
            {"adversarial_weight": [0.5, 1.0]},
            cv=2,
        )
        search.fit(X, sample_weight=w)
        assert search.best_params_["adversarial_weight"] in (0.5, 1.0)
