"""Property-based tests: AAETransformer on arrays of any shape, dtype and magnitude.

hypothesis draws the data (2 to 60 samples, 1 to 12 features, float32, float64 or
integers, values from the 1e-3 to the 1e38 scale) and checks what must hold for all of
them: finite data give finite codes or a clear error, never NaN codes from a model that
says it is fitted; refits reproduce the model exactly; values that overflow float32 are
refused; nothing the user passes in is modified.

The default run is derandomized (the same examples every run, so CI is stable) and keeps
no example database; ``-m slow`` runs a larger, randomized sweep.
"""

import copy
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.stats as stats
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_aae import (
    AAETransformer,
    AdversarialTrainingWarning,
    DivergenceError,
    MixturePrior,
    NormalPrior,
)

DTYPES = (np.float32, np.float64, np.int32, np.int64)

# Tiny networks and two epochs: a fit takes a few tens of milliseconds.
TINY = {"hidden_layer_sizes": (8,), "max_iter": 2, "batch_size": 8, "random_state": 0}


def tiny(**params):
    return AAETransformer(**{**TINY, **params})


def examples(n):
    """Settings for the default run: ``n`` fixed examples, no database, no deadline."""
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def sweep(n):
    """Settings for the slow sweep: ``n`` random examples."""
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@st.composite
def data(
    draw, min_exponent=-3, max_exponent=6, dtypes=(np.float32, np.float64, np.int32, np.int64)
):
    """A 2-D array: 2..60 samples, 1..12 features, values within ±10**exponent."""
    shape = (draw(st.integers(2, 60)), draw(st.integers(1, 12)))
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    bound = 10.0 ** draw(st.integers(min_exponent, max_exponent))
    if dtype.kind == "i":
        top = min(max(int(bound), 1), np.iinfo(dtype).max)
        elements = st.integers(-top, top)
    else:  # the bound as a value of the dtype, as hypothesis requires
        top = float(dtype.type(min(bound, float(np.finfo(dtype).max))))
        width = 8 * dtype.itemsize
        elements = st.floats(-top, top, width=width, allow_nan=False, allow_infinity=False)
    return draw(hnp.arrays(dtype, shape, elements=elements))


def fit_quietly(estimator, X):
    """Fit, ignoring the warnings that tiny two-epoch fits on odd data legitimately give."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AdversarialTrainingWarning)
        return estimator.fit(X)


def check_finite_codes_or_clear_error(X):
    aae = tiny()
    try:
        fit_quietly(aae, X)
    except DivergenceError as exc:
        # The error says when and what to do, and the estimator does not claim a model.
        assert "epoch" in str(exc) and "StandardScaler" in str(exc)
        assert not hasattr(aae, "net_") and not hasattr(aae, "n_iter_")
        with pytest.raises(NotFittedError):
            aae.transform(X)  # no codes at all
        event("diverged")
        return "diverged"
    event("fitted")
    Z = aae.transform(X)
    assert Z.shape == (X.shape[0], 2) and Z.dtype == np.float32
    assert np.isfinite(Z).all(), "a model reported fitted gives non-finite codes"
    assert np.isfinite(aae.loss_curve_).all() and aae.n_iter_ == 2
    return aae


# -- finite in, finite out ---------------------------------------------------------------------
@examples(40)
@given(X=data())
def test_data_of_ordinary_magnitude_give_finite_codes(X):
    """Up to 1e6, unscaled data of any dtype train (badly, but finitely) without error."""
    aae = check_finite_codes_or_clear_error(X)
    assert not isinstance(aae, str), "data of ordinary magnitude made training diverge"
    assert np.isfinite(aae.inverse_transform(aae.transform(X))).all()
    assert np.isfinite(aae.sample(3, random_state=0)).all()


@examples(20)
@given(X=data(min_exponent=10, max_exponent=38, dtypes=(np.float32, np.float64)))
def test_huge_finite_data_give_finite_codes_or_a_divergence_error(X):
    """Values up to float32's limit: finite codes, or DivergenceError and no model."""
    check_finite_codes_or_clear_error(X)


def test_transform_of_finite_input_is_finite_or_refused(rng):
    aae = tiny().fit(rng.standard_normal((30, 4)))
    X_huge = np.sign(rng.standard_normal((30, 4))).astype(np.float32) * np.float32(3e38)
    assert np.isfinite(X_huge).all()
    try:
        Z = aae.transform(X_huge)
    except ValueError as exc:
        assert "Scale X" in str(exc)
        return
    assert np.isfinite(Z).all()


# -- reproducibility ---------------------------------------------------------------------------
@examples(25)
@given(X=data())
def test_fit_transform_equals_fit_then_transform(X):
    assert_array_equal(fit_quietly(tiny(), X).transform(X), tiny().fit_transform(X))


PRIORS = [
    "normal",
    "uniform",
    NormalPrior(scale=3.0),
    MixturePrior(n_modes=4),
    stats.laplace(scale=2.0),
    stats.t(df=3),
    stats.multivariate_normal(np.zeros(2), [[1.0, 0.5], [0.5, 2.0]]),
]


