"""The loss terms of the training loop, per row and averaged with sample weights.

The neighbour-graph term lives with the graph, in ``_neighbors.py``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def reconstruction_error(x_hat, x, kind):
    """Per-row reconstruction loss (mean over features): squared error or Bernoulli CE."""
    if kind == "binary_crossentropy":
        loss = F.binary_cross_entropy_with_logits(x_hat, x, reduction="none")
    else:
        loss = F.mse_loss(x_hat, x, reduction="none")
    return loss.mean(dim=1)


def weighted_mean(values, weights=None):
    """Mean of per-row ``values``, weighted by the rows' sample weights when given.

    Within a mini-batch the weights are normalised to sum to one, as scikit-learn's
    ``MLPClassifier`` does.
    """
    if weights is None:
        return values.mean()
    return (values * weights).sum() / weights.sum()


def bce(logits, target, weights=None):
    """Binary cross-entropy of ``logits`` against the constant ``target`` (1 or 0)."""
    targets = torch.full_like(logits, target)
    if weights is None:
        return F.binary_cross_entropy_with_logits(logits, targets)
    per_row = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return weighted_mean(per_row, weights)


def reconstruction_error_numpy(x_hat, x, kind):
    """``reconstruction_error`` in NumPy float64, row by row (inference, scoring).

    ``x_hat`` holds the decoder's outputs (logits for binary cross-entropy).
    """
    x_hat = np.asarray(x_hat, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if kind == "binary_crossentropy":
        # log(1 + exp(l)) - x·l, written to stay finite for any logit l
        loss = np.logaddexp(0.0, x_hat) - x * x_hat
    else:
        loss = (x_hat - x) ** 2
    return loss.mean(axis=1)


def r1_penalty(d_real, z_real):
    """R1 regulariser: half the mean squared norm of D's gradient at prior draws.

    Penalising the discriminator's slope on the prior (Mescheder et al., 2018) keeps the
    adversarial game from oscillating, so a larger λ brings codes closer to the prior
    instead of making training chase a moving target.
    """
    (grad,) = torch.autograd.grad(d_real.sum(), z_real, create_graph=True)
    return 0.5 * grad.pow(2).sum(dim=1).mean()
