"""Convergence stopping: when a fit has stopped improving, as scikit-learn's MLP decides it.

``ConvergenceMonitor`` reads the record of each finished epoch and says whether to stop,
with the names and the rule users know from ``MLPClassifier`` (``tol``,
``n_iter_no_change``, ``early_stopping``, ``validation_fraction``):

- without early stopping it watches two things: ``convergence_loss``, the epoch's
  reconstruction loss plus the classification and neighbour-graph terms where a model
  has them, and (with λ > 0) the discriminators' accuracy, which falls while the
  encoder is still learning to match the prior. The adversarial losses themselves are
  left out: in a balanced game they oscillate by design. An epoch improves when either
  reaches a new best by at least ``tol``: the reconstruction of a model whose structure
  comes from the prior (labels in the prior, clusters) can stall, or even rise, while
  the codes are still moving onto the prior's modes;
- with early stopping it watches ``valid_loss``, the reconstruction loss of the rows held
  out, and keeps the weights of the best epoch, which it restores when training ends.

An epoch that improves on nothing by at least ``tol`` is a miss; training stops after
more than ``n_iter_no_change`` misses in a row.
"""

from __future__ import annotations

import math


class ConvergenceMonitor:
    """The stopping rule of one call to ``fit`` (reset by every call)."""

    def __init__(self, tol, n_iter_no_change, early_stopping, adversarial=True):
        self.tol = tol
        self.adversarial = adversarial
        self.best_accuracy = math.inf
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.misses = 0
        self.best_loss = math.inf
        self.best_validation_score = -math.inf
        self.validation_scores = []
        self.best_state = None
        self.converged = False

    @property
    def key(self):
        """The history key watched."""
        return "valid_loss" if self.early_stopping else "convergence_loss"

    def update(self, net):
        """Take the last epoch's record into account; return True to stop training."""
        if self.early_stopping:
            score = -net.history[-1, "valid_loss"]
            self.validation_scores.append(score)
            improved = score >= self.best_validation_score + self.tol
            if score > self.best_validation_score:
                self.best_validation_score = score
                self.best_state = {
                    k: v.detach().clone() for k, v in net.module_.state_dict().items()
                }
        else:
            loss = net.history[-1, "convergence_loss"]
            improved = loss <= self.best_loss - self.tol
            self.best_loss = min(self.best_loss, loss)
            if self.adversarial:
                accuracy = net.history[-1, "discriminator_accuracy"]
                improved = improved or accuracy <= self.best_accuracy - self.tol
                self.best_accuracy = min(self.best_accuracy, accuracy)
        self.misses = 0 if improved else self.misses + 1
        self.converged = self.misses > self.n_iter_no_change
        return self.converged

    def restore_best(self, net):
        """With early stopping, put the weights of the best epoch back into the net."""
        if self.early_stopping and self.best_state is not None:
            net.module_.load_state_dict(self.best_state)
