"""Checkpoints during a long fit: the estimator as it is at the end of an epoch, on disk."""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

from skorch.callbacks import Callback


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _restore(cls, state):
    """Rebuild an estimator from its state, as unpickling it would."""
    estimator = cls.__new__(cls)
    estimator.__setstate__(state)
    return estimator


class _Restore:
    """Pickles as ``_restore(cls, state)``.

    So a checkpoint loads with plain ``pickle.load`` / ``joblib.load`` into a fitted
    estimator, without building that estimator here first.
    """

    def __init__(self, cls, state):
        self.cls = cls
        self.state = state

    def __reduce__(self):
        return (_restore, (self.cls, self.state))


class TrainingCheckpoint(Callback):
    """Save the estimator every ``every`` epochs during ``fit``, to resume from later.

    A checkpoint is the estimator as it is at the end of that epoch (weights, both
    optimizers' states, the history and every random generator), pickled: load it with
    ``pickle.load`` or ``joblib.load`` and it transforms like a fitted estimator. To
    resume, set ``warm_start=True`` and ``max_iter`` to the epochs still to run and call
    ``fit`` on the same data: the result is the one the uninterrupted fit gives.

    Pass it in the estimator's ``callbacks``. Each file is written to a temporary file
    first and renamed, so a crash while writing never leaves a half-written checkpoint.

    Parameters
    ----------
    path : str or path-like
        Where to write. ``"{epoch}"`` in it is replaced by the epoch's number (counted
        over all fits of the estimator), to keep one file per checkpoint; without it,
        each checkpoint replaces the last.
    every : int, default=1
        Write after every ``every``-th epoch.

    Examples
    --------
    >>> import pickle, tempfile, os
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_aae import AAETransformer, TrainingCheckpoint
    >>> X = load_iris().data
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "aae-{epoch}.pkl")
    >>> aae = AAETransformer(
    ...     max_iter=4, callbacks=[TrainingCheckpoint(path, every=2)], random_state=0
    ... ).fit(X)
    >>> sorted(os.listdir(folder))
    ['aae-2.pkl', 'aae-4.pkl']
    >>> with open(os.path.join(folder, "aae-2.pkl"), "rb") as f:
    ...     resumed = pickle.load(f)
    >>> resumed.n_iter_
    2
    >>> _ = resumed.set_params(warm_start=True, max_iter=2).fit(X)
    >>> bool((resumed.transform(X) == aae.transform(X)).all())
    True
    """

    def __init__(self, path, every=1):
        self.path = path
        self.every = every

    def initialize(self):
        if not isinstance(self.every, int) or self.every < 1:
            raise ValueError(f"every must be a positive integer, got {self.every!r}.")
        return self

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history)
        if epoch % self.every:
            return
        estimator = net.owner_
        state = estimator._state(net)
        target = Path(str(self.path).replace("{epoch}", str(epoch)))
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private (0600)
            with os.fdopen(fd, "wb") as f:
                pickle.dump(_Restore(type(estimator), state), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
