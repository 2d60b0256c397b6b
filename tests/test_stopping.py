"""Convergence stopping (tol, n_iter_no_change, early_stopping), skorch's EarlyStopping,
and the lazy R1 penalty."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import EarlyStopping

from sklearn_aae import AAEClassifier, AAETransformer, TrainingInterruptedWarning


def small(**params):
    params.setdefault("hidden_layer_sizes", (32, 32))
    params.setdefault("random_state", 0)
    return AAETransformer(**params)


def test_a_converged_fit_stops_before_max_iter_without_a_warning(blobs):
    X, _ = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        # A tolerance no epoch can meet: after the first epoch (an improvement on
        # nothing, as in MLPClassifier), n_iter_no_change + 1 misses stop the fit.
        aae = small(max_iter=50, tol=10.0, n_iter_no_change=3).fit(X)
    assert aae.n_iter_ == 5
    assert aae.best_loss_ == min(aae.net_.history[:, "convergence_loss"])
    assert aae.validation_scores_ is None and aae.best_validation_score_ is None


def test_max_iter_reached_before_convergence_warns(blobs):
    X, _ = blobs
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\) reached"):
        aae = small(max_iter=3).fit(X)
    assert aae.n_iter_ == 3


def test_n_iter_no_change_of_max_iter_trains_every_epoch(blobs):
    X, _ = blobs
    aae = small(max_iter=6, tol=10.0, n_iter_no_change=6)
    with pytest.warns(ConvergenceWarning):
        aae.fit(X)
    assert aae.n_iter_ == 6


def test_the_criterion_leaves_out_the_oscillating_adversarial_terms(blobs):
    X, _ = blobs
    aae = small(max_iter=3, neighbor_weight=1.0)
    with pytest.warns(ConvergenceWarning):
        aae.fit(X)
    h = aae.net_.history
    for epoch in range(3):
        graph = aae.net_.neighbor_weight * h[epoch, "neighbor_loss"]  # the weight in the loop
        expected = h[epoch, "reconstruction_loss"] + graph
        assert h[epoch, "convergence_loss"] == pytest.approx(expected)


def test_early_stopping_holds_out_rows_and_keeps_the_best_epoch(blobs):
    X, _ = blobs
    aae = small(max_iter=40, early_stopping=True, n_iter_no_change=2, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        aae.fit(X)
    scores = aae.validation_scores_
    assert len(scores) == aae.n_iter_ and aae.best_loss_ is None
    assert aae.best_validation_score_ == max(scores)
    valid = aae.net_.history[:, "valid_loss"]
    assert_array_equal(-np.array(valid), scores)
    # the model kept is the best epoch's, whose weights score as the best
    best = int(np.argmax(scores))
    assert aae.net_.history[best, "valid_loss_best"]
    # the held-out rows were not trained on: validation and training losses differ
    assert valid[-1] != aae.net_.history[-1, "reconstruction_loss"]


def test_early_stopping_keeps_labelled_rows_for_training(rng):
    X = rng.standard_normal((200, 5))
    y = np.where(np.arange(200) % 20 == 0, np.arange(200) % 3, -1)
    clf = AAEClassifier(max_iter=2, early_stopping=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert_array_equal(clf.classes_, [0, 1, 2])
    with pytest.raises(ValueError, match="each needs at least 2"):
        small(early_stopping=True, validation_fraction=0.01).fit(X[:20])


def test_early_stopping_on_few_rows_of_many_classes_splits_without_strata(rng):
    # 10 classes of 2 rows, 2 rows held out: too few to stratify, so the split is plain;
    # it either keeps a row of every class in training or says which constraint failed.
    X = rng.standard_normal((20, 5))
    y = np.repeat(np.arange(10), 2)
    for seed in range(5):
        clf = AAEClassifier(max_iter=1, early_stopping=True, random_state=seed)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(X, y)
        except ValueError as exc:
            assert "validation_fraction" in str(exc) and "test_size" not in str(exc)
        else:
            assert_array_equal(clf.classes_, np.arange(10))


def test_skorch_early_stopping_ends_the_fit_normally(blobs):
    X, _ = blobs
    stopper = EarlyStopping(monitor="train_loss", patience=2, threshold=10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingInterruptedWarning)
        aae = small(max_iter=30, callbacks=[stopper]).fit(X)
    assert aae.n_iter_ == 3  # the first epoch improves on nothing, then 2 misses
    assert not hasattr(aae, "interrupted_")
    assert aae.transform(X).shape == (len(X), 2)
    # on the validation loss, which early_stopping records
    aae = small(
        max_iter=30, early_stopping=True, callbacks=[EarlyStopping(patience=1, threshold=0.5)]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        aae.fit(X)
    assert aae.n_iter_ < 30


def test_skorch_early_stopping_on_a_key_never_recorded_is_a_clear_error(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="only with early_stopping=True"):
        small(callbacks=[EarlyStopping()]).fit(X)
    with pytest.raises(ValueError, match="'valid_acc'"):
        small(callbacks=[EarlyStopping(monitor="valid_acc")]).fit(X)


def test_partial_fit_trains_one_epoch_and_never_stops_or_warns(blobs):
    X, _ = blobs
    aae = small(tol=10.0, n_iter_no_change=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        for _ in range(4):
            aae.partial_fit(X)
    assert aae.n_iter_ == 4


def test_lazy_r1_penalises_every_kth_step_with_k_times_the_weight(blobs, monkeypatch):
    import sklearn_aae._training as training

    X, _ = blobs
    calls = []
    penalty = training.r1_penalty

    def counted(d_real, z_real):
        calls.append(1)
        return penalty(d_real, z_real)

    monkeypatch.setattr(training, "r1_penalty", counted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        every = small(max_iter=2, batch_size=50, gradient_penalty_interval=1).fit(X)
        n_every = len(calls)
        calls.clear()
        lazy = small(max_iter=2, batch_size=50, gradient_penalty_interval=4).fit(X)
    steps = 2 * 6  # 300 rows in batches of 50
    assert n_every == steps
    assert len(calls) == steps // 4
    assert lazy.net_.n_steps_ == steps
    # the steps between the penalised ones differ from the every-step model
    assert not np.array_equal(lazy.transform(X), every.transform(X))


def test_lazy_r1_continues_its_count_across_warm_starts(blobs):
    X, _ = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        straight = small(max_iter=4, batch_size=64, gradient_penalty_interval=3).fit(X)
        resumed = small(max_iter=2, batch_size=64, gradient_penalty_interval=3).fit(X)
        resumed.set_params(warm_start=True).fit(X)
    assert resumed.net_.n_steps_ == straight.net_.n_steps_
    assert_array_equal(resumed.transform(X), straight.transform(X))
