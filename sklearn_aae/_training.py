"""The two-phase training loop, run by skorch.

``AAENet`` is a private :class:`skorch.NeuralNet` that the public estimators hold by
composition. skorch brings callbacks, history, device placement and pickling; this module
replaces the parts of skorch that cost speed or hide problems:

- batches are index slices of tensors already on the device (no ``DataLoader``), with
  prior draws made once per epoch;
- no validation hold-out, shuffled training batches;
- losses are summed on the device and read once per epoch (no ``.item()`` per batch);
- a non-finite loss stops training with :class:`DivergenceError` instead of training on;
- ``KeyboardInterrupt`` is not swallowed here (the estimator decides what to do with it).

One mini-batch (paper §2):

1. reconstruction phase: encoder and decoder step on the reconstruction loss;
2. regularization phase: the discriminator learns to tell prior draws from codes, then
   the encoder steps to fool it, its loss weighted by ``adversarial_weight`` (λ).

The encoder and decoder share a single Adam optimizer across both phases. λ therefore
scales the adversarial gradient *relative to* the reconstruction gradient inside one set
of Adam moments; a separate Adam for the adversarial step would normalise λ away.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, PrintLog

from ._exceptions import DivergenceError

LOSS_NAMES = (
    "reconstruction_loss",
    "discriminator_loss",
    "generator_loss",
    "discriminator_accuracy",
)


def reconstruction_error(x_hat, x, kind, reduction="mean"):
    """Per-element reconstruction loss: squared error or Bernoulli cross-entropy."""
    if kind == "binary_crossentropy":
        return F.binary_cross_entropy_with_logits(x_hat, x, reduction=reduction)
    return F.mse_loss(x_hat, x, reduction=reduction)


def r1_penalty(d_real, z_real):
    """R1 regulariser: half the mean squared norm of D's gradient at prior draws.

    Penalising the discriminator's slope on the prior (Mescheder et al., 2018) keeps the
    adversarial game from oscillating, so a larger λ brings codes closer to the prior
    instead of making training chase a moving target.
    """
    (grad,) = torch.autograd.grad(d_real.sum(), z_real, create_graph=True)
    return 0.5 * grad.pow(2).sum(dim=1).mean()


class EpochBatches:
    """Re-iterable mini-batches of a device tensor, with one block of prior draws per epoch.

    Each ``iter()`` is one epoch: a fresh permutation from the net's generator, then
    ``(x_batch, z_prior_batch)`` pairs made by indexing, so the data never leave the
    device and nothing is copied per batch but the batch itself.
    """

    def __init__(self, X, batch_size, net, shuffle=True):
        self.X = X
        self.batch_size = batch_size
        self.net = net
        self.shuffle = shuffle

    def __len__(self):
        return -(-self.X.shape[0] // self.batch_size)

    def __iter__(self):
        n = self.X.shape[0]
        device = self.X.device
        net = self.net
        if self.shuffle:
            order = torch.randperm(n, generator=net.data_generator_).to(device)
        else:
            order = torch.arange(n, device=device)
        prior = torch.from_numpy(net.prior_sampler_(n, net.prior_rng_)).to(device)
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield self.X[idx], prior[start : start + self.batch_size]


class AAENet(NeuralNet):
    """skorch net for the adversarial autoencoder (private).

    Parameters beyond skorch's: ``adversarial_weight`` (λ), ``discriminator_lr``,
    ``discriminator_noise`` (std of Gaussian noise on the discriminator's inputs),
    ``reconstruction_loss`` and ``betas`` (Adam's, shared by both optimizers). Before
    training, the owner sets ``prior_sampler_``, ``prior_rng_`` (a NumPy RandomState),
    ``data_generator_`` (CPU torch.Generator: shuffling) and ``noise_generator_`` /
    ``discriminator_generator_`` (device generators: posterior noise, discriminator noise).
    """

    def __init__(
        self,
        module,
        *,
        adversarial_weight=1.0,
        discriminator_lr=1e-3,
        discriminator_noise=0.0,
        gradient_penalty=10.0,
        reconstruction_loss="squared_error",
        betas=(0.5, 0.999),
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
        self.reconstruction_loss = reconstruction_loss
        self.betas = betas

    # -- skorch hooks -------------------------------------------------------------------
    @property
    def _default_callbacks(self):
        # No PassthroughScoring: losses are recorded per epoch by run_single_epoch.
        return [("epoch_timer", EpochTimer()), ("print_log", PrintLog())]

    def initialize_optimizer(self, *args, **kwargs):
        module = self.module_
        # The fused Adam kernel is 15-20 % faster per epoch than the default on CPU too.
        kwargs = {"betas": self.betas}
        if self.optimizer is torch.optim.Adam:
            kwargs["fused"] = True
        autoencoder = [*module.encoder.parameters(), *module.decoder.parameters()]
        self.optimizer_ = self.optimizer(autoencoder, lr=self.lr, **kwargs)
        self.optimizer_discriminator_ = self.optimizer(
            module.discriminator.parameters(), lr=self.discriminator_lr, **kwargs
        )
        return self

    def get_iterator(self, dataset, training=False):
        return EpochBatches(dataset.X, self.batch_size, net=self, shuffle=training)

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        # skorch appends a dict per batch to the history; we keep per-epoch records only,
        # so memory stays flat over long runs.
        pass

    # -- one mini-batch -----------------------------------------------------------------
    def _disc_input(self, z):
        if self.discriminator_noise > 0:
            noise = torch.randn(
                z.shape,
                device=z.device,
                dtype=z.dtype,
                generator=self.discriminator_generator_,
            )
            return z + self.discriminator_noise * noise
        return z

    def train_step(self, batch, **fit_params):
        x, z_prior = batch
        module = self.module_
        enc, dec, disc = module.encoder, module.decoder, module.discriminator
        lam = self.adversarial_weight

        # 1. reconstruction phase
        self.optimizer_.zero_grad(set_to_none=True)
        x_hat = dec(enc(x, self.noise_generator_))
        recon = reconstruction_error(x_hat, x, self.reconstruction_loss)
        recon.backward()
        self.optimizer_.step()

        # 2. regularization phase. One encoder pass serves both steps: the discriminator
        # sees its detached codes, the encoder step back-propagates through it (the
        # encoder is unchanged in between, so this is exactly the naive three-pass loop).
        with torch.set_grad_enabled(lam > 0):
            z = enc(x, self.noise_generator_)
        self.optimizer_discriminator_.zero_grad(set_to_none=True)
        gamma = self.gradient_penalty
        z_real = self._disc_input(z_prior).requires_grad_(gamma > 0)
        d_real = disc(z_real)
        d_fake = disc(self._disc_input(z.detach()))
        d_loss = F.binary_cross_entropy_with_logits(
            d_real, torch.ones_like(d_real)
        ) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        if gamma > 0:
            d_loss = d_loss + gamma * r1_penalty(d_real, z_real)
        d_loss.backward()
        self.optimizer_discriminator_.step()
        d_acc = 0.5 * ((d_real > 0).float().mean() + (d_fake < 0).float().mean())

        if lam > 0:
            self.optimizer_.zero_grad(set_to_none=True)
            disc.requires_grad_(False)
            logits = disc(self._disc_input(z))
            g_loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
            (lam * g_loss).backward()
            disc.requires_grad_(True)
            self.optimizer_.step()
        else:
            g_loss = F.binary_cross_entropy_with_logits(d_fake.detach(), torch.ones_like(d_fake))
        losses = torch.stack([recon.detach(), d_loss.detach(), g_loss.detach(), d_acc])
        return {"loss": recon.detach(), "losses": losses}

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if iterator is None:
            return
        self._set_training(training)
        total = None
        n_seen = 0
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            n = batch[0].shape[0]
            weighted = step["losses"] * n
            total = weighted if total is None else total + weighted
            n_seen += n
            self.notify("on_batch_end", batch=batch, training=training, **step)
        values = (total / n_seen).tolist()  # the epoch's only host synchronisation
        record = dict(zip(LOSS_NAMES, values, strict=True))
        record["train_loss"] = (
            record["reconstruction_loss"] + self.adversarial_weight * record["generator_loss"]
        )
        bad = [k for k, v in record.items() if v != v or v in (float("inf"), float("-inf"))]
        if bad:
            raise DivergenceError(self._divergence_message(bad, record))
        for key, value in record.items():
            self.history.record(key, value)
        self.history.record("train_batch_count", len(iterator))

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
