"""Docstring fragments shared by the estimators, filled in by ``fill_doc``.

The parameters of the network, the prior and the training loop mean the same for every
estimator; they are documented once here so that the docstrings cannot drift apart.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap

COMMON_PARAMETERS = """\
hidden_layer_sizes : tuple of int, default=(256, 256)
    Widths of the encoder's hidden layers; the decoder mirrors them. Unused for a
    network given as ``encoder_module`` or ``decoder_module``.
encoder_module : nn.Module class or callable, default=None
    Your own network for the encoder: a ``torch.nn.Module`` class, or a function,
    called as ``encoder_module(n_in, n_out)`` to build a module that maps a batch of
    shape ``(batch, n_in)`` to ``(batch, n_out)`` (reshape inside ``forward``, e.g. to
    images for a convolutional network). The estimator asks for the sizes it needs:
    ``n_in`` is the number of features (plus ``n_components`` noise inputs for
    ``encoder="universal"``), ``n_out`` the code (twice for ``encoder="gaussian"``)
    plus the logits of a categorical code. None builds an MLP of
    ``hidden_layer_sizes``. Each fit builds fresh networks, with the module's own
    initialisation seeded by ``random_state``.
decoder_module : nn.Module class or callable, default=None
    Your own network for the decoder, built as ``decoder_module(n_in, n_out)``: from
    the code (with the one-hot class or category where the model decodes one) to the
    ``n_features`` outputs (logits with ``reconstruction_loss="binary_crossentropy"``).
    None builds the MLP mirroring ``hidden_layer_sizes``.
discriminator_hidden_layer_sizes : tuple of int, default=(128, 128)
    Widths of the discriminator's hidden layers; None uses ``hidden_layer_sizes``, as
    the paper did. A discriminator of a low-dimensional code needs less width than the
    encoder: (128, 128) fits as fast at the same accuracy on digits (see the benchmarks
    page).
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
learning_rate : float, default=2e-3
    Adam's step size for the encoder and decoder (2e-3 was chosen with batches of 256
    and kept for the smaller batches of ``batch_size="auto"`` with the graph term; the
    paper's batch of 100 trained with 1e-3 here).
discriminator_learning_rate : float, default=1e-3
    Adam's step size for the discriminator (half the encoder's, as the paper-sized
    runs had).
discriminator_noise : float, default=0.0
    Standard deviation of Gaussian noise added to the discriminator's inputs during
    training (instance noise), a common stabiliser.
