"""Exceptions and warnings raised by sklearn-aae."""


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
