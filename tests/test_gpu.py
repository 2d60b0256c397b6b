"""On CUDA: every estimator, persistence to a machine without a GPU, memory and faults.

Marked ``gpu``: skipped where CUDA is missing (CI), run with ``pytest -m gpu`` on a
machine that has it.
"""

import gc
import os
import pickle
import subprocess
import sys
import textwrap
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_aae import (
    AAEClassifier,
    AAEClusterer,
    AAEClusterHeadTransformer,
    AAETransformer,
    DeviceMemoryError,
)

pytestmark = pytest.mark.gpu

MiB = 2**20


def fast(cls=AAETransformer, **params):
    params.setdefault("hidden_layer_sizes", (32, 32))
    params.setdefault("max_iter", 5)
    params.setdefault("random_state", 0)
    params.setdefault("device", "cuda")
    return cls(**params)


def on_cuda(estimator):
    return all(p.device.type == "cuda" for p in estimator.net_.module_.parameters())


@pytest.fixture
def partly_labelled(blobs):
    X, y = blobs
    y = y.copy()
    y[np.random.RandomState(0).rand(len(y)) > 0.2] = -1
    return X, y


def test_every_estimator_trains_and_infers_on_cuda(blobs, partly_labelled):
    X, y = blobs
    _, y_partial = partly_labelled
    aae = fast().fit(X)
    assert aae.device_.type == "cuda" and on_cuda(aae)
    for out in (aae.transform(X), aae.inverse_transform(aae.transform(X)), aae.sample(7)):
        assert isinstance(out, np.ndarray) and out.dtype == np.float32
        assert np.isfinite(out).all()
    assert np.isfinite(aae.score(X))

    clf = fast(AAEClassifier).fit(X, y_partial)
    assert on_cuda(clf) and clf.score(X, y) > 0.6
    clu = fast(AAEClusterer, n_clusters=3).fit(X)
    assert on_cuda(clu) and clu.predict(X).shape == (len(X),)
    heads = fast(AAEClusterHeadTransformer, n_clusters=3).fit(X)
    assert on_cuda(heads) and np.isfinite(heads.transform(X)).all()


def test_same_random_state_same_model_on_cuda(blobs):
    X, _ = blobs
    for encoder in ("deterministic", "gaussian", "universal"):
        a = fast(encoder=encoder).fit(X)
        b = fast(encoder=encoder).fit(X)
        assert_array_equal(a.transform(X), b.transform(X))
        assert_array_equal(a.sample(5, random_state=1), b.sample(5, random_state=1))


def test_sparse_input_on_cuda_gives_the_model_of_its_dense_twin(blobs):
    X, _ = blobs
    X = np.where(np.abs(X) > 1, X, 0.0)
    dense = fast().fit(X)
    sparse = fast().fit(sp.csr_matrix(X))
    assert_allclose(sparse.transform(sp.csr_matrix(X)), dense.transform(X), atol=1e-5)


@pytest.mark.parametrize("cuda_graphs", [False, True])
def test_cuda_model_loads_transforms_and_trains_without_cuda(blobs, tmp_path, cuda_graphs):
    X, _ = blobs
    aae = fast(cuda_graphs=cuda_graphs, batch_size=32).fit(X)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(aae))
    np.save(tmp_path / "X.npy", X)
    script = textwrap.dedent(
        f"""
        import pickle, numpy as np, torch
        assert not torch.cuda.is_available()
        aae = pickle.loads(open({str(tmp_path / "model.pkl")!r}, "rb").read())
        assert aae.device_.type == "cpu", aae.device_
        X = np.load({str(tmp_path / "X.npy")!r})
        np.save({str(tmp_path / "Z.npy")!r}, aae.transform(X))
        aae.set_params(warm_start=True, device="cpu", max_iter=1).fit(X)
        assert aae.n_iter_ == 6 and np.isfinite(aae.transform(X)).all()
        """
    )
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=300)
    assert_allclose(np.load(tmp_path / "Z.npy"), aae.transform(X), rtol=1e-4, atol=1e-5)


@pytest.fixture
def memory_cap():
    """Let this process use about 1 GiB of the GPU, so that running out is quick."""
    gc.collect()
    torch.cuda.empty_cache()
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.set_per_process_memory_fraction(2**30 / total)
    yield
    torch.cuda.set_per_process_memory_fraction(1.0)
    gc.collect()
    torch.cuda.empty_cache()


