"""The neighbour graph (``_neighbors.py``) and the graph term of the training loop."""

import importlib.util
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import chisquare
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

import sklearn_aae._base as base
import sklearn_aae._training as training
from sklearn_aae import (
    AAEClassifier,
    AAEClusterer,
    AAEClusterHeadTransformer,
    AAETransformer,
)
from sklearn_aae._neighbors import (
    BALANCE,
    CLUSTER_BALANCE,
    NeighborGraph,
    category_agreement_loss,
    find_ab_params,
    fuzzy_weights,
    merge_by_modularity,
    modularity,
    nearest_neighbors,
    neighbor_loss,
    symmetric_graph,
)

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(np.float32), y


def test_exact_neighbors_match_brute_force(rng):
    X = rng.standard_normal((300, 7)).astype(np.float32)
    indices, distances = nearest_neighbors(X, 5, CPU, method="exact")
    full = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(full, np.inf)
    expected = np.argsort(full, axis=1)[:, :5]
    assert_array_equal(indices, expected)
    assert_allclose(distances, np.take_along_axis(full, expected, 1), rtol=1e-5)
    assert (np.diff(distances, axis=1) >= 0).all()


@pytest.mark.slow  # pynndescent compiles its numba kernels in every new process (~30 s)
def test_approximate_neighbors_agree_with_exact(rng):
    pytest.importorskip("pynndescent")
    X = rng.standard_normal((400, 5)).astype(np.float32)
    exact, _ = nearest_neighbors(X, 6, CPU, method="exact")
    approx, _ = nearest_neighbors(X, 6, CPU, random_state=0, method="approximate")
    recall = np.mean([len(set(a) & set(e)) / 6 for a, e in zip(approx, exact, strict=True)])
    assert recall > 0.95


def test_neighbours_pynndescent_did_not_find_are_searched_exactly(monkeypatch, rng):
    pynndescent = pytest.importorskip("pynndescent")
    X = rng.standard_normal((90, 4)).astype(np.float32)
    exact = nearest_neighbors(X, 5, CPU, method="exact")

    class PartialIndex:  # what NNDescent gives on hard data: -1 where it found too few
        def __init__(self, data, n_neighbors, **kwargs):
            full = np.sqrt(((data[:, None, :] - data[None, :, :]) ** 2).sum(-1))
            indices = np.argsort(full, axis=1, kind="stable")[:, :n_neighbors]
            indices[::4, -2:] = -1
            self.neighbor_graph = (indices, None)

    monkeypatch.setattr(pynndescent, "NNDescent", PartialIndex)
    approx = nearest_neighbors(X, 5, CPU, method="approximate")
    assert_array_equal(approx[0], exact[0])
    assert_allclose(approx[1], exact[1], rtol=1e-6)


def test_sparse_neighbors_agree_with_exact(rng):
    X = rng.standard_normal((400, 5)).astype(np.float32)
    exact, _ = nearest_neighbors(X, 6, CPU, method="exact")
    sparse, _ = nearest_neighbors(sp.csr_matrix(X), 6, CPU)
    assert (sparse == exact).mean() > 0.99  # ties aside, the same neighbours


def test_auto_chooses_approximate_search_for_large_data_on_the_cpu(monkeypatch, rng):
    import sklearn_aae._neighbors as neighbors

    chosen = []
    monkeypatch.setattr(neighbors, "APPROXIMATE_FROM", 50)
    monkeypatch.setattr(neighbors, "_approximate_knn", lambda *a: chosen.append("approx"))
    monkeypatch.setattr(neighbors, "_exact_knn", lambda *a: chosen.append("exact"))
    X = rng.standard_normal((60, 3)).astype(np.float32)
    nearest_neighbors(X, 4, CPU)
    nearest_neighbors(X[:40], 4, CPU)
    expected = ["approx" if importlib.util.find_spec("pynndescent") else "exact", "exact"]
    assert chosen == expected


def test_a_row_duplicated_keeps_itself_out_of_its_neighbours():
    X = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [3.0, 0.0]], dtype=np.float32)
    indices, distances = nearest_neighbors(X, 2, CPU)
    assert all(i not in row for i, row in enumerate(indices))
    assert_allclose(distances[:2, 0], 0.0)


