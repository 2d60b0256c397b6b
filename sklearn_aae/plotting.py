"""Plots of a fitted adversarial autoencoder: codes over the prior, training curves, images.

Matplotlib is an optional dependency (``pip install matplotlib``, or the ``plots``
extra); it is imported when a function is called, never when ``sklearn_aae`` is
imported. Every function draws on the Axes it is given, or on a new figure, and returns
what it drew on, so that the figure can be adjusted or saved by the caller.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

__all__ = ["plot_codes", "plot_image_grid", "plot_training_curves"]

# Above this many distinct labels, y is shown as a colour scale instead of a legend.
_MAX_LEGEND_CLASSES = 20


def _pyplot():
    """Import matplotlib.pyplot, or say how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "sklearn_aae.plotting needs matplotlib: pip install matplotlib (or install "
            "sklearn-aae with its plots extra, see the installation page)."
        ) from exc
    return plt


def _aae_and_input(estimator, X=None):
    """Return the adversarial-autoencoder step of ``estimator`` and X transformed up to it."""
    if isinstance(estimator, Pipeline):
        Xt = X
        for _, step in estimator.steps:
            if step is None or step == "passthrough":
                continue
            if hasattr(step, "_sample_prior"):
                check_is_fitted(step)
                return step, Xt
            if Xt is not None:
                Xt = step.transform(Xt)
        raise ValueError(
            "The Pipeline has no adversarial autoencoder step (e.g. AAETransformer) to plot."
        )
    if not hasattr(estimator, "_sample_prior"):
        raise TypeError(
            "Expected a fitted sklearn-aae estimator or a Pipeline holding one, got "
            f"{type(estimator).__name__}."
        )
    check_is_fitted(estimator)
    return estimator, X


