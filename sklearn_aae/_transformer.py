"""AAETransformer: the adversarial autoencoder as a scikit-learn transformer."""

from __future__ import annotations

from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import BaseAAE
from ._docs import fill_doc


@fill_doc
class AAETransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseAAE):
    """Adversarial autoencoder (Makhzani et al., 2015) as a transformer.

    An encoder maps ``X`` to ``n_components`` codes and a decoder maps codes back; a
    discriminator on the code space pushes the distribution of the codes onto ``prior``.
    Each mini-batch runs the paper's two phases: a reconstruction step for encoder and
    decoder, then a regularization step (discriminator, then encoder against it, weighted
    by ``adversarial_weight``); by default, without the neighbour-graph term, the
    encoder's two steps are taken as one (``adversarial_update``). ``transform``
    returns the deterministic mean code, ``inverse_transform`` decodes, ``sample``
    decodes prior draws.

    With ``labels`` set, ``fit`` uses ``y`` as in the paper's supervised variants: labels
    in the prior (each class is matched to its own part of a mixture or Swiss-roll prior,
    Fig. 3/4) or labels to the decoder (the code holds the style, the label the content,
    Fig. 6/7).

    Parameters
    ----------
    n_components : int, default=2
        Dimension of the code.
    {common_parameters}
    labels : {None, "prior", "decoder"}, default=None
        How ``fit`` uses ``y``. None ignores it, so that a Pipeline that passes ``y`` to
        every step stays unsupervised. ``"prior"``: the discriminator sees the one-hot
        label (plus an "unlabelled" class) and every labelled sample is matched to the
        mode of its class in the prior (``prior`` must be ``"mixture"``,
        ``"swiss_roll"`` or a ``MixturePrior``/``SwissRollPrior`` with at least as many
        modes as classes); ``y`` may mark unlabelled samples with -1. ``"decoder"``: the
        decoder gets the one-hot label, so the code holds only the style;
        ``inverse_transform`` and ``sample`` then take ``y`` to choose the class.

    Attributes
    ----------
    {common_attributes}
    classes_ : ndarray of shape (n_classes,)
        The class labels seen in ``fit``, when ``labels`` is set.

    See Also
    --------
    sklearn.decomposition.PCA : Linear dimensionality reduction.
    sklearn_aae.prior_fit_score : How well codes follow the prior, as a scorer.
    sklearn_aae.AAEClassifier : Semi-supervised classification with an AAE.

    Notes
    -----
    Computation is float32; ``transform`` and ``inverse_transform`` return float32.
    The encoder and decoder share one Adam optimizer across both phases, so λ weighs the
    adversarial gradient against the reconstruction gradient inside the same moment
    estimates (a separate Adam for the adversarial step would normalise λ away).
    During ``fit`` denormal floats are flushed to zero (``torch.set_flush_denormal``),
    which is switched off again afterwards.

    References
    ----------
    A. Makhzani, J. Shlens, N. Jaitly, I. Goodfellow, B. Frey. "Adversarial
    Autoencoders". arXiv:1511.05644, 2015.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_aae import AAETransformer
    >>> X = StandardScaler().fit_transform(load_digits().data)
    >>> aae = AAETransformer(n_components=2, max_iter=5, random_state=0)
    >>> Z = aae.fit_transform(X)
    >>> Z.shape, Z.dtype
    ((1797, 2), dtype('float32'))
    >>> aae.sample(3, random_state=0).shape
    (3, 64)
    """

    _parameter_constraints: dict = {
        **BaseAAE._parameter_constraints,
        "labels": [StrOptions({"prior", "decoder"}), None],
    }

    def __init__(
        self,
        n_components=2,
        *,
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
        labels=None,
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
        self.labels = labels

    def _label_use(self):
        return self.labels

    def _encode_targets(self, y, n_samples, reset):
        if self.labels is None:
            return None
        # Only labels in the prior have a use for unlabelled samples (marked -1); with
        # labels to the decoder every value of y is a class.
        marker = -1 if self.labels == "prior" else None
        return self._encode_classes(y, n_samples, reset, unlabelled_label=marker)

    # -- fitting ---------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Train the adversarial autoencoder on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, scaled: ``StandardScaler`` for tabular data, images divided
            by their pixel range (``X / 255``).
        y : array-like of shape (n_samples,), default=None
            Class labels, used only when ``labels`` is set (-1 marks unlabelled samples
            with ``labels="prior"``); ignored otherwise.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of every sample in each term of the loss (reconstruction, the
            codes' side of the adversarial game, the neighbour-graph and classification
            terms), normalised within every mini-batch as ``MLPClassifier`` does.
            Samples of weight 0 are left out. None weighs all samples equally.

        Returns
        -------
        self : AAETransformer
            The fitted estimator.
        """
        continue_training = self.warm_start and hasattr(self, "net_")
        return self._fit(X, y, sample_weight, epochs=self.max_iter, reset=not continue_training)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sample_weight=None):
        """Train one epoch on X, continuing from the current networks.

        The first call builds the networks; later calls must have the same features.
        This lets data larger than memory stream through in chunks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.
        y : array-like of shape (n_samples,), default=None
            Class labels, used only when ``labels`` is set.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of every sample in each term of the loss (reconstruction, the
            codes' side of the adversarial game, the neighbour-graph and classification
            terms), normalised within every mini-batch as ``MLPClassifier`` does.
            Samples of weight 0 are left out. None weighs all samples equally.

        Returns
        -------
        self : AAETransformer
            The estimator, trained one more epoch.
        """
        return self._fit(
            X, y, sample_weight, epochs=1, reset=not hasattr(self, "net_"), stopping=False
        )

    # -- inference -------------------------------------------------------------------------
    def transform(self, X):
        """Encode X into its deterministic code.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components), dtype float32
            The codes (the posterior mean for ``encoder="gaussian"``).
        """
        check_is_fitted(self)
        return self._representation(self._validate_X(X, reset=False))

    def inverse_transform(self, X, y=None):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, e.g. from ``transform``.
        y : label or array-like of shape (n_samples,), default=None
            With ``labels="decoder"``, the class to decode each code as (required).

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in_), dtype float32
            The decoded data.
        """
        return self._inverse(X, y)

    def sample(self, n_samples=1, y=None, random_state=None):
        """Decode draws from the prior: new samples in the input space.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        y : label or array-like of shape (n_samples,), default=None
            The class to generate, when fitted with ``labels``: a draw from the class's
            mode of the prior (``labels="prior"``) or a style decoded as that class
            (``labels="decoder"``). None draws classes uniformly.
        random_state : int, RandomState instance or None, default=None
            Seeds the prior draws.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_in_), dtype float32
            Generated samples.
        """
        return self._sample(n_samples, y, random_state)

    def score(self, X, y=None):
        """Negative mean reconstruction loss of X (higher is better).

        The loss is the one trained on (squared error or binary cross-entropy), averaged
        over samples and features. Reconstruction alone always favours λ = 0; to choose
        λ, also look at :func:`sklearn_aae.prior_fit_score`.

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
