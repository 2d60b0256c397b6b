"""Reliability: divergence, interruption, failure modes of the adversarial game."""

import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from skorch.callbacks import Callback

from sklearn_aae import (
    AAETransformer,
    AdversarialTrainingWarning,
    DeviceMemoryError,
    DivergenceError,
    NormalPrior,
    TrainingCheckpoint,
    TrainingInterruptedWarning,
    UniformPrior,
)


def fast(**params):
    params.setdefault("hidden_layer_sizes", (32, 32))
    params.setdefault("max_iter", 6)
    params.setdefault("random_state", 0)
    return AAETransformer(**params)


class PoisonAt(Callback):
    """Turn the encoder's weights into NaN when epoch ``epoch`` begins."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            with torch.no_grad():
                net.module_.encoder.net[0].weight.fill_(float("nan"))


class InterruptAt(Callback):
    """Raise KeyboardInterrupt in the middle of epoch ``epoch``, as Ctrl-C would."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_batch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def test_divergence_error_names_the_epoch(blobs):
    X, _ = blobs
    aae = fast(callbacks=[PoisonAt(3)])
    with pytest.raises(DivergenceError, match="epoch 3"):
        aae.fit(X)
    assert not hasattr(aae, "n_iter_")


def test_divergence_can_restore_the_last_good_epoch(blobs):
    X, _ = blobs
    reference = fast(max_iter=2).fit(X)
    aae = fast(callbacks=[PoisonAt(3)], on_divergence="restore")
    with pytest.warns(TrainingInterruptedWarning, match="end of epoch 2"):
        aae.fit(X)
    assert aae.diverged_ and aae.n_iter_ == 2 and len(aae.loss_curve_) == 2
    assert np.isfinite(aae.best_loss_)  # what the stopping rule saw up to epoch 2
    codes = aae.transform(X)
    assert np.isfinite(codes).all()
    assert_array_equal(codes, reference.transform(X))  # exactly the model after epoch 2


def test_divergence_in_the_first_epoch_restores_nothing(blobs):
    X, _ = blobs
    aae = fast(callbacks=[PoisonAt(1)], on_divergence="restore")
    with pytest.raises(DivergenceError):
        aae.fit(X)
    assert not hasattr(aae, "net_")


def test_interruption_keeps_the_last_finished_epoch_and_reraises(blobs):
    X, _ = blobs
    reference = fast(max_iter=3).fit(X)
    aae = fast(callbacks=[InterruptAt(4)])
    with pytest.warns(TrainingInterruptedWarning, match="interrupted"):
        with pytest.raises(KeyboardInterrupt):
            aae.fit(X)
    assert aae.interrupted_ and aae.n_iter_ == 3
    assert_array_equal(aae.transform(X), reference.transform(X))


def test_interruption_before_the_first_epoch_ends_leaves_it_unfitted(blobs):
    X, _ = blobs
    aae = fast(callbacks=[InterruptAt(1)])
    with pytest.raises(KeyboardInterrupt):
        aae.fit(X)
    assert not hasattr(aae, "net_") and not hasattr(aae, "interrupted_")


def test_interrupted_model_resumes_like_an_uninterrupted_one(blobs):
    """The kept state includes the optimizers and RNGs, so training can go on."""
    X, _ = blobs
    uninterrupted = fast(max_iter=5).fit(X)
    aae = fast(max_iter=5, callbacks=[InterruptAt(3)])
    with pytest.warns(TrainingInterruptedWarning), pytest.raises(KeyboardInterrupt):
        aae.fit(X)
    aae.set_params(warm_start=True, max_iter=3, callbacks=None).fit(X)
    assert aae.n_iter_ == 5
    assert_array_equal(aae.transform(X), uninterrupted.transform(X))


