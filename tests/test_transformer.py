"""Behaviour of AAETransformer: training, priors, encoders, λ, determinism, errors."""

import copy
import pickle

import numpy as np
import pytest
import scipy.stats as st
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

from sklearn_aae import (
    AAETransformer,
    DivergenceError,
    MixturePrior,
    maximum_mean_discrepancy,
    prior_fit_score,
)


def fast(**params):
    params.setdefault("hidden_layer_sizes", (32, 32))
    params.setdefault("max_iter", 10)
    params.setdefault("random_state", 0)
    return AAETransformer(**params)


# -- basic API -----------------------------------------------------------------------------
def test_shapes_and_dtypes(blobs):
    X, _ = blobs
    aae = fast(n_components=3).fit(X)
    Z = aae.transform(X)
    assert Z.shape == (300, 3) and Z.dtype == np.float32
    assert aae.inverse_transform(Z).shape == (300, 10)
    assert aae.inverse_transform(Z).dtype == np.float32
    assert aae.sample(7, random_state=0).shape == (7, 10)
    assert aae.n_iter_ == 10
    for name in (
        "loss",
        "reconstruction_loss",
        "discriminator_loss",
        "generator_loss",
        "discriminator_accuracy",
    ):
        curve = getattr(aae, f"{name}_curve_")
        assert len(curve) == 10 and np.isfinite(curve).all()
    assert list(aae.get_feature_names_out()) == [f"aaetransformer{i}" for i in range(3)]
    assert isinstance(aae.encoder_, torch.nn.Module)
    assert aae.device_ == torch.device("cpu")


def test_training_reduces_reconstruction_loss(blobs):
    X, _ = blobs
    aae = fast(max_iter=30).fit(X)
    assert aae.reconstruction_loss_curve_[-1] < 0.5 * aae.reconstruction_loss_curve_[0]
    X_hat = aae.inverse_transform(aae.transform(X))
    assert aae.score(X) == pytest.approx(-np.mean((X_hat - X) ** 2), rel=1e-4)


def test_transform_is_deterministic_for_every_encoder(blobs):
    X, _ = blobs
    for encoder in ("deterministic", "gaussian", "universal"):
        aae = fast(encoder=encoder).fit(X)
        assert_array_equal(aae.transform(X), aae.transform(X))
        assert_allclose(aae.transform(X[:17]), aae.transform(X)[:17], rtol=1e-5, atol=1e-6)


def test_verbose_shows_a_progress_bar_or_a_table_and_is_silent_by_default(blobs, capsys):
    X, _ = blobs
    fast(max_iter=3).fit(X)
    assert capsys.readouterr() == ("", "")
    fast(max_iter=3, verbose=1).fit(X)
    out, err = capsys.readouterr()
    assert out == ""
    assert "AAETransformer" in err and "3/3" in err and "rec=" in err and "d_acc=" in err
    fast(max_iter=3, verbose=2).fit(X)
    out, err = capsys.readouterr()
    assert "reconstruction_loss" in out and out.count("\n") >= 5
    assert err == ""  # the table instead of the bar


def test_cuda_graphs_have_no_effect_on_the_cpu(blobs):
    X, _ = blobs
    plain = fast(device="cpu").fit(X)
    graphs = fast(device="cpu", cuda_graphs=True).fit(X)
    assert graphs.net_.graphed_step_ is None
    assert_array_equal(graphs.transform(X), plain.transform(X))
    assert graphs.loss_curve_ == plain.loss_curve_


def test_bfloat16_mixed_precision_trains_float32_weights(blobs):
    X, _ = blobs
    full = fast(max_iter=30).fit(X)
    mixed = fast(max_iter=30, precision="bfloat16").fit(X)
    curve = mixed.reconstruction_loss_curve_
    assert curve[-1] < 0.5 * curve[0]
    assert all(p.dtype == torch.float32 for p in mixed.net_.module_.parameters())
    Z = mixed.transform(X)
    assert Z.dtype == np.float32 and np.isfinite(Z).all()
    # bfloat16 forward passes train a different model of about the same quality
    assert not np.array_equal(Z, full.transform(X))
    assert mixed.score(X) > 2 * full.score(X)


