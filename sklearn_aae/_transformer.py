"""AAETransformer: the adversarial autoencoder as a scikit-learn transformer."""

from __future__ import annotations

import copy
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._networks import ENCODERS, build_module
from ._priors import _PRIORS, _PriorSampler
from ._runtime import apply_in_chunks, as_float32, resolve_device, to_tensor, torch_runtime
from ._training import LOSS_NAMES, AAENet, reconstruction_error

_RECONSTRUCTION_LOSSES = ("squared_error", "binary_crossentropy")


def _check_layer_sizes(sizes, name):
    try:
        sizes = tuple(int(s) for s in np.atleast_1d(sizes))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a sequence of positive integers, got {sizes!r}.") from exc
    if any(s < 1 for s in sizes):
        raise ValueError(f"{name} must be a sequence of positive integers, got {sizes!r}.")
    return sizes


class AAETransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Adversarial autoencoder (Makhzani et al., 2015) as a transformer.

    An encoder maps ``X`` to ``n_components`` codes and a decoder maps codes back; a
    discriminator on the code space pushes the distribution of the codes onto ``prior``.
    Each mini-batch runs the paper's two phases: a reconstruction step for encoder and
    decoder, then a regularization step (discriminator, then encoder against it, weighted
    by ``adversarial_weight``). ``transform`` returns the deterministic mean code,
    ``inverse_transform`` decodes, ``sample`` decodes prior draws.

    Parameters
    ----------
    n_components : int, default=2
        Dimension of the code.
    hidden_layer_sizes : tuple of int, default=(256, 256)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    discriminator_hidden_layer_sizes : tuple of int, default=None
        Widths of the discriminator's hidden layers; None uses ``hidden_layer_sizes``.
    prior : {"normal", "uniform", "mixture", "swiss_roll"} or object, default="normal"
        Distribution the codes are pushed onto: standard normal, uniform on
        ``[-1, 1]^d``, the paper's mixture of 10 Gaussians on a circle, a Swiss roll (the
        last two in the first two dimensions, standard normal in the rest), or any object
        with ``rvs(size=..., random_state=...)``, such as a frozen ``scipy.stats``
        distribution (a univariate one is drawn independently per dimension).
    encoder : {"deterministic", "gaussian", "universal"}, default="deterministic"
        Form of q(z|x): z = f(x); a Gaussian posterior with the reparameterisation
        trick; or z = f(x, eta) with noise eta as extra input. ``transform`` always uses
        the deterministic code (the posterior mean, or eta = 0).
    adversarial_weight : float, default=1.0
        λ, the weight of the adversarial term in the encoder's objective. 0 gives a
        plain autoencoder (the discriminator is still trained, as a monitor).
    reconstruction_loss : {"squared_error", "binary_crossentropy"}, default="squared_error"
        Gaussian or Bernoulli decoder. ``"binary_crossentropy"`` needs X in [0, 1]
        (e.g. after ``MinMaxScaler``) and decodes through a sigmoid.
    learning_rate : float, default=1e-3
        Adam's step size for the encoder and decoder.
    discriminator_learning_rate : float, default=5e-4
        Adam's step size for the discriminator.
    discriminator_noise : float, default=0.0
        Standard deviation of Gaussian noise added to the discriminator's inputs during
        training (instance noise), a common stabiliser.
    gradient_penalty : float, default=10.0
        Weight γ of the R1 penalty, γ/2 · E‖∇D(z)‖² at prior draws z, added to the
        discriminator's loss. It keeps the adversarial game from oscillating, which is
        what lets a larger ``adversarial_weight`` bring the codes closer to the prior.
        0 turns it off (the paper's plain GAN loss).
    batch_size : int, default=128
        Mini-batch size; clipped to the number of samples.
    max_iter : int, default=100
        Number of epochs (passes over the data) per call to ``fit``.
    warm_start : bool, default=False
        If True, ``fit`` continues training the fitted networks instead of starting over.
    device : str or torch.device, default="auto"
        Where to train: "auto" (CUDA when available, else CPU), "cpu", "cuda", ...
        Resolved in ``fit``; the data are moved there once per fit.
    n_jobs : int, default=None
        CPU threads torch may use during ``fit``, ``transform`` and ``sample``; -1 uses
        all cores. None leaves torch's current setting unchanged. Set it to 1 when other
        processes are busy on the same cores: oversubscribed torch slows down many-fold.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks (e.g. ``skorch.callbacks.Checkpoint``), called by the
        training loop. They are deep-copied, never modified.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, posterior noise and prior draws. The
        global torch RNG is neither read nor advanced.
    verbose : int, default=0
        If positive, print a table of the losses after each epoch.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column names.
    n_iter_ : int
        Number of epochs trained, counting every ``fit`` with ``warm_start`` and every
        ``partial_fit``.
    loss_curve_ : list of float
        The encoder's objective per epoch: reconstruction loss + λ · generator loss.
    reconstruction_loss_curve_ : list of float
        Mean reconstruction loss per epoch.
    discriminator_loss_curve_ : list of float
        Mean discriminator loss per epoch (binary cross-entropy, prior draws against
        codes); log(4) ≈ 1.386 means the discriminator is at chance.
    generator_loss_curve_ : list of float
        Mean adversarial loss of the encoder per epoch, -log D(z), before weighting by λ.
    discriminator_accuracy_curve_ : list of float
        Discriminator's accuracy per epoch; near 0.5 when codes match the prior.
    prior_ : object
        The prior the codes were matched to (a built-in prior object or the user's).
    device_ : torch.device
        Device the networks live on.
    net_ : skorch.NeuralNet
        The skorch net that ran training; ``net_.history`` holds the per-epoch records.
    encoder_, decoder_, discriminator_ : torch.nn.Module
        The trained networks.

    See Also
    --------
    sklearn.decomposition.PCA : Linear dimensionality reduction.
    sklearn_aae.prior_fit_score : How well codes follow the prior, as a scorer.

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
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like"],
        "discriminator_hidden_layer_sizes": ["array-like", None],
        "prior": [StrOptions(set(_PRIORS)), HasMethods(["rvs"])],
        "encoder": [StrOptions(set(ENCODERS))],
        "adversarial_weight": [Interval(Real, 0, None, closed="left")],
        "reconstruction_loss": [StrOptions(set(_RECONSTRUCTION_LOSSES))],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "discriminator_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "discriminator_noise": [Interval(Real, 0, None, closed="left")],
        "gradient_penalty": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "n_jobs": [Integral, None],
        "callbacks": [list, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes=(256, 256),
        discriminator_hidden_layer_sizes=None,
        prior="normal",
        encoder="deterministic",
        adversarial_weight=1.0,
        reconstruction_loss="squared_error",
        learning_rate=1e-3,
        discriminator_learning_rate=5e-4,
        discriminator_noise=0.0,
        gradient_penalty=10.0,
        batch_size=128,
        max_iter=100,
        warm_start=False,
        device="auto",
        n_jobs=None,
        callbacks=None,
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.discriminator_hidden_layer_sizes = discriminator_hidden_layer_sizes
        self.prior = prior
        self.encoder = encoder
        self.adversarial_weight = adversarial_weight
        self.reconstruction_loss = reconstruction_loss
        self.learning_rate = learning_rate
        self.discriminator_learning_rate = discriminator_learning_rate
        self.discriminator_noise = discriminator_noise
        self.gradient_penalty = gradient_penalty
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.device = device
        self.n_jobs = n_jobs
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    # -- fitting --------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the adversarial autoencoder on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, ideally scaled (e.g. ``StandardScaler``).
        y : None
            Ignored; accepted for Pipeline compatibility.

        Returns
        -------
        self : AAETransformer
            The fitted estimator.
        """
        continue_training = self.warm_start and hasattr(self, "net_")
        return self._fit(X, epochs=self.max_iter, reset=not continue_training)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train one epoch on X, continuing from the current networks.

        The first call builds the networks; later calls must have the same features.
        This lets data larger than memory stream through in chunks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.
        y : None
            Ignored.

        Returns
        -------
        self : AAETransformer
            The estimator, trained one more epoch.
        """
        return self._fit(X, epochs=1, reset=not hasattr(self, "net_"))

    def _validate_X(self, X, reset):
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
        X32 = as_float32(X)
        if (
            self.reconstruction_loss == "binary_crossentropy"
            and X32.size
            and (X32.min() < 0 or X32.max() > 1)
        ):
            raise ValueError(
                "reconstruction_loss='binary_crossentropy' needs X in [0, 1], got values "
                f"in [{X32.min():.3g}, {X32.max():.3g}]. Scale X with "
                "sklearn.preprocessing.MinMaxScaler or use reconstruction_loss="
                "'squared_error'."
            )
        return X32

    def _build_net(self, n_features, device):
        hidden = _check_layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")
        disc_hidden = (
            hidden
            if self.discriminator_hidden_layer_sizes is None
            else _check_layer_sizes(
                self.discriminator_hidden_layer_sizes, "discriminator_hidden_layer_sizes"
            )
        )
        sampler = _PriorSampler(self.prior, self.n_components)
        rng = check_random_state(self.random_state)
        seeds = [int(s) for s in rng.randint(np.iinfo(np.int32).max, size=6)]
        init_generators = (
            torch.Generator().manual_seed(seeds[0]),
            torch.Generator().manual_seed(seeds[1]),
        )
        module = build_module(
            n_features, self.n_components, hidden, disc_hidden, self.encoder, init_generators
        )
        net = AAENet(
            module,
            callbacks=copy.deepcopy(self.callbacks),
            verbose=self.verbose,
            device=device,
        )
        net.prior_sampler_ = sampler
        net.prior_rng_ = np.random.RandomState(seeds[2])
        net.data_generator_ = torch.Generator().manual_seed(seeds[3])
        net.noise_generator_ = torch.Generator(device).manual_seed(seeds[4])
        net.discriminator_generator_ = torch.Generator(device).manual_seed(seeds[5])
        self._configure_net(net)
        net.initialize()
        return net

    def _configure_net(self, net):
        """Copy the training hyper-parameters onto the net (also for warm starts)."""
        net.set_params(
            lr=self.learning_rate,
            batch_size=self.batch_size,
            verbose=self.verbose,
        )
        net.adversarial_weight = float(self.adversarial_weight)
        net.discriminator_lr = float(self.discriminator_learning_rate)
        net.discriminator_noise = float(self.discriminator_noise)
        net.gradient_penalty = float(self.gradient_penalty)
        net.reconstruction_loss = self.reconstruction_loss
        if getattr(net, "initialized_", False):
            for group in net.optimizer_discriminator_.param_groups:
                group["lr"] = net.discriminator_lr

    def _fit(self, X, *, epochs, reset):
        X32 = self._validate_X(X, reset=reset)
        with torch_runtime(self.n_jobs):
            if reset:
                device = resolve_device(self.device)
                net = self._build_net(X32.shape[1], device)
                snapshot = None
            else:
                net = self.net_
                device = self.device_
                self._configure_net(net)
                snapshot = _snapshot(net)
            X_t = to_tensor(X32, device)
            try:
                net.notify("on_train_begin", X=X_t, y=None)
                net.fit_loop(X_t, None, epochs=epochs)
                net.notify("on_train_end", X=X_t, y=None)
            except BaseException:
                if snapshot is not None:  # keep the model as it was before this call
                    _restore(net, snapshot)
                raise
        self.net_ = net
        self.device_ = device
        self.prior_ = net.prior_sampler_.prior
        self._record_curves()
        return self

    def _record_curves(self):
        history = self.net_.history
        self.n_iter_ = len(history)
        self.loss_curve_ = list(history[:, "train_loss"])
        for name in LOSS_NAMES:
            setattr(self, f"{name}_curve_", list(history[:, name]))

    # -- the trained networks -------------------------------------------------------------
    @property
    def encoder_(self):
        """The trained encoder network."""
        check_is_fitted(self)
        return self.net_.module_.encoder

    @property
    def decoder_(self):
        """The trained decoder network."""
        check_is_fitted(self)
        return self.net_.module_.decoder

    @property
    def discriminator_(self):
        """The trained discriminator network."""
        check_is_fitted(self)
        return self.net_.module_.discriminator

    # -- inference ------------------------------------------------------------------------
    def _run(self, fn, X32, n_out):
        module = self.net_.module_
        was_training = module.training
        module.eval()
        try:
            with torch_runtime(self.n_jobs):
                return apply_in_chunks(fn, X32, self.device_, n_out)
        finally:
            module.train(was_training)

    def _decode(self, Z32):
        decoder = self.net_.module_.decoder
        if self.reconstruction_loss == "binary_crossentropy":
            return self._run(lambda z: torch.sigmoid(decoder(z)), Z32, self.n_features_in_)
        return self._run(decoder, Z32, self.n_features_in_)

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
        X32 = self._validate_X(X, reset=False)
        return self._run(self.net_.module_.encoder.mean, X32, self.n_components)

    def inverse_transform(self, X):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, e.g. from ``transform``.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in_), dtype float32
            The decoded data.
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        if Z.shape[1] != self.n_components:
            raise ValueError(
                f"X has {Z.shape[1]} features, but inverse_transform expects codes with "
                f"n_components={self.n_components} features."
            )
        return self._decode(as_float32(Z))

    def sample(self, n_samples=1, random_state=None):
        """Decode draws from the prior: new samples in the input space.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        random_state : int, RandomState instance or None, default=None
            Seeds the prior draws.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_in_), dtype float32
            Generated samples.
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        Z = self.net_.prior_sampler_(int(n_samples), check_random_state(random_state))
        return self._decode(Z)

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
        check_is_fitted(self)
        X32 = self._validate_X(X, reset=False)
        module = self.net_.module_

        def per_row(x):
            x_hat = module.decoder(module.encoder.mean(x))
            loss = reconstruction_error(x_hat, x, self.reconstruction_loss, reduction="none")
            return loss.mean(dim=1, keepdim=True)

        return -float(self._run(per_row, X32, 1).astype(np.float64).mean())

    def _sample_prior(self, n_samples, random_state=None):
        """Draws from the fitted prior, as float32 codes (used by the prior-fit scorer)."""
        check_is_fitted(self)
        return self.net_.prior_sampler_(n_samples, check_random_state(random_state))

    @property
    def _n_features_out(self):
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _snapshot(net):
    """Copy the weights, optimizer states and RNG states of a net."""
    return {
        "module": copy.deepcopy(net.module_.state_dict()),
        "optimizer": copy.deepcopy(net.optimizer_.state_dict()),
        "optimizer_discriminator": copy.deepcopy(net.optimizer_discriminator_.state_dict()),
        "history": copy.deepcopy(net.history),
        "rngs": copy.deepcopy(
            (
                net.prior_rng_,
                net.data_generator_.get_state(),
                net.noise_generator_.get_state(),
                net.discriminator_generator_.get_state(),
            )
        ),
    }


def _restore(net, snapshot):
    net.module_.load_state_dict(snapshot["module"])
    net.optimizer_.load_state_dict(snapshot["optimizer"])
    net.optimizer_discriminator_.load_state_dict(snapshot["optimizer_discriminator"])
    net.history = snapshot["history"]
    prior_rng, data_state, noise_state, disc_state = snapshot["rngs"]
    net.prior_rng_ = prior_rng
    net.data_generator_.set_state(data_state)
    net.noise_generator_.set_state(noise_state)
    net.discriminator_generator_.set_state(disc_state)