def test_out_of_memory_when_building_is_a_clear_error_and_frees_the_device(blobs, memory_cap):
    X, _ = blobs
    before = torch.cuda.memory_allocated()
    aae = fast(hidden_layer_sizes=(12_000, 12_000))  # 0.6 GB of weights per network
    with pytest.raises(DeviceMemoryError, match="Lower batch_size"):
        aae.fit(X)
    assert not hasattr(aae, "net_")
    assert torch.cuda.memory_allocated() - before < MiB
    assert on_cuda(fast().fit(X))  # the device is usable again


def test_out_of_memory_in_a_step_keeps_the_previous_model_on_the_device(memory_cap):
    X = np.random.RandomState(0).randn(50_000, 10).astype(np.float32)
    aae = fast(hidden_layer_sizes=(2048, 2048), max_iter=1, batch_size=512).fit(X)
    Z = aae.transform(X)
    # A batch of 50,000 rows needs several GB of activations in 2048-wide layers.
    aae.set_params(warm_start=True, batch_size=50_000)
    with pytest.raises(DeviceMemoryError, match=r"batch_size \(now 50000\)"):
        aae.fit(X)
    assert aae.n_iter_ == 1 and on_cuda(aae)
    assert_array_equal(aae.transform(X), Z)
    aae.set_params(batch_size=512).fit(X)
    assert aae.n_iter_ == 2 and on_cuda(aae)


def test_gpu_memory_stays_flat_over_many_fits_and_a_partial_fit_stream(blobs):
    X, _ = blobs
    allocated = []
    for _ in range(40):
        fast(max_iter=1).fit(X).transform(X)
        gc.collect()
        allocated.append(torch.cuda.memory_allocated())
    assert allocated[-1] - allocated[9] < MiB, allocated

    aae = fast()
    stream = []
    for i in range(200):
        aae.partial_fit(X[(i * 50) % 250 :][:50])
        stream.append(torch.cuda.memory_allocated())
    assert stream[-1] - stream[19] < MiB, stream[::20]


def test_transform_from_several_threads_on_cuda(blobs):
    X, _ = blobs
    aae = fast().fit(X)
    expected = aae.transform(X)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: aae.transform(X), range(32)))
    for Z in results:
        assert_array_equal(Z, expected)


def test_training_does_not_synchronise_the_host_per_batch(blobs):
    X, _ = blobs
    X = np.tile(X, (8, 1))  # 2400 rows

    def sync_warnings(batch_size):
        torch.cuda.set_sync_debug_mode("warn")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fast(max_iter=2, batch_size=batch_size).fit(X)
        finally:
            torch.cuda.set_sync_debug_mode("default")
        return sum("synchroniz" in str(w.message) for w in caught)

    # Four times the batches, the same number of host synchronisations.
    assert sync_warnings(32) == sync_warnings(128)


def test_bfloat16_mixed_precision_on_cuda(blobs):
    X, _ = blobs
    full = fast(max_iter=20).fit(X)
    mixed = fast(max_iter=20, precision="bfloat16").fit(X)
    assert all(p.dtype == torch.float32 for p in mixed.net_.module_.parameters())
    assert np.isfinite(mixed.transform(X)).all()
    assert mixed.score(X) > 2 * full.score(X)


# -- cuda_graphs=True --------------------------------------------------------------------
@pytest.fixture
def replays(monkeypatch):
    """Count the CUDA graph replays of the training loop."""
    count = {"n": 0}
    replay = torch.cuda.CUDAGraph.replay

    def counting(self):
        count["n"] += 1
        return replay(self)

    monkeypatch.setattr(torch.cuda.CUDAGraph, "replay", counting)
    return count


no_fallback = pytest.mark.filterwarnings("error:Capturing the training step")


def not_capturable(net):
    """True when no optimizer group of the net is still marked capturable."""
    return all(
        not group["capturable"]
        for opt in (net.optimizer_, net.optimizer_discriminator_)
        for group in opt.param_groups
    )


@no_fallback
@pytest.mark.parametrize("neighbor_weight", [0.0, 1.0])
@pytest.mark.parametrize("update", ["alternating", "joint"])
def test_cuda_graphs_train_the_model_of_the_eager_step(blobs, replays, neighbor_weight, update):
    X, _ = blobs
    X = np.tile(X, (4, 1))  # 1200 rows: 9 full batches of 128 and one of 48 per epoch
    params = {
        "max_iter": 3,
        "batch_size": 128,
        "neighbor_weight": neighbor_weight,
        "adversarial_update": update,
    }
    eager = fast(**params).fit(X)
    graphed = fast(**params, cuda_graphs=True).fit(X)
    # 3 warm-up batches, then every full batch from the graph: 9 - 3 + 2 * 9.
    assert replays["n"] == 24
    assert_allclose(graphed.loss_curve_, eager.loss_curve_, rtol=1e-3)
    assert_allclose(graphed.transform(X), eager.transform(X), rtol=1e-3, atol=1e-3)
    assert not_capturable(graphed.net_)


