"""The networks of an adversarial autoencoder: encoder, decoder, discriminators.

Small ``nn.Module`` classes. ``AAEModule`` holds them and says what each paper variant
feeds the decoder and the discriminators; the training loop (``_training.py``) is the same
for every variant. Every module is built on the meta device and its weights are drawn
from an explicit ``torch.Generator``, so a fit never reads or advances the global torch
RNG and the same seed gives the same weights on every thread and process.
"""

from __future__ import annotations

import math
import threading

import torch
import torch.nn.functional as F
from torch import nn

ENCODERS = ("deterministic", "gaussian", "universal")

#: What the labels do, per variant (``AAEModule.labels``): nothing, select the prior's
#: mode the discriminator compares a code with (paper Fig. 3/4), or condition the decoder
#: (style/content, Fig. 6/7). Models with a categorical code use their own labels phase.
LABEL_USES = (None, "prior", "decoder")


class Linear(nn.Linear):
    """``nn.Linear`` whose CPU inference gives each row the same result at any position.

    Inference runs the networks on blocks of a fixed number of rows
    (``_runtime.apply_in_blocks``), but a row may sit anywhere in its block. MKL's
    kernels for x·Wᵀ treat the rows of a block in tiles, and on some instruction sets
    (SSE4.2, AVX2) the rows at a tile's edge, or every row when there are few outputs,
    are summed in another order: a row's output then changes with its position. Computed
    as (W·xᵀ)ᵀ, the rows become the columns of the product, which every kernel set
    sums alike at any position for the CPU's block of 256 rows (checked on the
    SSE4.2, AVX2 and AVX-512 kernels; not at every block size, e.g. 255). Training
    (autograd) and other devices take ``nn.Linear``'s own path.
    """

    def forward(self, x):
        if not torch.is_inference_mode_enabled() or x.device.type != "cpu" or x.dim() != 2:
            return super().forward(x)
        if self.bias is None:
            return torch.mm(self.weight, x.T).T
        return torch.addmm(self.bias.unsqueeze(1), self.weight, x.T).T


def _mlp(n_in, hidden_layer_sizes, n_out):
    """``Linear -> ReLU`` blocks, then a linear output layer."""
    layers = []
    for width in hidden_layer_sizes:
        layers += [Linear(n_in, width), nn.ReLU()]
        n_in = width
    layers.append(Linear(n_in, n_out))
    return nn.Sequential(*layers)


class Encoder(nn.Module):
    """q(z|x) in one of the paper's three forms, with an optional categorical head q(y|x).

    ``deterministic``: z = f(x). ``gaussian``: z = mu(x) + sigma(x) * eps, with the
    reparameterisation trick. ``universal``: z = f(x, eta), eta ~ N(0, I) fed as extra
    inputs. With ``n_categories > 0`` the same network also outputs the logits of y.
    ``forward`` samples a code (training); ``mean`` gives the deterministic code used at
    inference: mu(x) for the Gaussian posterior, f(x, 0) for the universal one. Both
    return ``(z, y_logits)``, ``y_logits`` being None without a categorical head.
    """

    def __init__(
        self,
        n_features,
        hidden_layer_sizes,
        n_components,
        kind="deterministic",
        n_categories=0,
        net=None,
    ):
        super().__init__()
        self.kind = kind
        self.n_components = n_components
        self.n_categories = n_categories
        self.n_noise = n_components if kind == "universal" else 0
        n_in, n_out = self.sizes(n_features, n_components, kind, n_categories)
        # ``net``: the user's network from n_in inputs to n_out outputs, else an MLP.
        self.net = _mlp(n_in, hidden_layer_sizes, n_out) if net is None else net

    @staticmethod
    def sizes(n_features, n_components, kind, n_categories):
        """Return the inputs and outputs of the encoder's network, ``(n_in, n_out)``.

        The universal encoder also takes its noise as inputs; the Gaussian one outputs
        a mean and a log-variance per component; a categorical head adds its logits.
        """
        n_in = n_features + (n_components if kind == "universal" else 0)
        n_z = 2 * n_components if kind == "gaussian" else n_components
        return n_in, n_z + n_categories

    def _split(self, out):
        if self.n_categories:
            return out[:, : -self.n_categories], out[:, -self.n_categories :]
        return out, None

    def forward(self, x, generator=None):
        if self.kind == "universal":
            eta = torch.randn(
                x.shape[0], self.n_noise, device=x.device, dtype=x.dtype, generator=generator
            )
            x = torch.cat([x, eta], dim=1)
        z, logits = self._split(self.net(x))
        if self.kind == "gaussian":
            mu, log_var = z.chunk(2, dim=1)
            # Bounded, so that one bad step on unscaled input cannot make sigma overflow.
            log_var = log_var.clamp(-20.0, 10.0)
            eps = torch.randn(mu.shape, device=x.device, dtype=x.dtype, generator=generator)
            z = mu + torch.exp(0.5 * log_var) * eps
        return z, logits

    def mean(self, x):
        if self.kind == "universal":
            x = torch.cat([x, x.new_zeros(x.shape[0], self.n_noise)], dim=1)
        z, logits = self._split(self.net(x))
        return z[:, : self.n_components], logits