def test_input_noise_trains_a_denoising_encoder_and_transform_stays_clean(blobs):
    X, _ = blobs
    plain = fast().fit(X)
    noisy = fast(input_noise=0.5).fit(X)
    assert not np.array_equal(noisy.transform(X), plain.transform(X))
    assert_array_equal(noisy.transform(X), noisy.transform(X))
    assert_array_equal(noisy.transform(X), fast(input_noise=0.5).fit(X).transform(X))


def test_fit_transform_equals_fit_then_transform(blobs):
    X, _ = blobs
    assert_array_equal(fast().fit_transform(X), fast().fit(X).transform(X))


def test_sample_is_reproducible(blobs):
    X, _ = blobs
    aae = fast().fit(X)
    assert_array_equal(aae.sample(5, random_state=1), aae.sample(5, random_state=1))
    assert not np.array_equal(aae.sample(5, random_state=1), aae.sample(5, random_state=2))
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        aae.sample(0)


def test_binary_crossentropy_decoder(blobs):
    from sklearn.preprocessing import MinMaxScaler

    X, _ = blobs
    with pytest.raises(ValueError, match="needs X in \\[0, 1\\].*MinMaxScaler"):
        fast(reconstruction_loss="binary_crossentropy").fit(X)
    X01 = MinMaxScaler().fit_transform(X)
    aae = fast(reconstruction_loss="binary_crossentropy").fit(X01)
    out = aae.sample(50, random_state=0)
    assert out.min() >= 0 and out.max() <= 1


# -- λ -------------------------------------------------------------------------------------
def _prior_distance(aae, X):
    Z = aae.transform(X)
    return maximum_mean_discrepancy(Z, aae._sample_prior(len(Z), 0))


@pytest.mark.parametrize("update", ["alternating", "joint"])
def test_adversarial_weight_pulls_codes_onto_the_prior(blobs, update):
    """λ must matter: 0 -> 1 -> 10 brings the codes closer to the prior.

    With a separate Adam optimizer for the adversarial step, scaling its loss by λ
    changes almost nothing; here λ weighs against the reconstruction gradient.
    """
    X, _ = blobs
    dist = [
        _prior_distance(
            fast(adversarial_weight=lam, max_iter=40, adversarial_update=update).fit(X), X
        )
        for lam in (0.0, 1.0, 10.0)
    ]
    assert dist[0] > dist[1] > dist[2], dist
    assert dist[0] > 5 * dist[2], dist


def test_zero_adversarial_weight_is_a_plain_autoencoder(blobs):
    """With λ=0 nothing about the discriminator or the prior reaches the autoencoder."""
    X, _ = blobs
    reference = fast(adversarial_weight=0.0).fit(X).transform(X)
    for change in (
        {"discriminator_learning_rate": 0.1},
        {"discriminator_hidden_layer_sizes": (7,)},
        {"discriminator_noise": 1.0},
        {"prior": "uniform"},
    ):
        codes = fast(adversarial_weight=0.0, **change).fit(X).transform(X)
        assert_array_equal(codes, reference)
    # The joint update then takes the same reconstruction steps as the paper's loop.
    assert_array_equal(
        fast(adversarial_weight=0.0, adversarial_update="joint").fit(X).transform(X), reference
    )
    # ... while with λ > 0 the prior does matter.
    assert not np.array_equal(
        fast(adversarial_weight=1.0).fit(X).transform(X),
        fast(adversarial_weight=1.0, prior="uniform").fit(X).transform(X),
    )


@pytest.mark.parametrize(("update", "passes"), [("alternating", 2), ("joint", 1)])
def test_the_joint_update_encodes_each_batch_once(blobs, update, passes):
    """The paper's loop encodes a batch twice (reconstruction, then regularization)."""
    X, _ = blobs
    aae = fast(max_iter=1, batch_size=100, adversarial_update=update).fit(X)
    calls = []
    aae.net_.module_.encoder.register_forward_hook(lambda *args: calls.append(1))
    aae.partial_fit(X)
    assert len(calls) == passes * 3  # 300 rows: 3 batches
    # ... and with λ > 0 the two updates train different models.
    other = "joint" if update == "alternating" else "alternating"
    assert not np.allclose(
        fast(max_iter=1, adversarial_update=other).fit(X).transform(X), aae.transform(X)
    )