def plot_codes(estimator, X, y=None, ax=None, n_prior=2000, random_state=0):
    """Scatter the codes of X over the density of the prior.

    The prior's density is drawn as a hexagonal histogram of ``n_prior`` prior draws, the
    codes of X as points (coloured by ``y`` if given). With more than two components the
    first two are shown; with one, two histograms. The view covers the prior draws and
    the central 99 % of the codes; change it with ``ax.set_xlim`` / ``ax.set_ylim`` to
    see the farthest codes.

    Parameters
    ----------
    estimator : AAETransformer or Pipeline
        A fitted sklearn-aae estimator, or a fitted Pipeline holding one (the steps
        before it transform X first).
    X : array-like of shape (n_samples, n_features)
        Data to encode.
    y : array-like of shape (n_samples,), default=None
        Labels that colour the codes: one legend entry per class for up to 20 classes,
        a colour bar otherwise.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new figure when None.
    n_prior : int, default=2000
        Number of prior draws that show the prior's density.
    random_state : int, RandomState instance or None, default=0
        Seeds the prior draws.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    See Also
    --------
    sklearn_aae.prior_fit_score : How far the codes are from the prior, as a number.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_aae import AAETransformer
    >>> from sklearn_aae.plotting import plot_codes
    >>> X, y = load_digits(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> aae = AAETransformer(hidden_layer_sizes=(32,), max_iter=2, random_state=0).fit(X)
    >>> ax = plot_codes(aae, X, y)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('z[0]', 'z[1]')
    """
    plt = _pyplot()
    model, Xt = _aae_and_input(estimator, X)
    if not isinstance(n_prior, int | np.integer) or n_prior < 2:
        raise ValueError(f"n_prior must be an integer >= 2, got {n_prior!r}.")
    codes = model._codes_for_prior_fit(Xt)
    prior = model._sample_prior(n_prior, check_random_state(random_state))
    if y is not None:
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.shape != (codes.shape[0],):
            raise ValueError(f"y must have shape ({codes.shape[0]},), got {y.shape}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.5))

    if codes.shape[1] == 1:
        _plot_codes_1d(ax, codes[:, 0], prior[:, 0], y)
        return ax

    # The prior as a density, the codes as points on top of it.
    # The prior as a density, the codes as half-transparent points on top of it.
    density = ax.hexbin(
        prior[:, 0], prior[:, 1], gridsize=25, cmap="Greys", mincnt=1, linewidths=0, zorder=0
    )
    # Start the grey scale above white, so that the prior's thinnest parts stay visible.
    density.set_clim(-0.25 * density.get_array().max(), None)
    ax.plot([], [], "h", color="0.5", label="prior")
    scatter = {"s": 4, "alpha": 0.6, "linewidths": 0}
    if y is None:
        ax.scatter(codes[:, 0], codes[:, 1], color="tab:blue", label="codes", **scatter)
    else:
        classes = np.unique(y)
        if len(classes) <= _MAX_LEGEND_CLASSES:
            cmap = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20")
            for i, label in enumerate(classes):
                Zc = codes[y == label]
                ax.scatter(Zc[:, 0], Zc[:, 1], color=cmap(i % cmap.N), label=str(label), **scatter)
        else:
            points = ax.scatter(codes[:, 0], codes[:, 1], c=y, cmap="viridis", **scatter)
            ax.figure.colorbar(points, ax=ax, label="y")
    legend = ax.legend(
        loc="upper right", markerscale=2, fontsize="small", ncols=1 + (y is not None)
    )
    for handle in legend.legend_handles:
        handle.set_alpha(1)
    # A view of the prior and of the central 99 % of the codes: a few far-out codes would
    # otherwise shrink everything else to a corner.
    low = np.minimum(prior[:, :2].min(0), np.percentile(codes[:, :2], 0.5, axis=0))
    high = np.maximum(prior[:, :2].max(0), np.percentile(codes[:, :2], 99.5, axis=0))
    pad = 0.05 * (high - low)
    ax.set_xlim(low[0] - pad[0], high[0] + pad[0])
    ax.set_ylim(low[1] - pad[1], high[1] + pad[1])
    ax.set_xlabel("z[0]")
    ax.set_ylabel("z[1]")
    ax.set_title("codes over the prior")
    return ax


def _plot_codes_1d(ax, codes, prior, y):
    bins = np.histogram_bin_edges(np.concatenate([codes, prior]), bins=40)
    ax.hist(prior, bins=bins, density=True, color="0.75", label="prior")
    if y is None:
        ax.hist(codes, bins=bins, density=True, histtype="step", lw=1.5, label="codes")
    else:
        for label in np.unique(y)[:_MAX_LEGEND_CLASSES]:
            ax.hist(codes[y == label], bins=bins, density=True, histtype="step", label=str(label))
    ax.legend(loc="upper right", fontsize="small")
    ax.set_xlabel("z[0]")
    ax.set_ylabel("density")
    ax.set_title("codes over the prior")


#: (attribute, title, reference line and its label) per panel of plot_training_curves.
_CURVES = (
    ("reconstruction_loss_curve_", "reconstruction loss", None),
    ("discriminator_loss_curve_", "discriminator loss", (math.log(4), "chance: log 4")),
    ("generator_loss_curve_", "generator loss, -log D(z)", (math.log(2), "chance: log 2")),
    ("discriminator_accuracy_curve_", "discriminator accuracy", (0.5, "chance: 0.5")),
)


def plot_training_curves(estimator, axes=None):
    """Plot the losses and the discriminator's accuracy per epoch.

    Four panels: the reconstruction loss, the discriminator's loss, the generator's
    (encoder's adversarial) loss and the discriminator's accuracy. Dashed lines mark the
    values of a discriminator at chance, where the codes cannot be told from the prior.

    Parameters
    ----------
    estimator : AAETransformer or Pipeline
        A fitted sklearn-aae estimator, or a fitted Pipeline holding one.
    axes : array-like of 4 matplotlib.axes.Axes, default=None
        Where to draw the four panels; a new 2x2 figure when None.

    Returns
    -------
    axes : ndarray of matplotlib.axes.Axes of shape (4,)
        The Axes drawn on, in the order above.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_aae import AAETransformer
    >>> from sklearn_aae.plotting import plot_training_curves
    >>> X = StandardScaler().fit_transform(load_digits().data)
    >>> aae = AAETransformer(hidden_layer_sizes=(32,), max_iter=2, random_state=0).fit(X)
    >>> axes = plot_training_curves(aae)
    >>> [ax.get_title() for ax in axes]  # doctest: +NORMALIZE_WHITESPACE
    ['reconstruction loss', 'discriminator loss', 'generator loss, -log D(z)',
     'discriminator accuracy']
    """
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    model, _ = _aae_and_input(estimator)
    if axes is None:
        _, axes = plt.subplots(2, 2, figsize=(9, 6), layout="constrained")
    axes = np.asarray(axes, dtype=object).ravel()
    if axes.shape != (len(_CURVES),):
        raise ValueError(f"axes must hold {len(_CURVES)} Axes, got {axes.shape[0]}.")
    for ax, (attribute, title, reference) in zip(axes, _CURVES, strict=True):
        values = getattr(model, attribute)
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, marker="o" if len(values) < 20 else None, ms=3)
        if reference is not None:
            ax.axhline(reference[0], color="0.5", ls="--", lw=1, label=reference[1])
            ax.legend(loc="best", fontsize="small")
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return axes