@no_fallback
def test_cuda_graphs_with_random_draws_every_estimator(blobs, partly_labelled, replays):
    X, y = blobs
    _, y_partial = partly_labelled
    noisy = {"input_noise": 0.1, "discriminator_noise": 0.1, "batch_size": 32}
    for encoder in ("gaussian", "universal"):
        a = fast(encoder=encoder, cuda_graphs=True, **noisy).fit(X)
        b = fast(encoder=encoder, cuda_graphs=True, **noisy).fit(X)
        assert_array_equal(a.transform(X), b.transform(X))
        assert np.isfinite(a.transform(X)).all()
    clf = fast(AAEClassifier, cuda_graphs=True, max_iter=10, **noisy).fit(X, y_partial)
    assert clf.score(X, y) > 0.6
    clu = fast(AAEClusterer, n_clusters=3, cuda_graphs=True, **noisy).fit(X)
    assert clu.predict(X).shape == (len(X),)
    heads = fast(AAEClusterHeadTransformer, n_clusters=3, cuda_graphs=True, **noisy).fit(X)
    assert np.isfinite(heads.transform(X)).all()
    assert replays["n"] > 100


@no_fallback
def test_cuda_graphs_follow_a_learning_rate_schedule(blobs, replays):
    from skorch.callbacks import LRScheduler

    X, _ = blobs
    schedule = [LRScheduler(policy="StepLR", step_size=1, gamma=0.1)]
    eager = fast(max_iter=4, batch_size=32, callbacks=schedule).fit(X)
    graphed = fast(max_iter=4, batch_size=32, callbacks=schedule, cuda_graphs=True).fit(X)
    assert replays["n"] > 0
    assert_allclose(graphed.loss_curve_, eager.loss_curve_, rtol=1e-3)


@no_fallback
def test_cuda_graphs_bfloat16_and_a_partial_fit_stream_keep_memory_flat(blobs, replays):
    X, _ = blobs
    mixed = fast(max_iter=20, batch_size=32, precision="bfloat16", cuda_graphs=True).fit(X)
    full = fast(max_iter=20, batch_size=32).fit(X)
    assert mixed.score(X) > 2 * full.score(X)

    aae = fast(batch_size=25, cuda_graphs=True)
    stream = []
    for i in range(30):
        aae.partial_fit(X[(i * 20) % 100 :][:200])  # 8 batches: warm-up, capture, replays
        gc.collect()
        stream.append(torch.cuda.memory_allocated())
    assert stream[-1] - stream[4] < MiB, stream[::5]
    assert replays["n"] >= 30 * 5


@no_fallback
def test_cuda_graphs_follow_settings_that_callbacks_change(blobs, replays):
    from skorch.callbacks import Callback

    class PlainAutoencoderAfterTwoEpochs(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                net.adversarial_weight = 0.0

    X, _ = blobs
    params = {"max_iter": 4, "batch_size": 32, "callbacks": [PlainAutoencoderAfterTwoEpochs()]}
    eager = fast(**params).fit(X)
    graphed = fast(**params, cuda_graphs=True).fit(X)
    assert replays["n"] > 0
    # With the old λ baked in, the generator would keep training the encoder.
    assert_allclose(graphed.loss_curve_, eager.loss_curve_, rtol=1e-3)


@no_fallback
def test_ctrl_c_during_replays_keeps_the_last_epoch_and_clears_the_graph(blobs, replays):
    from skorch.callbacks import Callback

    from sklearn_aae import TrainingInterruptedWarning

    class CtrlC(Callback):
        def on_batch_end(self, net, **kwargs):
            if len(net.history) == 3:  # in the third epoch, after some replays
                raise KeyboardInterrupt

    X, _ = blobs
    aae = fast(max_iter=5, batch_size=32, cuda_graphs=True, callbacks=[CtrlC()])
    with pytest.warns(TrainingInterruptedWarning), pytest.raises(KeyboardInterrupt):
        aae.fit(X)
    assert aae.interrupted_ and aae.n_iter_ == 2 and replays["n"] > 0
    net = aae.net_
    assert net.graphed_step_ is None
    assert not_capturable(net)
    assert all(p.requires_grad for p in net.module_.discriminators.parameters())
    aae.set_params(callbacks=None, warm_start=True, max_iter=2).fit(X)
    assert aae.n_iter_ == 4 and np.isfinite(aae.transform(X)).all()
