"""Tests of sklearn_aae.export: ONNX graphs match transform/inverse_transform, weights
round-trip through safetensors."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sklearn_aae import AAETransformer
from sklearn_aae.export import load_safetensors, save_safetensors, to_onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")
pytest.importorskip("safetensors")

# float32 networks, evaluated by torch and by ONNX Runtime with different kernels
TOL = {"rtol": 1e-5, "atol": 1e-5}


def _tiny(**params):
    return AAETransformer(
        **{"hidden_layer_sizes": (16,), "max_iter": 2, "random_state": 0, **params}
    )


@pytest.fixture(scope="module")
def data():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:300], y[:300]


@pytest.fixture(scope="module")
def fitted(data):
    X, _ = data
    Xs = StandardScaler().fit_transform(X)
    return _tiny(n_components=3).fit(Xs), Xs


def _run(path, **inputs):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in inputs.items()}
    (out,) = session.run(None, feeds)
    return out


def _batch_dim(path, kind):
    value_info = getattr(onnx.load(str(path)).graph, kind)[0]
    return value_info.type.tensor_type.shape.dim[0]


def test_encoder_matches_transform_for_any_batch_size(fitted, tmp_path):
    aae, X = fitted
    path = to_onnx(aae, tmp_path / "encoder.onnx", part="encoder")
    assert path == str(tmp_path / "encoder.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["encoder.onnx"]  # self-contained
    assert _batch_dim(path, "input").dim_param  # dynamic batch axis, named
    assert _batch_dim(path, "output").dim_param
    for n in (1, 7, len(X)):
        Z = _run(path, x=X[:n])
        assert Z.shape == (n, 3) and Z.dtype == np.float32
        assert_allclose(Z, aae.transform(X[:n]), **TOL)


def test_decoder_matches_inverse_transform(fitted, tmp_path, rng):
    aae, X = fitted
    path = to_onnx(aae, tmp_path / "decoder.onnx", part="decoder")
    Z = np.vstack([aae.transform(X[:50]), rng.standard_normal((5, 3))])
    out = _run(path, z=Z)
    assert out.shape == (55, X.shape[1])
    assert_allclose(out, aae.inverse_transform(Z), **TOL)


def test_decoder_includes_the_sigmoid_of_binary_crossentropy(data, tmp_path):
    X, _ = data
    X01 = MinMaxScaler().fit_transform(X)
    aae = _tiny(reconstruction_loss="binary_crossentropy").fit(X01)
    path = to_onnx(aae, tmp_path / "decoder.onnx", part="decoder")
    Z = aae.transform(X01[:40])
    out = _run(path, z=Z)
    assert out.min() >= 0 and out.max() <= 1
    assert_allclose(out, aae.inverse_transform(Z), **TOL)
    # the encoder side of the same model
    enc = to_onnx(aae, tmp_path / "encoder.onnx")
    assert_allclose(_run(enc, x=X01[:40]), Z, **TOL)


@pytest.mark.parametrize("encoder", ["gaussian", "universal"])
def test_encoder_exports_the_deterministic_code(encoder, data, tmp_path):
    X, _ = data
    Xs = StandardScaler().fit_transform(X)
    aae = _tiny(encoder=encoder).fit(Xs)
    path = to_onnx(aae, tmp_path / "encoder.onnx")
    assert_allclose(_run(path, x=Xs[:60]), aae.transform(Xs[:60]), **TOL)


def test_class_conditioned_decoder_takes_the_one_hot_class(data, tmp_path):
    X, y = data
    Xs = StandardScaler().fit_transform(X)
    aae = _tiny(labels="decoder").fit(Xs, y)
    path = to_onnx(aae, tmp_path / "decoder.onnx", part="decoder")
    inputs = [i.name for i in onnx.load(path).graph.input]
    assert inputs == ["y", "z"]
    Z = aae.transform(Xs[:30])
    labels = y[:30]
    onehot = np.eye(len(aae.classes_))[np.searchsorted(aae.classes_, labels)]
    assert_allclose(_run(path, y=onehot, z=Z), aae.inverse_transform(Z, labels), **TOL)


def test_export_leaves_the_estimator_unchanged(fitted, tmp_path):
    aae, X = fitted
    module = aae.net_.module_
    module.train()  # as after fit: export must not switch it to eval mode
    before = {k: v.clone() for k, v in module.state_dict().items()}
    Z = aae.transform(X)
    to_onnx(aae, tmp_path / "e.onnx")
    to_onnx(aae, tmp_path / "d.onnx", part="decoder")
    save_safetensors(aae, tmp_path / "w.safetensors")
    assert module.training
    for k, v in module.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert_array_equal(aae.transform(X), Z)


def test_to_onnx_rejects_bad_arguments(fitted, tmp_path):
    from sklearn.exceptions import NotFittedError

    aae, X = fitted
    with pytest.raises(ValueError, match="part must be one of"):
        to_onnx(aae, tmp_path / "x.onnx", part="discriminator")
    with pytest.raises(NotFittedError):
        to_onnx(_tiny(), tmp_path / "x.onnx")
    with pytest.raises(TypeError, match="step itself"):
        to_onnx(make_pipeline(StandardScaler(), clone(aae)), tmp_path / "x.onnx")
    with pytest.raises(TypeError, match="sklearn-aae estimator"):
        save_safetensors(StandardScaler().fit(X), tmp_path / "x.safetensors")


def test_safetensors_round_trip(fitted, tmp_path):
    from safetensors import safe_open

    aae, X = fitted
    path = save_safetensors(aae, tmp_path / "aae.safetensors")
    state = load_safetensors(path)
    expected = aae.net_.module_.state_dict()
    assert state.keys() == expected.keys()
    for name, tensor in state.items():
        assert tensor.device.type == "cpu"
        assert torch.equal(tensor, expected[name].cpu()), name
    with safe_open(path, "pt") as f:
        meta = f.metadata()
    assert meta["estimator"] == "AAETransformer"
    assert meta["n_features_in"] == "64" and meta["n_components"] == "3"
    assert '"hidden_layer_sizes": [16]' in meta["params"]


def test_load_safetensors_into_a_copy_of_an_estimator(fitted, tmp_path):
    aae, X = fitted
    path = save_safetensors(aae, tmp_path / "aae.safetensors")
    other = _tiny(n_components=3, random_state=1).fit(X)
    Z_other = other.transform(X)
    restored = load_safetensors(path, other)
    assert restored is not other
    assert_array_equal(restored.transform(X), aae.transform(X))
    assert_array_equal(restored.inverse_transform(Z_other), aae.inverse_transform(Z_other))
    assert_array_equal(other.transform(X), Z_other)  # the estimator passed is unchanged


def test_load_safetensors_into_different_networks_says_why(fitted, tmp_path):
    aae, X = fitted
    path = save_safetensors(aae, tmp_path / "aae.safetensors")
    wider = _tiny(n_components=3, hidden_layer_sizes=(8,)).fit(X)
    with pytest.raises(ValueError, match="do not fit this AAETransformer"):
        load_safetensors(path, wider)
