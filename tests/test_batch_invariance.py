"""A row's output does not depend on the rows computed with it, on any CPU kernel set.

BLAS libraries pick kernels (and so the order of a dot product's sum) from the matrix
shapes and, for small ones, from the data's memory alignment; the estimators run every
forward pass on blocks of one shape (``_runtime.INFERENCE_BLOCK``) so that a row gives
the same output alone, among others, or in another order. The direct tests below check
every output method bit for bit; ``test_under_every_kernel_set`` reruns them, and
scikit-learn's common checks, under each instruction set this CPU offers.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_blobs
from sklearn.preprocessing import StandardScaler

from sklearn_aae import AAEClassifier, AAEClusterer, AAEClusterHeadTransformer, AAETransformer

ROOT = Path(__file__).resolve().parents[1]

# More rows than one inference block (256 on CPU), so that rows land at every position of
# a block and in the padded last one.
N_ROWS = 600


@pytest.fixture(scope="module")
def data():
    X, y = make_blobs(n_samples=N_ROWS, n_features=12, centers=4, random_state=0)
    X = StandardScaler().fit_transform(X)
    y_partial = np.where(np.arange(N_ROWS) % 5 == 0, y, -1)
    return X, y, y_partial


def _fitted(name, data):
    X, y, y_partial = data
    common = {"max_iter": 2, "random_state": 0}
    if name == "transformer":
        return AAETransformer(n_components=3, **common).fit(X)
    if name == "bernoulli":  # the decoder's sigmoid is part of inverse_transform
        X01 = (X - X.min()) / (X.max() - X.min())
        est = AAETransformer(n_components=3, reconstruction_loss="binary_crossentropy", **common)
        return est.fit(X01)
    if name == "style":
        return AAETransformer(n_components=3, labels="decoder", **common).fit(X, y)
    if name == "heads":
        return AAEClusterHeadTransformer(n_clusters=4, **common).fit(X)
    if name == "classifier":
        return AAEClassifier(n_components=3, **common).fit(X, y_partial)
    return AAEClusterer(n_clusters=4, n_components=3, **common).fit(X)


def _outputs(est, data):
    """Each numeric output method as a function of row indices."""
    X, y, _ = data
    if est.reconstruction_loss == "binary_crossentropy":
        X = (X - X.min()) / (X.max() - X.min())
    methods = {}
    for method in ("transform", "predict", "predict_proba", "decision_function"):
        if hasattr(est, method):
            methods[method] = lambda rows, m=method: getattr(est, m)(X[rows])
    if hasattr(est, "inverse_transform"):
        Z = est.transform(X)
        if getattr(est, "labels", None) == "decoder":
            methods["inverse_transform"] = lambda rows: est.inverse_transform(Z[rows], y[rows])
        else:
            methods["inverse_transform"] = lambda rows: est.inverse_transform(Z[rows])
    if hasattr(est, "score_samples") and getattr(est, "labels", None) != "decoder":
        methods["score_samples"] = lambda rows: est.score_samples(X[rows])
    return methods


NAMES = ["transformer", "bernoulli", "style", "heads", "classifier", "clusterer"]


@pytest.mark.parametrize("name", NAMES)
def test_a_row_gives_the_same_output_whatever_rows_come_with_it(name, data):
    est = _fitted(name, data)
    rng = np.random.RandomState(0)
    everything = np.arange(N_ROWS)
    for method, output in _outputs(est, data).items():
        full = output(everything)
        # one row at a time (a few rows across the blocks, to keep the test fast)
        for i in (0, 1, 255, 256, 257, N_ROWS - 1):
            assert_array_equal(output([i]), full[[i]], err_msg=f"{method}, row {i} alone")
        # in another order, and in slices of sizes around a block's
        order = rng.permutation(N_ROWS)
        assert_array_equal(output(order), full[order], err_msg=f"{method}, shuffled")
        for start, size in [(3, 2), (7, 31), (100, 255), (5, 256), (40, 257), (1, 599)]:
            rows = np.arange(start, start + size)
            assert_array_equal(output(rows), full[rows], err_msg=f"{method}, rows {start}+{size}")


@pytest.mark.parametrize("name", ["transformer", "classifier"])
def test_one_or_two_threads_give_the_same_output_within_float32_rounding(name, data):
    est = _fitted(name, data)
    X = data[0]
    one = est.set_params(n_jobs=1).transform(X)
    two = est.set_params(n_jobs=2).transform(X)
    eps = np.finfo(np.float32).eps
    assert_allclose(two, one, rtol=8 * eps, atol=8 * eps * np.abs(one).max())


# -- every kernel set ----------------------------------------------------------------------
# torch's own kernels (ATEN_CPU_CAPABILITY) and MKL's (MKL_ENABLE_INSTRUCTIONS), set alike.
KERNEL_SETS = {"default": "SSE4_2", "avx2": "AVX2", "avx512": "AVX512"}
_CHILD = "SKLEARN_AAE_KERNEL_SET"


def _capability(env):
    code = "import torch; print(torch.backends.cpu.get_cpu_capability().lower())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return out.stdout.strip()


@pytest.mark.skipif(os.environ.get(_CHILD) is not None, reason="already under a kernel set")
@pytest.mark.skipif(
    torch.backends.cpu.get_cpu_capability().lower() not in KERNEL_SETS,
    reason="not an x86 CPU: torch has no other kernel set to force",
)
def test_under_every_kernel_set():
    """The common checks and the tests above, under each other kernel set this CPU has.

    The run of this process covers the CPU's own (best) kernel set; each other one runs
    in a child process (both at once), forced through the environment variables that
    torch and MKL read when they load.
    """
    here = torch.backends.cpu.get_cpu_capability().lower()
    envs = {}
    for capability, mkl in KERNEL_SETS.items():
        if capability == here:
            continue
        env = {
            **os.environ,
            "ATEN_CPU_CAPABILITY": capability,
            "MKL_ENABLE_INSTRUCTIONS": mkl,
            "OMP_NUM_THREADS": "1",
            _CHILD: capability,
        }
        if _capability(env) == capability:  # a set the CPU lacks falls back: skip it
            envs[capability] = env
    assert "default" in envs  # every x86 CPU runs torch's baseline kernels
    tests = ["tests/test_common.py", "tests/test_batch_invariance.py"]
    children = {
        capability: subprocess.Popen(
            [sys.executable, "-m", "pytest", "-q", "-x", *tests],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for capability, env in envs.items()
    }
    failed = {}
    for capability, child in children.items():
        output, _ = child.communicate()
        if child.returncode != 0:
            failed[capability] = output[-4000:]
    assert not failed, "\n\n".join(f"--- under {k} ---\n{v}" for k, v in failed.items())
