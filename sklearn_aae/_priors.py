"""Priors for the code space: what the encoder's aggregated posterior is pushed onto.

An adversarial autoencoder needs nothing from its prior but samples, so a prior here is
any object with ``rvs(size=..., random_state=...)``. The built-in priors below follow the
same protocol as frozen :mod:`scipy.stats` distributions: ``size=(n_samples, n_dims)``
returns an array of that shape. The mixture and Swiss-roll priors are made of ``n_modes``
labelled parts, which is what the paper's "labels in the prior" model needs.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["CategoricalPrior", "MixturePrior", "NormalPrior", "SwissRollPrior", "UniformPrior"]


def _check_size(size):
    """Return ``(n_samples, n_dims)`` from a ``size`` argument."""
    size = tuple(np.atleast_1d(size).astype(int).tolist())
    if len(size) != 2 or min(size) < 0:
        raise ValueError(f"size must be (n_samples, n_dims) with non-negative entries, got {size}.")
    return size


class _BasePrior:
    """Shared helpers: a readable repr and the two-argument ``rvs`` protocol."""

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self):
        return hash((type(self).__name__, tuple(sorted(vars(self).items()))))


class NormalPrior(_BasePrior):
    """Isotropic Gaussian prior N(0, scale² I).

    Parameters
    ----------
    scale : float, default=1.0
        Standard deviation of every dimension.

    Examples
    --------
    >>> from sklearn_aae import NormalPrior
    >>> NormalPrior().rvs(size=(4, 2), random_state=0).shape
    (4, 2)
    """

    def __init__(self, scale=1.0):
        self.scale = float(scale)

    def rvs(self, size, random_state=None):
        """Draw ``size = (n_samples, n_dims)`` samples."""
        rng = check_random_state(random_state)
        return self.scale * rng.standard_normal(_check_size(size))


class UniformPrior(_BasePrior):
    """Uniform prior on the hypercube ``[low, high]^d``.

    Parameters
    ----------
    low, high : float, default=-1.0, 1.0
        Bounds of every dimension.

    Examples
    --------
    >>> from sklearn_aae import UniformPrior
    >>> z = UniformPrior().rvs(size=(1000, 3), random_state=0)
    >>> bool(z.min() >= -1 and z.max() <= 1)
    True
    """

    def __init__(self, low=-1.0, high=1.0):
        if not high > low:
            raise ValueError(f"UniformPrior needs low < high, got {low} and {high}.")
        self.low = float(low)
        self.high = float(high)

    def rvs(self, size, random_state=None):
        """Draw ``size = (n_samples, n_dims)`` samples."""
        rng = check_random_state(random_state)
        return rng.uniform(self.low, self.high, size=_check_size(size))


class _ModalPrior(_BasePrior):
    """A prior made of ``n_modes`` labelled parts, laid out in the first two dimensions.

    Dimensions beyond the second are standard normal, so the prior works for any
    ``n_components``; a 1-D code gets its modes on a line.
    """

    n_modes: int

    def _draw_2d(self, modes, rng):  # pragma: no cover - abstract
        raise NotImplementedError

    def _draw_1d(self, modes, rng):
        # Modes on a line, spaced so that neighbours barely overlap.
        centres = (modes - (self.n_modes - 1) / 2) * 1.0
        return (centres + 0.15 * rng.standard_normal(modes.shape[0]))[:, None]

    def rvs(self, size, random_state=None, modes=None):
        """Draw ``size = (n_samples, n_dims)`` samples.

        Parameters
        ----------
        size : tuple of int
            ``(n_samples, n_dims)``.
        random_state : int, RandomState instance or None, default=None
            Source of randomness.
        modes : array-like of int of shape (n_samples,), default=None
            The mode (mixture component, Swiss-roll segment) of each sample; drawn
            uniformly when None.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_dims)
        """
        n_samples, n_dims = _check_size(size)
        rng = check_random_state(random_state)
        if modes is None:
            modes = rng.randint(self.n_modes, size=n_samples)
        modes = np.asarray(modes, dtype=int)
        if modes.shape != (n_samples,) or (
            n_samples and (modes.min() < 0 or modes.max() >= self.n_modes)
        ):
            raise ValueError(
                f"modes must be {n_samples} integers in [0, {self.n_modes}), "
                f"got shape {modes.shape}."
            )
        out = np.empty((n_samples, n_dims))
        if n_dims == 1:
            out[:, :1] = self._draw_1d(modes, rng)
        elif n_dims >= 2:
            out[:, :2] = self._draw_2d(modes, rng)
            out[:, 2:] = rng.standard_normal((n_samples, n_dims - 2))
        return out


class MixturePrior(_ModalPrior):
    """Mixture of Gaussians placed around a circle, as in the paper's Fig. 3/4.

    Each of the ``n_modes`` components is elongated along its radius. In more than two
    dimensions the remaining dimensions are standard normal.

    Parameters
    ----------
    n_modes : int, default=10
        Number of mixture components.
    radius : float, default=2.0
        Distance of each component's mean from the origin.
    radial_std, tangential_std : float, default=0.5, 0.1
        Standard deviations along and across the radius.

    Examples
    --------
    >>> from sklearn_aae import MixturePrior
    >>> z = MixturePrior(n_modes=4).rvs(size=(8, 2), random_state=0, modes=[0] * 8)
    >>> z.shape
    (8, 2)
    """

    def __init__(self, n_modes=10, radius=2.0, radial_std=0.5, tangential_std=0.1):
        self.n_modes = int(n_modes)
        self.radius = float(radius)
        self.radial_std = float(radial_std)
        self.tangential_std = float(tangential_std)

    def _draw_2d(self, modes, rng):
        angle = 2 * np.pi * modes / self.n_modes
        r = self.radius + self.radial_std * rng.standard_normal(modes.shape[0])
        t = self.tangential_std * rng.standard_normal(modes.shape[0])
        cos, sin = np.cos(angle), np.sin(angle)
        return np.column_stack([r * cos - t * sin, r * sin + t * cos])


class SwissRollPrior(_ModalPrior):
    """A 2-D Swiss roll split into ``n_modes`` segments along its length (Fig. 3/4).

    In more than two dimensions the remaining dimensions are standard normal.

    Parameters
    ----------
    n_modes : int, default=10
        Number of segments (labels) along the roll.
    turns : float, default=1.5
        Number of turns of the spiral.
    noise : float, default=0.05
        Standard deviation of the Gaussian noise around the spiral.

    Examples
    --------
    >>> from sklearn_aae import SwissRollPrior
    >>> SwissRollPrior().rvs(size=(5, 2), random_state=0).shape
    (5, 2)
    """

    def __init__(self, n_modes=10, turns=1.5, noise=0.05):
        self.n_modes = int(n_modes)
        self.turns = float(turns)
        self.noise = float(noise)

    def _draw_2d(self, modes, rng):
        # Position along the roll in [0, 1), uniform within the sample's segment.
        u = (modes + rng.uniform(size=modes.shape[0])) / self.n_modes
        # sqrt spacing gives a density that is roughly uniform along the arc length.
        s = np.sqrt(0.05 + 0.95 * u)
        angle = 2 * np.pi * self.turns * s
        r = 2.0 * s
        pts = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
        return pts + self.noise * rng.standard_normal(pts.shape)


class CategoricalPrior(_BasePrior):
    """Uniform categorical prior on one-hot vectors: the prior of a categorical code.

    Parameters
    ----------
    n_modes : int, default=10
        Number of categories.

    Examples
    --------
    >>> from sklearn_aae import CategoricalPrior
    >>> CategoricalPrior(3).rvs(size=(2, 3), random_state=0, modes=[2, 0])
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """

    def __init__(self, n_modes=10):
        self.n_modes = int(n_modes)

    def rvs(self, size, random_state=None, modes=None):
        """Draw ``size = (n_samples, n_modes)`` one-hot rows (of ``modes`` if given)."""
        n_samples, n_dims = _check_size(size)
        if n_dims != self.n_modes:
            raise ValueError(f"CategoricalPrior({self.n_modes}) draws {self.n_modes} columns.")
        rng = check_random_state(random_state)
        if modes is None:
            modes = rng.randint(self.n_modes, size=n_samples)
        return np.eye(self.n_modes)[np.asarray(modes, dtype=int)]


_PRIORS = {
    "normal": NormalPrior,
    "uniform": UniformPrior,
    "mixture": MixturePrior,
    "swiss_roll": SwissRollPrior,
}


class _PriorSampler:
    """Draws ``(n, n_components)`` float32 blocks from a user's or a built-in prior.

    Probes the prior once so that a wrong shape or a missing ``rvs`` is reported when
    ``fit`` starts, with the fix, instead of deep inside training.
    """

    def __init__(self, prior, n_components):
        if isinstance(prior, str):
            prior = _PRIORS[prior]()
        if not callable(getattr(prior, "rvs", None)):
            raise TypeError(
                f"prior must be one of {sorted(_PRIORS)} or an object with a method "
                f"rvs(size=..., random_state=...) such as a frozen scipy.stats "
                f"distribution; got {prior!r}, which has no rvs method."
            )
        self.prior = prior
        self.n_components = n_components
        # A univariate distribution (or a built-in prior) answers size=(n, d) with an
        # (n, d) array; a multivariate one answers size=n with (n, d).
        self._size_is_rows = False
        probe = self._draw(2, np.random.RandomState(0))
        if probe.shape != (2, n_components):
            self._size_is_rows = True
            probe = self._draw(2, np.random.RandomState(0))
        if probe.shape != (2, n_components):
            raise ValueError(
                f"The prior's rvs returned an array of shape {probe.shape} for 2 "
                f"samples; a prior must give one row of n_components={n_components} "
                f"values per sample. Use a univariate distribution (drawn independently "
                f"per dimension) or a multivariate one of dimension {n_components}."
            )
        if not np.issubdtype(probe.dtype, np.number) or np.iscomplexobj(probe):
            raise ValueError(
                f"prior.rvs returned values of dtype {probe.dtype}; expected real numbers."
            )

    def _draw(self, n_samples, random_state, **kwargs):
        size = n_samples if self._size_is_rows else (n_samples, self.n_components)
        return np.asarray(self.prior.rvs(size=size, random_state=random_state, **kwargs))

    @property
    def n_modes(self):
        return getattr(self.prior, "n_modes", None)

    def modes_for_labels(self, y, random_state):
        """Pick the mode of every row: its label, or a random mode where y is -1."""
        modes = random_state.randint(self.n_modes, size=y.shape[0])
        return np.where(y >= 0, y, modes)

    def __call__(self, n_samples, random_state, modes=None):
        kwargs = {} if modes is None else {"modes": modes}
        z = self._draw(n_samples, random_state, **kwargs)
        if z.ndim == 1 and self.n_components == 1 and self._size_is_rows:
            z = z[:, None]
        z = z.astype(np.float32)
        if not np.isfinite(z).all():
            raise ValueError(
                f"The prior {self.prior!r} produced non-finite samples; its samples must "
                "be finite and fit in float32."
            )
        return z
