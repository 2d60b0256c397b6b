"""The paper's model family: labels in the prior, style/content, classifier, clusterer,
cluster heads. Small data, few epochs: behaviour, not benchmark figures."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_aae import (
    AAEClassifier,
    AAEClusterer,
    AAEClusterHeadTransformer,
    AAETransformer,
    MixturePrior,
)
from sklearn_aae._neighbors import BALANCE, CLUSTER_BALANCE, fuzzy_graph


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture
def four_blobs():
    X, y = make_blobs(n_samples=400, n_features=10, centers=4, random_state=1)
    return StandardScaler().fit_transform(X), y


def small(cls, **params):
    params.setdefault("hidden_layer_sizes", (64, 64))
    params.setdefault("random_state", 0)
    return cls(**params)


def test_labels_in_the_prior_put_each_class_on_its_own_mode(digits):
    X, y = digits
    y_partial = np.where(np.random.RandomState(0).rand(len(y)) < 0.3, y, -1)
    aae = AAETransformer(labels="prior", prior="mixture", random_state=0)
    Z = aae.fit(X, y_partial).transform(X)
    # The mode a code is closest to, by its angle around the circle of the modes' means.
    angle = np.arctan2(Z[:, 1], Z[:, 0]) % (2 * np.pi)
    nearest_mode = np.round(angle / (2 * np.pi / 10)).astype(int) % 10
    labelled = y_partial >= 0
    assert np.mean(nearest_mode[labelled] == y[labelled]) > 0.9
    # ... and most unlabelled samples of a class join their labelled classmates.
    assert np.mean(nearest_mode[~labelled] == y[~labelled]) > 0.8
    assert_array_equal(aae.classes_, np.arange(10))
    # A conditional sample is a draw from the class's mode, decoded.
    assert aae.sample(5, y=2, random_state=0).shape == (5, 64)


def test_labels_in_the_prior_need_a_prior_with_enough_modes(four_blobs):
    X, y = four_blobs
    with pytest.raises(ValueError, match="prior needs labelled parts"):
        small(AAETransformer, labels="prior", max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="only 3 modes"):
        small(AAETransformer, labels="prior", prior=MixturePrior(3), max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="requires y"):
        small(AAETransformer, labels="prior", prior="mixture", max_iter=1).fit(X)


def test_labels_are_ignored_unless_asked_for(four_blobs):
    X, y = four_blobs
    with_y = small(AAETransformer, max_iter=3).fit(X, y).transform(X)
    without = small(AAETransformer, max_iter=3).fit(X).transform(X)
    assert_array_equal(with_y, without)


def test_style_and_content_conditional_samples_are_of_the_asked_class(digits):
    X, y = digits
    aae = AAETransformer(labels="decoder", max_iter=30, random_state=0).fit(X, y)
    judge = SVC().fit(X, y)
    hits = [np.mean(judge.predict(aae.sample(50, y=k, random_state=k)) == k) for k in range(10)]
    assert np.mean(hits) > 0.9, hits
    # One style decoded as every class: the content follows the label.
    style = aae.transform(X[:1])
    decoded = aae.inverse_transform(np.repeat(style, 10, axis=0), y=np.arange(10))
    assert np.mean(judge.predict(decoded) == np.arange(10)) >= 0.8
    with pytest.raises(ValueError, match="together with a class"):
        aae.inverse_transform(style)
    with pytest.raises(ValueError, match="labels from classes_"):
        aae.sample(2, y=11)


def test_semi_supervised_classifier_beats_chance_widely(four_blobs):
    X, y = four_blobs
    y_partial = np.full_like(y, -1)
    for k in range(4):  # five labels per class
        y_partial[np.flatnonzero(y == k)[:5]] = k
    clf = small(AAEClassifier, max_iter=40).fit(X, y_partial)
    assert clf.score(X, y) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (400, 4)
    np.testing.assert_allclose(proba.sum(1), 1)
    assert clf.transform(X).shape == (400, 8)
    assert len(clf.classification_loss_curve_) == 40
    assert clf.sample(3, y=1, random_state=0).shape == (3, 10)


def test_classifier_string_labels_and_unlabelled_marker(four_blobs):
    X, y = four_blobs
    names = np.array(["a", "b", "c", "d"])[y]
    clf = small(AAEClassifier, max_iter=20).fit(X, names)
    assert set(clf.predict(X)) <= {"a", "b", "c", "d"}
    marked = np.where(np.arange(len(y)) % 4 == 0, names, "?")
    clf = small(AAEClassifier, max_iter=20, unlabelled_label="?").fit(X, marked)
    assert_array_equal(clf.classes_, ["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="no labelled sample"):
        small(AAEClassifier, max_iter=1).fit(X, np.full(len(y), -1))


def test_clusterer_finds_the_blobs(four_blobs):
    X, y = four_blobs
    clusterer = small(AAEClusterer, n_clusters=4, max_iter=100)
    labels = clusterer.fit_predict(X)
    assert adjusted_rand_score(y, labels) > 0.8
    assert_array_equal(labels, clusterer.labels_)
    assert_array_equal(clusterer.predict(X), labels)
    assert clusterer.predict_proba(X).shape == (400, 4)


def row_modularity(graph, labels):
    """Newman's modularity of a partition of the rows of a symmetric weighted graph."""
    total, degree = graph.sum(), np.asarray(graph.sum(axis=1)).ravel()
    return sum(
        graph[labels == c][:, labels == c].sum() / total - (degree[labels == c].sum() / total) ** 2
        for c in np.unique(labels)
    )