@pytest.mark.parametrize(("neighbor_weight", "update"), [(0.0, "joint"), (1.0, "alternating")])
def test_auto_update_is_joint_without_the_graph_term_only(blobs, neighbor_weight, update):
    X, _ = blobs
    params = {"max_iter": 2, "neighbor_weight": neighbor_weight}
    auto = fast(**params).fit(X)
    assert auto.adversarial_update == "auto"
    assert auto.net_.adversarial_update == update
    assert_array_equal(
        auto.transform(X), fast(adversarial_update=update, **params).fit(X).transform(X)
    )


# -- priors --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "prior",
    [
        "normal",
        "uniform",
        "mixture",
        "swiss_roll",
        st.norm(),
        st.laplace(scale=2.0),
        st.multivariate_normal(np.zeros(2)),
        MixturePrior(n_modes=4),
    ],
    ids=lambda p: p if isinstance(p, str) else type(p).__name__,
)
def test_priors(blobs, prior):
    X, _ = blobs
    before = pickle.dumps(prior)
    aae = fast(prior=prior).fit(X)
    assert aae.sample(4, random_state=0).shape == (4, 10)
    assert np.isfinite(aae.transform(X)).all()
    assert pickle.dumps(prior) == before  # the user's prior is not mutated


def test_codes_follow_the_chosen_prior(blobs):
    """A uniform prior gives bounded codes, a normal prior gives a centred blob."""
    X, _ = blobs
    Zu = fast(prior="uniform", max_iter=60, adversarial_weight=3.0).fit(X).transform(X)
    assert np.quantile(np.abs(Zu), 0.95) < 1.5
    Zn = fast(prior="normal", max_iter=60, adversarial_weight=3.0).fit(X).transform(X)
    assert np.abs(Zn.mean(0)).max() < 0.5
    assert 0.5 < Zn.std(0).mean() < 1.6


def test_prior_errors(blobs):
    X, _ = blobs
    with pytest.raises(InvalidParameterError, match="rvs"):
        fast(prior=object()).fit(X)
    with pytest.raises(ValueError, match="n_components=2"):
        fast(prior=st.multivariate_normal(np.zeros(3))).fit(X)

    class NaNPrior:
        def rvs(self, size, random_state=None):
            return np.full(size, np.nan)

    with pytest.raises(ValueError, match="non-finite"):
        fast(prior=NaNPrior()).fit(X)


def test_swiss_roll_is_two_dimensional_or_more():
    z = MixturePrior().rvs(size=(10, 1), random_state=0)
    assert z.shape == (10, 1)


# -- input validation ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[1.0, np.nan], [0.0, 1.0]]), "NaN"),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), "infinity"),
        (np.array([[3.4028235677973366e38, 0.0], [0.0, 1.0]]), "too large for float32"),
        (np.empty((0, 3)), "0 sample"),
        (np.arange(5.0), "Expected 2D array"),
        (np.array([["a", "b"], ["c", "d"]], dtype=object), "could not convert"),
        (np.ones((3, 2)) + 1j, "Complex data not supported"),
    ],
    ids=["nan", "inf", "float32-overflow", "empty", "1d", "object", "complex"],
)
def test_bad_input_is_rejected_with_a_clear_error(X, match):
    with pytest.raises(ValueError, match=match):
        fast().fit(X)


def test_wrong_number_of_features(blobs):
    X, _ = blobs
    aae = fast().fit(X)
    with pytest.raises(ValueError, match="X has 4 features, but AAETransformer is expecting 10"):
        aae.transform(X[:, :4])
    with pytest.raises(ValueError, match="n_components=2"):
        aae.inverse_transform(np.zeros((3, 5)))


@pytest.mark.parametrize(
    "params",
    [
        {"n_components": 0},
        {"hidden_layer_sizes": (0,)},
        {"batch_size": 0},
        {"learning_rate": -1.0},
        {"adversarial_weight": -1.0},
        {"encoder": "vae"},
    ],
)
def test_bad_parameters(blobs, params):
    X, _ = blobs
    with pytest.raises((ValueError, InvalidParameterError)):
        fast(**params).fit(X)


def test_missing_cuda_is_a_clear_error(blobs):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    X, _ = blobs
    with pytest.raises(ValueError, match="CUDA is not available"):
        fast(device="cuda").fit(X)
    with pytest.raises(ValueError, match="not a device torch knows"):
        fast(device="tpu-17").fit(X)


