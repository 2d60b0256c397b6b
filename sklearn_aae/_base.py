"""What every adversarial-autoencoder estimator shares: parameters, fitting, inference.

``BaseAAE`` is a plain :class:`~sklearn.base.BaseEstimator`. It validates the data,
builds the networks (``_networks.py``) and a private skorch net (``_training.py``) that
runs the training loop, and answers ``transform``-like questions in fixed-size blocks on the
device. The public estimators add what their task needs: how ``y`` is used, whether the
code has a categorical part, and the methods users call.
"""

from __future__ import annotations

import copy
import math
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    validate_data,
)
from skorch.callbacks import EarlyStopping

from ._exceptions import (
    AdversarialTrainingWarning,
    DeviceMemoryError,
    DivergenceError,
    TrainingInterruptedWarning,
)
from ._losses import reconstruction_error_numpy
from ._neighbors import BALANCE, WEIGHT_UNIT, NeighborGraph, neighbor_loss_settings
from ._networks import ENCODERS, build_module
from ._priors import _PRIORS, CategoricalPrior, _PriorSampler
from ._runtime import (
    apply_in_blocks,
    as_float32,
    free_device_memory,
    inference_block,
    resolve_device,
    to_tensor,
    torch_runtime,
)
from ._stopping import ConvergenceMonitor
from ._training import LOSS_NAMES, AAENet, EpochProgress, TrainingData
from ._version import STATE_FORMAT, __version__

RECONSTRUCTION_LOSSES = ("squared_error", "binary_crossentropy")

# Failure modes worth a warning: a discriminator that wins (accuracy above this) in each
# of the last epochs counted here, and codes whose spread falls below this fraction of
# the prior's.
_WINNING_ACCURACY = 0.95
_WINNING_EPOCHS = 10
_COLLAPSE_RATIO = 0.01

# What validating data sets on the estimator (besides the fitted networks), and the
# flags of a fit that stopped early: restored together when a fit fails.
_DATA_STATE = (
    "n_features_in_",
    "feature_names_in_",
    "classes_",
    "interrupted_",
    "diverged_",
    "best_loss_",
    "validation_scores_",
    "best_validation_score_",
)


# Inference that runs out of device memory retries with a quarter of the rows per
# block, down to this many.
_MIN_BLOCK = 64

# Values (rows x features) of reconstructions held on the host at once while scoring.
_SCORE_VALUES = 2**22


def _classes_left_out(y_codes, rows):
    """Return how many classes with labelled samples have none among ``rows``."""
    if y_codes is None:
        return 0
    return np.setdiff1d(y_codes[y_codes >= 0], y_codes[rows]).size


def _table_verbosity(verbose):
    """Return the verbosity of skorch's per-epoch table: from verbose=2 on (1: a bar)."""
    return int(verbose >= 2)


def _first_line(exc):
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_layer_sizes(sizes, name):
    try:
        sizes = tuple(int(s) for s in np.atleast_1d(sizes))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a sequence of positive integers, got {sizes!r}.") from exc
    if any(s < 1 for s in sizes):
        raise ValueError(f"{name} must be a sequence of positive integers, got {sizes!r}.")
    return sizes


def unlabelled_mask(y, marker=-1):
    """Rows of ``y`` equal to ``marker`` (-1: scikit-learn's semi-supervised convention)."""
    if marker is None:
        return np.zeros(y.shape[0], dtype=bool)
    if y.dtype.kind == "O":
        return np.array([type(v) is type(marker) and v == marker for v in y], dtype=bool)
    if isinstance(marker, str) != (y.dtype.kind in "US"):
        return np.zeros(y.shape[0], dtype=bool)
    return np.asarray(y == marker, dtype=bool)


