"""Your own encoder and decoder networks (encoder_module, decoder_module)."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import MinMaxScaler
from torch import nn

from sklearn_aae import AAEClassifier, AAEClusterer, AAEClusterHeadTransformer, AAETransformer


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


class ConvEncoder(nn.Module):
    """8x8 images (flat rows of 64) -> n_out, with two convolutions."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.side = int(round(n_in**0.5))
        self.conv = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 8, 3, stride=2, padding=1),
            nn.ReLU(),
        )
        self.out = nn.Linear(8 * ((self.side + 1) // 2) ** 2, n_out)

    def forward(self, x):
        h = self.conv(x.view(-1, 1, self.side, self.side))
        return self.out(h.flatten(1))


class ConvDecoder(nn.Module):
    """n_in -> 8x8 images as flat rows of 64, with a transposed convolution."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.side = int(round(n_out**0.5))
        self.half = (self.side + 1) // 2
        self.inp = nn.Linear(n_in, 8 * self.half**2)
        self.up = nn.ConvTranspose2d(8, 1, 4, stride=2, padding=1)

    def forward(self, z):
        h = torch.relu(self.inp(z)).view(-1, 8, self.half, self.half)
        return self.up(h).flatten(1)


def small_mlp(n_in, n_out):
    return nn.Sequential(nn.Linear(n_in, 32), nn.Tanh(), nn.Linear(32, n_out))


@pytest.fixture(scope="module")
def images():
    X, y = load_digits(return_X_y=True)
    return MinMaxScaler().fit_transform(X)[:300].astype(np.float32), y[:300]


@pytest.mark.parametrize(
    "estimator",
    [
        AAETransformer(n_components=3),
        AAETransformer(n_components=3, encoder="gaussian"),
        AAETransformer(n_components=3, labels="decoder"),
        AAEClassifier(n_components=3),
        AAEClusterer(n_clusters=4, n_components=3),
        AAEClusterHeadTransformer(n_clusters=4),
    ],
    ids=lambda e: f"{type(e).__name__}-{e.encoder}-{getattr(e, 'labels', None)}",
)
def test_every_estimator_trains_with_convolutional_networks(estimator, images):
    X, y = images
    est = clone(estimator).set_params(
        encoder_module=ConvEncoder, decoder_module=ConvDecoder, max_iter=2, random_state=0
    )
    est.fit(X, y)
    assert isinstance(est.encoder_.net, ConvEncoder)
    assert isinstance(est.decoder_, ConvDecoder)
    if hasattr(est, "transform"):
        Z = est.transform(X)
        assert np.isfinite(Z).all()
    assert est.sample(3, random_state=0).shape == (3, 64)


def test_own_networks_are_deterministic_and_leave_the_global_rng_alone(images):
    X, _ = images
    torch.manual_seed(123)
    before = torch.get_rng_state()
    params = {"encoder_module": ConvEncoder, "decoder_module": small_mlp, "max_iter": 2}
    a = AAETransformer(random_state=0, **params).fit(X)
    assert torch.equal(torch.get_rng_state(), before)
    b = AAETransformer(random_state=0, **params).fit(X)
    assert_array_equal(a.transform(X), b.transform(X))
    c = AAETransformer(random_state=1, **params).fit(X)
    assert not np.array_equal(a.transform(X), c.transform(X))
    assert_array_equal(clone(a).fit(X).transform(X), a.transform(X))


def test_pickle_and_skops_trusting_only_the_users_module(images, tmp_path):
    X, _ = images
    aae = AAETransformer(encoder_module=ConvEncoder, decoder_module=ConvDecoder, max_iter=2)
    aae.set_params(random_state=0).fit(X)
    expected = aae.transform(X)
    assert_array_equal(pickle.loads(pickle.dumps(aae)).transform(X), expected)
    sio = pytest.importorskip("skops.io")
    path = tmp_path / "model.skops"
    sio.dump(aae, path)
    untrusted = sio.get_untrusted_types(file=path)
    ours = {t for t in untrusted if t.startswith("sklearn_aae.")}
    users = {t for t in untrusted if t.endswith(("ConvEncoder", "ConvDecoder"))}
    assert ours | users == set(untrusted)
    loaded = sio.load(path, trusted=untrusted)
    assert_array_equal(loaded.transform(X), expected)


def test_a_module_of_the_wrong_shape_is_a_clear_error(images):
    X, _ = images
    with pytest.raises(ValueError, match=r"must return shape \(2, 2\)"):
        AAETransformer(encoder_module=lambda n_in, n_out: nn.Linear(n_in, 5)).fit(X)
    with pytest.raises(ValueError, match="failed on a batch of 2 rows of 2 features"):
        AAETransformer(decoder_module=lambda n_in, n_out: nn.Linear(7, n_out)).fit(X)
    with pytest.raises(TypeError, match="not a module instance"):
        AAETransformer(encoder_module=nn.Linear(64, 2)).fit(X)
    with pytest.raises(TypeError, match="not a torch.nn.Module"):
        AAETransformer(encoder_module=lambda n_in, n_out: "conv").fit(X)
    with pytest.raises(ValueError, match="encoder_module"):
        AAETransformer(encoder_module="conv").fit(X)  # parameter validation


def test_the_sizes_asked_for_include_what_each_model_adds(images):
    X, y = images
    asked = []

    def spy(role):
        def build(n_in, n_out):
            asked.append((role, n_in, n_out))
            return small_mlp(n_in, n_out)

        return build

    for est in (
        AAETransformer(n_components=3, encoder="gaussian"),  # mean and log-variance
        AAETransformer(n_components=3, encoder="universal"),  # noise inputs
        AAEClassifier(n_components=3),  # class logits out, one-hot class into the decoder
        AAETransformer(n_components=3, labels="decoder"),
    ):
        est.set_params(encoder_module=spy("enc"), decoder_module=spy("dec"), max_iter=1)
        est.fit(X, y)
    n_classes = len(np.unique(y))
    assert asked == [
        ("enc", 64, 6),
        ("dec", 3, 64),
        ("enc", 67, 3),
        ("dec", 3, 64),
        ("enc", 64, 3 + n_classes),
        ("dec", 3 + n_classes, 64),
        ("enc", 64, 3),
        ("dec", 3 + n_classes, 64),
    ]
