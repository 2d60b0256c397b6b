"""Exceptions raised by sklearn-aae."""


class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss; the model is not fitted.

    Subclasses :class:`FloatingPointError`, so code that already guards numerical
    failures catches it.
    """