def test_divergence_raises_and_leaves_the_estimator_unfitted(blobs):
    X, _ = blobs
    aae = fast()
    with pytest.raises(DivergenceError, match="epoch 1.*StandardScaler"):
        aae.fit(X * 1e20)
    assert not hasattr(aae, "net_") and not hasattr(aae, "n_iter_")


def test_divergence_in_a_warm_start_keeps_the_previous_model(blobs):
    X, _ = blobs
    aae = fast(warm_start=True).fit(X)
    codes = aae.transform(X)
    with pytest.raises(DivergenceError):
        aae.fit(X * 1e20)
    assert aae.n_iter_ == 10
    assert_array_equal(aae.transform(X), codes)


def test_inputs_are_not_mutated(blobs):
    X, _ = blobs
    X32 = X.astype(np.float32)
    for data in (X, X32):
        kept = data.copy()
        aae = fast().fit(data)
        aae.transform(data)
        aae.score(data)
        assert_array_equal(data, kept)


# -- determinism and threads -----------------------------------------------------------------
def test_same_random_state_same_model_and_global_rng_untouched(blobs):
    X, _ = blobs
    torch.manual_seed(123)
    state = torch.get_rng_state()
    np_state = np.random.get_state()[1].copy()
    a = fast(encoder="gaussian", discriminator_noise=0.3).fit(X).transform(X)
    b = fast(encoder="gaussian", discriminator_noise=0.3).fit(X).transform(X)
    assert_array_equal(a, b)
    assert torch.equal(torch.get_rng_state(), state)
    assert_array_equal(np.random.get_state()[1], np_state)
    c = fast(encoder="gaussian", random_state=1).fit(X).transform(X)
    assert not np.array_equal(a, c)


def test_same_model_inside_parallel_cross_validation(blobs):
    """Fits in GridSearchCV/cross_validate workers (n_jobs=2) equal fits done alone."""
    X, y = blobs
    cv = KFold(2, shuffle=True, random_state=0)
    est = fast(max_iter=5)
    result = cross_validate(est, X, cv=cv, n_jobs=2, return_estimator=True)
    for (train, _), fitted in zip(cv.split(X), result["estimator"], strict=True):
        alone = clone(est).fit(X[train])
        assert_allclose(fitted.transform(X), alone.transform(X), rtol=1e-5, atol=1e-6)


def test_n_jobs_sets_torch_threads_during_fit_and_restores_them(blobs):
    X, _ = blobs
    seen = []

    class Threads(Callback):
        def on_epoch_end(self, net, **kwargs):
            seen.append(torch.get_num_threads())

    before = torch.get_num_threads()
    fast(n_jobs=2, max_iter=2, callbacks=[Threads()]).fit(X)
    # The callback is deep-copied, but `seen` is a closure shared by the copy.
    assert seen == [2, 2]
    assert torch.get_num_threads() == before


def test_user_callbacks_are_called_but_not_mutated(blobs):
    X, _ = blobs

    class Count(Callback):
        def __init__(self):
            self.epochs = 0

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1

    cb = Count()
    aae = fast(max_iter=3, callbacks=[cb]).fit(X)
    assert cb.epochs == 0
    assert dict(aae.net_.callbacks_)["Count"].epochs == 3


# -- continuing training -----------------------------------------------------------------------
def test_warm_start_and_partial_fit_continue_training(blobs):
    X, _ = blobs
    aae = fast(warm_start=True, max_iter=5).fit(X)
    aae.fit(X)
    assert aae.n_iter_ == 10 and len(aae.loss_curve_) == 10
    streamed = fast()
    for chunk in np.array_split(X, 3):
        streamed.partial_fit(chunk)
    assert streamed.n_iter_ == 3
    with pytest.raises(ValueError, match="features"):
        streamed.partial_fit(X[:, :3])


def test_refit_without_warm_start_starts_over(blobs):
    X, _ = blobs
    aae = fast(max_iter=5)
    a = aae.fit(X).transform(X)
    b = aae.fit(X).transform(X)
    assert aae.n_iter_ == 5
    assert_array_equal(a, b)