def plot_image_grid(images, image_shape, n_cols=10, ax=None, cmap="gray_r"):
    """Show images (samples, reconstructions) as one grid.

    Each row of ``images`` is reshaped to ``image_shape`` and the images are tiled
    row by row, ``n_cols`` per row, separated by a one-pixel gap; all share one colour
    scale.

    Parameters
    ----------
    images : array-like of shape (n_images, n_pixels)
        Flattened grey-level images, e.g. from ``estimator.sample(...)`` or
        ``inverse_transform``.
    image_shape : tuple of int
        ``(height, width)`` of one image; ``height * width`` must equal ``n_pixels``.
    n_cols : int, default=10
        Images per row of the grid.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new figure when None.
    cmap : str or matplotlib colormap, default="gray_r"
        Colour map of the grey levels.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on; ``ax.images[-1]`` holds the grid.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sklearn_aae import AAETransformer
    >>> from sklearn_aae.plotting import plot_image_grid
    >>> X = MinMaxScaler().fit_transform(load_digits().data)
    >>> aae = AAETransformer(
    ...     hidden_layer_sizes=(32,),
    ...     reconstruction_loss="binary_crossentropy",
    ...     max_iter=2,
    ...     random_state=0,
    ... ).fit(X)
    >>> ax = plot_image_grid(aae.sample(20, random_state=0), (8, 8), n_cols=10)
    >>> ax.images[-1].get_array().shape  # 2 rows and 10 columns of 8x8 images
    (17, 89)
    """
    plt = _pyplot()
    images = check_array(images, input_name="images")
    shape = tuple(int(s) for s in np.atleast_1d(image_shape))
    if len(shape) != 2 or min(shape) < 1 or shape[0] * shape[1] != images.shape[1]:
        raise ValueError(
            f"image_shape must be (height, width) with height * width = {images.shape[1]} "
            f"(the number of columns of images), got {image_shape!r}."
        )
    if not isinstance(n_cols, int | np.integer) or n_cols < 1:
        raise ValueError(f"n_cols must be a positive integer, got {n_cols!r}.")
    n_images = images.shape[0]
    n_cols = min(n_cols, n_images)
    n_rows = math.ceil(n_images / n_cols)
    height, width = shape
    # Masked gaps are drawn in the background colour, outside the images' colour scale.
    grid = np.ma.masked_all((n_rows * (height + 1) - 1, n_cols * (width + 1) - 1))
    for i, image in enumerate(images.reshape(n_images, height, width)):
        top, left = (i // n_cols) * (height + 1), (i % n_cols) * (width + 1)
        grid[top : top + height, left : left + width] = image
    if ax is None:
        _, ax = plt.subplots(figsize=(0.6 * n_cols * width / 8 + 0.4, 0.6 * n_rows * height / 8))
    ax.imshow(grid, cmap=cmap, interpolation="nearest")
    ax.set_axis_off()
    return ax