def test_a_real_sigint_during_fit(tmp_path):
    """Ctrl-C sent to a real fit in another process: a usable model of a finished epoch."""
    script = tmp_path / "fit.py"
    script.write_text(
        textwrap.dedent(
            """
            import json, signal, warnings
            import numpy as np, torch
            from skorch.callbacks import Callback
            from sklearn_aae import AAETransformer

            # A child of a non-interactive shell may inherit SIGINT ignored: restore
            # Python's own handler, which raises KeyboardInterrupt.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            torch.set_num_threads(1)

            class Ready(Callback):
                def on_epoch_end(self, net, **kwargs):
                    if len(net.history) == 2:
                        print("ready", flush=True)

            X = np.random.RandomState(0).standard_normal((2000, 20)).astype("float32")
            aae = AAETransformer(
                hidden_layer_sizes=(64,), max_iter=100000, random_state=0, callbacks=[Ready()]
            )
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    aae.fit(X)
                except KeyboardInterrupt:
                    pass
            Z = aae.transform(X)
            print(json.dumps({"interrupted": aae.interrupted_, "n_iter": aae.n_iter_,
                              "finite": bool(np.isfinite(Z).all()),
                              "warned": [str(w.message)[:40] for w in caught]}))
            """
        )
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout.readline().strip() == "ready"  # two epochs have finished
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
    finally:
        proc.kill()
    result = json.loads(out.strip().splitlines()[-1])
    assert result["interrupted"] and result["finite"] and result["n_iter"] >= 2
    assert any("interrupted" in w for w in result["warned"])


def test_a_winning_discriminator_is_named(blobs):
    X, _ = blobs
    # A prior far from where the codes start, and too small a λ to bring them there.
    far = UniformPrior(low=100.0, high=101.0)
    aae = fast(adversarial_weight=1e-6, prior=far, max_iter=20)
    with pytest.warns(AdversarialTrainingWarning, match="discriminator told codes"):
        aae.fit(X)
    assert min(aae.discriminator_accuracy_curve_[-10:]) > 0.95
    # A plain autoencoder (λ = 0) loses to its discriminator by design: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", AdversarialTrainingWarning)
        fast(adversarial_weight=0.0, prior=far, max_iter=20).fit(X)


def test_codes_collapsed_onto_a_point_are_named(blobs):
    X, _ = blobs
    aae = fast(adversarial_weight=0.0, prior=NormalPrior(scale=1e4), max_iter=2)
    with pytest.warns(AdversarialTrainingWarning, match="collapsed onto a point"):
        aae.fit(X)


class OutOfMemoryAt(Callback):
    """Raise the error torch raises when the device is full, in epoch ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_batch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


def test_out_of_memory_names_the_remedy_and_leaves_the_estimator_unfitted(blobs):
    X, _ = blobs
    aae = fast(callbacks=[OutOfMemoryAt(1)], batch_size=64)
    with pytest.raises(DeviceMemoryError, match=r"batch_size \(now 64\)") as info:
        aae.fit(X)
    assert isinstance(info.value, torch.OutOfMemoryError)
    assert isinstance(info.value, MemoryError)
    assert "Tried to allocate 2.00 GiB" in str(info.value)
    assert not hasattr(aae, "net_") and not hasattr(aae, "n_features_in_")
    aae.set_params(batch_size="auto")
    # Without the graph term "auto" trains these rows in batches of 256.
    with pytest.raises(DeviceMemoryError, match=r"batch_size \(now 'auto': 256 rows here\)"):
        aae.fit(X)


def test_out_of_memory_in_a_warm_start_keeps_the_previous_model(blobs):
    X, _ = blobs
    aae = fast(max_iter=3).fit(X)
    before = aae.transform(X)
    aae.set_params(warm_start=True, callbacks=[OutOfMemoryAt(4)])
    with pytest.raises(DeviceMemoryError):
        aae.fit(X)
    assert aae.n_iter_ == 3
    assert_array_equal(aae.transform(X), before)


def test_inference_out_of_memory_retries_with_smaller_blocks(blobs, monkeypatch):
    import sklearn_aae._base as base

    X, _ = blobs
    aae = fast(max_iter=2).fit(X)
    expected = aae.transform(X)
    blocks = []

    def at_most_100_rows(fn, X32, device, n_out, block):
        blocks.append(block)
        if block > 100:
            raise torch.OutOfMemoryError("CUDA out of memory.")
        return apply_in_blocks(fn, X32, device, n_out, block=block)

    apply_in_blocks = base.apply_in_blocks
    monkeypatch.setattr(base, "apply_in_blocks", at_most_100_rows)
    # Smaller blocks may round differently (another matrix shape): close, not equal.
    assert_allclose(aae.transform(X), expected, rtol=1e-5, atol=1e-5)
    assert blocks == [256, 64]

    def never(fn, X32, device, n_out, block):
        raise torch.OutOfMemoryError("CUDA out of memory.")

    monkeypatch.setattr(base, "apply_in_blocks", never)
    with pytest.raises(DeviceMemoryError, match="even 64 rows at a time"):
        aae.transform(X)


def test_checkpoints_resume_to_the_uninterrupted_result(blobs, tmp_path):
    X, _ = blobs
    straight = fast(max_iter=6).fit(X)
    path = tmp_path / "ckpt-{epoch}.pkl"
    # The same fit with checkpoints, stopped by Ctrl-C in epoch 5.
    aae = fast(max_iter=6, callbacks=[TrainingCheckpoint(path, every=2), InterruptAt(5)])
    with pytest.raises(KeyboardInterrupt), warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingInterruptedWarning)
        aae.fit(X)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt-2.pkl", "ckpt-4.pkl"]
    for epoch in (2, 4):
        with open(tmp_path / f"ckpt-{epoch}.pkl", "rb") as f:
            resumed = pickle.load(f)
        assert resumed.n_iter_ == epoch
        resumed.set_params(warm_start=True, max_iter=6 - epoch, callbacks=None).fit(X)
        assert resumed.n_iter_ == 6
        assert_array_equal(resumed.transform(X), straight.transform(X))
        assert resumed.loss_curve_ == straight.loss_curve_


def test_a_checkpoint_without_epoch_in_its_path_keeps_the_last(blobs, tmp_path):
    X, _ = blobs
    aae = fast(max_iter=3, callbacks=[TrainingCheckpoint(tmp_path / "last.pkl")]).fit(X)
    assert [p.name for p in tmp_path.iterdir()] == ["last.pkl"]  # no temporary file left
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "last.pkl").stat().st_mode & 0o777 == 0o666 & ~umask
    with open(tmp_path / "last.pkl", "rb") as f:
        assert_array_equal(pickle.load(f).transform(X), aae.transform(X))
    with pytest.raises(ValueError, match="every must be a positive integer"):
        fast(callbacks=[TrainingCheckpoint(tmp_path / "x.pkl", every=0)]).fit(X)


def test_ctrl_c_inside_grid_search_stops_the_search(blobs):
    from sklearn.model_selection import GridSearchCV

    X, _ = blobs
    search = GridSearchCV(
        fast(callbacks=[InterruptAt(1)]), {"adversarial_weight": [0.5, 1.0]}, cv=2
    )
    with pytest.raises(KeyboardInterrupt), warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingInterruptedWarning)
        search.fit(X)
    assert not hasattr(search, "cv_results_")
