"""The three networks of an adversarial autoencoder: encoder, decoder, discriminator.

Small ``nn.Module`` classes. Every module is built on the meta device and its weights are
drawn from an explicit ``torch.Generator``, so a fit never reads or advances the global
torch RNG and the same seed gives the same weights on every thread and process.
"""

from __future__ import annotations

import math

import torch
from torch import nn

ENCODERS = ("deterministic", "gaussian", "universal")


def _mlp(n_in, hidden_layer_sizes, n_out):
    """``Linear -> ReLU`` blocks, then a linear output layer."""
    layers = []
    for width in hidden_layer_sizes:
        layers += [nn.Linear(n_in, width), nn.ReLU()]
        n_in = width
    layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


class Encoder(nn.Module):
    """q(z|x) in one of the paper's three forms.

    ``deterministic``: z = f(x). ``gaussian``: z = mu(x) + sigma(x) * eps, with the
    reparameterisation trick. ``universal``: z = f(x, eta), eta ~ N(0, I) fed as extra
    inputs. ``forward`` samples a code (training); ``mean`` gives the deterministic code
    used by ``transform``: mu(x) for the Gaussian posterior, f(x, 0) for the universal one.
    """

    def __init__(self, n_features, hidden_layer_sizes, n_components, kind="deterministic"):
        super().__init__()
        self.kind = kind
        self.n_components = n_components
        self.n_noise = n_components if kind == "universal" else 0
        n_out = 2 * n_components if kind == "gaussian" else n_components
        self.net = _mlp(n_features + self.n_noise, hidden_layer_sizes, n_out)

    def _with_noise(self, x, eta):
        return torch.cat([x, eta], dim=1)

    def forward(self, x, generator=None):
        if self.kind == "deterministic":
            return self.net(x)
        if self.kind == "universal":
            eta = torch.randn(
                x.shape[0], self.n_noise, device=x.device, dtype=x.dtype, generator=generator
            )
            return self.net(self._with_noise(x, eta))
        mu, log_var = self.net(x).chunk(2, dim=1)
        eps = torch.randn(mu.shape, device=x.device, dtype=x.dtype, generator=generator)
        return mu + torch.exp(0.5 * log_var) * eps

    def mean(self, x):
        if self.kind == "deterministic":
            return self.net(x)
        if self.kind == "universal":
            return self.net(self._with_noise(x, x.new_zeros(x.shape[0], self.n_noise)))
        return self.net(x)[:, : self.n_components]


class Decoder(nn.Module):
    """p(x|z): an MLP from the code to the input space (logits for a Bernoulli decoder)."""

    def __init__(self, n_components, hidden_layer_sizes, n_features):
        super().__init__()
        self.net = _mlp(n_components, tuple(reversed(hidden_layer_sizes)), n_features)

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    """D(z): one logit for "drawn from the prior" against "produced by the encoder"."""

    def __init__(self, n_components, hidden_layer_sizes):
        super().__init__()
        self.net = _mlp(n_components, hidden_layer_sizes, 1)

    def forward(self, z):
        return self.net(z).squeeze(1)


class AAEModule(nn.Module):
    """The three networks, held together so that one ``.to(device)`` moves them all."""

    def __init__(self, encoder, decoder, discriminator):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.discriminator = discriminator


def _init_linear_(module, generator):
    """PyTorch's default ``nn.Linear`` initialisation, drawn from ``generator``."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            bound = 1 / math.sqrt(layer.weight.shape[1]) if layer.weight.shape[1] else 0
            nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return module


def build_module(
    n_features,
    n_components,
    hidden_layer_sizes,
    discriminator_hidden_layer_sizes,
    encoder,
    generators,
):
    """Build the encoder, decoder and discriminator on CPU with seeded weights.

    ``generators`` holds two CPU ``torch.Generator``: one for the autoencoder's weights,
    one for the discriminator's, so that changing the discriminator leaves the
    autoencoder's initial weights unchanged.
    """
    with torch.device("meta"):
        enc = Encoder(n_features, hidden_layer_sizes, n_components, kind=encoder)
        dec = Decoder(n_components, hidden_layer_sizes, n_features)
        disc = Discriminator(n_components, discriminator_hidden_layer_sizes)
    gen_ae, gen_disc = generators
    enc = _init_linear_(enc.to_empty(device="cpu"), gen_ae)
    dec = _init_linear_(dec.to_empty(device="cpu"), gen_ae)
    disc = _init_linear_(disc.to_empty(device="cpu"), gen_disc)
    return AAEModule(enc, dec, disc)
