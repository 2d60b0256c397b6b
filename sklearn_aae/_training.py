"""The training loop of every adversarial autoencoder in the package, run by skorch.

``AAENet`` is a private :class:`skorch.NeuralNet` that the public estimators hold by
composition. skorch brings callbacks, history, device placement and pickling; this module
replaces the parts of skorch that cost speed or hide problems:

- batches are index slices of tensors already on the device (no ``DataLoader``), with
  prior draws made once per epoch;
- no validation hold-out, shuffled training batches;
- losses are summed on the device and read once per epoch (no ``.item()`` per batch);
- a non-finite loss stops training with :class:`DivergenceError` instead of training on;
- ``KeyboardInterrupt`` is not swallowed here (the estimator decides what to do with it).

One mini-batch runs the paper's phases (§2, §5):

1. reconstruction: encoder and decoder step on the reconstruction loss;
2. regularization: every discriminator learns to tell its prior's draws from the codes,
   then the encoder steps to fool them all, its loss weighted by ``adversarial_weight`` λ;
3. semi-supervised classification (models with a categorical code and labels only): the
   encoder's q(y|x) steps on the cross-entropy of a labelled mini-batch.

With ``adversarial_update="joint"`` the encoder's adversarial loss joins the
reconstruction loss in a single encoder/decoder step, taken after the discriminators'
step on the same codes: one encoder pass and one backward pass fewer per mini-batch.
``"alternating"`` is the paper's separate steps.

The variants of the paper differ only in what the decoder and the discriminators see;
``AAEModule`` (``_networks.py``) decides that, this loop is the same for all.

The encoder and decoder share a single Adam optimizer across the phases. λ therefore
scales the adversarial gradient *relative to* the reconstruction gradient inside one set
of Adam moments; a separate Adam for the adversarial step would normalise λ away.
"""

from __future__ import annotations

import contextlib
import copy
import math

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, EpochTimer, PrintLog
from skorch.history import History

from ._cuda_graphs import GraphedStep, set_capturable
from ._exceptions import DivergenceError
from ._losses import bce, r1_penalty, reconstruction_error, weighted_mean
from ._neighbors import BALANCE, category_agreement_loss, neighbor_loss
from ._runtime import dense_rows

LOSS_NAMES = (
    "reconstruction_loss",
    "discriminator_loss",
    "generator_loss",
    "discriminator_accuracy",
    "classification_loss",
    "neighbor_loss",
)
#: Recorded per epoch in the history beside the losses: the mean spread of the codes
#: (per-dimension standard deviation within a batch), to tell collapsed codes.
RECORD_NAMES = (*LOSS_NAMES, "code_std")


def _to_numpy(tensor):
    return tensor.detach().cpu().numpy().copy()


def _optimizer_to_arrays(optimizer):
    """Return an optimizer's ``state_dict`` with arrays for tensors, its state as a list."""
    state_dict = optimizer.state_dict()
    per_param = [
        {k: _to_numpy(v) if torch.is_tensor(v) else v for k, v in state_dict["state"][i].items()}
        if i in state_dict["state"]
        else None
        for group in state_dict["param_groups"]
        for i in group["params"]
    ]
    return {"state": per_param, "param_groups": [dict(g) for g in state_dict["param_groups"]]}


def _optimizer_from_arrays(saved):
    state = {
        i: {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in s.items()}
        for i, s in enumerate(saved["state"])
        if s is not None
    }
    groups = [
        {k: tuple(v) if k == "betas" else v for k, v in g.items()} for g in saved["param_groups"]
    ]
    return {"state": state, "param_groups": groups}


def _load_generator(device, state, fallback):
    """Rebuild a saved generator on its device, or on ``fallback`` if that is gone.

    A model trained on CUDA loads where CUDA is missing: its CUDA generators are
    re-created on the CPU, seeded from their saved states.
    """
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        device = fallback
    generator = torch.Generator(device)
    try:
        generator.set_state(state)
    except RuntimeError:  # a CUDA state does not fit a CPU generator: reseed from it
        generator.manual_seed(int(state.to(torch.int64).sum()))
    return generator


