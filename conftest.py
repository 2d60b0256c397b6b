"""Doctest settings for the package's docstring Examples: one torch thread."""

import importlib.util
import os

# scikit-learn runs its array-API check only when SciPy's array API mode is on; it must
# be set before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import torch  # noqa: E402

torch.set_num_threads(1)

# The Examples of the optional modules need their extras; without them the module's
# doctests are skipped, as its tests are (pytest.importorskip).
_OPTIONAL_MODULES = {
    "sklearn_aae/plotting.py": ("matplotlib",),
    "sklearn_aae/export.py": ("onnx", "onnxruntime", "onnxscript", "safetensors"),
}
collect_ignore = [
    path
    for path, packages in _OPTIONAL_MODULES.items()
    if any(importlib.util.find_spec(p) is None for p in packages)
]
