"""The reference: a straightforward hand-written PyTorch loop of the same algorithm.

What a user would write without sklearn-aae, and what ``AAETransformer.fit`` is timed
against: the same networks (Linear-ReLU MLPs), the same two phases per mini-batch with
the same losses (squared error; discriminator BCE with the R1 penalty on prior draws;
non-saturating generator loss weighted by λ), the same Adam settings, data as tensors
sliced per batch. Written the naive way: three encoder passes per batch (reconstruction,
discriminator, generator), prior draws per batch, stock ``torch.optim.Adam``.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F

# The package's Linear-ReLU networks, so that only the training loop differs.
from sklearn_aae._networks import _mlp


class ReferenceAAE:
    """Encoder, decoder, discriminator and their optimizers, trained by ``epoch()``."""

    def __init__(
        self,
        n_features,
        n_components=8,
        hidden=(256, 256),
        lr=1e-3,
        d_lr=5e-4,
        betas=(0.5, 0.999),
        lam=1.0,
        gamma=10.0,
        batch_size=128,
        device="cpu",
        seed=0,
    ):
        torch.manual_seed(seed)
        self.enc = _mlp(n_features, hidden, n_components).to(device)
        self.dec = _mlp(n_components, tuple(reversed(hidden)), n_features).to(device)
        self.disc = _mlp(n_components, hidden, 1).to(device)
        ae_params = [*self.enc.parameters(), *self.dec.parameters()]
        self.opt = torch.optim.Adam(ae_params, lr=lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.disc.parameters(), lr=d_lr, betas=betas)
        self.n_components = n_components
        self.lam = lam
        self.gamma = gamma
        self.batch_size = batch_size
        self.device = device

    def step(self, x):
        # 1. reconstruction phase
        self.opt.zero_grad()
        recon = F.mse_loss(self.dec(self.enc(x)), x)
        recon.backward()
        self.opt.step()
        # 2a. discriminator: prior draws real, codes fake, R1 penalty on the prior draws
        z_prior = torch.randn(x.shape[0], self.n_components, device=x.device)
        z_prior.requires_grad_(True)
        z_fake = self.enc(x).detach()
        self.opt_d.zero_grad()
        d_real = self.disc(z_prior)
        d_fake = self.disc(z_fake)
        d_loss = F.binary_cross_entropy_with_logits(
            d_real, torch.ones_like(d_real)
        ) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        (grad,) = torch.autograd.grad(d_real.sum(), z_prior, create_graph=True)
        d_loss = d_loss + self.gamma * 0.5 * grad.pow(2).sum(1).mean()
        d_loss.backward()
        self.opt_d.step()
        # 2b. generator: the encoder against the discriminator, weighted by λ
        self.opt.zero_grad()
        logits = self.disc(self.enc(x))
        g_loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        (self.lam * g_loss).backward()
        self.opt.step()
        return recon.detach()

    def epoch(self, X):
        """One shuffled pass over the device tensor X; returns its wall time in seconds."""
        if self.device != "cpu":
            torch.cuda.synchronize()
        start = time.perf_counter()
        perm = torch.randperm(X.shape[0], device=X.device)
        for i in range(0, X.shape[0], self.batch_size):
            self.step(X[perm[i : i + self.batch_size]])
        if self.device != "cpu":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    @torch.inference_mode()
    def encode(self, X, chunk=4096):
        """A bare inference pass of the encoder over X in chunks."""
        return torch.cat([self.enc(X[i : i + chunk]) for i in range(0, X.shape[0], chunk)])
