"""Scale-out: a grid search on a Dask cluster gives the same results as on one machine."""

import numpy as np
import pytest
from joblib import parallel_config
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV

from sklearn_aae import AAETransformer, prior_fit_score

distributed = pytest.importorskip("dask.distributed")


def _search():
    aae = AAETransformer(hidden_layer_sizes=(8,), max_iter=2, n_jobs=1, random_state=0)
    return GridSearchCV(
        aae,
        {"adversarial_weight": [0.0, 1.0]},
        scoring={"reconstruction": None, "prior_fit": prior_fit_score},
        refit="reconstruction",
        cv=2,
    )


# ~25 s on 2 busy cores, most of it starting the two worker processes (each imports torch)
@pytest.mark.slow
def test_grid_search_on_dask_matches_the_default_backend(blobs):
    X, _ = blobs
    X_before = X.copy()
    local = _search().fit(X)

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            worker_dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        workers = set(client.scheduler_info()["workers"])
        with distributed.get_task_stream(client) as tasks, parallel_config(backend="dask"):
            remote = _search().fit(X)
    # the fits ran as tasks on the cluster's workers, not in this process
    assert len(tasks.data) >= 1
    assert len(workers) == 2 and {t["worker"] for t in tasks.data} <= workers

    for key in ("mean_test_reconstruction", "mean_test_prior_fit", "split0_test_reconstruction"):
        assert_allclose(remote.cv_results_[key], local.cv_results_[key], rtol=1e-6, err_msg=key)
    assert remote.best_params_ == local.best_params_
    # the two settings give different models, so equal results are not equal by accident
    assert not np.allclose(*local.cv_results_["mean_test_prior_fit"])
    assert_allclose(remote.best_estimator_.transform(X), local.best_estimator_.transform(X))
    assert_array_equal(X, X_before)


def test_dask_ml_incremental_drives_partial_fit(blobs):
    # dask-ml's Incremental streams a dask array's blocks through partial_fit, one call
    # (one epoch over that block) per block, as partial_fit promises.
    dask_array = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, _ = blobs
    X_before = X.copy()
    params = {"hidden_layer_sizes": (8,), "n_jobs": 1, "random_state": 0}
    chunk = len(X) // 4
    dX = dask_array.from_array(X, chunks=(chunk, X.shape[1]))
    n_blocks = dX.numblocks[0]

    incremental = wrappers.Incremental(AAETransformer(**params), shuffle_blocks=False)
    incremental.fit(dX)
    streamed = incremental.estimator_
    assert streamed.n_iter_ == n_blocks

    by_hand = AAETransformer(**params)
    for start in range(0, len(X), chunk):
        by_hand.partial_fit(X[start : start + chunk])
    # the same calls in the same order: the same model
    assert_allclose(streamed.transform(X), by_hand.transform(X), rtol=1e-6, atol=1e-6)
    # its transform runs block-wise on the dask array and gives the estimator's codes
    codes = incremental.transform(dX)
    assert isinstance(codes, dask_array.Array)
    assert_allclose(codes.compute(), streamed.transform(X), rtol=1e-6, atol=1e-6)
    assert_array_equal(X, X_before)