def test_clusterer_n_init_keeps_the_fit_whose_clusters_are_most_modular(four_blobs):
    X, _ = four_blobs
    # batches of 256: a setting where the most modular fit is not the best-reconstructing
    params = {"n_clusters": 4, "max_iter": 2, "batch_size": 256}
    best_of_3 = small(AAEClusterer, n_init=3, **params).fit(X)
    assert (best_of_3.n_init, best_of_3.random_state) == (3, 0)  # parameters stay as set
    # the same as the best of the three single fits from the seeds drawn from random_state,
    # scored on the rows' graph (exact neighbours for 400 rows: the same for every seed)
    graph = fuzzy_graph(X.astype(np.float32), 15, "cpu", 0)
    seeds = np.random.RandomState(0).randint(np.iinfo(np.int32).max, size=3)
    fits = [small(AAEClusterer, random_state=int(s), **params) for s in seeds]
    scores = [row_modularity(graph, fit.fit(X).labels_) for fit in fits]
    best = fits[int(np.argmax(scores))]
    assert len(set(scores)) == 3  # the seeds differ
    # ... and the best-reconstructing fit is another one: the test tells the two apart
    assert np.argmax([fit.score_samples(X).mean() for fit in fits]) != np.argmax(scores)
    assert_array_equal(best_of_3.predict_proba(X), best.predict_proba(X))
    assert_array_equal(best_of_3.labels_, best.labels_)
    assert_array_equal(best_of_3.category_to_cluster_, best.category_to_cluster_)
    assert row_modularity(graph, best_of_3.labels_) == pytest.approx(max(scores))


def test_cluster_heads_separate_the_categories(four_blobs):
    X, y = four_blobs
    reducer = small(AAEClusterHeadTransformer, n_clusters=4, head_distance=4.0, max_iter=40)
    R = reducer.fit(X).transform(X)
    heads = reducer.cluster_heads_
    assert heads.shape == (4, 2)
    dists = np.linalg.norm(heads[:, None] - heads[None], axis=-1)[np.triu_indices(4, 1)]
    assert dists.min() > 3.0
    # Samples of one blob gather around one head: a linear classifier separates them.
    assert SVC(kernel="linear").fit(R, y).score(R, y) > 0.95
    assert reducer.inverse_transform(R[:3]).shape == (3, 10)
    assert reducer.sample(3, y=1, random_state=0).shape == (3, 10)


def test_semi_supervised_cluster_heads(four_blobs):
    X, y = four_blobs
    y_partial = np.where(np.arange(len(y)) % 10 == 0, y, -1)
    reducer = small(AAEClusterHeadTransformer, use_labels=True, max_iter=30)
    R = reducer.fit(X, y_partial).transform(X)
    assert reducer.cluster_heads_.shape == (4, 2)
    assert SVC().fit(R, y).score(R, y) > 0.95


