"""Export a fitted adversarial autoencoder: ONNX graphs and safetensors weights.

``to_onnx`` writes the encoder (data to the code that ``transform`` gives) or the decoder
(code to data, what ``inverse_transform`` gives) as an ONNX graph with a dynamic batch
axis, to run without Python or torch (ONNX Runtime, browsers, C++, ...).
``save_safetensors`` / ``load_safetensors`` store and read the networks' weights in the
safetensors format: plain tensors, no pickle, so loading a file runs no code.

The dependencies are optional: ``pip install`` them, or install the ``export`` extra
(onnx, onnxscript and onnxruntime for ONNX, safetensors for the weights).
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import warnings

import torch
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from torch import nn

__all__ = ["load_safetensors", "save_safetensors", "to_onnx"]

_PARTS = ("encoder", "decoder")

# Weights up to this size are stored inside the .onnx file (protobuf's limit is 2 GiB).
_MAX_INLINE_BYTES = 1 << 30


def _require(module, what):
    try:
        return __import__(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{what} needs the {module!r} package: pip install {module} (or install "
            "sklearn-aae with its export extra, see the installation page)."
        ) from exc


def _fitted_model(estimator):
    """Check that ``estimator`` is a fitted sklearn-aae estimator and return it."""
    if isinstance(estimator, Pipeline):
        raise TypeError(
            "Pass the adversarial autoencoder step itself (e.g. pipe[-1]): only its own "
            "networks are exported, the other steps of a Pipeline (scalers, ...) are not."
        )
    if not hasattr(estimator, "_sample_prior"):
        raise TypeError(f"Expected a fitted sklearn-aae estimator, got {type(estimator).__name__}.")
    check_is_fitted(estimator)
    return estimator


def _first_linear(module):
    return next(m for m in module.modules() if isinstance(m, nn.Linear))


class _EncoderGraph(nn.Module):
    """x -> the code that ``transform`` returns (the deterministic mean code)."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module.representation(self.module.encoder.mean(x))


class _DecoderGraph(nn.Module):
    """Code -> decoded data, as ``inverse_transform`` returns it."""

    def __init__(self, decoder, sigmoid):
        super().__init__()
        self.decoder = decoder
        self.sigmoid = sigmoid

    def _output(self, decoder_input):
        out = self.decoder(decoder_input)
        return torch.sigmoid(out) if self.sigmoid else out

    def forward(self, z):
        return self._output(z)


class _ConditionedDecoderGraph(_DecoderGraph):
    """One-hot class and code -> decoded data, for decoders that also take the class."""

    def forward(self, y, z):
        return self._output(torch.cat([y, z], dim=1))


@contextlib.contextmanager
def _quiet_exporter():
    """Silence the exporter's notices that users cannot act on.

    torch's ONNX registry logs one warning per torchvision operator when torchvision is
    absent (it is not needed here), ``torch.export`` emits a FutureWarning about its
    own internal use of pytree ``LeafSpec``, and the exporter warns that the inputs
    ``y`` and ``z`` of a conditioned decoder share one batch axis, which they do.
    """
    logger = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*LeafSpec.*", category=FutureWarning)
            warnings.filterwarnings("ignore", message="# The axis name: batch will not be used")
            yield
    finally:
        logger.setLevel(level)


