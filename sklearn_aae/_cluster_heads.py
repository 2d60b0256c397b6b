"""AAEClusterHeadTransformer: dimensionality reduction with learned cluster heads (§7)."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._base import BaseAAE
from ._docs import fill_doc


@fill_doc
class AAEClusterHeadTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseAAE):
    """Dimensionality reduction by an AAE with a categorical code and cluster heads.

    The paper's §7 model: the encoder outputs a category ``y`` (softmax over
    ``n_clusters``) and a style code ``z``, both pushed onto their priors by
    discriminators as in :class:`AAEClusterer`; the representation is ``W·y + z``, where
    the columns of the learned ``n_components x n_clusters`` matrix ``W`` are the
    *cluster heads*. The decoder reconstructs X from the representation, and an extra
    cost pushes apart any two heads closer than ``head_distance``, so that categories
    land in distinct places of the low-dimensional space. With ``use_labels=True`` the
    categories are the classes of ``y`` and q(y|x) also learns from the labelled samples
    (-1 marks unlabelled ones): the semi-supervised variant.

    Parameters
    ----------
    n_components : int, default=2
        Dimension of the representation (and of the style code).
    n_clusters : int, default=10
        Number of categories (cluster heads); with ``use_labels=True`` the number of
        classes in ``y`` is used instead.
    head_distance : float, default=3.0
        η: the separation cost Σ max(0, η - ‖w_i - w_j‖) is added to the
        reconstruction loss for every pair of heads.
    use_labels : bool, default=False
        Whether ``fit`` uses ``y`` (semi-supervised, -1 for unlabelled samples). False
        ignores ``y``, so that a Pipeline passing ``y`` to every step stays unsupervised.
    {common_parameters}

    Attributes
    ----------
    cluster_heads_ : ndarray of shape (n_categories, n_components)
        The learned cluster heads (rows of ``W`` transposed).
    classes_ : ndarray of shape (n_classes,)
        The class labels, when ``use_labels=True``.
    {common_attributes}

    See Also
    --------
    sklearn_aae.AAETransformer : The plain adversarial autoencoder.
    sklearn_aae.AAEClusterer : Clustering with the same categorical code.

    References
    ----------
    A. Makhzani et al. "Adversarial Autoencoders", §7. arXiv:1511.05644, 2015.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_aae import AAEClusterHeadTransformer
    >>> X = StandardScaler().fit_transform(load_digits().data)
    >>> reducer = AAEClusterHeadTransformer(max_iter=2, random_state=0).fit(X)
    >>> reducer.transform(X).shape, reducer.cluster_heads_.shape
    ((1797, 2), (10, 2))
    """

    _cluster_heads = True

    _parameter_constraints: dict = {
        **BaseAAE._parameter_constraints,
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "head_distance": [Interval(Real, 0, None, closed="left")],
        "use_labels": ["boolean"],
    }

    def __init__(
        self,
        n_components=2,
        *,
        n_clusters=10,
        head_distance=3.0,
        use_labels=False,
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
        neighbor_weight=0.0,
        n_neighbors=15,
        precision="float32",
        cuda_graphs=False,
        batch_size=256,
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
        self.head_distance = head_distance
        self.use_labels = use_labels

    def _n_categories(self):
        return len(self.classes_) if self.use_labels else self.n_clusters

    def _encode_targets(self, y, n_samples, reset):
        if not self.use_labels:
            return None
        if y is not None:
            y = column_or_1d(y, warn=True)
        return self._encode_classes(y, n_samples, reset, unlabelled_label=-1)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Train on X (and on the labels y when ``use_labels=True``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, scaled: ``StandardScaler`` for tabular data, images divided
            by their pixel range (``X / 255``).
        y : array-like of shape (n_samples,), default=None
            Class labels with -1 for unlabelled samples; used only when
            ``use_labels=True``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of every sample in each term of the loss (reconstruction, the
            codes' side of the adversarial game, the neighbour-graph and classification
            terms), normalised within every mini-batch as ``MLPClassifier`` does.
            Samples of weight 0 are left out. None weighs all samples equally.

        Returns
        -------
        self : AAEClusterHeadTransformer
            The fitted estimator.
        """
        continue_training = self.warm_start and hasattr(self, "net_")
        return self._fit(X, y, sample_weight, epochs=self.max_iter, reset=not continue_training)

    @property
    def cluster_heads_(self):
        """The learned cluster heads, one row per category."""
        check_is_fitted(self)
        return self.net_.module_.heads.weight.detach().cpu().numpy().T.copy()

    def transform(self, X):
        """Map X to its representation ``W·y + z``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reduce.

        Returns
        -------
        R : ndarray of shape (n_samples, n_components), dtype float32
            The representations.
        """
        check_is_fitted(self)
        return self._representation(self._validate_X(X, reset=False))

    def inverse_transform(self, X):
        """Decode representations back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Representations, e.g. from ``transform``.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in_), dtype float32
            The decoded data.
        """
        return self._inverse(X, None)

    def sample(self, n_samples=1, y=None, random_state=None):
        """Generate samples: a cluster head plus a style drawn from the prior, decoded.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        y : label or array-like of shape (n_samples,), default=None
            The category (or class, with ``use_labels=True``) of the samples; None
            draws them uniformly.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_in_), dtype float32
            Generated samples.
        """
        return self._sample(n_samples, y, random_state)

    def score(self, X, y=None):
        """Negative mean reconstruction loss of X (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Minus the mean reconstruction loss.
        """
        return self._reconstruction_score(X)

    @property
    def _n_features_out(self):
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
