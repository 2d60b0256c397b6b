"""Test settings: one torch thread (no oversubscription), shared fixtures."""

import numpy as np
import pytest
import torch

# Tests run beside other processes (CI, pytest-xdist): torch's default thread count made
# training many times slower there.
torch.set_num_threads(1)


def pytest_collection_modifyitems(config, items):
    skip_gpu = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords and not torch.cuda.is_available():
            item.add_marker(skip_gpu)


@pytest.fixture
def blobs():
    """Small standardised data with three clusters in 10 features."""
    from sklearn.datasets import make_blobs
    from sklearn.preprocessing import StandardScaler

    X, y = make_blobs(n_samples=300, n_features=10, centers=3, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture
def rng():
    return np.random.RandomState(0)