class TrainingData(torch.utils.data.Dataset):
    """The tensors of one fit, already on the device, batched by ``EpochBatches``.

    ``tensors`` holds ``x`` and optionally ``y`` (class indices, -1 for unlabelled) and
    ``labelled`` (indices of the labelled rows).
    """

    def __init__(self, tensors):
        self.tensors = tensors

    def __len__(self):
        return self.tensors["x"].shape[0]

    def __getitem__(self, i):
        raise TypeError("TrainingData is batched by slicing (EpochBatches), not per item.")


class EpochBatches:
    """Re-iterable mini-batches of device tensors, with one block of prior draws per epoch.

    Each ``iter()`` is one epoch: a fresh permutation from the net's generator, prior
    draws for every row (``net.draw_priors``, which may depend on the rows' labels), then
    batches made by indexing, so the data never leave the device. A batch is a dict with
    ``x``, ``y`` (labels, -1 for unlabelled, or None), ``prior`` (a dict of draws per
    discriminator) and, for models with a classification phase, ``x_labelled`` and
    ``y_labelled``: the next slice of a cycled permutation of the labelled rows. With
    sample weights, ``w`` (and ``w_labelled``) hold the rows' weights; with a neighbour
    graph (``net.graph_``), ``x_neighbors`` holds one graph neighbour of each row of
    ``x``, drawn by edge weight once per epoch.
    """

    def __init__(self, data, batch_size, net, shuffle=True):
        self.data = data
        self.batch_size = batch_size
        self.net = net
        self.shuffle = shuffle

    def __len__(self):
        return -(-self.data["x"].shape[0] // self.batch_size)

    def _order(self, n, device):
        if self.shuffle:
            return torch.randperm(n, generator=self.net.data_generator_).to(device)
        return torch.arange(n, device=device)

    def __iter__(self):
        x, y, w = self.data["x"], self.data.get("y"), self.data.get("w")
        device = torch.device(self.net.device)
        n, bs = x.shape[0], self.batch_size
        sparse = sp.issparse(x)
        order = self._order(n, device)
        y_ordered = None if y is None else y[order]
        priors = self.net.draw_priors(n, y_ordered, device)
        graph = getattr(self.net, "graph_", None)
        neighbors = None if graph is None else graph.sample(order, self.net.graph_generator_)
        labelled = self.data.get("labelled")
        if labelled is not None:
            n_lab = labelled.shape[0]
            lab_bs = min(bs, n_lab)
            # Enough labelled rows for every batch of the epoch, cycling through them.
            reps = math.ceil(len(self) * lab_bs / n_lab)
            lab_order = torch.cat([labelled[self._order(n_lab, device)] for _ in range(reps)])
        # Rows of a CSR matrix are picked on the host: the epoch's orders are copied
        # there once, not a slice per batch.
        order_host = order.cpu().numpy() if sparse else None
        lab_host = lab_order.cpu().numpy() if sparse and labelled is not None else None
        nbr_host = neighbors.cpu().numpy() if sparse and neighbors is not None else None

        def rows(index, index_host, part):
            """Rows ``index[part]`` of X, as a dense tensor on the device."""
            return dense_rows(x, index_host[part], device) if sparse else x[index[part]]

        for i, start in enumerate(range(0, n, bs)):
            part = slice(start, start + bs)
            batch = {
                "x": rows(order, order_host, part),
                "y": None if y is None else y_ordered[part],
                "prior": {k: v[part] for k, v in priors.items()},
            }
            if w is not None:
                batch["w"] = w[order[part]]
            if labelled is not None:
                lab = slice(i * lab_bs, (i + 1) * lab_bs)
                batch["x_labelled"] = rows(lab_order, lab_host, lab)
                batch["y_labelled"] = y[lab_order[lab]]
                if w is not None:
                    batch["w_labelled"] = w[lab_order[lab]]
            if neighbors is not None:
                batch["x_neighbors"] = rows(neighbors, nbr_host, part)
            yield batch


class EpochProgress:
    """A progress bar over the epochs of one fit, with the last epoch's losses.

    Shown with ``verbose=1`` (tqdm, on stderr). It advances once per epoch, from the
    losses the epoch reads anyway, so it adds no host synchronisation.
    """

    SHOWN = {
        "reconstruction_loss": "rec",
        "discriminator_loss": "disc",
        "generator_loss": "gen",
        "discriminator_accuracy": "d_acc",
    }

    def __init__(self, name, epochs):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=epochs, desc=name, unit="epoch", leave=True)

    def update(self, record):
        self.bar.set_postfix(
            {short: f"{record[key]:.4g}" for key, short in self.SHOWN.items()}, refresh=False
        )
        self.bar.update(1)

    def close(self):
        self.bar.close()


