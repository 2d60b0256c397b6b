"""Memory over many fits and long partial_fit streams; transform from several threads.

Resident memory is read from ``/proc/self/statm`` (the current resident set, not the
peak) after a garbage collection, once after a few warm-up fits and once at the end. The
data are float64, so every fit makes its own float32 copy of X (1 MiB here): a fit that
kept its data, or its fitted model, alive would add at least that much per fit. For
scale, keeping every fitted model of the 30-fit test alive grows RSS by about 70 MiB
(the networks, their optimizer states and the allocator's pages around them); dropping
them grows it by less than 3 MiB (``benchmarks/bench_memory.py`` prints both figures).
"""

import copy
import gc
import os
import resource
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal

from sklearn_aae import AAETransformer, AdversarialTrainingWarning

N_FEATURES = 64


def rss_mib():
    """Current resident memory of this process in MiB (peak where /proc is missing)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # not Linux: the peak, which can only overstate growth
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settled_rss_mib():
    gc.collect()
    return rss_mib()


def small(**params):
    params = {
        "hidden_layer_sizes": (64,),
        "max_iter": 1,
        "batch_size": 1000,
        "random_state": 0,
        **params,
    }
    return AAETransformer(**params)


@pytest.fixture(scope="module")
def X():
    return np.random.RandomState(0).standard_normal((4000, N_FEATURES))


def rss_growth_over_fits(X, n_fits, n_warmup=5):
    """RSS growth (MiB) over ``n_fits`` fit + transform runs, after ``n_warmup`` of them."""

    def one(seed):
        aae = small(random_state=seed).fit(X)
        assert np.isfinite(aae.transform(X)).all()

    for seed in range(n_warmup):
        one(seed)
    start = settled_rss_mib()
    for seed in range(n_fits):
        one(n_warmup + seed)
    return settled_rss_mib() - start


def rss_growth_over_stream(n_chunks, chunk_rows=200, n_warmup=10):
    """RSS growth (MiB) over a ``partial_fit`` stream of ``n_chunks`` float64 chunks."""
    rng = np.random.RandomState(0)
    aae = small(batch_size=64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AdversarialTrainingWarning)
        for _ in range(n_warmup):
            aae.partial_fit(rng.standard_normal((chunk_rows, N_FEATURES)))
        start = settled_rss_mib()
        for _ in range(n_chunks):
            aae.partial_fit(rng.standard_normal((chunk_rows, N_FEATURES)))
    return aae, settled_rss_mib() - start


# -- many fits ---------------------------------------------------------------------------------
def test_memory_is_flat_over_consecutive_fits(X):
    # 30 fits; a leak of each fit's float32 copy of X alone would add 30 MiB.
    assert rss_growth_over_fits(X, n_fits=30) < 10


@pytest.mark.slow
def test_memory_is_flat_over_200_fits(X):
    assert rss_growth_over_fits(X, n_fits=200) < 30


# -- a long partial_fit stream --------------------------------------------------------------------
def check_stream(aae, n_chunks):
    """What a stream must keep: one history row per chunk, no per-batch rows, no snapshot."""
    history = aae.net_.history
    assert aae.n_iter_ == len(history) == n_chunks
    assert len(aae.loss_curve_) == n_chunks
    assert all(row["batches"] == [] for row in history)  # no per-batch records piling up
    assert aae.net_.last_good is None  # the fall-back copy of the weights is released


def test_memory_is_flat_over_a_partial_fit_stream():
    aae, growth = rss_growth_over_stream(n_chunks=40)
    check_stream(aae, 50)
    assert growth < 10


@pytest.mark.slow
def test_memory_is_flat_over_a_long_partial_fit_stream():
    aae, growth = rss_growth_over_stream(n_chunks=300)
    check_stream(aae, 310)
    assert growth < 30


# -- threads -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fitted(X):
    return small(max_iter=2, hidden_layer_sizes=(32, 32), encoder="gaussian").fit(X)


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_transform_from_several_threads_equals_serial(fitted, n_jobs):
    """Four threads encode, decode and sample at once; every result equals the serial one."""
    aae = copy.deepcopy(fitted).set_params(n_jobs=n_jobs)
    rng = np.random.RandomState(1)
    # Slices of different sizes; the largest runs through the chunked path (> 8192 rows).
    big = rng.standard_normal((20_000, N_FEATURES))
    slices = [big[:10], big[10:2000], big[2000:2001], big[2001:6000], big[6000:]] * 3
    serial = [aae.transform(s) for s in slices]
    codes = serial[3]
    serial_decoded = aae.inverse_transform(codes)
    serial_samples = [aae.sample(50, random_state=seed) for seed in range(8)]
    threads_before = torch.get_num_threads()

    with ThreadPoolExecutor(4) as pool:
        encoded = list(pool.map(aae.transform, slices))
        decoded = list(pool.map(aae.inverse_transform, [codes] * 8))
        samples = list(pool.map(lambda seed: aae.sample(50, random_state=seed), range(8)))

    for got, expected in zip(encoded, serial, strict=True):
        assert_array_equal(got, expected)
    for got in decoded:
        assert_array_equal(got, serial_decoded)
    for got, expected in zip(samples, serial_samples, strict=True):
        assert_array_equal(got, expected)
    assert torch.get_num_threads() == threads_before


def test_overlapping_transforms_keep_eval_mode_and_restore_the_mode(X):
    """Two overlapping transform calls, forced into the interleaving of a mode race.

    A enters its forward pass, B enters, A returns while B is still in its forward pass,
    then B returns. Inference that switched the shared module to eval() and back around
    each call (as it did before commit 43b8d94) made B run in training mode and left the
    module in eval mode. The codes were unaffected (no dropout or batch norm), but the
    mode is shared state that inference must not write.
    """
    fitted = small(max_iter=1).fit(X)
    module = fitted.net_.module_
    mode_before = module.training  # as fit leaves it
    a_in, b_in, a_done = threading.Event(), threading.Event(), threading.Event()
    seen_by_b = []

    def hook(_, args):
        if threading.current_thread().name == "A":
            a_in.set()
            b_in.wait(10)
        else:
            b_in.set()
            a_done.wait(10)
            seen_by_b.append(module.training)

    handle = fitted.encoder_.net.register_forward_pre_hook(hook)
    try:
        results = {}
        a = threading.Thread(target=lambda: results.update(A=fitted.transform(X)), name="A")
        b = threading.Thread(target=lambda: results.update(B=fitted.transform(X)), name="B")
        a.start()
        assert a_in.wait(10)
        b.start()
        a.join(10)
        a_done.set()
        b.join(10)
    finally:
        handle.remove()
    assert_array_equal(results["A"], results["B"])  # the codes are right either way
    # one pass per inference block, each in eval mode
    assert seen_by_b and not any(seen_by_b), "B's forward pass ran with the module in training mode"
    assert module.training == mode_before, "the module's mode was changed"