def to_onnx(estimator, path, part="encoder", *, opset_version=None):
    """Export the encoder or the decoder of a fitted estimator as an ONNX graph.

    The encoder graph maps data to the deterministic code, exactly what ``transform``
    returns; the decoder graph maps codes to data, exactly what ``inverse_transform``
    returns (including the sigmoid of a ``"binary_crossentropy"`` model). The batch
    axis is dynamic, and everything is float32. Scaling steps of a Pipeline are not
    part of the graph. The weights are stored in the file itself (in ``<path>.data``
    beside it only for networks above 1 GiB).

    Parameters
    ----------
    estimator : AAETransformer
        A fitted sklearn-aae estimator (for a Pipeline, its last step).
    path : str or os.PathLike
        File to write, conventionally ending in ``.onnx``.
    part : {"encoder", "decoder"}, default="encoder"
        Which network to export. The encoder graph has the input ``"x"`` of shape
        ``(batch, n_features_in_)`` and the output ``"z"`` of shape
        ``(batch, n_components)``. The decoder graph has the input ``"z"`` and the
        output ``"x"``; a decoder that also takes the class (``labels="decoder"``) has a
        first input ``"y"``, the one-hot class of shape ``(batch, n_classes)``.
    opset_version : int, default=None
        ONNX operator set to target; None uses the exporter's default.

    Returns
    -------
    path : str
        The path written.

    Notes
    -----
    This uses torch's ``torch.export``-based ONNX exporter (``dynamo=True``, which needs
    ``onnxscript``): it is torch's default and maintained exporter, whereas the
    TorchScript-based one (``dynamo=False``) is deprecated and warns on every call.

    Examples
    --------
    >>> import tempfile, os
    >>> import numpy as np
    >>> import onnxruntime
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_aae import AAETransformer
    >>> from sklearn_aae.export import to_onnx
    >>> X = StandardScaler().fit_transform(load_digits().data).astype(np.float32)
    >>> aae = AAETransformer(hidden_layer_sizes=(16,), max_iter=2, random_state=0).fit(X)
    >>> path = to_onnx(aae, os.path.join(tempfile.mkdtemp(), "encoder.onnx"))
    >>> session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    >>> (Z,) = session.run(None, {"x": X[:5]})
    >>> bool(np.allclose(Z, aae.transform(X[:5]), atol=1e-5))
    True
    """
    _require("onnxscript", "to_onnx")
    model = _fitted_model(estimator)
    if part not in _PARTS:
        raise ValueError(f"part must be one of {_PARTS}, got {part!r}.")
    # A CPU copy in eval mode: the estimator's own networks stay as they are, on their
    # device, in their mode.
    module = copy.deepcopy(model.net_.module_).cpu().eval()
    batch = torch.export.Dim("batch")
    if part == "encoder":
        graph = _EncoderGraph(module)
        example = (torch.zeros(2, model.n_features_in_),)
        input_names, output_names = ["x"], ["z"]
    else:
        sigmoid = getattr(model, "reconstruction_loss", None) == "binary_crossentropy"
        n_conditions = _first_linear(module.decoder).in_features - model.n_components
        example = (torch.zeros(2, model.n_components),)
        input_names, output_names = ["z"], ["x"]
        if n_conditions > 0:  # the decoder reads [one-hot class, code], in that order
            graph = _ConditionedDecoderGraph(module.decoder, sigmoid)
            example = (torch.zeros(2, n_conditions), *example)
            input_names = ["y", *input_names]
        else:
            graph = _DecoderGraph(module.decoder, sigmoid)
    graph.eval()
    # One self-contained file, unless the weights pass protobuf's 2 GB limit: then they go
    # to ``<path>.data`` beside it (torch's default writes that file for any size).
    n_bytes = sum(p.numel() * p.element_size() for p in graph.parameters())
    path = os.fspath(path)
    with _quiet_exporter(), torch.no_grad():
        torch.onnx.export(
            graph,
            example,
            path,
            input_names=input_names,
            output_names=output_names,
            dynamic_shapes=tuple({0: batch} for _ in example),
            opset_version=opset_version,
            external_data=n_bytes > _MAX_INLINE_BYTES,
            dynamo=True,
            verbose=False,
        )
    return path


def _metadata(model):
    return {
        "format": "sklearn-aae",
        "estimator": type(model).__name__,
        "n_features_in": str(model.n_features_in_),
        "n_components": str(model.n_components),
        "params": json.dumps(
            {k: v for k, v in model.get_params(deep=False).items() if _is_json(v)},
            sort_keys=True,
        ),
    }