def test_the_fuzzy_graph_is_umaps(digits):
    umap_ = pytest.importorskip("umap.umap_")
    X = digits[0]
    indices, distances = nearest_neighbors(X, 14, CPU)
    ours = symmetric_graph(indices, fuzzy_weights(distances), len(X))
    self_column = np.arange(len(X))[:, None]
    theirs, _, _ = umap_.fuzzy_simplicial_set(
        X,
        15,
        0,
        "euclidean",
        knn_indices=np.hstack([self_column, indices]).astype(np.int32),
        knn_dists=np.hstack([0 * self_column, distances]).astype(np.float32),
    )
    theirs = theirs.tocsr()
    assert ours.nnz == theirs.nnz
    assert abs(ours - theirs).max() < 1e-5


def test_the_graph_is_symmetric_sparse_and_of_size_n_times_k(digits):
    X = digits[0]
    graph = NeighborGraph.build(X, 15, CPU)
    assert graph.n_rows == len(X)
    assert len(X) * 14 <= graph.n_edges <= 2 * len(X) * 14
    indices, distances = nearest_neighbors(X, 14, CPU)
    W = symmetric_graph(indices, fuzzy_weights(distances), len(X))
    assert abs(W - W.T).max() < 1e-12
    assert W.data.max() <= 1 + 1e-12 and W.data.min() > 0


def test_neighbours_are_drawn_in_proportion_to_the_edge_weights():
    W = sp.csr_matrix(np.array([[0, 1, 3, 0], [1, 0, 0, 2], [3, 0, 0, 1], [0, 2, 1, 0.0]]))
    graph = NeighborGraph(W, CPU)
    generator = torch.Generator().manual_seed(0)
    rows = torch.zeros(20_000, dtype=torch.int64)
    counts = np.bincount(graph.sample(rows, generator).numpy(), minlength=4)
    assert counts[0] == counts[3] == 0
    assert chisquare(counts[1:3], 20_000 * np.array([0.25, 0.75])).pvalue > 0.001
    for row in range(4):  # every draw is a neighbour of its row
        drawn = graph.sample(torch.full((500,), row), generator).numpy()
        assert set(drawn) <= set(W[row].indices)


def test_ab_params_are_umaps():
    a, b = find_ab_params(1.0, 0.1)
    assert_allclose([a, b], [1.577, 0.895], atol=2e-3)


def test_the_loss_pulls_neighbours_together_and_pushes_others_apart():
    a, b = find_ab_params()
    settings = {"a": a, "b": b, "code_scale": 3.0, "n_negatives": 3}
    z = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], requires_grad=True)
    neighbors = z.detach() + 0.5  # each row's neighbour sits half a unit away
    neighbor_loss(z, neighbors, **settings).backward()
    # moving a code toward its neighbour lowers the loss: the gradient points away from it
    toward = neighbors - z.detach()
    assert ((z.grad * toward).sum(1) < 0).all()
    close = neighbor_loss(neighbors - 0.01, neighbors, **settings)
    far = neighbor_loss(neighbors - 2.0, neighbors, **settings)
    assert close < far


def test_the_loss_scales_distances_to_the_code_dimension(rng):
    # Codes of d dimensions are measured on sqrt(2/d) times the 2-D scale: 8-D codes
    # whose pairwise distances are twice those of 2-D codes cost the same.
    a, b = find_ab_params()
    settings = {"a": a, "b": b, "code_scale": 3.0, "n_negatives": 3}
    z2 = torch.from_numpy(rng.standard_normal((16, 2)))
    n2 = torch.from_numpy(rng.standard_normal((16, 2)))
    z8, n8 = (torch.cat([2 * c, torch.zeros(16, 6, dtype=c.dtype)], dim=1) for c in (z2, n2))
    assert_allclose(neighbor_loss(z8, n8, **settings), neighbor_loss(z2, n2, **settings))
    assert not np.isclose(
        neighbor_loss(z2 * 2, n2 * 2, **settings), neighbor_loss(z2, n2, **settings)
    )


def test_a_zero_weight_builds_no_graph_and_ignores_n_neighbors(blobs, monkeypatch):
    X, _ = blobs

    def no_graph(*args, **kwargs):
        raise AssertionError("the graph was built with neighbor_weight=0")

    monkeypatch.setattr(base.NeighborGraph, "build", no_graph)
    a = AAETransformer(max_iter=3, random_state=0).fit(X)
    b = AAETransformer(max_iter=3, random_state=0, n_neighbors=4).fit(X)
    assert_array_equal(a.transform(X), b.transform(X))
    assert a.neighbor_loss_curve_ == [0.0] * 3


