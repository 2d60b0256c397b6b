"""scikit-learn's API checks, run with no tags bent.

The one kind of expected failure: weights against removed or repeated rows, which
scikit-learn itself declares for its stochastic estimators (SGD models, KMeans, ...)
with this reason. ``test_sample_weight.py`` checks what they would have shown, with
tolerances a stochastic fit can meet.
"""

import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_param_validation,
    check_set_output_transform,
    check_transformer_get_feature_names_out,
    parametrize_with_checks,
)

from sklearn_aae import AAEClassifier, AAEClusterer, AAEClusterHeadTransformer, AAETransformer

SAMPLE_WEIGHT_REASON = "sample_weight is not equivalent to removing/repeating samples."


def expected_failed_checks(estimator):
    return {
        "check_sample_weight_equivalence_on_dense_data": SAMPLE_WEIGHT_REASON,
        "check_sample_weight_equivalence_on_sparse_data": SAMPLE_WEIGHT_REASON,
    }


# Few epochs keep the ~50 checks per estimator fast; they test the API, not the fit
# quality, except where a check asks for a minimum (the classifier's accuracy on blobs,
# the clusterer's adjusted Rand index): those two get the epochs they need.
ESTIMATORS = [
    AAETransformer(max_iter=5, random_state=0),
    # with the neighbour-graph term, in its recommended setting
    AAETransformer(max_iter=5, random_state=0, neighbor_weight=1.0),
    AAEClusterHeadTransformer(max_iter=5, random_state=0),
    # Every value of y is a class here, as the checks expect (one check uses -1 and 1 as
    # the two classes). The default marker, -1 for unlabelled, is checked just below.
    AAEClassifier(max_iter=30, random_state=0, unlabelled_label=None),
    AAEClusterer(max_iter=30, random_state=0),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@parametrize_with_checks(
    [AAEClassifier(max_iter=30, random_state=0)],
    expected_failed_checks=lambda est: {
        **expected_failed_checks(est),
        "check_classifiers_classes": (
            "-1 marks unlabelled samples by default (scikit-learn's semi-supervised "
            "convention, as in LabelSpreading), so y in {-1, 1} has one class"
        ),
    },
)
def test_sklearn_compatible_semi_supervised_default(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, clone(estimator).set_params(max_iter=2))


@pytest.mark.parametrize(
    "estimator",
    [est for est in ESTIMATORS if hasattr(est, "transform")],
    ids=repr,
)
def test_set_output_and_feature_names(estimator):
    name = type(estimator).__name__
    estimator = clone(estimator).set_params(max_iter=2)
    check_set_output_transform(name, estimator)
    check_transformer_get_feature_names_out(name, estimator)
