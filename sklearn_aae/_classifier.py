"""AAEClassifier: semi-supervised classification with an adversarial autoencoder (§5)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from scipy.special import softmax
from sklearn.base import (
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._base import BaseAAE, unlabelled_mask
from ._docs import fill_doc


@fill_doc
class AAEClassifier(ClassNamePrefixFeaturesOutMixin, ClassifierMixin, TransformerMixin, BaseAAE):
    """Semi-supervised classifier: an adversarial autoencoder with a categorical code.

    The encoder outputs a class ``y`` (softmax over the classes) and a continuous style
    code ``z``; the decoder reconstructs X from both. One discriminator forces ``y``
    onto a categorical prior (one-hot draws), another forces ``z`` onto ``prior``. Each
    mini-batch runs three phases (paper §5, Fig. 8): reconstruction, regularization (both
    discriminators, then the encoder against them), and a semi-supervised phase in which
    q(y|x) takes a cross-entropy step on a labelled mini-batch. Unlabelled samples
    (label -1) shape the code through the first two phases only.

    Its defaults differ from ``AAETransformer``'s in three places: the encoder is
    denoising (``input_noise=0.3``, the paper's setting for this model; in units of X,
    so scale X first), ``adversarial_weight=3.0``, and the neighbour-graph term is on
    (``neighbor_weight=1.0``): neighbouring samples share their class, so the labels
    spread along the graph of the data. The paper's model is ``neighbor_weight=0,
    adversarial_update="alternating"`` (with ``input_noise=0.3``); see the benchmarks
    page for both against ``LabelSpreading`` and self-training.

    Parameters
    ----------
    n_components : int, default=8
        Dimension of the style code ``z``.
    unlabelled_label : int, str or None, default=-1
        The value of ``y`` that marks an unlabelled sample (-1 is scikit-learn's
        semi-supervised convention). None means every sample is labelled; use it, or
        another marker, when -1 is one of your classes.
    {common_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (the labelled values of ``y``; -1 marks unlabelled samples).
    {common_attributes}
    classification_loss_curve_ : list of float
        Mean cross-entropy of the semi-supervised phase per epoch.

    See Also
    --------
    sklearn.semi_supervised.LabelSpreading : Graph-based semi-supervised learning.
    sklearn.semi_supervised.SelfTrainingClassifier : Self-training around a classifier.
    sklearn_aae.AAEClusterer : The same model without labels, as a clusterer.

    References
    ----------
    A. Makhzani et al. "Adversarial Autoencoders", §5. arXiv:1511.05644, 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_aae import AAEClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> y_partial = np.where(np.arange(len(y)) % 10 == 0, y, -1)  # 10 % labelled
    >>> clf = AAEClassifier(max_iter=2, random_state=0).fit(X, y_partial)
    >>> clf.predict(X[:3]).shape, clf.predict_proba(X[:3]).shape
    ((3,), (3, 10))
    """

    def __init__(
        self,
        n_components=8,
        *,
        hidden_layer_sizes=(256, 256),
        encoder_module=None,
        decoder_module=None,
        discriminator_hidden_layer_sizes=(128, 128),
        prior="normal",
        encoder="deterministic",
        adversarial_weight=3.0,
        reconstruction_loss="squared_error",
        learning_rate=2e-3,
        discriminator_learning_rate=1e-3,
        discriminator_noise=0.0,
        gradient_penalty=10.0,
        gradient_penalty_interval=4,
        adversarial_update="auto",
        input_noise=0.3,
        neighbor_weight=1.0,
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
        unlabelled_label=-1,
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
        self.unlabelled_label = unlabelled_label

    _parameter_constraints: dict = {
        **BaseAAE._parameter_constraints,
        "unlabelled_label": [Integral, str, None],
    }

    def _n_categories(self):
        return len(self.classes_)

    def _encode_targets(self, y, n_samples, reset):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None. "
                "Pass class labels, with -1 for unlabelled samples."
            )
        y = column_or_1d(y, warn=True)
        check_classification_targets(y[~unlabelled_mask(y, self.unlabelled_label)])
        return self._encode_classes(y, n_samples, reset, unlabelled_label=self.unlabelled_label)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train on X with labels y, where -1 marks unlabelled samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, scaled: ``StandardScaler`` for tabular data, images divided
            by their pixel range (``X / 255``).
        y : array-like of shape (n_samples,)
            Class labels; -1 marks an unlabelled sample (scikit-learn's semi-supervised
            convention). Every class must have at least one labelled sample.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of every sample in each term of the loss (reconstruction, the
            codes' side of the adversarial game, the neighbour-graph and classification
            terms), normalised within every mini-batch as ``MLPClassifier`` does.
            Samples of weight 0 are left out. None weighs all samples equally.

        Returns
        -------
        self : AAEClassifier
            The fitted classifier.
        """
        continue_training = self.warm_start and hasattr(self, "net_")
        return self._fit(X, y, sample_weight, epochs=self.max_iter, reset=not continue_training)

    def predict_proba(self, X):
        """Class probabilities q(y|x).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of the classes in ``classes_``; rows sum to one.
        """
        check_is_fitted(self)
        logits = self._class_logits(self._validate_X(X, reset=False))
        return softmax(logits.astype(np.float64), axis=1)

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, from ``classes_``.
        """
        check_is_fitted(self)
        logits = self._class_logits(self._validate_X(X, reset=False))
        return self.classes_[logits.argmax(axis=1)]

    def transform(self, X):
        """Encode X into its style code ``z`` (the part that is not the class).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components), dtype float32
            The style codes.
        """
        check_is_fitted(self)
        return self._representation(self._validate_X(X, reset=False))

    @property
    def _n_features_out(self):
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def sample(self, n_samples=1, y=None, random_state=None):
        """Generate samples: prior draws of the style decoded as a class.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        y : label or array-like of shape (n_samples,), default=None
            The class of the samples; None draws classes uniformly.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_in_), dtype float32
            Generated samples.
        """
        return self._sample(n_samples, y, random_state)