class Discriminator(nn.Module):
    """D(z): one logit for "drawn from the prior" against "produced by the encoder".

    An optional ``condition`` (a one-hot label) is concatenated to the code.
    """

    def __init__(self, n_in, hidden_layer_sizes):
        super().__init__()
        self.net = _mlp(n_in, hidden_layer_sizes, 1)

    def forward(self, z, condition=None):
        if condition is not None:
            z = torch.cat([z, condition], dim=1)
        return self.net(z).squeeze(1)


class AAEModule(nn.Module):
    """The networks of one model, and what its decoder and discriminators see.

    Parameters
    ----------
    encoder : Encoder
    decoder : nn.Module
        Maps ``decoder_input(...)`` to the input space.
    discriminators : dict of str to Discriminator
        ``"z"`` judges the continuous code; ``"y"`` (categorical models) the softmax of
        the categorical code against one-hot draws.
    labels : {None, "prior", "decoder"}
        What class labels do (see ``LABEL_USES``); ``n_classes`` of them.
    cluster_heads : int or None
        For the paper's §7 dimensionality reduction: the number of learned cluster heads,
        each a point in code space; the representation is ``W·y + z``.
    head_distance : float
        η: heads closer than this are pushed apart by ``extra_loss``.
    """

    def __init__(
        self,
        encoder,
        decoder,
        discriminators,
        *,
        labels=None,
        n_classes=0,
        cluster_heads=None,
        head_distance=0.0,
    ):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.discriminators = nn.ModuleDict(discriminators)
        self.labels = labels
        self.n_classes = n_classes
        self.head_distance = head_distance
        self.heads = (
            None
            if cluster_heads is None
            else Linear(cluster_heads, encoder.n_components, bias=False)
        )

    def autoencoder_parameters(self):
        """Everything the reconstruction and generator steps update."""
        params = [*self.encoder.parameters(), *self.decoder.parameters()]
        return params if self.heads is None else [*params, *self.heads.parameters()]

    def representation(self, codes):
        """Return what ``transform`` gives: the code, or W·y + z with cluster heads."""
        z, logits = codes
        if self.heads is None:
            return z
        return self.heads(torch.softmax(logits, dim=1)) + z

    def neighbor_codes(self, codes):
        """Return what the neighbour-graph term keeps close for neighbours: the representation."""
        return self.representation(codes)

    def decoder_input(self, codes, y=None):
        """Build the decoder's input from encoder output ``codes`` and class labels ``y``."""
        z, logits = codes
        if self.heads is not None:
            return self.representation(codes)
        if logits is not None:
            return torch.cat([torch.softmax(logits, dim=1), z], dim=1)
        if self.labels == "decoder":
            return torch.cat([F.one_hot(y, self.n_classes).to(z.dtype), z], dim=1)
        return z

    def adversarial_pairs(self, codes, prior, y=None):
        """``(discriminator name, codes, prior draws, condition)`` for regularization.

        With labels in the prior, the discriminator also sees a condition: the one-hot
        label, plus one extra class that marks unlabelled rows (whose prior draws come
        from the whole prior). Otherwise the condition is None.
        """
        z, logits = codes
        condition = None
        if self.labels == "prior":
            condition = F.one_hot(torch.where(y < 0, self.n_classes, y), self.n_classes + 1)
            condition = condition.to(z.dtype)
        pairs = [("z", z, prior["z"], condition)]
        if logits is not None:
            pairs.append(("y", torch.softmax(logits, dim=1), prior["y"], None))
        return pairs

    def extra_loss(self):
        """Return the cluster heads' separation cost, Σ max(0, η − ‖w_i − w_j‖) over pairs."""
        if self.heads is None or self.head_distance <= 0:
            return 0.0
        heads = self.heads.weight.t()  # (n_heads, n_components)
        dist = torch.pdist(heads)
        return F.relu(self.head_distance - dist).sum()