def test_the_graph_term_keeps_neighbourhoods(digits):
    # With batches of 256 (the batch size without the term) this held on some seeds and
    # kernel sets only; "auto" trains the term in batches of 64 here.
    X, y = digits
    fits = {
        w: AAETransformer(n_components=2, neighbor_weight=w, random_state=0).fit(X)
        for w in (0.0, 1.0)
    }
    Z = {w: est.transform(X) for w, est in fits.items()}
    # Rows of one digit are neighbours in pixel space: with the term they stay together.
    knn = {w: cross_val_score(KNeighborsClassifier(10), z, y, cv=3).mean() for w, z in Z.items()}
    assert knn[1.0] > knn[0.0] + 0.03
    # the codes still spread like the prior (here N(0, I)) rather than collapsing
    assert 0.5 < Z[1.0].std(axis=0).mean() < 2.0
    assert fits[1.0].neighbor_loss_curve_[-1] < fits[1.0].neighbor_loss_curve_[0]


@pytest.mark.parametrize(
    ("params", "n_rows", "expected"),
    [
        ({}, 300, 256),  # no graph term: 256, clipped to the rows by the batches
        ({"neighbor_weight": 1.0}, 300, 64),
        ({"neighbor_weight": 1.0}, 1797, 64),
        ({"neighbor_weight": 1.0}, 4096, 128),
        ({"neighbor_weight": 1.0}, 10_000, 256),
        ({"neighbor_weight": 1.0, "batch_size": 32}, 10_000, 32),
        ({"batch_size": 100}, 300, 100),
    ],
)
def test_auto_batches_are_smaller_with_the_graph_on_small_data(params, n_rows, expected):
    assert AAETransformer(**params)._batch_size(n_rows) == expected


def test_the_fit_trains_with_the_resolved_batch_size(blobs):
    X, _ = blobs  # 300 rows
    aae = AAETransformer(neighbor_weight=1.0, max_iter=1, random_state=0).fit(X)
    assert aae.batch_size == "auto" and aae.net_.batch_size == 64
    aae.set_params(warm_start=True, batch_size=50).fit(X)
    assert aae.net_.batch_size == 50
    aae.set_params(batch_size="auto", neighbor_weight=0.0).fit(X)
    assert aae.net_.batch_size == 256
    # the classifier keeps 256: smaller batches scored level there
    assert AAEClusterer(n_clusters=3).batch_size == "auto"
    assert AAEClassifier().batch_size == 256