def test_pickle_round_trip(blobs):
    X, _ = blobs
    aae = fast().fit(X)
    loaded = pickle.loads(pickle.dumps(aae))
    assert_array_equal(loaded.transform(X), aae.transform(X))
    assert_array_equal(loaded.sample(3, random_state=0), aae.sample(3, random_state=0))
    copied = copy.deepcopy(aae)
    assert_array_equal(copied.transform(X), aae.transform(X))


# -- in scikit-learn's tools -------------------------------------------------------------------
def test_pipeline_and_grid_search_over_adversarial_weight(blobs):
    X, y = blobs
    pipe = Pipeline([("scale", StandardScaler()), ("aae", fast(max_iter=5)), ("clf", SVC())])
    search = GridSearchCV(pipe, {"aae__adversarial_weight": [0.0, 1.0]}, cv=2, n_jobs=2)
    search.fit(X, y)
    assert search.best_score_ > 0.9
    assert search.best_estimator_[:-1].transform(X).shape == (300, 2)


def test_prior_fit_score_prefers_adversarial_training(blobs):
    X, _ = blobs
    plain = fast(adversarial_weight=0.0, max_iter=40).fit(X)
    adversarial = fast(adversarial_weight=3.0, max_iter=40).fit(X)
    assert prior_fit_score(adversarial, X) > prior_fit_score(plain, X)
    pipe = Pipeline([("scale", StandardScaler()), ("aae", fast())]).fit(X)
    assert prior_fit_score(pipe, X) <= 0.05
    with pytest.raises(ValueError, match="adversarial autoencoder step"):
        prior_fit_score(Pipeline([("scale", StandardScaler())]).fit(X), X)


def test_unsupervised_grid_search_with_score(blobs):
    X, _ = blobs
    search = GridSearchCV(fast(max_iter=3), {"n_components": [1, 4]}, cv=2).fit(X)
    assert search.best_params_ == {"n_components": 4}


def test_set_output_pandas(blobs):
    pd = pytest.importorskip("pandas")
    X, _ = blobs
    out = fast().set_output(transform="pandas").fit(X).transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["aaetransformer0", "aaetransformer1"]


# -- sparse input ------------------------------------------------------------------------------
def test_sparse_input_gives_the_model_of_its_dense_twin():
    import scipy.sparse as sp

    X = sp.random(300, 200, density=0.05, format="csr", random_state=0)
    kept = X.copy()
    sparse_fit = fast().fit(X)
    dense_fit = fast().fit(X.toarray())
    assert_array_equal(sparse_fit.transform(X), dense_fit.transform(X.toarray()))
    assert_array_equal(sparse_fit.transform(X.tocsc()), sparse_fit.transform(X.toarray()))
    assert (X != kept).nnz == 0 and X.dtype == kept.dtype  # the user's matrix is untouched
    with pytest.raises(ValueError, match="too large for float32"):
        fast().fit(sp.csr_matrix(np.array([[3.4028235677973366e38, 0.0], [0.0, 1.0]])))


def test_the_pickled_state_holds_no_torch_object(blobs):
    # The trained net is saved as arrays and rebuilt on load: a CUDA tensor pickled as
    # such would fail to load without CUDA (tests/test_gpu.py loads one there), and
    # skops could not save the estimator.
    import io

    X, _ = blobs
    aae = fast(max_iter=2).fit(X)
    found = []

    class Spy(pickle.Pickler):
        def reducer_override(self, obj):
            if type(obj).__module__.split(".")[0] in ("torch", "skorch"):
                found.append(type(obj).__qualname__)
            return NotImplemented

    Spy(io.BytesIO()).dump(aae)
    assert found == []
    data = pickle.dumps(fast(max_iter=2, random_state=None).fit(X))
    np_state, torch_state = np.random.get_state()[1].copy(), torch.get_rng_state()
    pickle.loads(data)  # loading draws from no global random generator
    assert_array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.get_rng_state(), torch_state)
    loaded = pickle.loads(pickle.dumps(aae))
    assert loaded.net_.module is loaded.net_.module_
    assert_array_equal(loaded.transform(X), aae.transform(X))


