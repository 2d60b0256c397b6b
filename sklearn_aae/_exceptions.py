"""Exceptions and warnings raised by sklearn-aae."""

import torch


class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss; the model is not fitted.

    Subclasses :class:`FloatingPointError`, so code that already guards numerical
    failures catches it.
    """


class AdversarialTrainingWarning(UserWarning):
    """The adversarial game shows a known failure mode.

    A discriminator that wins every epoch, or codes collapsed onto a point; the message
    names the symptom and the remedy.
    """


class TrainingInterruptedWarning(UserWarning):
    """Training stopped early and the model of the last finished epoch was kept.

    Raised on Ctrl-C, and on a divergence with ``on_divergence="restore"``.
    """


class DeviceMemoryError(torch.OutOfMemoryError, MemoryError):
    """The device ran out of memory; the message says which setting to lower.

    Subclasses :class:`torch.OutOfMemoryError` and :class:`MemoryError`, so code that
    already catches either catches it. A ``fit`` that raises it leaves the estimator as
    it was before the call and hands the memory of the failed fit back to the device.
    """