class BaseAAE(BaseEstimator):
    """Shared machinery of the adversarial autoencoders (not an estimator on its own).

    Subclasses override the three hooks below and ``_encode_targets``.
    """

    #: Whether the representation is W·y + z with learned cluster heads (paper §7).
    _cluster_heads = False

    #: Whether X may be a sparse matrix (CSR, densified one mini-batch at a time).
    _accept_sparse = True

    #: Weight of the categories' balance in the graph term of a categorical code.
    _category_balance = BALANCE

    def _n_categories(self):
        """Return the number of categories of the categorical code (0: none)."""
        return 0

    def _label_use(self):
        """Return what class labels do in the networks: None, "prior" or "decoder"."""
        return None

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like"],
        "encoder_module": [callable, None],
        "decoder_module": [callable, None],
        "discriminator_hidden_layer_sizes": ["array-like", None],
        "prior": [StrOptions(set(_PRIORS)), HasMethods(["rvs"])],
        "encoder": [StrOptions(set(ENCODERS))],
        "adversarial_weight": [Interval(Real, 0, None, closed="left")],
        "reconstruction_loss": [StrOptions(set(RECONSTRUCTION_LOSSES))],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "discriminator_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "discriminator_noise": [Interval(Real, 0, None, closed="left")],
        "gradient_penalty": [Interval(Real, 0, None, closed="left")],
        "gradient_penalty_interval": [Interval(Integral, 1, None, closed="left")],
        "adversarial_update": [StrOptions({"auto", "alternating", "joint"})],
        "input_noise": [Interval(Real, 0, None, closed="left")],
        "neighbor_weight": [Interval(Real, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 2, None, closed="left")],
        "precision": [StrOptions({"float32", "bfloat16"})],
        "cuda_graphs": ["boolean"],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "n_jobs": [Integral, None],
        "callbacks": [list, None],
        "on_divergence": [StrOptions({"raise", "restore"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
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
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.encoder_module = encoder_module
        self.decoder_module = decoder_module
        self.discriminator_hidden_layer_sizes = discriminator_hidden_layer_sizes
        self.prior = prior
        self.encoder = encoder
        self.adversarial_weight = adversarial_weight
        self.reconstruction_loss = reconstruction_loss
        self.learning_rate = learning_rate
        self.discriminator_learning_rate = discriminator_learning_rate
        self.discriminator_noise = discriminator_noise
        self.gradient_penalty = gradient_penalty
        self.gradient_penalty_interval = gradient_penalty_interval
        self.adversarial_update = adversarial_update
        self.input_noise = input_noise
        self.neighbor_weight = neighbor_weight
        self.n_neighbors = n_neighbors
        self.precision = precision
        self.cuda_graphs = cuda_graphs
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.device = device
        self.n_jobs = n_jobs
        self.callbacks = callbacks
        self.on_divergence = on_divergence
        self.random_state = random_state
        self.verbose = verbose

    # -- data ------------------------------------------------------------------------------
    def _validate_X(self, X, reset):
        X = validate_data(
            self,
            X,
            reset=reset,
            accept_sparse="csr" if self._accept_sparse else False,
            dtype=[np.float64, np.float32],
        )
        X32 = as_float32(X)
        values = X32.data if sp.issparse(X32) else X32
        if (
            self.reconstruction_loss == "binary_crossentropy"
            and values.size
            and (values.min() < 0 or values.max() > 1)
        ):
            raise ValueError(
                "reconstruction_loss='binary_crossentropy' needs X in [0, 1], got values "
                f"in [{values.min():.3g}, {values.max():.3g}]. Scale X with "
                "sklearn.preprocessing.MinMaxScaler (clip=True keeps new data in range "
                "too) or by its known bounds, or use reconstruction_loss='squared_error'."
            )
        return X32

    def _encode_targets(self, y, n_samples, reset):
        """Class indices for the networks (int64, -1 for unlabelled) or None.

        Subclasses that use ``y`` set ``classes_`` here when ``reset``.
        """
        return None

    def _encode_classes(self, y, n_samples, reset, *, unlabelled_label=-1):
        """Encode labels as indices into ``classes_`` (set from the labelled rows on reset).

        Rows equal to ``unlabelled_label`` get -1.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None. "
                "Pass class labels (-1 marks unlabelled samples where the model allows it)."
            )
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D, got shape {y.shape}.")
        if y.shape[0] != n_samples:
            raise ValueError(f"X has {n_samples} samples but y has {y.shape[0]}.")
        unlabelled = unlabelled_mask(y, unlabelled_label)
        if unlabelled.all():
            raise ValueError(
                f"y has no labelled sample (all are {unlabelled_label!r}); label at least "
                "one sample per class."
            )
        if reset:
            self.classes_ = np.unique(y[~unlabelled])
        codes = np.full(y.shape[0], -1, dtype=np.int64)
        idx = np.searchsorted(self.classes_, y[~unlabelled])
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        if not np.array_equal(self.classes_[idx], y[~unlabelled]):
            unknown = np.setdiff1d(y[~unlabelled], self.classes_)
            raise ValueError(f"y contains classes not seen in the first fit: {unknown[:5]}.")
        codes[~unlabelled] = idx
        return codes

    def _n_classes(self):
        return len(self.classes_) if hasattr(self, "classes_") else 0

    # -- building --------------------------------------------------------------------------
    def _prior_samplers(self):
        samplers = {"z": _PriorSampler(self.prior, self.n_components)}
        if self._n_categories():
            k = self._n_categories()
            samplers["y"] = _PriorSampler(CategoricalPrior(k), k)
        return samplers

    def _check_label_prior(self, sampler):
        if self._label_use() != "prior":
            return
        n_modes = sampler.n_modes
        if n_modes is None or not hasattr(sampler.prior, "rvs"):
            raise ValueError(
                "labels='prior' matches every class to its own part of the prior, so the "
                "prior needs labelled parts: use prior='mixture', prior='swiss_roll', or a "
                f"MixturePrior/SwissRollPrior with n_modes >= the number of classes; got "
                f"{self.prior!r}."
            )
        if self._n_classes() > n_modes:
            raise ValueError(
                f"y has {self._n_classes()} classes but the prior has only {n_modes} modes; "
                f"use e.g. MixturePrior(n_modes={self._n_classes()})."
            )

    def _build_net(self, n_features, device, random_state=None):
        hidden = _check_layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")
        disc_hidden = (
            hidden
            if self.discriminator_hidden_layer_sizes is None
            else _check_layer_sizes(
                self.discriminator_hidden_layer_sizes, "discriminator_hidden_layer_sizes"
            )
        )
        samplers = self._prior_samplers()
        self._check_label_prior(samplers["z"])
        # random_state: overrides self.random_state (loading, where every weight and
        # generator is overwritten next, must not draw from the global NumPy RNG).
        rng = check_random_state(self.random_state if random_state is None else random_state)
        seeds = [int(s) for s in rng.randint(np.iinfo(np.int32).max, size=6)]
        init_generators = (
            torch.Generator().manual_seed(seeds[0]),
            torch.Generator().manual_seed(seeds[1]),
        )
        module = build_module(
            n_features,
            self.n_components,
            hidden,
            disc_hidden,
            self.encoder,
            init_generators,
            n_categories=self._n_categories(),
            labels=self._label_use(),
            n_classes=self._n_classes(),
            cluster_heads=self._cluster_heads,
            head_distance=float(getattr(self, "head_distance", 0.0)),
            encoder_module=self.encoder_module,
            decoder_module=self.decoder_module,
        )
        net = AAENet(
            module,
            callbacks=copy.deepcopy(self.callbacks),
            verbose=_table_verbosity(self.verbose),
            device=device,
        )
        net.prior_samplers_ = samplers
        # The parameters the networks were built from: a pickled model is rebuilt from
        # these, whatever set_params changed after the fit.
        net.build_params_ = self.get_params(deep=False)
        net.prior_rng_ = np.random.RandomState(seeds[2])
        net.data_generator_ = torch.Generator().manual_seed(seeds[3])
        net.noise_generator_ = torch.Generator(device).manual_seed(seeds[4])
        net.discriminator_generator_ = torch.Generator(device).manual_seed(seeds[5])
        # Drawn after the others, so that adding it left every earlier seed as it was.
        net.graph_generator_ = torch.Generator(device).manual_seed(
            int(rng.randint(np.iinfo(np.int32).max))
        )
        self._configure_net(net)
        net.initialize()
        return net

    def _adversarial_update(self):
        """Return the encoder update to train with, "auto" resolved.

        "auto" is "joint" without the neighbour-graph term and the paper's
        "alternating" with it: with the term, the joint step clustered digits less well
        (``AAEClusterer``, 5 seeds of 5) and gave no better 2-D codes.
        """
        if self.adversarial_update != "auto":
            return self.adversarial_update
        return "joint" if self.neighbor_weight == 0 else "alternating"

    def _batch_size(self, n_rows):
        """Return the mini-batch size to train ``n_rows`` rows with, "auto" resolved.

        "auto" is 256 without the neighbour-graph term. With it, about an epoch's rows
        / 32, between 64 and 256 (64 for all digits, 256 from 8192 rows): UMAP's loss
        needs many optimizer steps, and with batches of 256 a small data set gets too
        few of them in ``max_iter`` epochs. On all 1797 digits, the 2-D codes of the
        graph term trained in batches of 256 kept the digits' neighbourhoods worse than
        the plain model's; in batches of 64 their nearest codes shared their digit more
        often than the plain model's, at twice the fit time (``bench_neighbors.py
        --parts map``), and ``AAEClusterer``'s clusters of digits were more accurate.
        On 10 000 MNIST images, batches of 64 did no better than 256.
        """
        if self.batch_size != "auto":
            return int(self.batch_size)
        if self.neighbor_weight == 0:
            return 256
        return int(min(256, max(64, n_rows // 32)))

    def _configure_net(self, net):
        """Copy the training hyper-parameters onto the net (also for warm starts).

        The batch size, which depends on the rows, is set by ``_train``.
        """
        net.set_params(lr=self.learning_rate, verbose=_table_verbosity(self.verbose))
        net.adversarial_weight = float(self.adversarial_weight)
        net.discriminator_lr = float(self.discriminator_learning_rate)
        net.discriminator_noise = float(self.discriminator_noise)
        net.gradient_penalty = float(self.gradient_penalty)
        net.gradient_penalty_interval = int(self.gradient_penalty_interval)
        net.adversarial_update = self._adversarial_update()
        net.input_noise = float(self.input_noise)
        net.precision = self.precision
        net.cuda_graphs = bool(self.cuda_graphs)
        net.reconstruction_loss = self.reconstruction_loss
        net.neighbor_weight = float(self.neighbor_weight) * WEIGHT_UNIT
        net.neighbor_settings = neighbor_loss_settings()
        net.category_balance = self._category_balance
        if getattr(net, "initialized_", False):
            for group in net.optimizer_discriminator_.param_groups:
                group["lr"] = net.discriminator_lr
            # A warm start trains with the callbacks the estimator has now.
            net.callbacks = copy.deepcopy(self.callbacks)
            net.initialize_callbacks()

    # -- fitting ---------------------------------------------------------------------------
    def _fit(self, X, y=None, sample_weight=None, *, epochs, reset, stopping=True):
        """Validate, train, and set the fitted attributes; all or nothing.

        ``stopping``: whether this call may stop on convergence and hold rows out for
        early stopping (``fit``), or trains exactly ``epochs`` epochs (``partial_fit``).
        A call that fails leaves the estimator as it was before it (unfitted after a
        first fit), except where the last finished epoch is kept on purpose (Ctrl-C, or
        a divergence with ``on_divergence="restore"``).
        """
        saved = {k: v for k, v in vars(self).items() if k in _DATA_STATE}
        for name in ("interrupted_", "diverged_", "_training_batch_size"):
            self.__dict__.pop(name, None)
        try:
            fitted = self._train(X, y, sample_weight, epochs=epochs, reset=reset, stopping=stopping)
            self.__dict__.pop("_training_batch_size", None)
            return fitted
        except BaseException as exc:
            # The batch size this call trained with ("auto" resolved), for the message.
            resolved = self.__dict__.pop("_training_batch_size", None)
            if not getattr(self, "interrupted_", False):
                for name in _DATA_STATE:
                    self.__dict__.pop(name, None)
                self.__dict__.update(saved)
            if isinstance(exc, torch.OutOfMemoryError) and not isinstance(exc, DeviceMemoryError):
                free_device_memory(exc)
                batch = self.batch_size
                if batch == "auto":
                    batch = "'auto'" if resolved is None else f"'auto': {resolved} rows here"
                raise DeviceMemoryError(
                    f"The device ran out of memory while training ({_first_line(exc)}). "
                    f"Lower batch_size (now {batch}) or hidden_layer_sizes (now "
                    f"{self.hidden_layer_sizes}), free the memory that other models hold "
                    "on the device, or fit with device='cpu'. The estimator is left as it "
                    "was before this call."
                ) from exc
            raise

    def _check_weights(self, sample_weight, X32):
        """Return float64 sample weights, or None when every row weighs the same."""
        if sample_weight is None:
            return None
        weights = _check_sample_weight(
            sample_weight, X32, dtype=np.float64, ensure_non_negative=True
        )
        if not weights.any():
            raise ValueError(
                "sample_weight is 0 for every sample: there is nothing to fit. Give at "
                "least one non-zero weight."
            )
        if (weights == weights[0]).all():  # the same for every row: the unweighted fit
            return None
        return weights

    def _validation_split(self, n, y_codes):
        """Rows held out for early stopping: ``(train, valid)`` index arrays.

        Labelled rows stay in training when there are enough unlabelled ones to hold
        out; otherwise the split is stratified by class where it can be.
        """
        n_valid = math.ceil(self.validation_fraction * n)
        if n_valid < 2 or n - n_valid < 2:
            raise ValueError(
                f"early_stopping holds out validation_fraction={self.validation_fraction} "
                f"of the {n} samples: {n_valid} for validation, {n - n_valid} for "
                "training; each needs at least 2. Increase validation_fraction, fit more "
                "samples, or set early_stopping=False."
            )
        rng = check_random_state(self.random_state)
        rows = np.arange(n)
        candidates = rows if y_codes is None else np.flatnonzero(y_codes < 0)
        if len(candidates) >= n_valid:
            valid = rng.permutation(candidates)[:n_valid]
        else:
            counts = np.unique(y_codes, return_counts=True)[1]
            # Stratify where every class (and the unlabelled rows) can be in both parts.
            fits = counts.min() > 1 and min(n_valid, n - n_valid) >= len(counts)
            stratify = y_codes if fits else None
            _, valid = train_test_split(
                rows, test_size=n_valid, random_state=rng, stratify=stratify
            )
            if _classes_left_out(y_codes, np.setdiff1d(rows, valid)):
                raise ValueError(
                    "early_stopping held out every labelled sample of a class; lower "
                    "validation_fraction or label more samples."
                )
        valid = np.sort(valid)
        return np.setdiff1d(np.arange(n), valid), valid

    def _check_callbacks_monitor(self, validating):
        """Refuse a skorch EarlyStopping that watches a key the loop never records."""
        recorded = {"train_loss", "convergence_loss", *LOSS_NAMES, "code_std"}
        if validating:
            recorded |= {"valid_loss"}
        for callback in self.callbacks or []:
            if isinstance(callback, tuple):  # skorch also takes (name, callback) pairs
                callback = callback[1]
            monitor = getattr(callback, "monitor", None)
            if isinstance(callback, EarlyStopping) and monitor not in recorded:
                hint = (
                    " 'valid_loss' is recorded only with early_stopping=True (the "
                    "reconstruction loss of validation_fraction of the rows, held out)."
                    if monitor == "valid_loss"
                    else ""
                )
                raise ValueError(
                    f"skorch's EarlyStopping monitors {monitor!r}, which this estimator "
                    f"does not record.{hint} Monitor one of {sorted(recorded)}."
                )

    def _train(self, X, y, sample_weight, *, epochs, reset, stopping):
        X32 = self._validate_X(X, reset=reset)
        y_codes = self._encode_targets(y, X32.shape[0], reset=reset)
        weights = self._check_weights(sample_weight, X32)
        if weights is not None and not weights.all():  # rows of weight 0 are left out
            keep = np.flatnonzero(weights)
            lost = _classes_left_out(y_codes, keep)
            if lost:
                raise ValueError(
                    f"sample_weight is 0 for every labelled sample of {lost} class(es), "
                    "which would be left untrained. Give some of their labelled samples "
                    "a positive weight, or leave those classes out."
                )
            X32, weights = X32[keep], weights[keep]
            y_codes = None if y_codes is None else y_codes[keep]
        validating = stopping and self.early_stopping
        self._check_callbacks_monitor(validating)
        if validating:
            train_rows, valid_rows = self._validation_split(X32.shape[0], y_codes)
            X_valid, X32 = X32[valid_rows], X32[train_rows]
            w_valid = None if weights is None else weights[valid_rows]
            weights = None if weights is None else weights[train_rows]
            y_valid = None if y_codes is None else y_codes[valid_rows]
            y_codes = None if y_codes is None else y_codes[train_rows]
        with torch_runtime(self.n_jobs):
            if reset:
                device = resolve_device(self.device)
                net = self._build_net(X32.shape[1], device)
            else:
                net = self.net_
                device = self.device_
                self._configure_net(net)
            self._training_batch_size = self._batch_size(X32.shape[0])
            net.set_params(batch_size=self._training_batch_size)
            before = None if reset else net.snapshot()
            net.last_good = before
            data = self._training_data(X32, y_codes, device, weights)
            valid = None
            if validating:
                # Labels matter to the reconstruction only where the decoder takes them.
                y_for_decoder = y_valid if self._label_use() == "decoder" else None
                valid = self._training_data(X_valid, y_for_decoder, device, w_valid)
            monitor = (
                ConvergenceMonitor(
                    self.tol, self.n_iter_no_change, validating, self.adversarial_weight > 0
                )
                if stopping
                else None
            )
            net.graph_ = self._neighbor_graph(X32, device)
            net.progress_ = (
                EpochProgress(type(self).__name__, epochs) if self.verbose == 1 else None
            )
            net.owner_ = self  # for callbacks that save the estimator (TrainingCheckpoint)
            n_before = len(net.history)
            try:
                net.notify("on_train_begin", X=data, y=None)
                net.fit_loop(data, None, epochs=epochs, valid=valid, monitor=monitor)
                if monitor is not None:
                    monitor.restore_best(net)
                net.notify("on_train_end", X=data, y=None)
            except KeyboardInterrupt:
                self._fall_back(net, device, net.last_good, "interrupted_")
                raise
            except DivergenceError as exc:
                if self.on_divergence == "restore" and net.last_good is not None:
                    self._fall_back(net, device, net.last_good, "diverged_", cause=exc)
                    if monitor is not None:  # what was monitored up to the last good epoch
                        self._set_stopping_attributes(monitor, len(net.history) - n_before, epochs)
                    return self
                if before is not None:  # a failed call leaves the model as it was
                    net.restore(before)
                raise
            except BaseException:
                if before is not None:
                    net.restore(before)
                raise
            finally:
                net.last_good = None
                net.graph_ = None  # the graph of this call's rows; O(n·k) memory
                if net.progress_ is not None:
                    net.progress_.close()
                net.progress_ = None
                net.owner_ = None
        self._set_fitted(net, device)
        if monitor is not None:
            self._set_stopping_attributes(monitor, len(net.history) - n_before, epochs)
        self._warn_on_failure_modes()
        return self

    def _set_stopping_attributes(self, monitor, epochs_run, max_epochs):
        """MLP's fitted attributes of convergence, and its warning when max_iter ends it."""
        if monitor.early_stopping:
            self.best_loss_ = None
            self.validation_scores_ = list(monitor.validation_scores)
            self.best_validation_score_ = monitor.best_validation_score
        else:
            self.best_loss_ = monitor.best_loss
            self.validation_scores_ = None
            self.best_validation_score_ = None
        if epochs_run == max_epochs and not monitor.converged:
            warnings.warn(
                f"Maximum iterations ({max_epochs}) reached and the optimization hasn't "
                f"converged yet: {monitor.key} still improved by more than tol={self.tol} "
                f"within the last n_iter_no_change={self.n_iter_no_change} epochs. Raise "
                "max_iter to train on, or raise tol to stop sooner.",
                ConvergenceWarning,
                stacklevel=6,
            )

    def _set_fitted(self, net, device):
        net.module_.eval()  # inference never switches modes (see _run)
        for optimizer in (net.optimizer_, net.optimizer_discriminator_):
            optimizer.zero_grad(set_to_none=True)  # a fitted model keeps no gradients
        self.net_ = net
        self.device_ = device
        self.prior_ = net.prior_samplers_["z"].prior
        self._record_curves()

    def _fall_back(self, net, device, snapshot, flag, cause=None):
        """Keep the last finished epoch after an interruption or a divergence, and warn.

        With no finished epoch to fall back to, the estimator is left as it was (unfitted
        after a first fit).
        """
        if snapshot is None:
            return
        net.restore(snapshot)
        self._set_fitted(net, device)
        setattr(self, flag, True)
        what = "interrupted (KeyboardInterrupt)" if cause is None else f"stopped: {cause}"
        warnings.warn(
            f"Training was {what}. The model is kept as it was at the end of epoch "
            f"{self.n_iter_}, the last finished one; {flag} is set to True.",
            TrainingInterruptedWarning,
            stacklevel=3,
        )

    def _warn_on_failure_modes(self):
        """Name the adversarial game's failure modes when the curves show them."""
        history = self.net_.history
        if self.adversarial_weight > 0 and len(history) >= _WINNING_EPOCHS:
            accuracy = history[-_WINNING_EPOCHS:, "discriminator_accuracy"]
            if min(accuracy) > _WINNING_ACCURACY:
                warnings.warn(
                    f"The discriminator told codes from prior draws apart with accuracy > "
                    f"{_WINNING_ACCURACY} in each of the last {_WINNING_EPOCHS} epochs: the "
                    "codes do not follow the prior. Raise adversarial_weight, lower "
                    "discriminator_learning_rate, or add discriminator_noise (e.g. 0.3).",
                    AdversarialTrainingWarning,
                    stacklevel=3,
                )
        if len(history) and history[-1, "code_std"] < _COLLAPSE_RATIO * self._prior_spread():
            warnings.warn(
                f"The codes collapsed onto a point (their spread, {history[-1, 'code_std']:.2g}, "
                f"is below {_COLLAPSE_RATIO} of the prior's). Lower learning_rate or "
                "adversarial_weight, scale X (StandardScaler), or train longer.",
                AdversarialTrainingWarning,
                stacklevel=3,
            )

    def _prior_spread(self):
        draws = self._sample_prior(1000, 0)
        return float(draws.std(axis=0).mean())

    def _training_data(self, X32, y_codes, device, weights=None):
        """Put X (dense), the label and weight tensors on the device, once per fit."""
        # A sparse X stays a CSR matrix on the host; EpochBatches densifies one batch at
        # a time. A dense X goes to the device once.
        tensors = {"x": X32 if sp.issparse(X32) else to_tensor(X32, device)}
        if y_codes is not None:
            tensors["y"] = torch.from_numpy(y_codes).to(device)
            if self._n_categories() and (y_codes >= 0).any():
                tensors["labelled"] = torch.from_numpy(np.flatnonzero(y_codes >= 0)).to(device)
        if weights is not None:
            # Scaled to a mean of one: the batches normalise them anyway, and float32
            # keeps its precision around 1.
            tensors["w"] = torch.from_numpy((weights / weights.mean()).astype(np.float32)).to(
                device
            )
        return TrainingData(tensors)

    def _neighbor_graph(self, X32, device):
        """Build the fuzzy k-NN graph of this call's rows (None without the graph term)."""
        if self.neighbor_weight == 0:
            return None
        return NeighborGraph.build(X32, self.n_neighbors, device, self._graph_seed())

    def _graph_seed(self):
        """Return the seed of the neighbour search (pynndescent's, for large data)."""
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _record_curves(self):
        history = self.net_.history
        self.n_iter_ = len(history)
        self.loss_curve_ = list(history[:, "train_loss"])
        labelled_phase = self._n_categories() and hasattr(self, "classes_")
        names = [n for n in LOSS_NAMES if labelled_phase or n != "classification_loss"]
        for name in names:
            setattr(self, f"{name}_curve_", list(history[:, name]))

    # -- the trained networks --------------------------------------------------------------
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
        """The trained discriminator of the continuous code."""
        check_is_fitted(self)
        return self.net_.module_.discriminators["z"]

    # -- inference -------------------------------------------------------------------------
    def _run(self, fn, X32, n_out):
        """Apply ``fn`` to X in fixed-size blocks, without gradients; refuse non-finite outputs.

        The networks stay in eval mode between fits (``_set_fitted``), so inference
        writes no shared state and may run from several threads at once. Every pass has
        the same number of rows (``_runtime.INFERENCE_BLOCK``), so that a row's output does
        not depend on the rows computed with it.
        """
        block = inference_block(self.device_)
        while True:
            try:
                with torch_runtime(self.n_jobs, flush_denormal=False):
                    out = apply_in_blocks(fn, X32, self.device_, n_out, block=block)
                break
            except torch.OutOfMemoryError as exc:
                # Fewer rows at a time need less memory: retry down to _MIN_BLOCK rows.
                free_device_memory(exc)
                if block <= _MIN_BLOCK:
                    raise DeviceMemoryError(
                        f"The device ran out of memory running the networks even "
                        f"{block} rows at a time ({_first_line(exc)}). Free the memory "
                        "that other models or tensors hold on the device "
                        "(torch.cuda.empty_cache() returns torch's cached blocks)."
                    ) from exc
                block //= 4
        if not np.isfinite(out).all():
            raise ValueError(
                "The networks' output overflowed to infinity or NaN for this input: its "
                "values are far larger than the training data's. Scale X the way the "
                "training data were scaled (e.g. with the same StandardScaler)."
            )
        return out

    def _output(self, x_hat):
        """Return the decoded data from the decoder's output (NumPy, row by row).

        The sigmoid of a Bernoulli decoder runs here, element by element, rather than
        on the device, where vectorised and scalar code paths round differently.
        """
        if self.reconstruction_loss == "binary_crossentropy":
            return expit(x_hat)
        return x_hat

    def _representation(self, X32):
        module = self.net_.module_
        return self._run(
            lambda x: module.representation(module.encoder.mean(x)), X32, self.n_components
        )

    def _class_logits(self, X32):
        encoder = self.net_.module_.encoder
        # As many as the network was built with, whatever set_params changed since.
        return self._run(lambda x: encoder.mean(x)[1], X32, encoder.n_categories)

    def _class_index(self, y, n_rows):
        """Map ``y`` (one label, or one per row) to indices in ``classes_`` or categories."""
        if not hasattr(self, "classes_"):
            return self._category_index(y, n_rows, self._n_categories())
        y = np.asarray(y)
        if y.ndim == 0:
            y = np.full(n_rows, y.item(), dtype=y.dtype)
        idx = np.clip(np.searchsorted(self.classes_, y), 0, len(self.classes_) - 1)
        if y.shape != (n_rows,) or not np.array_equal(self.classes_[idx], y):
            raise ValueError(
                f"y must be one label or {n_rows} labels from classes_ = {self.classes_}."
            )
        return idx

    @staticmethod
    def _category_index(y, n_rows, k):
        """Check ``y`` (one index, or one per row) as indices in [0, k); int64 per row."""
        y = np.asarray(y)
        if y.ndim == 0:
            y = np.full(n_rows, y.item(), dtype=y.dtype)
        if y.shape != (n_rows,) or y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= k:
            raise ValueError(f"y must be one or {n_rows} category indices in [0, {k}).")
        return y.astype(np.int64)

    def _n_conditions(self):
        return self._n_categories() or self._n_classes()

    def _decoder_is_conditioned(self):
        return self._label_use() == "decoder" or (
            self._n_categories() > 0 and not self._cluster_heads
        )

    def _decode(self, Z32, idx=None):
        """Decode codes, with the one-hot class ``idx`` where the decoder takes one."""
        decoder = self.net_.module_.decoder
        if self._decoder_is_conditioned():
            if idx is None:
                raise ValueError(
                    f"{type(self).__name__} decodes a code together with a class: pass y, "
                    "one label for all rows or one per row."
                )
            onehot = np.eye(self._n_conditions(), dtype=np.float32)[idx]
            Z32 = np.ascontiguousarray(np.hstack([onehot, Z32]), dtype=np.float32)
        return self._output(self._run(decoder, Z32, self.n_features_in_))

    def _check_codes(self, Z):
        Z = check_array(Z, dtype=[np.float64, np.float32], input_name="X")
        if Z.shape[1] != self.n_components:
            raise ValueError(
                f"X has {Z.shape[1]} features, but inverse_transform expects codes with "
                f"n_components={self.n_components} features."
            )
        return as_float32(Z)

    def _inverse(self, Z, y):
        check_is_fitted(self)
        Z32 = self._check_codes(Z)
        idx = None if y is None else self._class_index(y, Z32.shape[0])
        return self._decode(Z32, idx)

    def _sample(self, n_samples, y, random_state):
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        rng = check_random_state(random_state)
        sampler = self.net_.prior_samplers_["z"]
        idx = None if y is None else self._class_index(y, n_samples)
        if self._label_use() == "prior":
            # A class is a part of the prior: draw from it (from the whole prior if None).
            return self._decode(sampler(n_samples, rng, modes=idx))
        z = sampler(n_samples, rng)
        if not (self._decoder_is_conditioned() or self._cluster_heads):
            if y is not None:
                raise ValueError(f"{type(self).__name__} was not fitted with labels; omit y.")
            return self._decode(z)
        if idx is None:  # a class or category per row, drawn uniformly
            idx = rng.randint(self._n_conditions(), size=n_samples)
        if self._cluster_heads:
            heads = self.net_.module_.heads.weight.detach().cpu().numpy().T
            return self._decode(np.ascontiguousarray(heads[idx] + z, dtype=np.float32))
        return self._decode(z, idx)

    def _reconstruction_errors(self, X):
        """Per-row reconstruction loss of X (the one trained on), as float64."""
        check_is_fitted(self)
        X32 = self._validate_X(X, reset=False)
        if self._label_use() == "decoder":
            raise ValueError(
                "With labels='decoder' the reconstruction needs the labels; it is not "
                "defined from X alone. Use inverse_transform(transform(X), y) and a metric "
                "of your own."
            )
        module = self.net_.module_

        def reconstruct(x):
            return module.decoder(module.decoder_input(module.encoder.mean(x)))

        # The losses are computed on the host, a slice of rows at a time (so a large or
        # sparse X is never densified whole): element-wise logarithms on the device round
        # differently in vectorised and scalar code, which would tie a row's score to
        # where it lands in a block.
        errors = np.empty(X32.shape[0])
        step = max(1, _SCORE_VALUES // self.n_features_in_)
        for start in range(0, X32.shape[0], step):
            rows = slice(start, start + step)
            x = X32[rows].toarray() if sp.issparse(X32) else X32[rows]
            x_hat = self._run(reconstruct, X32[rows], self.n_features_in_)
            errors[rows] = reconstruction_error_numpy(x_hat, x, self.reconstruction_loss)
        return errors

    def score_samples(self, X):
        """Minus the reconstruction error of each sample: higher means more normal.

        The error is the loss trained on (squared error or binary cross-entropy),
        averaged over features, of ``X`` encoded to its deterministic code and decoded.
        Samples unlike the training data reconstruct worse, so a threshold on this
        score (e.g. a low percentile of the training samples' scores) flags anomalies,
        with scikit-learn's convention for outlier scores (as
        :meth:`sklearn.ensemble.IsolationForest.score_samples`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus each sample's reconstruction error (float64).
        """
        return -self._reconstruction_errors(X)

    def _reconstruction_score(self, X):
        return -float(self._reconstruction_errors(X).mean())

    def _sample_prior(self, n_samples, random_state=None):
        """Draws from the fitted prior, as float32 codes (used by the prior-fit scorer)."""
        check_is_fitted(self)
        return self.net_.prior_samplers_["z"](n_samples, check_random_state(random_state))

    def _codes_for_prior_fit(self, X):
        """Encode X into the continuous codes, the ones matched to the prior."""
        check_is_fitted(self)
        X32 = self._validate_X(X, reset=False)
        encoder = self.net_.module_.encoder
        return self._run(lambda x: encoder.mean(x)[0], X32, self.n_components)

    # -- persistence -----------------------------------------------------------------------
    # The pickled state holds no torch object: the trained net is saved as arrays
    # (``AAENet.to_arrays``) and rebuilt on load from the parameters it was built with. So
    # ``skops.io`` can save and load an estimator trusting only this package's classes, a
    # model trained on CUDA loads where CUDA is missing, and loading never unpickles a
    # torch object.
    def __getstate__(self):
        return self._state(getattr(self, "net_", None))

    def _state(self, net):
        """Return this estimator's state with ``net`` as its networks (also checkpoints)."""
        state = dict(super().__getstate__())  # object.__getstate__ gives __dict__ itself
        state.pop("net_", None)
        if net is not None:
            state["net_"] = net.to_arrays()
            state["device_"] = str(net.device)
        state["_sklearn_aae"] = {"version": __version__, "format": STATE_FORMAT}
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved = state.pop("_sklearn_aae", None)
        if saved is None or saved.get("format") != STATE_FORMAT:
            found = "no sklearn-aae state" if saved is None else saved
            raise ValueError(
                f"Cannot load this {type(self).__name__}: its pickled state ({found}) is not "
                f"in the format this sklearn-aae {__version__} reads (format "
                f"{STATE_FORMAT}). Load it with the sklearn-aae version that saved it and "
                "refit, or save the weights with sklearn_aae.export.save_safetensors."
            )
        arrays = state.pop("net_", None)
        saved_device = state.pop("device_", None)
        # Saved before the joint update existed: the model trained (and warm-starts) with
        # the paper's alternating steps.
        state.setdefault("adversarial_update", "alternating")
        if arrays is not None:
            arrays["build_params"].setdefault("adversarial_update", "alternating")
        super().__setstate__(state)
        if arrays is not None:
            device = torch.device(saved_device)
            if device.type == "cuda" and not torch.cuda.is_available():
                device = torch.device("cpu")  # trained on CUDA, loaded where it is missing
            # Build the networks as they were at fit time, not from the parameters now.
            builder = type(self).__new__(type(self))
            builder.__dict__.update({**self.__dict__, **arrays["build_params"]})
            with torch_runtime(self.n_jobs, flush_denormal=False):
                net = builder._build_net(self.n_features_in_, device, random_state=0)
                net.load_arrays(arrays)
            self._set_fitted(net, device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self._accept_sparse
        return tags
