"""scikit-learn's API checks, run with no expected failures and no tags bent."""

from sklearn.utils.estimator_checks import (
    check_param_validation,
    check_set_output_transform,
    check_transformer_get_feature_names_out,
    parametrize_with_checks,
)

from sklearn_aae import AAETransformer


def _estimators():
    # Few epochs keep the ~50 checks fast; the checks test the API, not the fit quality.
    return [AAETransformer(max_iter=5, random_state=0)]


@parametrize_with_checks(_estimators())
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_param_validation():
    check_param_validation("AAETransformer", AAETransformer(max_iter=2))


def test_set_output_transform():
    check_set_output_transform("AAETransformer", AAETransformer(max_iter=2, random_state=0))


def test_get_feature_names_out():
    check_transformer_get_feature_names_out(
        "AAETransformer", AAETransformer(max_iter=2, random_state=0)
    )
