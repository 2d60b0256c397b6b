"""AAEClusterer: unsupervised clustering with an adversarial autoencoder (paper §6)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import softmax
from sklearn.base import ClusterMixin, _fit_context, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import BaseAAE
from ._docs import fill_doc
from ._neighbors import BALANCE, CLUSTER_BALANCE, fuzzy_graph, merge_by_modularity, modularity


@fill_doc
class AAEClusterer(ClusterMixin, BaseAAE):
    """Clustering with an adversarial autoencoder whose code has a categorical part.

    The semi-supervised model of :class:`AAEClassifier` without labels (paper §6): the
    encoder outputs a category ``y`` (a softmax over ``n_categories``) and a style code
    ``z``, a discriminator forces ``y`` onto one-hot draws (so that the encoder commits
    to one category per sample and uses them all evenly), another forces ``z`` onto
    ``prior``.

    By default the code has twice as many categories as there are clusters: it
    over-clusters the data, and after training its categories are merged into
    ``n_clusters`` clusters along the neighbour graph of the training rows (greedily by
    modularity). Finer categories split the data more cleanly, and neighbouring
    categories that hold one cluster between them join. A sample's cluster is that of
    its most probable category.

    The neighbour-graph term is on by default (``neighbor_weight=1.0``): samples that are
    neighbours in the data are asked to share their category, as SCAN does, while the
    categorical prior and a term on the entropy of each mini-batch's mean category keep
    the categories in use. That term (``category_balance``) weighs half as much as in
    :class:`AAEClassifier`, so that the categories can follow clusters of unequal size.
    With these defaults the majority-label accuracy on digits (pixels / 16) is
    0.93 ± 0.03 on held-out seeds; without the graph term it was about 0.62 (see the
    benchmarks page). The paper's model is ``n_categories=None, neighbor_weight=0,
    adversarial_update="alternating"``.

    Parameters
    ----------
    n_clusters : int, default=10
        Number of clusters.
    n_categories : int, "auto" or None, default="auto"
        Number of categories of the code. ``"auto"``: ``2 * n_clusters``. None:
        ``n_clusters``, one category per cluster (the paper's model). More than
        ``n_clusters``: after training, the categories are merged into ``n_clusters``
        clusters, joining first the two groups whose union raises most the modularity
        of the training rows' fuzzy nearest-neighbour graph (``n_neighbors``
        neighbours; Clauset, Newman and Moore); each training row counts for its most
        probable category, with its ``sample_weight``; a category that no row takes
        joins the cluster whose rows make it likeliest. The merge is part of the fitted
        estimator (pickle and ``skops.io`` keep it), not of the networks' weights that
        ``export.save_safetensors`` writes. On digits and on MNIST, twice as many
        categories as clusters, merged, clustered better than one category per cluster
        (see the benchmarks page).
    n_components : int, default=8
        Dimension of the style code ``z``.
    n_init : int, default=1
        Number of fits, each from its own seed drawn from ``random_state``; the model
        whose clusters are the most modular on the training rows' fuzzy
        nearest-neighbour graph is kept (Newman's modularity, each row counting for its
        cluster with its ``sample_weight``), as :class:`~sklearn.cluster.KMeans` keeps
        the run of lowest inertia. The clusters found vary from seed to seed, and the
        more modular tend to be the more accurate: on digits (pixels / 16), the most
        modular of 3 fits scored 0.94 ± 0.01 in majority-label accuracy (lowest 0.92)
        against 0.93 ± 0.03 for one fit (lowest 0.86), and 0.93 for the
        best-reconstructing of the same 3 (see the benchmarks page), at 3 times the fit
        time; on other seeds it did no better than the first fit. A ``warm_start``
        refit trains the one model in place.
    category_balance : float, default=1.0
        Weight, within the neighbour-graph term, of the penalty that keeps the
        categories in use: log K (K categories) minus the entropy of a mini-batch's mean
        category probabilities (0 when the categories are used evenly). Lower lets the
        categories follow clusters of unequal size; at 0.5 they collapsed into one on
        digits. On held-out digits (pixels / 16) 1.0 scored 0.93 in majority-label
        accuracy against 0.90 for 2.0 (the weight before this parameter existed, and
        :class:`AAEClassifier`'s; 0.91 against 0.88 in batches of 256); on MNIST with
        32 categories merged into 16 clusters, 2.0 did better on two seeds (see the
        benchmarks page). No effect with ``neighbor_weight=0``.
    {common_parameters}

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        The cluster of every training sample (``predict`` on the training data).
    category_to_cluster_ : ndarray of shape (n_categories,)
        The cluster of every category of the code (``2 * n_clusters`` categories for
        ``n_categories="auto"``; ``arange(n_clusters)`` when ``n_categories`` is None).
    {common_attributes}

    See Also
    --------
    sklearn.cluster.KMeans : Clustering by distance to centroids.
    sklearn_aae.AAEClassifier : The same model, trained with (some) labels.

    References
    ----------
    A. Makhzani et al. "Adversarial Autoencoders", §6. arXiv:1511.05644, 2015.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_aae import AAEClusterer
    >>> X = StandardScaler().fit_transform(load_digits().data)
    >>> clusters = AAEClusterer(n_clusters=10, max_iter=2, random_state=0).fit_predict(X)
    >>> clusters.shape
    (1797,)
    """

    # scikit-learn's sparse-input check reads classifier tags from any estimator with
    # predict_proba, which a clusterer has none of: sparse X is refused here with a clear
    # error (densify it first, or reduce it with AAETransformer, which takes CSR).
    _accept_sparse = False

    @property
    def _category_balance(self):
        """The balance weight that the training loop reads (``BaseAAE._configure_net``)."""
        return float(self.category_balance)

    _parameter_constraints: dict = {
        **BaseAAE._parameter_constraints,
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "n_categories": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "category_balance": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_clusters=10,
        *,
        n_categories="auto",
        n_components=8,
        n_init=1,
        category_balance=CLUSTER_BALANCE,
        hidden_layer_sizes=(256, 256),
        encoder_module=None,
        decoder_module=None,
        discriminator_hidden_layer_sizes=(128, 128),
        prior="normal",
        encoder="deterministic",
        adversarial_weight=1.0,
        reconstruction_loss="squared_error",
        learning_rate=2e-3,
        discriminator_learning_rate=1e-3,
        discriminator_noise=0.0,
        gradient_penalty=10.0,
        gradient_penalty_interval=4,
        adversarial_update="auto",
        input_noise=0.0,
        neighbor_weight=1.0,
        n_neighbors=15,
        precision="float32",
        cuda_graphs=False,
        batch_size="auto",
        max_iter=100,
        tol=1e-4,
        n_iter_no_change=50,
        early_stopping=False,
        validation_fraction=0.1,
        warm_start=False,
        device="auto",
        n_jobs=None,
        callbacks=None,
        on_divergence="raise",
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            encoder_module=encoder_module,
            decoder_module=decoder_module,
            discriminator_hidden_layer_sizes=discriminator_hidden_layer_sizes,
            prior=prior,
            encoder=encoder,
            adversarial_weight=adversarial_weight,
            reconstruction_loss=reconstruction_loss,
            learning_rate=learning_rate,
            discriminator_learning_rate=discriminator_learning_rate,
            discriminator_noise=discriminator_noise,
            gradient_penalty=gradient_penalty,
            gradient_penalty_interval=gradient_penalty_interval,
            adversarial_update=adversarial_update,
            input_noise=input_noise,
            neighbor_weight=neighbor_weight,
            n_neighbors=n_neighbors,
            precision=precision,
            cuda_graphs=cuda_graphs,
            batch_size=batch_size,
            max_iter=max_iter,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            warm_start=warm_start,
            device=device,
            n_jobs=n_jobs,
            callbacks=callbacks,
            on_divergence=on_divergence,
            random_state=random_state,
            verbose=verbose,
        )
        self.n_clusters = n_clusters
        self.n_categories = n_categories
        self.category_balance = category_balance
        self.n_init = n_init

    def __setstate__(self, state):
        # Saved before n_categories existed: one category per cluster.
        state = dict(state)
        state.setdefault("n_categories", None)
        # Saved before category_balance existed: trained with the classifier's weight.
        state.setdefault("category_balance", BALANCE)
        if "net_" in state and "category_to_cluster_" not in state:
            built = dict(state["net_"].get("build_params", {}))  # the saved networks
            if built.get("n_categories") is None:  # one category per cluster: no merge
                state["category_to_cluster_"] = np.arange(state["n_clusters"])
            # Otherwise saved during a first fit, before the merge (a training
            # checkpoint): the clusters are unknown until a fit merges the categories.
        super().__setstate__(state)

    def _check_merged(self):
        """Raise unless the estimator is fitted and its categories are merged."""
        check_is_fitted(self)
        if not hasattr(self, "category_to_cluster_"):
            raise NotFittedError(
                "This AAEClusterer was saved during its first fit, before its categories "
                "were merged into clusters. Fit it again (warm_start=True continues its "
                "training) to merge them."
            )

    def _n_categories(self):
        if self.n_categories == "auto":
            return 2 * self.n_clusters
        return self.n_clusters if self.n_categories is None else self.n_categories

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Train on X and assign every sample to a cluster.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, scaled: ``StandardScaler`` for tabular data, images divided
            by their pixel range (``X / 255``).
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of every sample in each term of the loss (reconstruction, the
            codes' side of the adversarial game, the neighbour-graph and classification
            terms), normalised within every mini-batch as ``MLPClassifier`` does.
            Samples of weight 0 are left out. None weighs all samples equally.

        Returns
        -------
        self : AAEClusterer
            The fitted clusterer, with ``labels_``.
        """
        if self._n_categories() < self.n_clusters:
            raise ValueError(
                f"n_categories={self.n_categories} is below n_clusters={self.n_clusters}: "
                "categories can be merged into clusters, not split. Give n_categories at "
                "least n_clusters, or None for one category per cluster."
            )
        continue_training = self.warm_start and hasattr(self, "net_")
        if continue_training and self._built_categories() != self._n_categories():
            raise ValueError(
                f"warm_start=True continues the fitted network, whose code has "
                f"{self._built_categories()} categories, but n_clusters={self.n_clusters} "
                f"and n_categories={self.n_categories!r} now ask for "
                f"{self._n_categories()}. Set warm_start=False to fit anew, or set the "
                "parameters back."
            )
        if self.n_init > 1 and not continue_training:
            self._fit_best_of_n_init(X, sample_weight)
            return self
        saved = dict(vars(self))
        self.__dict__.pop("interrupted_", None)  # set anew if this call is interrupted
        try:
            self._fit(X, None, sample_weight, epochs=self.max_iter, reset=not continue_training)
        except KeyboardInterrupt:
            # Training kept its last finished epoch: cluster with it, then re-raise.
            if getattr(self, "interrupted_", False):
                try:
                    self._merge_or_restore(X, sample_weight, saved)
                except Exception:  # left as it was before this call; the interrupt goes on
                    pass
            raise
        self._merge_or_restore(X, sample_weight, saved)
        return self

    def _merge_or_restore(self, X, sample_weight, saved):
        """Merge the categories; if that fails, leave the estimator as it was."""
        try:
            self._merge_categories(X, sample_weight)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _fitted_clusters(self):
        """Return how many clusters the fit made (every one holds a category)."""
        return int(self.category_to_cluster_.max()) + 1

    def _built_categories(self):
        """Return how many categories the fitted network's code has."""
        return self.net_.module_.encoder.n_categories

    def _row_weights(self, sample_weight, X32):
        """Return every row's weight, as training reads ``sample_weight`` (ones if None)."""
        weights = self._check_weights(sample_weight, X32)
        return np.ones(X32.shape[0]) if weights is None else weights

    def _rows_graph(self, X32, weights, device, seed):
        """Return the neighbour graph of the rows of positive weight (None below two)."""
        kept = X32[weights > 0]
        if kept.shape[0] < 2:
            return None
        return fuzzy_graph(kept, self.n_neighbors, device, seed)

    def _merge_categories(self, X, sample_weight, graph=None):
        """Set ``category_to_cluster_`` and ``labels_``, merging categories along a graph.

        ``graph`` is the fuzzy neighbour graph of the training rows of positive weight
        (rows of weight 0 are left out, as in training), built here when the categories
        need merging and none is given. Returns the modularity of the clusters on it
        (each row counting for its most probable category, with its weight), or None
        when there was no graph to score them on. Nothing is set unless all succeeds.
        """
        k = self._built_categories()
        X32 = self._validate_X(X, reset=False)
        logits = self._class_logits(X32)
        categories = logits.argmax(axis=1)
        weights = self._row_weights(sample_weight, X32)
        kept = weights > 0
        if graph is None and k > self.n_clusters:
            graph = self._rows_graph(X32, weights, self.device_, self._graph_seed())
        affinity = None
        if graph is not None:
            n_kept = int(kept.sum())
            members = sp.csr_matrix(
                (weights[kept], (np.arange(n_kept), categories[kept])), shape=(n_kept, k)
            )
            affinity = (members.T @ graph @ members).toarray()
        # How much of the training data each category holds: sample draws a cluster's
        # categories in these proportions.
        category_weights = np.bincount(categories, weights=weights, minlength=k)
        if k == self.n_clusters:
            mapping = np.arange(k)
        else:
            mapping = self._category_clusters(
                affinity, category_weights, logits[kept], weights[kept]
            )
        self._category_weights = category_weights
        self.category_to_cluster_ = mapping
        self.labels_ = mapping[categories]  # predict(X), one pass
        return None if affinity is None else modularity(affinity, mapping)

    def _category_clusters(self, affinity, category_weights, logits, weights):
        """Return the cluster of every category, for more categories than clusters.

        The categories that hold training rows are merged along the graph (their
        ``affinity``); with no more of them than clusters, each is a cluster. A category
        that holds none takes a cluster left empty if there is one, or else joins the
        cluster whose rows (``logits``, ``weights``) give it the most probability.
        """
        n = self.n_clusters
        used = np.flatnonzero(category_weights > 0)
        unused = np.flatnonzero(category_weights <= 0)
        mapping = np.empty(len(category_weights), dtype=np.intp)
        if len(used) > n:
            mapping[used] = merge_by_modularity(affinity[np.ix_(used, used)], n)
        else:
            mapping[used] = np.arange(len(used))
        n_empty = max(n - len(used), 0)
        mapping[unused[:n_empty]] = np.arange(len(used), len(used) + n_empty)
        rest = unused[n_empty:]
        if len(rest):
            proba = softmax(logits.astype(np.float64), axis=1)
            rows_cluster = np.eye(n)[mapping[logits.argmax(axis=1)]] * weights[:, None]
            mapping[rest] = (rows_cluster.T @ proba[:, rest]).argmax(axis=0)
        return mapping

    def _fit_best_of_n_init(self, X, sample_weight):
        """Fit ``n_init`` models from seeds drawn from ``random_state``; keep the best.

        The best has the most modular clusters on the neighbour graph of the training
        rows of positive weight (built once, from this estimator's seed); its fitted
        state becomes this estimator's, whose parameters stay as set.
        """
        seeds = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=self.n_init
        )
        best, best_score, graph = None, -np.inf, None
        for seed in seeds:
            trial = clone(self).set_params(n_init=1, random_state=int(seed), warm_start=False)
            trial._fit(X, None, sample_weight, epochs=self.max_iter, reset=True)
            if best is None:  # the first fit has validated X: build the graph once
                X32 = trial._validate_X(X, reset=False)
                weights = self._row_weights(sample_weight, X32)
                graph = self._rows_graph(X32, weights, trial.device_, self._graph_seed())
            score = trial._merge_categories(X, sample_weight, graph)
            score = -np.inf if score is None else score
            if best is None or score > best_score:
                best, best_score = trial, score
        params = self.get_params(deep=False)
        vars(self).update({k: v for k, v in vars(best).items() if k not in params})

    def predict_proba(self, X):
        """Probability of every cluster, q(y|x).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to cluster.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters)
            Rows sum to one.
        """
        self._check_merged()
        logits = self._class_logits(self._validate_X(X, reset=False))
        proba = softmax(logits.astype(np.float64), axis=1)
        n_clusters = self._fitted_clusters()
        if len(self.category_to_cluster_) == n_clusters:
            return proba
        # Each cluster's categories added column by column, in order: a row's sums do
        # not depend on the rows computed with it (a matrix product's rounding can).
        merged = np.zeros((proba.shape[0], n_clusters))
        for category, cluster in enumerate(self.category_to_cluster_):
            merged[:, cluster] += proba[:, category]
        return merged

    def predict(self, X):
        """Predict the cluster of each sample: that of its most probable category.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to cluster.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Cluster indices in ``[0, n_clusters)``: the cluster of each sample's most
            probable category.
        """
        self._check_merged()
        logits = self._class_logits(self._validate_X(X, reset=False))
        return self.category_to_cluster_[logits.argmax(axis=1)]

    def sample(self, n_samples=1, y=None, random_state=None):
        """Generate samples: prior draws of the style decoded as a cluster.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        y : int or array-like of shape (n_samples,), default=None
            The cluster of the samples; None draws clusters uniformly. Where a cluster
            merges several categories, each sample is decoded as one of them, drawn in
            proportion to the training data each holds.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_in_), dtype float32
            Generated samples.
        """
        self._check_merged()
        n_clusters = self._fitted_clusters()
        if len(self.category_to_cluster_) == n_clusters:
            return self._sample(n_samples, y, random_state)
        rng = check_random_state(random_state)
        if isinstance(n_samples, Integral) and n_samples >= 1:
            if y is None:
                clusters = rng.randint(n_clusters, size=n_samples)
            else:
                clusters = self._category_index(y, n_samples, n_clusters)
            y = np.array([self._draw_category(c, rng) for c in clusters], dtype=np.int64)
        return self._sample(n_samples, y, rng)

    def _draw_category(self, cluster, rng):
        """One category of ``cluster``, in proportion to the training data it holds."""
        categories = np.flatnonzero(self.category_to_cluster_ == cluster)
        weights = self._category_weights[categories]
        if weights.sum() <= 0:  # no training row in any: draw them evenly
            weights = np.ones(len(categories))
        return rng.choice(categories, p=weights / weights.sum())