def _is_json(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def save_safetensors(estimator, path):
    """Save the weights of a fitted estimator's networks as a safetensors file.

    The file holds every tensor of the networks' state dict (encoder, decoder,
    discriminators; on CPU, under the names of ``estimator.net_.module_.state_dict()``)
    and, as metadata, the estimator's class name, ``n_features_in_``,
    ``n_components`` and its JSON-serialisable parameters.

    Parameters
    ----------
    estimator : AAETransformer
        A fitted sklearn-aae estimator (for a Pipeline, its last step).
    path : str or os.PathLike
        File to write, conventionally ending in ``.safetensors``.

    Returns
    -------
    path : str
        The path written.

    See Also
    --------
    load_safetensors : Read the weights back, alone or into an estimator.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_aae import AAETransformer
    >>> from sklearn_aae.export import load_safetensors, save_safetensors
    >>> X = StandardScaler().fit_transform(load_digits().data)
    >>> aae = AAETransformer(hidden_layer_sizes=(16,), max_iter=2, random_state=0).fit(X)
    >>> path = save_safetensors(aae, os.path.join(tempfile.mkdtemp(), "aae.safetensors"))
    >>> weights = load_safetensors(path)
    >>> tuple(weights["encoder.net.0.weight"].shape)
    (16, 64)
    """
    _require("safetensors", "save_safetensors")
    safetensors_torch = _safetensors_torch()
    model = _fitted_model(estimator)
    state = {
        name: tensor.detach().to("cpu", copy=True).contiguous()
        for name, tensor in model.net_.module_.state_dict().items()
    }
    path = os.fspath(path)
    safetensors_torch.save_file(state, path, metadata=_metadata(model))
    return path


def _safetensors_torch():
    import safetensors.torch

    return safetensors.torch


def load_safetensors(path, estimator=None):
    """Load network weights saved by :func:`save_safetensors`.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save_safetensors`.
    estimator : AAETransformer, default=None
        A fitted estimator with the same networks (same class, ``n_features_in_``,
        ``n_components``, layer sizes and options). When given, a copy of it with the
        loaded weights is returned; the estimator itself is left unchanged.

    Returns
    -------
    state_dict or estimator : dict of str to torch.Tensor, or AAETransformer
        The weights, as CPU tensors under their state-dict names, when ``estimator`` is
        None; otherwise a deep copy of ``estimator`` holding the loaded weights (on the
        estimator's device).

    Examples
    --------
    >>> import tempfile, os
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_aae import AAETransformer
    >>> from sklearn_aae.export import load_safetensors, save_safetensors
    >>> X = StandardScaler().fit_transform(load_digits().data)
    >>> trained = AAETransformer(hidden_layer_sizes=(16,), max_iter=3, random_state=0).fit(X)
    >>> path = save_safetensors(trained, os.path.join(tempfile.mkdtemp(), "aae.safetensors"))
    >>> other = AAETransformer(hidden_layer_sizes=(16,), max_iter=1, random_state=1).fit(X)
    >>> restored = load_safetensors(path, other)
    >>> bool(np.array_equal(restored.transform(X), trained.transform(X)))
    True
    """
    _require("safetensors", "load_safetensors")
    safetensors_torch = _safetensors_torch()
    path = os.fspath(path)
    state = safetensors_torch.load_file(path, device="cpu")
    if estimator is None:
        return state
    model = _fitted_model(estimator)
    restored = copy.deepcopy(model)
    try:
        restored.net_.module_.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ValueError(
            f"The weights in {path!r} do not fit this {type(model).__name__}'s networks "
            f"(n_features_in_={model.n_features_in_}, n_components={model.n_components}, "
            f"hidden_layer_sizes={model.hidden_layer_sizes}): {exc}"
        ) from exc
    return restored