gradient_penalty : float, default=10.0
    Weight γ of the R1 penalty, γ/2 · E‖∇D(z)‖² at prior draws z, added to the loss
    of every discriminator that sees codes alone. It keeps the adversarial game from
    oscillating, which is what lets a larger ``adversarial_weight`` bring the codes
    closer to the prior, and keeps a categorical code from collapsing onto one
    category. 0 turns it off (the paper's plain GAN loss). A discriminator that also
    sees labels (``labels="prior"``) is never penalised: the penalty blurs the modes of
    the classes into each other.
gradient_penalty_interval : int, default=4
    Lazy R1 (Karras et al., 2020): compute the penalty on every this many
    discriminator steps only, with its weight multiplied by as much, which keeps its
    average strength and saves the double backward pass on the other steps. 1
    penalises every step.
adversarial_update : {"auto", "joint", "alternating"}, default="auto"
    How the encoder learns to fool the discriminators. "alternating" is the paper's
    loop: a reconstruction step of the encoder and decoder, then the discriminators'
    step, then a second encoder step on λ times the adversarial loss. "joint" takes the
    discriminators' step first and then a single encoder/decoder step on the
    reconstruction loss plus λ times the adversarial loss: one encoder pass and one
    backward pass fewer per mini-batch (a fit on digits took 0.70-0.83 times as long on
    average). "auto" is "joint" when ``neighbor_weight=0`` and "alternating" with the
    neighbour-graph term, where the joint step clustered digits less well.
input_noise : float, default=0.0
    Standard deviation of Gaussian noise added to the encoder's input during training
    (a denoising autoencoder; the paper used 0.3 on MNIST for its semi-supervised and
    clustering models); the decoder must still give back the clean input. In units of
    X, so scale X first. ``transform`` never adds noise.
neighbor_weight : float, default=0.0
    Weight of the neighbour-graph term, which keeps the data's neighbourhoods in the
    codes: UMAP's fuzzy cross-entropy between a k-nearest-neighbour graph of the
    training rows and the codes, as in parametric UMAP (the codes of neighbouring rows
    attract, those of random pairs repel), added to the reconstruction phase. It
    brings low-dimensional codes much closer to UMAP's maps while the codes still
    follow the prior, decode and sample. 1.0 is the setting for dimensionality
    reduction and visualisation; 0 leaves the graph out (with
    ``adversarial_update="alternating"``, the paper's model). The
    graph of the rows of each ``fit`` (or ``partial_fit`` call) is built once per
    call, in O(n·k) memory. See the user guide for its cost.
n_neighbors : int, default=15
    Size of each row's neighbourhood in the graph, counting the row itself, as UMAP
    does. Used only with ``neighbor_weight > 0``.
precision : {"float32", "bfloat16"}, default="float32"
    Arithmetic of the training's forward passes. ``"bfloat16"`` runs them under
    ``torch.autocast`` in bfloat16 (mixed precision: weights, gradients, optimizer
    states and losses stay float32); it pays on GPUs with bfloat16 matrix units and
    wide layers, and on CPUs with bfloat16 instructions (AVX512-BF16), where it trained
    at 0.72-0.90 times the float32 time; on other CPUs it is many times slower.
    Inference is always float32.
cuda_graphs : bool, default=False
    On a CUDA device, capture one training step (all phases, both optimizers) in a
    CUDA graph after a few eager warm-up steps, and replay it for every mini-batch of
    full size; the last, smaller batch of an epoch runs as usual. It removes the cost
    of launching hundreds of small kernels from Python per mini-batch, which bounds
    the speed of small networks on fast GPUs (see the benchmarks page). The graph is
    made anew by each call to ``fit`` or ``partial_fit`` and when a callback changes
    a learning rate or another setting of the step; a capture that fails gives a
    ``RuntimeWarning`` and training goes on without it. Random draws (noise,
    stochastic encoders) still differ per mini-batch and follow ``random_state``, but
    need not be the same numbers as without the graph. No effect on other devices.
batch_size : int or "auto", default="auto"
    Mini-batch size; clipped to the number of samples. ``"auto"`` is 256 without the
    neighbour-graph term and, with it, the number of training rows / 32 within
    [64, 256]: the graph term needs more optimizer steps than small data gives in
    batches of 256 (64 for the 1797 digits, where 2-D codes keep the pixels'
    neighbours much better than in batches of 256 and ``AAEClusterer``'s clusters are
    more accurate, at twice the fit time; 256 from 8192 rows). ``partial_fit`` sizes
    the batches from the rows of each call.
max_iter : int, default=100
    Most epochs (passes over the data) per call to ``fit``; training stops earlier once
    it has converged (``tol``, ``n_iter_no_change``).
tol : float, default=1e-4
    Tolerance of convergence, as in ``MLPClassifier``: an epoch improves when the
    training criterion (the reconstruction loss plus the classification and
    neighbour-graph terms) or the discriminators' accuracy reaches a new best by at
    least ``tol``, or with ``early_stopping`` when the validation loss does. After more
    than ``n_iter_no_change`` epochs in a row without improvement, ``fit`` stops.
n_iter_no_change : int, default=50
    Epochs in a row without improvement (see ``tol``) after which ``fit`` stops. Set it
    to ``max_iter`` to always train ``max_iter`` epochs. Longer than ``MLPClassifier``'s
    10: in an adversarial game every loss can stall, or get worse, for dozens of epochs
    while the codes move onto the prior's modes (labels in the prior, on digits: with a
    patience of 20, 75 % of the labelled digits ended on their own mode; with 50, 93 %).
early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the training rows (unlabelled rows first),
    judge convergence on their reconstruction loss (``valid_loss`` in the history),
    and keep the weights of the best epoch.
validation_fraction : float, default=0.1
    Fraction of the rows held out with ``early_stopping``.
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
on_divergence : {"raise", "restore"}, default="raise"
    What a non-finite loss does: ``"raise"`` a :class:`~sklearn_aae.DivergenceError`
    naming the epoch and the likely cause (the model stays as it was before the call);
    ``"restore"`` keep the model of the last finished epoch, warn, and set
    ``diverged_``.
random_state : int, RandomState instance or None, default=None
    Seeds weight initialisation, shuffling, posterior noise and prior draws. The
    global torch RNG is neither read nor advanced.
verbose : int, default=0
    0: silent. 1: a progress bar over the epochs (tqdm, on stderr) showing the last
    epoch's reconstruction, discriminator and generator losses and the
    discriminator's accuracy. 2 or more: a table of all losses after each epoch
    (skorch's ``PrintLog``), instead.
"""

COMMON_ATTRIBUTES = """\
n_iter_ : int
    Number of epochs trained, counting every ``fit`` with ``warm_start`` and every
    ``partial_fit``.
best_loss_ : float or None
    The best training criterion of the last ``fit`` (see ``tol``); None with
    ``early_stopping``.
validation_scores_ : list of float or None
    Minus the validation loss after every epoch of the last ``fit`` with
    ``early_stopping``; None without.
best_validation_score_ : float or None
    The best of ``validation_scores_``, whose weights the model keeps; None without
    ``early_stopping``.
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
neighbor_loss_curve_ : list of float
    Mean neighbour-graph loss per epoch, before weighting by ``neighbor_weight`` (0
    without the graph).
prior_ : object
    The prior the codes were matched to (a built-in prior object or the user's).
device_ : torch.device
    Device the networks live on.
interrupted_ : bool
    Present and True when a Ctrl-C stopped ``fit``: the model is that of the last
    finished epoch (the KeyboardInterrupt is raised again, so that a search or a
    script stops too).
diverged_ : bool
    Present and True when training diverged with ``on_divergence="restore"``.
net_ : skorch.NeuralNet
    The skorch net that ran training; ``net_.history`` holds the per-epoch records.
encoder_, decoder_, discriminator_ : torch.nn.Module
    The trained networks.
"""


_DEFAULT_LINE = re.compile(r"^(\w+) : .*?default=(.+)$", re.MULTILINE)


def _documented_default(text):
    """Return the value a docstring's ``default=...`` names, or the text if not a literal."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _with_defaults_of(cls, parameters):
    """Return ``parameters`` with each ``default=...`` set to ``cls.__init__``'s default.

    The shared text gives the defaults most estimators use; an estimator that changes
    one (the classifier's input noise) gets its own value printed, so that a docstring
    cannot state a default the signature does not have.
    """
    signature = inspect.signature(cls.__init__).parameters

    def replace(match):
        name, documented = match.group(1), match.group(2)
        if name not in signature:
            return match.group(0)
        actual = signature[name].default
        shown_value = _documented_default(documented)
        if type(shown_value) is type(actual) and shown_value == actual:  # 0.0 is not False
            return match.group(0)
        shown = f'"{actual}"' if isinstance(actual, str) else repr(actual)
        return match.group(0)[: -len(documented)] + shown

    return _DEFAULT_LINE.sub(replace, parameters)


def _fill(docstring, placeholder, text):
    """Put ``text`` where ``{placeholder}`` stands alone on a line, at its indentation.

    The indentation is read from the docstring, because Python 3.13 strips the common
    indentation of docstrings at compile time and earlier versions keep it.
    """
    pattern = re.compile(r"^([ \t]*)\{" + placeholder + r"\}\n", re.MULTILINE)
    return pattern.sub(lambda m: textwrap.indent(text, m.group(1)), docstring)


def fill_doc(cls):
    """Replace ``{common_parameters}`` / ``{common_attributes}`` in a class docstring.

    The defaults printed are those of the class's own signature.
    """
    doc = _fill(cls.__doc__, "common_parameters", _with_defaults_of(cls, COMMON_PARAMETERS))
    cls.__doc__ = _fill(doc, "common_attributes", COMMON_ATTRIBUTES)
    return cls
