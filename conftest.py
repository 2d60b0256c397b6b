"""Doctest settings for the package's docstring Examples: one torch thread."""

import os

# scikit-learn runs its array-API check only when SciPy's array API mode is on; it must
# be set before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import torch  # noqa: E402

torch.set_num_threads(1)