def _cloned(state):
    """Copy a (nested) state dict, its tensors cloned rather than shared.

    ``copy.deepcopy`` pays a large overhead per tensor, an optimizer's state has many
    small ones, and a snapshot is taken after every epoch.
    """
    if isinstance(state, torch.Tensor):
        return state.detach().clone()
    if isinstance(state, dict):
        return {key: _cloned(value) for key, value in state.items()}
    if isinstance(state, list | tuple):
        return type(state)(_cloned(value) for value in state)
    return copy.deepcopy(state)


class AAENet(NeuralNet):
    """skorch net for the adversarial autoencoders (private).

    Parameters beyond skorch's: ``adversarial_weight`` (λ), ``discriminator_lr``,
    ``discriminator_noise`` (std of Gaussian noise on the discriminators' inputs),
    ``gradient_penalty`` (R1 weight), ``gradient_penalty_interval`` (lazy R1: the
    penalty every that many steps, its weight times as much), ``adversarial_update``
    ("alternating": the paper's separate reconstruction and generator steps; "joint":
    one encoder/decoder step on both losses), ``input_noise`` (std of
    Gaussian noise on the encoder's input), ``precision`` ("float32", or "bfloat16"
    autocast of the forward passes), ``cuda_graphs`` (replay the step from a CUDA
    graph on CUDA devices, see ``_cuda_graphs.py``), ``reconstruction_loss``,
    ``betas`` (Adam's, shared by both optimizers), ``neighbor_weight`` (weight of the
    neighbour-graph term), ``neighbor_settings`` (the keyword arguments of
    ``_neighbors.neighbor_loss``) and ``category_balance`` (the balance weight of
    ``_neighbors.category_agreement_loss``, for models with a categorical code).
    Before training, the owner sets ``prior_samplers_`` (a dict: the prior of every
    discriminator), ``prior_rng_`` (a NumPy RandomState),
    ``data_generator_`` (CPU torch.Generator: shuffling) and ``noise_generator_`` /
    ``discriminator_generator_`` (device generators: posterior noise, discriminator
    noise), and with ``neighbor_weight > 0`` ``graph_`` (a ``NeighborGraph`` of the
    fit's rows) and ``graph_generator_`` (device generator: neighbour draws).
    """

    def __init__(
        self,
        module,
        *,
        adversarial_weight=1.0,
        discriminator_lr=1e-3,
        discriminator_noise=0.0,
        gradient_penalty=10.0,
        gradient_penalty_interval=1,
        adversarial_update="alternating",
        input_noise=0.0,
        precision="float32",
        cuda_graphs=False,
        reconstruction_loss="squared_error",
        betas=(0.5, 0.999),
        neighbor_weight=0.0,
        neighbor_settings=None,
        category_balance=BALANCE,
        **kwargs,
    ):
        kwargs.setdefault("criterion", torch.nn.MSELoss)
        kwargs.setdefault("optimizer", torch.optim.Adam)
        kwargs.setdefault("train_split", None)
        super().__init__(module, **kwargs)
        self.adversarial_weight = adversarial_weight
        self.discriminator_lr = discriminator_lr
        self.discriminator_noise = discriminator_noise
        self.gradient_penalty = gradient_penalty
        self.gradient_penalty_interval = gradient_penalty_interval
        self.adversarial_update = adversarial_update
        self.input_noise = input_noise
        self.precision = precision
        self.cuda_graphs = cuda_graphs
        self.reconstruction_loss = reconstruction_loss
        self.betas = betas
        self.neighbor_weight = neighbor_weight
        self.neighbor_settings = neighbor_settings
        self.category_balance = category_balance
        self.graph_ = None
        self.graphed_step_ = None
        self.n_steps_ = 0  # training steps taken, over all calls (lazy R1 counts them)

    # -- skorch hooks -------------------------------------------------------------------
    @property
    def _default_callbacks(self):
        # No PassthroughScoring: losses are recorded per epoch by run_single_epoch. The
        # table of losses is only built when it is printed (it costs a few ms an epoch).
        callbacks = [("epoch_timer", EpochTimer())]
        if self.verbose:
            callbacks.append(("print_log", PrintLog()))
        return callbacks

    def initialize_optimizer(self, *args, **kwargs):
        module = self.module_
        # The fused Adam kernel updates all parameters in one kernel call, on CPU too.
        kwargs = {"betas": self.betas}
        if self.optimizer is torch.optim.Adam:
            kwargs["fused"] = True
        self.optimizer_ = self.optimizer(module.autoencoder_parameters(), lr=self.lr, **kwargs)
        self.optimizer_discriminator_ = self.optimizer(
            module.discriminators.parameters(), lr=self.discriminator_lr, **kwargs
        )
        return self

    def fit_loop(self, X, y=None, epochs=None, valid=None, monitor=None, **fit_params):
        """Train up to ``epochs`` epochs on ``X`` (a ``TrainingData``).

        ``valid`` (a ``TrainingData`` of held-out rows) adds their reconstruction loss,
        ``valid_loss``, to every epoch's record; ``monitor`` (a ``ConvergenceMonitor``)
        stops training once it has converged. A skorch ``EarlyStopping`` callback stops
        it too: it signals with a ``KeyboardInterrupt`` from ``on_epoch_end``, which
        ends the loop here as a normal end of training, not as Ctrl-C.
        """
        # A CUDA graph lives for one call: its buffers and the optimizer states it
        # captured must not outlive what the estimator may restore after the call.
        if self.cuda_graphs and torch.device(self.device).type == "cuda":
            self.graphed_step_ = GraphedStep(self)
        self.check_training_readiness()
        epoch_kwargs = {"dataset_train": X, "dataset_valid": valid}
        iterator = self.get_iterator(X, training=True)
        try:
            for _ in range(epochs):
                self.notify("on_epoch_begin", **epoch_kwargs)
                self.run_single_epoch(
                    iterator, training=True, prefix="train", step_fn=self.train_step
                )
                if valid is not None:
                    self._record_validation(valid)
                if self._epoch_end_stops(epoch_kwargs):
                    break
                if monitor is not None and monitor.update(self):
                    break
        finally:
            if self.graphed_step_ is not None:
                self.graphed_step_.close()
            self.graphed_step_ = None
        return self

    def _epoch_end_stops(self, epoch_kwargs):
        """Notify ``on_epoch_end``; return True when skorch's EarlyStopping asks to stop."""
        self.on_epoch_end(self, **epoch_kwargs)
        for _, callback in self.callbacks_:
            try:
                callback.on_epoch_end(self, **epoch_kwargs)
            except KeyboardInterrupt:
                if isinstance(callback, EarlyStopping):
                    return True
                raise
        return False

    @torch.no_grad()
    def validation_loss(self, valid):
        """Weighted mean reconstruction loss of the held-out rows (deterministic codes)."""
        module = self.module_
        x_all, y_all, w_all = (valid.tensors.get(k) for k in ("x", "y", "w"))
        n = x_all.shape[0]
        device = torch.device(self.device)
        total = weights = 0.0
        # Eval mode, as at inference: a network of the user's with dropout or batch
        # norm must neither add noise to the score nor update its statistics here.
        self._set_training(False)
        try:
            for start in range(0, n, self.batch_size):
                part = slice(start, start + self.batch_size)
                x = dense_rows(x_all, part, device) if sp.issparse(x_all) else x_all[part]
                y = None if y_all is None else y_all[part]
                x_hat = module.decoder(module.decoder_input(module.encoder.mean(x), y))
                errors = reconstruction_error(x_hat.float(), x, self.reconstruction_loss)
                w = torch.ones_like(errors) if w_all is None else w_all[part]
                total = total + (errors * w).sum()
                weights = weights + w.sum()
        finally:
            self._set_training(True)
        return float(total / weights)

    def _record_validation(self, valid):
        loss = self.validation_loss(valid)
        if not math.isfinite(loss):
            raise DivergenceError(self._divergence_message(["valid_loss"], {"valid_loss": loss}))
        previous = [row["valid_loss"] for row in self.history[:-1] if "valid_loss" in row]
        self.history.record("valid_loss", loss)
        self.history.record("valid_loss_best", not previous or loss < min(previous))

    def get_iterator(self, dataset, training=False):
        return EpochBatches(dataset.tensors, self.batch_size, net=self, shuffle=training)

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        # skorch appends a dict per batch to the history; we keep per-epoch records only,
        # so memory stays flat over long runs.
        pass

    # -- prior draws --------------------------------------------------------------------
    def draw_priors(self, n, y, device):
        """Draws for every discriminator, one row per training row, as device tensors.

        ``y`` (labels in the epoch's order, -1 for unlabelled) matters when the labels go
        to the discriminator: a labelled row is matched to a draw from its own mode.
        """
        out = {}
        for name, sampler in self.prior_samplers_.items():
            modes = None
            if name == "z" and self.module_.labels == "prior":
                modes = sampler.modes_for_labels(y.cpu().numpy(), self.prior_rng_)
            out[name] = torch.from_numpy(sampler(n, self.prior_rng_, modes=modes)).to(device)
        return out

    # -- one mini-batch -----------------------------------------------------------------
    def _autocast(self, x):
        """Forward passes in bfloat16 under ``precision="bfloat16"`` (mixed precision).

        Weights, gradients, optimizer states and losses stay float32; backward passes
        run outside this context, as torch.autocast recommends.
        """
        if self.precision == "bfloat16":
            # The autocast cache of cast weights cannot live across graph replays.
            cache = self.graphed_step_ is None
            return torch.autocast(x.device.type, dtype=torch.bfloat16, cache_enabled=cache)
        return contextlib.nullcontext()

    @staticmethod
    def _add_noise(t, std, generator):
        """``t`` plus Gaussian noise of standard deviation ``std`` (``t`` itself if 0)."""
        if std > 0:
            noise = torch.randn(t.shape, device=t.device, dtype=t.dtype, generator=generator)
            return t + std * noise
        return t

    def _corrupted(self, x):
        """Return the encoder's input during training (``input_noise``)."""
        return self._add_noise(x, self.input_noise, self.noise_generator_)

    def _noisy(self, z):
        """Return a discriminator's input (``discriminator_noise``)."""
        return self._add_noise(z, self.discriminator_noise, self.discriminator_generator_)

    def _r1_scale(self):
        """Return the R1 penalty's weight in this step: None (skipped), a float or a tensor.

        Lazy R1 (Karras et al., 2020): the penalty is computed every
        ``gradient_penalty_interval``-th step only, with its weight multiplied by the
        interval, which keeps its average strength. Inside a CUDA graph the step is
        captured once for all steps, so it always computes the penalty and takes the
        weight from a device buffer that is ``interval·γ`` on due steps and 0 otherwise.
        """
        if self.gradient_penalty <= 0:
            return None
        graphed = self.graphed_step_
        if graphed is not None and torch.cuda.is_current_stream_capturing():
            return graphed.r1_scale
        interval = self.gradient_penalty_interval
        return self.gradient_penalty * interval if self.r1_due() else None

    def r1_due(self):
        """Whether this training step is one that computes the R1 penalty."""
        return self.n_steps_ % self.gradient_penalty_interval == 0

    def train_step(self, batch, **fit_params):
        module = self.module_
        x, y, w = batch["x"], batch["y"], batch.get("w")
        lam = self.adversarial_weight
        joint = self.adversarial_update == "joint"

        # The encoder sees a corrupted copy of the batch (denoising, as in the paper's
        # semi-supervised and clustering models); the decoder must give back the clean x.
        x_in = self._corrupted(x)

        # 1. reconstruction phase (with the joint update, the generator's loss joins it)
        codes, recon, graph_loss = self._reconstruction_losses(batch, x_in)
        ae_loss = recon + module.extra_loss() + self.neighbor_weight * graph_loss
        if not joint:
            self._autoencoder_step(ae_loss)
            # One encoder pass serves both steps of the regularization phase: the
            # discriminators see its detached codes, the encoder step back-propagates
            # through it (the encoder is unchanged in between, so this is exactly the
            # naive three-pass loop).
            with torch.set_grad_enabled(lam > 0), self._autocast(x):
                codes = module.encoder(x_in, self.noise_generator_)

        # 2. regularization phase: the discriminators step, then the encoder is trained
        # to fool them, in its own step (the paper) or with the reconstruction (joint).
        pairs = module.adversarial_pairs(codes, batch["prior"], y)
        d_loss, d_acc = self._discriminator_step(pairs, w, x)
        with torch.set_grad_enabled(lam > 0):  # with λ = 0 it is only recorded
            g_loss = self._generator_loss(pairs, w, x)
        if joint:
            self._autoencoder_step(ae_loss + lam * g_loss if lam > 0 else ae_loss)
        elif lam > 0:
            self._autoencoder_step(lam * g_loss)

        # 3. semi-supervised classification phase, on a labelled mini-batch
        ce = self._classification_step(batch, x) if "x_labelled" in batch else x.new_zeros(())

        n_pairs = max(len(pairs), 1)
        z = codes[0].detach().float()
        spread = z.std(dim=0).mean() if z.shape[0] > 1 else x.new_zeros(())
        losses = torch.stack(
            [
                recon.detach(),
                d_loss.detach(),
                g_loss.detach(),
                d_acc / n_pairs,
                ce.detach(),
                graph_loss.detach(),
                spread,
            ]
        )
        return {"loss": recon.detach(), "losses": losses}

    def _autoencoder_step(self, loss):
        """One Adam step of the encoder and decoder on ``loss``."""
        self.optimizer_.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer_.step()

    def _reconstruction_losses(self, batch, x_in):
        """Encode and decode the batch: the codes, the reconstruction and graph losses."""
        module = self.module_
        x, y, w = batch["x"], batch["y"], batch.get("w")
        with self._autocast(x):
            codes = module.encoder(x_in, self.noise_generator_)
            x_hat = module.decoder(module.decoder_input(codes, y))
        recon = weighted_mean(reconstruction_error(x_hat.float(), x, self.reconstruction_loss), w)
        graph_loss = x.new_zeros(())
        if "x_neighbors" in batch:
            # The neighbour-graph term: the codes of each row and of one of its graph
            # neighbours attract, codes of random pairs in the batch repel (_neighbors.py).
            with self._autocast(x):
                nbr = module.encoder(self._corrupted(batch["x_neighbors"]), self.noise_generator_)
                pair = module.neighbor_codes(codes), module.neighbor_codes(nbr)
            graph_loss = neighbor_loss(
                *(c.float() for c in pair), weights=w, **self.neighbor_settings
            )
            if codes[1] is not None:  # neighbours also share their category
                graph_loss = graph_loss + category_agreement_loss(
                    codes[1].float(), nbr[1].float(), w, balance=self.category_balance
                )
        return codes, recon, graph_loss

    def _discriminator_step(self, pairs, w, x):
        """Train every discriminator one step to tell prior draws from the (detached) codes.

        Returns the summed loss and the summed accuracy over the discriminators.
        """
        module = self.module_
        zero = x.new_zeros(())
        self.optimizer_discriminator_.zero_grad(set_to_none=True)
        d_loss, d_acc = zero, zero
        r1_scale = self._r1_scale()
        for name, fake, real, cond in pairs:
            # The R1 penalty stabilises a discriminator of the code alone. One that also
            # sees a label condition goes without: flattening it around the prior draws
            # kept it from telling one class's mode from another's (docs/user_guide.md).
            penalised = r1_scale is not None and cond is None
            disc = module.discriminators[name]
            # detach(): the draws may be a CUDA graph's input buffer, which must stay a
            # tensor without gradient.
            real = self._noisy(real).detach().requires_grad_(penalised)
            with self._autocast(x):
                d_real = disc(real, cond).float()
                d_fake = disc(self._noisy(fake.detach()), cond).float()
            # Prior draws are unweighted; the codes' side carries the rows' weights.
            loss = bce(d_real, 1.0) + bce(d_fake, 0.0, w)
            if penalised:
                loss = loss + r1_scale * r1_penalty(d_real, real)
            d_loss = d_loss + loss
            d_acc = d_acc + 0.5 * ((d_real > 0).float().mean() + (d_fake < 0).float().mean())
        d_loss.backward()
        self.optimizer_discriminator_.step()
        return d_loss, d_acc

    def _generator_loss(self, pairs, w, x):
        """Return the encoder's adversarial loss: its codes labelled as prior draws.

        It flows through frozen discriminators (no gradients for them); they are
        unfrozen again whatever happens, so a failed step leaves them trainable.
        """
        module = self.module_
        module.discriminators.requires_grad_(False)
        try:
            g_loss = x.new_zeros(())
            for name, fake, _, cond in pairs:
                with self._autocast(x):
                    logits = module.discriminators[name](self._noisy(fake), cond).float()
                g_loss = g_loss + bce(logits, 1.0, w)
        finally:
            module.discriminators.requires_grad_(True)
        return g_loss

    def _classification_step(self, batch, x):
        """One step of the encoder's q(y|x) on the cross-entropy of a labelled batch."""
        module = self.module_
        self.optimizer_.zero_grad(set_to_none=True)
        x_lab = self._corrupted(batch["x_labelled"])
        with self._autocast(x):
            _, logits = module.encoder(x_lab, self.noise_generator_)
        w_lab = batch.get("w_labelled")
        if w_lab is None:
            ce = F.cross_entropy(logits.float(), batch["y_labelled"])
        else:
            per_row = F.cross_entropy(logits.float(), batch["y_labelled"], reduction="none")
            ce = weighted_mean(per_row, w_lab)
        ce.backward()
        self.optimizer_.step()
        return ce

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if iterator is None:
            return
        self._set_training(training)
        if training and self.graphed_step_ is not None:
            step_fn = self.graphed_step_
        total = None
        n_seen = 0
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            n = batch["x"].shape[0]
            weighted = step["losses"] * n
            total = weighted if total is None else total + weighted
            n_seen += n
            self.notify("on_batch_end", batch=batch, training=training, **step)
            self.n_steps_ += 1
        values = (total / n_seen).tolist()  # the epoch's only host synchronisation
        record = dict(zip(RECORD_NAMES, values, strict=True))
        graph = self.neighbor_weight * record["neighbor_loss"]
        record["train_loss"] = (
            record["reconstruction_loss"] + self.adversarial_weight * record["generator_loss"]
        ) + graph
        # What convergence is judged on (_stopping.py): the terms that settle, not the
        # adversarial ones, which oscillate in a balanced game.
        record["convergence_loss"] = (
            record["reconstruction_loss"] + record["classification_loss"] + graph
        )
        bad = [k for k, v in record.items() if not math.isfinite(v)]
        if bad:
            raise DivergenceError(self._divergence_message(bad, record))
        previous = [row["train_loss"] for row in self.history[:-1] if "train_loss" in row]
        for key, value in record.items():
            self.history.record(key, value)
        self.history.record("train_loss_best", not previous or record["train_loss"] < min(previous))
        self.history.record("train_batch_count", len(iterator))
        if getattr(self, "progress_", None) is not None:
            self.progress_.update(record)
        # The state at the end of every finished epoch, kept so that an interruption or
        # a divergence in the next epoch can fall back to it (see BaseAAE._fit).
        self.last_good = self.snapshot()

    # -- snapshots ------------------------------------------------------------------------
    def snapshot(self):
        """Copy the weights, optimizer states, epoch count and RNG states."""
        return {
            "module": {k: v.detach().clone() for k, v in self.module_.state_dict().items()},
            "optimizers": [
                _cloned(opt.state_dict())
                for opt in (self.optimizer_, self.optimizer_discriminator_)
            ],
            "n_epochs": len(self.history),
            "n_steps": self.n_steps_,
            "rngs": (
                self.prior_rng_.get_state(),
                *(g.get_state() for g in self._generators()),
            ),
        }

    def restore(self, snapshot):
        """Return to a ``snapshot()``: weights, optimizers, history and RNG states."""
        self.module_.load_state_dict(snapshot["module"])
        for opt, state in zip(
            (self.optimizer_, self.optimizer_discriminator_), snapshot["optimizers"], strict=True
        ):
            opt.load_state_dict(state)
        del self.history[snapshot["n_epochs"] :]
        self.n_steps_ = snapshot["n_steps"]
        self._after_state_change()
        prior_state, *generator_states = snapshot["rngs"]
        self.prior_rng_.set_state(prior_state)
        for generator, state in zip(self._generators(), generator_states, strict=True):
            generator.set_state(state)

    def _after_state_change(self):
        """After loading optimizer states (new tensors): keep CUDA graphs consistent.

        During a fit call with ``cuda_graphs`` the graph captured the old tensors, so it
        is dropped and captured anew; outside one, the states may come from a snapshot
        or file taken while a graph was in use, and are marked not capturable again.
        """
        if self.graphed_step_ is not None:
            self.graphed_step_.invalidate()
        else:
            set_capturable(self, False)

    _GENERATORS = (
        "data_generator_",
        "noise_generator_",
        "discriminator_generator_",
        "graph_generator_",
    )

    def _generators(self):
        return tuple(getattr(self, name) for name in self._GENERATORS)

    # -- the trained state as arrays (what the estimators pickle and skops saves) ---------
    def to_arrays(self):
        """Return the trained state as NumPy arrays and plain values, no torch object.

        Weights, both optimizers' states, the history and every random generator: what
        ``load_arrays`` needs to continue training exactly where this net stopped.
        """
        return {
            "build_params": dict(self.build_params_),
            "module": {k: _to_numpy(v) for k, v in self.module_.state_dict().items()},
            "optimizers": [
                _optimizer_to_arrays(self.optimizer_),
                _optimizer_to_arrays(self.optimizer_discriminator_),
            ],
            "history": [dict(row) for row in self.history],
            "n_steps": self.n_steps_,
            "prior_rng": self.prior_rng_.get_state(legacy=False),
            "generators": [
                {"device": str(g.device), "state": _to_numpy(g.get_state())}
                for g in self._generators()
            ],
        }

    def load_arrays(self, saved):
        """Load a ``to_arrays()`` state into this initialised net of the same shape."""
        # torch.tensor copies: the arrays may be read-only or memory-mapped (joblib's
        # mmap_mode), and the optimizers update their state tensors in place.
        self.module_.load_state_dict({k: torch.tensor(v) for k, v in saved["module"].items()})
        for opt, state in zip(
            (self.optimizer_, self.optimizer_discriminator_), saved["optimizers"], strict=True
        ):
            opt.load_state_dict(_optimizer_from_arrays(state))
        self._after_state_change()
        self.history_ = History(saved["history"])
        self.n_steps_ = saved["n_steps"]
        self.prior_rng_.set_state(saved["prior_rng"])
        fallback = torch.device(self.device)
        for name, g in zip(self._GENERATORS, saved["generators"], strict=True):
            setattr(self, name, _load_generator(g["device"], torch.tensor(g["state"]), fallback))

    def _divergence_message(self, bad, record):
        epoch = len(self.history)
        return (
            f"Training diverged in epoch {epoch}: {', '.join(bad)} became non-finite "
            f"({', '.join(f'{k}={record[k]}' for k in bad)}). Likely causes: a learning "
            f"rate too high (learning_rate={self.lr}, discriminator_learning_rate="
            f"{self.discriminator_lr}) or unscaled input with very large values. Put a "
            "StandardScaler (or MinMaxScaler) before the estimator or lower the learning "
            "rates."
        )