@pytest.mark.parametrize(
    "estimator",
    [
        AAETransformer(neighbor_weight=1.0),
        AAEClusterHeadTransformer(n_clusters=3, neighbor_weight=1.0),
        AAEClassifier(neighbor_weight=1.0),
        AAEClusterer(n_clusters=3, neighbor_weight=1.0),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_estimator_trains_with_the_graph_deterministically(estimator, blobs):
    X, y = blobs
    estimator.set_params(max_iter=3, random_state=0, n_components=2)
    one = estimator.fit(X, y).net_.history[:, "neighbor_loss"]
    out = (estimator.transform if hasattr(estimator, "transform") else estimator.predict_proba)(X)
    again = pickle.loads(pickle.dumps(estimator.fit(X, y)))
    assert again.net_.history[:, "neighbor_loss"] == one
    assert min(one) > 0
    repeat = (again.transform if hasattr(again, "transform") else again.predict_proba)(X)
    assert_array_equal(repeat, out)


def test_the_balance_term_charges_for_unused_categories():
    confident = torch.full((4, 4), -20.0)
    one_category = confident.clone()
    one_category[:, 0] = 20.0  # every row and its neighbour in category 0
    even = confident.clone()
    even[torch.arange(4), torch.arange(4)] = 20.0  # each category used once
    for balance in (1.0, 2.0):
        collapsed = category_agreement_loss(one_category, one_category, balance=balance)
        assert collapsed.item() == pytest.approx(balance * np.log(4), abs=1e-5)
        assert category_agreement_loss(even, even, balance=balance).item() < 1e-5


def test_the_clusterer_trains_with_a_lighter_balance_than_the_classifier(blobs, monkeypatch):
    seen = []

    def recording(*args, balance, **kwargs):
        seen.append(balance)
        return category_agreement_loss(*args, balance=balance, **kwargs)

    monkeypatch.setattr(training, "category_agreement_loss", recording)
    X, y = blobs
    AAEClusterer(n_clusters=3, max_iter=1, random_state=0).fit(X)
    assert set(seen) == {CLUSTER_BALANCE}
    seen.clear()
    clusterer = AAEClusterer(n_clusters=3, max_iter=1, random_state=0, category_balance=2.5)
    clusterer.fit(X)
    assert set(seen) == {2.5}
    seen.clear()
    clusterer.set_params(category_balance=0.75, warm_start=True).fit(X)  # a warm start too
    assert set(seen) == {0.75}
    seen.clear()
    y_partial = np.where(np.arange(len(y)) % 3 == 0, y, -1)
    AAEClassifier(max_iter=1, random_state=0).fit(X, y_partial)
    assert set(seen) == {BALANCE}
    assert CLUSTER_BALANCE < BALANCE


def test_sparse_input_partial_fit_and_warm_start_with_the_graph(blobs):
    X, _ = blobs
    dense = AAETransformer(neighbor_weight=1.0, max_iter=2, random_state=0).fit(X)
    sparse = AAETransformer(neighbor_weight=1.0, max_iter=2, random_state=0).fit(sp.csr_matrix(X))
    assert_allclose(sparse.transform(X), dense.transform(X), rtol=1e-4, atol=1e-4)
    stream = AAETransformer(neighbor_weight=1.0, random_state=0)
    for chunk in np.array_split(X, 3):  # each call's graph joins that call's rows
        stream.partial_fit(chunk)
    assert stream.n_iter_ == 3 and all(v > 0 for v in stream.neighbor_loss_curve_)
    dense.set_params(warm_start=True, max_iter=2).fit(X[:100])
    assert dense.n_iter_ == 4


def test_one_sample_is_a_clear_error_with_the_graph():
    with pytest.raises(ValueError, match="n_samples = 1"):
        AAETransformer(neighbor_weight=1.0, max_iter=1).fit(np.ones((1, 3)))


def test_more_neighbours_than_rows_uses_them_all(rng):
    X = rng.standard_normal((6, 3))
    aae = AAETransformer(neighbor_weight=1.0, n_neighbors=50, max_iter=2, random_state=0)
    assert aae.fit(X).transform(X).shape == (6, 2)


def test_merging_by_modularity_joins_the_most_connected_items():
    # three pairs, {0, 3}, {1, 4} and {2, 5}, tied strongly inside, weakly across
    pair = np.array([0, 1, 2, 0, 1, 2])
    affinity = 10.0 * (pair[:, None] == pair[None, :]) + 0.1
    assert_array_equal(merge_by_modularity(affinity, 3), pair)  # numbered by first item
    assert_array_equal(merge_by_modularity(affinity, 6), np.arange(6))  # nothing to merge
    assert_array_equal(merge_by_modularity(affinity, 1), np.zeros(6))
    empty = np.zeros((3, 3))
    assert_array_equal(merge_by_modularity(empty, 2), [0, 0, 1])  # no edges: in order
    assert not empty.any()  # the caller's matrix is left as it was


def test_a_higher_resolution_merges_into_groups_of_even_weight():
    # item 0 is heavy and tied to 1 more strongly than 2 is tied to 3
    affinity = np.full((4, 4), 0.1)
    affinity[0, 0] = 5.0
    affinity[0, 1] = affinity[1, 0] = 3.0
    affinity[2, 3] = affinity[3, 2] = 1.0
    # plain modularity joins 0 and 1; a high resolution leaves the heavy item alone
    assert_array_equal(merge_by_modularity(affinity, 3), [0, 0, 1, 2])
    assert_array_equal(merge_by_modularity(affinity, 3, resolution=3.0), [0, 1, 2, 2])


def test_modularity_of_groupings():
    # two blocks of equal weight, nothing across: 2 (1/2 - 1/4)
    blocks = np.kron(np.eye(2), np.ones((2, 2)))
    assert modularity(blocks, np.array([0, 0, 1, 1])) == pytest.approx(0.5)
    assert modularity(blocks, np.zeros(4, dtype=int)) == pytest.approx(0.0)  # one group
    # split across the blocks: each group holds half of each block, e_gg = 1/4
    assert modularity(blocks, np.array([0, 1, 0, 1])) == pytest.approx(0.0)
    assert modularity(np.zeros((3, 3)), np.arange(3)) == 0.0
    # the merge joins what raises it: its grouping scores above the items kept apart
    pair = np.array([0, 1, 2, 0, 1, 2])
    affinity = 10.0 * (pair[:, None] == pair[None, :]) + 0.1
    merged = merge_by_modularity(affinity, 3)
    assert modularity(affinity, merged) > modularity(affinity, np.arange(6))