def test_clusterer_merges_finer_categories_into_clusters(four_blobs):
    X, y = four_blobs
    clusterer = small(AAEClusterer, n_clusters=4, n_categories=8, max_iter=100).fit(X)
    assert adjusted_rand_score(y, clusterer.labels_) > 0.8
    mapping = clusterer.category_to_cluster_
    assert mapping.shape == (8,) and set(mapping) == {0, 1, 2, 3}
    categories = clusterer._class_logits(clusterer._validate_X(X, reset=False)).argmax(axis=1)
    assert_array_equal(clusterer.predict(X), mapping[categories])
    assert_array_equal(clusterer.labels_, clusterer.predict(X))
    proba = clusterer.predict_proba(X)
    assert proba.shape == (400, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # a cluster's samples are decoded from its own categories
    decoded = []
    decode = clusterer._sample
    clusterer._sample = lambda n, y, rng: decoded.append(y) or decode(n, y, rng)
    for k in range(4):
        assert clusterer.sample(30, y=k, random_state=k).shape == (30, 10)
        assert set(mapping[decoded[-1]]) == {k}
        # in proportion to the training rows each holds: those that hold none are never
        # drawn
        held = np.flatnonzero((mapping == k) & (clusterer._category_weights > 0))
        assert set(decoded[-1]) == set(held)
    assert clusterer.sample(6, random_state=0).shape == (6, 10)
    with pytest.raises(ValueError, match=r"category indices in \[0, 4\)"):
        clusterer.sample(2, y=4)


def test_clusterer_categories_default_to_twice_the_clusters_and_never_fewer(four_blobs):
    X, _ = four_blobs
    clusterer = small(AAEClusterer, n_clusters=4, max_iter=2).fit(X)
    assert clusterer.category_to_cluster_.shape == (8,)
    assert set(clusterer.category_to_cluster_) == {0, 1, 2, 3}
    assert_array_equal(clusterer.labels_, clusterer.predict(X))
    assert clusterer.predict_proba(X).shape == (400, 4)
    paper = small(AAEClusterer, n_clusters=4, n_categories=None, max_iter=2).fit(X)
    assert_array_equal(paper.category_to_cluster_, np.arange(4))
    with pytest.raises(ValueError, match="n_categories=3 is below n_clusters=4"):
        small(AAEClusterer, n_clusters=4, n_categories=3, max_iter=2).fit(X)


def test_unused_categories_never_make_clusters_of_their_own():
    clusterer = AAEClusterer(n_clusters=2)
    # categories 0-1 and 2-3 tied by the graph, category 4 holds no row
    affinity = np.zeros((5, 5))
    affinity[:2, :2] = affinity[2:4, 2:4] = 1.0
    weights = np.array([3.0, 3.0, 3.0, 3.0, 0.0])
    # four rows, one per used category; category 4 is likelier in the rows of 2 and 3
    logits = np.full((4, 5), -5.0)
    logits[np.arange(4), np.arange(4)] = 5.0
    logits[2:, 4] = 4.0
    mapping = clusterer._category_clusters(affinity, weights, logits, np.ones(4))
    assert_array_equal(mapping, [0, 0, 1, 1, 1])
    # fewer categories in use than clusters: each is one, the unused fill the rest
    clusterer.set_params(n_clusters=3)
    weights = np.array([3.0, 0.0, 3.0, 0.0, 0.0])
    logits = np.full((2, 5), -5.0)
    logits[[0, 1], [0, 2]] = 5.0
    logits[1, 4] = 4.0
    mapping = clusterer._category_clusters(affinity, weights, logits, np.ones(2))
    # 1 fills the empty cluster 2; 3 and 4 join the cluster of the row likelier to be them
    assert_array_equal(mapping, [0, 2, 1, 0, 1])


def test_clusterer_on_one_row_and_one_cluster(four_blobs):
    X, _ = four_blobs
    # one row of positive weight: nothing to build a graph on, nothing to merge
    weights = np.zeros(len(X))
    weights[0] = 1.0
    for n_init in (1, 2):
        one = small(AAEClusterer, n_clusters=4, neighbor_weight=0.0, max_iter=2, n_init=n_init)
        one.fit(X, sample_weight=weights)
        assert sorted(one.category_to_cluster_) == [0, 0, 0, 0, 0, 1, 2, 3]
        assert set(one.predict(X)) <= {0, 1, 2, 3}
        np.testing.assert_allclose(one.predict_proba(X).sum(axis=1), 1.0)
    single = small(AAEClusterer, n_clusters=1, max_iter=2).fit(X)
    assert_array_equal(single.category_to_cluster_, [0, 0])
    assert_array_equal(single.labels_, np.zeros(len(X)))
    np.testing.assert_allclose(single.predict_proba(X), 1.0)


def test_rows_of_weight_zero_are_left_out_of_the_merge(four_blobs):
    X, _ = four_blobs
    extra = X[:150] + 0.01  # near-duplicates of weight 0: they would crowd the graph
    with_extra, weights = np.vstack([X, extra]), np.r_[np.ones(len(X)), np.zeros(150)]
    weighted = small(AAEClusterer, n_clusters=4, max_iter=5, n_init=2)
    weighted.fit(with_extra, sample_weight=weights)
    plain = small(AAEClusterer, n_clusters=4, max_iter=5, n_init=2).fit(X)
    assert_array_equal(weighted.category_to_cluster_, plain.category_to_cluster_)
    assert_array_equal(weighted.labels_[: len(X)], plain.labels_)
    # (training leaves them out too, up to rounding: the models agree within float32)
    np.testing.assert_allclose(weighted.predict_proba(X), plain.predict_proba(X), atol=1e-5)
    # the score n_init compares: the same with the rows of weight 0 as without them
    score = weighted._merge_categories(with_extra, weights)
    assert score == pytest.approx(weighted._merge_categories(X, None), rel=1e-12)


def test_a_fitted_clusterer_keeps_its_clusters_when_parameters_change(four_blobs):
    X, _ = four_blobs
    clusterer = small(AAEClusterer, n_clusters=4, max_iter=2).fit(X)
    proba = clusterer.predict_proba(X)
    clusterer.set_params(n_clusters=8)  # no refit: the fitted model stays as it was
    assert_array_equal(clusterer.predict_proba(X), proba)
    assert set(clusterer.predict(X)) <= {0, 1, 2, 3}


def test_a_failed_or_interrupted_merge_leaves_the_clusterer_as_it_was(four_blobs, monkeypatch):
    X, _ = four_blobs
    clusterer = small(AAEClusterer, n_clusters=4, max_iter=2).fit(X)
    mapping, proba = clusterer.category_to_cluster_, clusterer.predict_proba(X)

    def no_graph(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sklearn_aae._clusterer.fuzzy_graph", no_graph)
    with pytest.raises(KeyboardInterrupt):
        clusterer.set_params(n_clusters=3).fit(X)  # trains, then the merge is cut short
    clusterer.set_params(n_clusters=4)
    assert_array_equal(clusterer.category_to_cluster_, mapping)
    assert_array_equal(clusterer.predict_proba(X), proba)
    # an interrupt before any epoch finished: an earlier interrupted_ is not taken for it
    clusterer.interrupted_ = True

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(clusterer, "_fit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        clusterer.fit(X[:50])
    assert_array_equal(clusterer.category_to_cluster_, mapping)
    assert clusterer.labels_.shape == (len(X),)


def test_a_warm_start_refuses_a_new_number_of_categories(four_blobs):
    X, _ = four_blobs
    clusterer = small(AAEClusterer, n_clusters=4, max_iter=2).fit(X)
    with pytest.raises(ValueError, match="code has 8 categories.*ask for 6"):
        clusterer.set_params(n_clusters=3, warm_start=True).fit(X)
    clusterer.set_params(n_clusters=4).fit(X)  # the same categories: training goes on
    assert clusterer.n_iter_ == 4  # two more epochs


def test_a_clusterer_saved_before_its_merge_asks_to_be_fitted(four_blobs):
    X, _ = four_blobs
    clusterer = small(AAEClusterer, n_clusters=4, max_iter=2).fit(X)
    state = clusterer.__getstate__()
    for name in ("category_to_cluster_", "_category_weights", "labels_"):
        del state[name]  # as a training checkpoint of a first fit holds it
    saved = AAEClusterer.__new__(AAEClusterer)
    saved.__setstate__(state)
    for method in (saved.predict, saved.predict_proba):
        with pytest.raises(NotFittedError, match="before its categories were merged"):
            method(X)
    saved.set_params(warm_start=True).fit(X)
    assert saved.category_to_cluster_.shape == (8,)


def test_a_clusterer_pickled_before_category_balance_keeps_the_weight_it_trained_with(
    four_blobs,
):
    X, _ = four_blobs
    clusterer = small(AAEClusterer, n_clusters=4, max_iter=2).fit(X)
    assert clusterer.category_balance == CLUSTER_BALANCE
    state = clusterer.__getstate__()
    del state["category_balance"]  # as saved by a version without the parameter
    old = AAEClusterer.__new__(AAEClusterer)
    old.__setstate__(state)
    assert old.get_params()["category_balance"] == BALANCE
    assert_array_equal(old.predict(X), clusterer.predict(X))


def test_a_clusterer_pickled_before_merging_loads_with_one_category_per_cluster(four_blobs):
    X, _ = four_blobs
    clusterer = small(AAEClusterer, n_clusters=4, n_categories=None, max_iter=2).fit(X)
    state = clusterer.__getstate__()
    for name in ("n_categories", "category_to_cluster_", "_category_weights"):
        del state[name]  # none of them existed then
    old = AAEClusterer.__new__(AAEClusterer)
    old.__setstate__(state)
    assert old.n_categories is None
    assert_array_equal(old.predict_proba(X), clusterer.predict_proba(X))
    assert_array_equal(old.sample(3, y=1, random_state=0), clusterer.sample(3, y=1, random_state=0))