def outcome(estimator, X):
    """What fitting gives: the codes, curves and samples, or the divergence message."""
    try:
        fit_quietly(estimator, X)
    except DivergenceError as exc:
        return str(exc)
    return estimator.transform(X), estimator.loss_curve_, estimator.sample(3, random_state=0)


def assert_same_outcome(a, b):
    assert type(a) is type(b)
    if isinstance(a, str):  # diverged both times, in the same epoch with the same losses
        assert a == b
        return
    for x, y in zip(a, b, strict=True):
        assert_array_equal(x, y)


@examples(25)
@given(
    X=data(),
    prior=st.sampled_from(PRIORS),
    encoder=st.sampled_from(["deterministic", "gaussian", "universal"]),
)
def test_clone_and_refit_reproduce_the_model_exactly(X, prior, encoder):
    """Also a divergence: the Gaussian encoder's variance overflows on unscaled data."""
    aae = tiny(prior=prior, encoder=encoder, discriminator_noise=0.1)
    first = outcome(aae, X)
    assert_same_outcome(outcome(clone(aae), X), first)
    # A refit without warm_start starts over from the same seed.
    assert_same_outcome(outcome(aae, X), first)


# -- values too large for float32 --------------------------------------------------------------
@st.composite
def with_a_large_value(draw):
    """A float64 array with a few entries beyond float32's range or at its very edge.

    The edge (3.40282e38 to 3.402824e38) holds values that round down to float32's
    maximum, which are representable, as well as values that round up to infinity.
    """
    X = draw(data(dtypes=(np.float64,)))
    big = st.one_of(st.floats(3.40282e38, 3.402824e38), st.floats(3.403e38, 1.7e308))
    for _ in range(draw(st.integers(1, 3))):
        i, j = draw(st.integers(0, X.shape[0] - 1)), draw(st.integers(0, X.shape[1] - 1))
        X[i, j] = draw(big) * draw(st.sampled_from([-1.0, 1.0]))
    return X


def overflows_float32(X):
    with np.errstate(over="ignore"):
        return not np.isfinite(X.astype(np.float32)).all()


@examples(30)
@given(X=with_a_large_value(), sparse=st.booleans())
def test_values_that_overflow_float32_are_refused_by_every_method(X, sparse):
    X_in = sp.csr_matrix(X) if sparse else X
    if not overflows_float32(X):
        # At float32's edge but representable: no float32 error (training on such
        # values diverges instead, or fits).
        try:
            fit_quietly(tiny(), X_in)
        except DivergenceError:
            pass
        return
    aae = tiny()
    with pytest.raises(ValueError, match="float32"):
        aae.fit(X_in)
    assert not hasattr(aae, "net_")
    with pytest.raises(ValueError, match="float32"):
        aae.partial_fit(X_in)
    fitted = tiny().fit(np.zeros_like(X) + np.arange(X.shape[0])[:, None] / X.shape[0])
    codes = fitted.transform(np.zeros_like(X))
    for method in (fitted.transform, fitted.score, fitted.partial_fit, fitted.fit_transform):
        with pytest.raises(ValueError, match="float32"):
            method(X_in)
    with pytest.raises(ValueError, match="float32"):
        fitted.inverse_transform(np.array([[0.0, 1e300]]))
    # A refused call leaves the fitted model as it was.
    assert fitted.n_iter_ == 2
    assert_array_equal(fitted.transform(np.zeros_like(X)), codes)


def test_python_integers_beyond_float32_are_refused():
    X = np.array([[1, 2], [3, 10**40]], dtype=object)
    with pytest.raises(ValueError, match="float32"):
        tiny().fit(X)


# -- nothing the user passes in is modified ----------------------------------------------------
LAYOUTS = ["C", "F", "read-only", "strided"]


def laid_out(X, layout):
    if layout == "F":
        return np.asfortranarray(X)
    if layout == "read-only":
        X = X.copy()
        X.flags.writeable = False
        return X
    if layout == "strided":
        wide = np.repeat(X, 2, axis=1)  # a view of every other column, not contiguous
        return wide[:, ::2]
    return np.ascontiguousarray(X)


@examples(25)
@given(X=data(), layout=st.sampled_from(LAYOUTS))
def test_user_arrays_are_never_mutated(X, layout):
    X = laid_out(X, layout)
    kept, flags = X.copy(), (X.dtype, X.strides, X.flags.writeable)
    aae = fit_quietly(tiny(), X)
    Z = aae.transform(X)
    Z_kept = Z.copy()
    aae.inverse_transform(Z)
    aae.score(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AdversarialTrainingWarning)
        aae.partial_fit(X)
        tiny().fit_transform(X)
    assert_array_equal(X, kept)
    assert (X.dtype, X.strides, X.flags.writeable) == flags
    assert_array_equal(Z, Z_kept)