def test_a_model_loads_as_fitted_whatever_set_params_changed_since(blobs):
    X, _ = blobs
    aae = fast(max_iter=2, hidden_layer_sizes=(16,), n_components=2).fit(X)
    Z, samples, prior = aae.transform(X), aae.sample(5, random_state=0), aae.prior_
    aae.set_params(hidden_layer_sizes=(8, 8), n_components=3, prior="uniform")
    loaded = pickle.loads(pickle.dumps(aae))
    assert loaded.get_params()["hidden_layer_sizes"] == (8, 8)  # the parameters as set
    assert type(loaded.prior_) is type(prior)  # the networks and prior as fitted
    with torch.inference_mode():
        codes = loaded.net_.module_.encoder.mean(torch.from_numpy(X).float())[0]
    assert_allclose(codes.numpy(), Z, rtol=1e-5, atol=1e-6)
    assert_allclose(loaded.sample(5, random_state=0), samples, rtol=1e-5, atol=1e-6)


def test_a_memory_mapped_load_trains_on_and_leaves_the_file_alone(blobs, tmp_path):
    joblib = pytest.importorskip("joblib")
    X, _ = blobs
    aae = fast(max_iter=2).fit(X)
    path = tmp_path / "aae.joblib"
    joblib.dump(aae, path)
    before = path.read_bytes()
    for mode in ("r", "r+"):
        loaded = joblib.load(path, mmap_mode=mode)
        loaded.set_params(warm_start=True, max_iter=1).fit(X)
        assert loaded.n_iter_ == 3 and np.isfinite(loaded.transform(X)).all()
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "make",
    [
        lambda: fast(max_iter=2),
        lambda: fast(max_iter=2, prior="mixture", encoder="gaussian"),
    ],
)
def test_skops_saves_and_loads_trusting_only_the_packages_classes(blobs, make):
    sio = pytest.importorskip("skops.io")
    X, _ = blobs
    aae = make().fit(X)
    data = sio.dumps(aae)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted and all(t.startswith("sklearn_aae.") for t in untrusted), untrusted
    loaded = sio.loads(data, trusted=untrusted)
    assert_array_equal(loaded.transform(X), aae.transform(X))
    assert_array_equal(loaded.sample(5, random_state=0), aae.sample(5, random_state=0))
    # and it trains on exactly like the model that was never saved
    assert_array_equal(
        loaded.set_params(warm_start=True, max_iter=1).fit(X).transform(X),
        aae.set_params(warm_start=True, max_iter=1).fit(X).transform(X),
    )


def test_pickle_records_the_state_format_and_refuses_unknown_ones(blobs):
    import sklearn_aae

    X, _ = blobs
    aae = fast(max_iter=2).fit(X)
    state = aae.__getstate__()
    assert state["_sklearn_aae"] == {
        "version": sklearn_aae.__version__,
        "format": sklearn_aae._version.STATE_FORMAT,
    }
    assert "_sklearn_aae" not in vars(aae)  # the live estimator is left alone
    fresh = AAETransformer.__new__(AAETransformer)
    future = {**state, "_sklearn_aae": {"version": "9.0", "format": 9}}
    with pytest.raises(ValueError, match="not in the format this sklearn-aae"):
        fresh.__setstate__(future)
    foreign = {k: v for k, v in state.items() if k != "_sklearn_aae"}
    with pytest.raises(ValueError, match="no sklearn-aae state"):
        fresh.__setstate__(foreign)


def test_a_model_pickled_before_the_joint_update_loads_with_the_alternating_one(blobs):
    X, _ = blobs
    aae = fast(max_iter=2, adversarial_update="alternating").fit(X)
    state = aae.__getstate__()
    del state["adversarial_update"]  # as saved by a version without the parameter
    del state["net_"]["build_params"]["adversarial_update"]
    old = AAETransformer.__new__(AAETransformer)
    old.__setstate__(state)
    assert old.adversarial_update == "alternating"
    assert_array_equal(old.transform(X), aae.transform(X))
    assert_array_equal(
        old.set_params(warm_start=True, max_iter=1).fit(X).transform(X),
        aae.set_params(warm_start=True, max_iter=1).fit(X).transform(X),
    )


def test_pickled_model_continues_training_like_an_unpickled_one(blobs):
    """Weights, optimizer moments and random generators all survive pickling."""
    X, _ = blobs
    straight = fast(max_iter=4).fit(X)
    halfway = fast(max_iter=2).fit(X)
    resumed = pickle.loads(pickle.dumps(halfway)).set_params(warm_start=True).fit(X)
    assert resumed.n_iter_ == 4
    assert_array_equal(resumed.transform(X), straight.transform(X))