def _init_linear_(module, generator):
    """PyTorch's default ``nn.Linear`` initialisation, drawn from ``generator``."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            if layer.bias is not None:
                bound = 1 / math.sqrt(layer.weight.shape[1]) if layer.weight.shape[1] else 0
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return module


# One user network built at a time in the process: its own initialisation draws from the
# global torch RNG, which is seeded for it and restored around it.
_USER_BUILD_LOCK = threading.Lock()


def _user_network(builder, n_in, n_out, seed, role):
    """Build the user's ``builder(n_in, n_out)`` reproducibly and check its output's shape.

    ``builder`` is an ``nn.Module`` class or a function returning a module. Its own
    weight initialisation runs from the global torch RNG seeded with ``seed`` (restored
    afterwards, so a fit still neither reads nor advances the user's random state).
    """
    name = f"{role}_module"
    if isinstance(builder, nn.Module):
        raise TypeError(
            f"{name} must be an nn.Module class or a function that builds one from "
            f"(n_in, n_out), not a module instance ({type(builder).__name__}): every fit "
            "builds fresh networks from it, so that clone, refits and grid searches start "
            "from new weights. Pass the module's class, or a function of (n_in, n_out) "
            "defined at a module's top level (a lambda or a local function cannot be "
            "pickled, nor can an estimator that holds one)."
        )
    with _USER_BUILD_LOCK, torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)  # the CPU's only: modules start there
        net = builder(n_in, n_out)
    if not isinstance(net, nn.Module):
        raise TypeError(
            f"{name}({n_in}, {n_out}) returned {type(net).__name__}, not a torch.nn.Module."
        )
    net = net.to("cpu")
    probe = torch.zeros(2, n_in)
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            out = net(probe)
    except Exception as exc:
        raise ValueError(
            f"{name}({n_in}, {n_out}) failed on a batch of 2 rows of {n_in} features: "
            f"{type(exc).__name__}: {exc}. The network takes flat rows of shape "
            f"(batch, {n_in}) (reshape them inside forward, e.g. to images) and returns "
            f"(batch, {n_out})."
        ) from exc
    finally:
        net.train(was_training)
    if not torch.is_tensor(out) or tuple(out.shape) != (2, n_out):
        shape = tuple(out.shape) if torch.is_tensor(out) else type(out).__name__
        raise ValueError(
            f"{name}({n_in}, {n_out}) maps a batch of shape (2, {n_in}) to {shape}; it must "
            f"return shape (2, {n_out}): {n_out} values per row, flat (the {role} "
            "outputs of this estimator)."
        )
    return net


def _seed(generator):
    return int(torch.randint(2**62, (1,), generator=generator))


def build_module(
    n_features,
    n_components,
    hidden_layer_sizes,
    discriminator_hidden_layer_sizes,
    encoder,
    generators,
    *,
    n_categories=0,
    labels=None,
    n_classes=0,
    cluster_heads=False,
    head_distance=0.0,
    encoder_module=None,
    decoder_module=None,
):
    """Build the networks of one model on CPU with seeded weights.

    ``generators`` holds two CPU ``torch.Generator``: one for the autoencoder's weights,
    one for the discriminators', so that changing a discriminator leaves the
    autoencoder's initial weights unchanged. ``encoder_module`` / ``decoder_module``:
    the user's builders of the encoder's and decoder's networks (None: MLPs of
    ``hidden_layer_sizes``); the heads, label inputs and noise inputs each model needs
    are in the sizes they are asked for.
    """
    if labels == "decoder":
        n_decoder_in = n_components + n_classes
    elif n_categories and not cluster_heads:
        n_decoder_in = n_components + n_categories
    else:
        n_decoder_in = n_components
    n_disc_z = n_components + (n_classes + 1 if labels == "prior" else 0)
    with torch.device("meta"):
        enc = None
        if encoder_module is None:
            enc = Encoder(n_features, hidden_layer_sizes, n_components, encoder, n_categories)
        dec = None
        if decoder_module is None:
            dec = _mlp(n_decoder_in, tuple(reversed(hidden_layer_sizes)), n_features)
        discs = {"z": Discriminator(n_disc_z, discriminator_hidden_layer_sizes)}
        if n_categories:
            discs["y"] = Discriminator(n_categories, discriminator_hidden_layer_sizes)
    gen_ae, gen_disc = generators
    if enc is None:
        n_in, n_out = Encoder.sizes(n_features, n_components, encoder, n_categories)
        net = _user_network(encoder_module, n_in, n_out, _seed(gen_ae), "encoder")
        enc = Encoder(n_features, None, n_components, encoder, n_categories, net=net)
    else:
        enc = _init_linear_(enc.to_empty(device="cpu"), gen_ae)
    if dec is None:
        dec = _user_network(decoder_module, n_decoder_in, n_features, _seed(gen_ae), "decoder")
    else:
        dec = _init_linear_(dec.to_empty(device="cpu"), gen_ae)
    discs = {k: _init_linear_(d.to_empty(device="cpu"), gen_disc) for k, d in discs.items()}
    module = AAEModule(
        enc,
        dec,
        discs,
        labels=labels,
        n_classes=n_classes,
        cluster_heads=n_categories if cluster_heads else None,
        head_distance=head_distance,
    )
    if cluster_heads:
        # Heads start spread out, about head_distance apart, so that every category has
        # its own place in the representation from the first epoch (Adam's small steps
        # would take hundreds of epochs to pull them apart from a default init).
        spread = max(head_distance, 1.0)
        with torch.no_grad():
            module.heads.weight.copy_(
                spread * torch.randn(module.heads.weight.shape, generator=gen_ae)
            )
    return module