@examples(20)
@given(X=data(max_exponent=2), prior=st.sampled_from(PRIORS))
def test_prior_objects_are_never_mutated(X, prior):
    """The prior (a frozen scipy.stats distribution too) is used, never changed or advanced.

    The pickle of a frozen scipy.stats distribution includes the state of its random
    generator, so drawing from it without the estimator's own ``random_state`` would
    show up here.
    """
    before = pickle.dumps(prior)
    aae = fit_quietly(tiny(prior=prior), X)
    aae.sample(5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AdversarialTrainingWarning)
        aae.partial_fit(X)
    clone(aae)
    copy.deepcopy(aae)
    assert pickle.dumps(prior) == before
    assert aae.get_params()["prior"] is prior


# -- partial_fit on a stream with bad chunks ---------------------------------------------------
@st.composite
def streams(draw):
    """Chunks of 5 features, each ordinary, huge (up to 1e30) or beyond float32."""
    chunks = []
    for _ in range(draw(st.integers(2, 6))):
        kind = draw(st.sampled_from(["ordinary", "ordinary", "huge", "overflow"]))
        n = draw(st.integers(2, 20))
        seed = draw(st.integers(0, 2**16))
        X = np.random.RandomState(seed).standard_normal((n, 5))
        if kind == "huge":
            X *= 10.0 ** draw(st.integers(18, 30))
        elif kind == "overflow":
            X[0, 0] = 1e39
        chunks.append(X)
    return chunks


@examples(15)
@given(chunks=streams())
def test_a_failed_partial_fit_leaves_the_model_as_it_was(chunks):
    """Every chunk either trains one epoch or fails and changes nothing."""
    probe = np.random.RandomState(0).standard_normal((10, 5))
    aae = tiny()
    for chunk in chunks:
        fitted = hasattr(aae, "net_")
        before = (aae.n_iter_, aae.transform(probe)) if fitted else None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AdversarialTrainingWarning)
                aae.partial_fit(chunk)
        except (ValueError, DivergenceError):
            if fitted:
                assert aae.n_iter_ == before[0]
                assert_array_equal(aae.transform(probe), before[1])
            else:
                assert not hasattr(aae, "net_")
            continue
        assert aae.n_iter_ == (before[0] + 1 if fitted else 1)
        assert np.isfinite(aae.transform(probe)).all()
        assert np.isfinite(aae.transform(chunk)).all()


# -- a refused refit ---------------------------------------------------------------------------
def refused_refit_cases():
    rng = np.random.RandomState(1)
    overflow = rng.standard_normal((20, 3))
    overflow[0, 0] = 1e39
    return {
        "float32-overflow": ({}, overflow, ValueError),
        "diverged": ({}, rng.standard_normal((20, 3)) * 1e25, DivergenceError),
        "outside-[0, 1]": (
            {"reconstruction_loss": "binary_crossentropy"},
            rng.standard_normal((20, 3)),
            ValueError,
        ),
    }


@examples(15)
@given(X=data(max_exponent=2), bad=with_a_large_value())
def test_a_refused_refit_with_the_same_features_keeps_the_model(X, bad):
    aae = fit_quietly(tiny(), X)
    codes = aae.transform(X)
    bad = np.resize(bad, (bad.shape[0], X.shape[1]))
    bad[0, 0] = 1e39  # overflows float32 whatever np.resize kept
    with pytest.raises(ValueError, match="float32"):
        aae.fit(bad)
    assert_array_equal(aae.transform(X), codes)


@pytest.mark.parametrize("case", ["float32-overflow", "diverged", "outside-[0, 1]"])
def test_a_refused_refit_with_other_features_keeps_the_model_or_unfits_it(case, rng):
    params, bad, error = refused_refit_cases()[case]
    X = rng.uniform(0, 1, (30, 4))
    aae = tiny(**params).fit(X)
    codes = aae.transform(X)
    with pytest.raises(error):
        fit_quietly(aae, bad)
    try:
        check_is_fitted(aae)
    except NotFittedError:
        return  # unfitted is a consistent state too
    assert_array_equal(aae.transform(X), codes)


@pytest.mark.parametrize("case", ["float32-overflow", "diverged", "outside-[0, 1]"])
def test_a_failed_first_fit_leaves_the_estimator_unfitted(case):
    params, bad, error = refused_refit_cases()[case]
    aae = tiny(**params)
    with pytest.raises(error):
        fit_quietly(aae, bad)
    with pytest.raises(NotFittedError):
        aae.transform(np.zeros((2, 3)))


# -- the larger sweep --------------------------------------------------------------------------
@pytest.mark.slow
@sweep(300)
@given(X=data(min_exponent=-3, max_exponent=38))
def test_sweep_finite_codes_or_a_clear_error(X):
    check_finite_codes_or_clear_error(X)


@pytest.mark.slow
@sweep(150)
@given(X=data(), prior=st.sampled_from(PRIORS))
def test_sweep_clone_reproduces_the_model(X, prior):
    aae = tiny(prior=prior, encoder="gaussian")
    assert_same_outcome(outcome(clone(aae), X), outcome(aae, X))
