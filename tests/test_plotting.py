"""Tests of sklearn_aae.plotting: what each function draws, on the Agg backend."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_aae import AAETransformer
from sklearn_aae.plotting import plot_codes, plot_image_grid, plot_training_curves

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted(blobs_module):
    X, y = blobs_module
    aae = AAETransformer(n_components=3, hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    return aae.fit(X), X, y


@pytest.fixture(scope="module")
def blobs_module():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=200, n_features=6, centers=3, random_state=0)
    return StandardScaler().fit_transform(X), y


def _scatter_offsets(ax):
    return [c.get_offsets() for c in ax.collections if type(c).__name__ == "PathCollection"]


def test_plot_codes_draws_first_two_code_dimensions_per_class(fitted):
    aae, X, y = fitted
    X_before = X.copy()
    ax = plot_codes(aae, X, y, n_prior=500)

    offsets = _scatter_offsets(ax)
    assert len(offsets) == 3  # one scatter per class
    Z = aae.transform(X)
    for label, points in zip(np.unique(y), offsets, strict=True):
        assert_allclose(points, Z[y == label][:, :2], rtol=1e-6)
    # the prior's density, from n_prior draws
    (hexbin,) = [c for c in ax.collections if type(c).__name__ == "PolyCollection"]
    assert hexbin.get_array().sum() == 500
    assert ax.get_xlabel() == "z[0]" and ax.get_ylabel() == "z[1]"
    # the view holds at least 99 % of the codes
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    inside = (Z[:, 0] >= x0) & (Z[:, 0] <= x1) & (Z[:, 1] >= y0) & (Z[:, 1] <= y1)
    assert inside.mean() >= 0.99
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["prior", "0", "1", "2"]
    assert_array_equal(X, X_before)


def test_plot_codes_without_labels_on_given_axes_and_pipeline(blobs_module):
    X, _ = blobs_module
    pipe = make_pipeline(
        StandardScaler(), AAETransformer(hidden_layer_sizes=(8,), max_iter=1, random_state=0)
    ).fit(X)
    fig, ax = plt.subplots()
    out = plot_codes(pipe, X, ax=ax, n_prior=100)
    assert out is ax
    (points,) = _scatter_offsets(ax)
    assert_allclose(points, pipe.transform(X), rtol=1e-6)


def test_plot_codes_is_seeded(fitted):
    aae, X, _ = fitted
    counts = [
        plot_codes(aae, X, random_state=s, n_prior=300).collections[0].get_array()
        for s in (0, 0, 1)
    ]
    assert_array_equal(counts[0], counts[1])
    assert not np.array_equal(counts[0], counts[2])


def test_plot_codes_one_component_draws_histograms(blobs_module):
    X, y = blobs_module
    aae = AAETransformer(n_components=1, hidden_layer_sizes=(8,), max_iter=1, random_state=0)
    ax = plot_codes(aae.fit(X), X, y, n_prior=200)
    # the prior as 40 bars, then one step histogram per class
    assert len(ax.containers) == 1 and len(ax.containers[0]) == 40
    assert [type(p).__name__ for p in ax.patches[40:]] == ["Polygon"] * 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["prior", "0", "1", "2"]
    assert ax.get_ylabel() == "density"


def test_plot_codes_rejects_bad_input(fitted):
    aae, X, y = fitted
    with pytest.raises(ValueError, match="y must have shape"):
        plot_codes(aae, X, y[:-1])
    with pytest.raises(ValueError, match="n_prior"):
        plot_codes(aae, X, n_prior=1)
    with pytest.raises(TypeError, match="sklearn-aae estimator"):
        plot_codes(StandardScaler().fit(X), X)
    with pytest.raises(ValueError, match="no adversarial autoencoder"):
        plot_codes(make_pipeline(StandardScaler()).fit(X), X)


def test_plot_codes_needs_a_fitted_estimator(blobs_module):
    from sklearn.exceptions import NotFittedError

    X, _ = blobs_module
    with pytest.raises(NotFittedError):
        plot_codes(AAETransformer(), X)


def test_plot_training_curves_draws_every_curve(fitted):
    aae, _, _ = fitted
    axes = plot_training_curves(aae)
    assert axes.shape == (4,)
    attributes = [
        "reconstruction_loss_curve_",
        "discriminator_loss_curve_",
        "generator_loss_curve_",
        "discriminator_accuracy_curve_",
    ]
    for ax, attribute in zip(axes, attributes, strict=True):
        line = ax.get_lines()[0]
        assert_array_equal(line.get_xdata(), [1, 2, 3])
        assert_allclose(line.get_ydata(), getattr(aae, attribute))
        assert ax.get_xlabel() == "epoch"
    # chance levels of the discriminator
    assert axes[1].get_lines()[1].get_ydata()[0] == pytest.approx(math.log(4))
    assert axes[3].get_lines()[1].get_ydata()[0] == 0.5


def test_plot_training_curves_on_given_axes(fitted):
    aae, _, _ = fitted
    fig, axes = plt.subplots(1, 4)
    out = plot_training_curves(aae, axes=axes)
    assert all(a is b for a, b in zip(out, axes, strict=True))
    with pytest.raises(ValueError, match="4 Axes"):
        plot_training_curves(aae, axes=axes[:2])


@pytest.mark.parametrize("n_images, n_cols, grid_shape", [(20, 10, (2, 10)), (7, 3, (3, 3))])
def test_plot_image_grid_tiles_every_image(n_images, n_cols, grid_shape, rng):
    images = rng.uniform(size=(n_images, 12))
    ax = plot_image_grid(images, (3, 4), n_cols=n_cols)
    (im,) = ax.images
    grid = im.get_array()
    rows, cols = grid_shape
    assert grid.shape == (rows * 4 - 1, cols * 5 - 1)
    tiles = [grid[r * 4 : r * 4 + 3, c * 5 : c * 5 + 4] for r in range(rows) for c in range(cols)]
    # every image appears in its place, row by row; the cells left over are empty
    for i, tile in enumerate(tiles):
        if i < n_images:
            assert_allclose(tile, images[i].reshape(3, 4))
        else:
            assert tile.mask.all()
    assert grid.mask.sum() == grid.size - n_images * 12
    assert not ax.axison


def test_plot_image_grid_of_samples(fitted):
    aae, _, _ = fitted
    samples = aae.sample(6, random_state=0)  # 6 features: 2x3 "images"
    ax = plot_image_grid(samples, (2, 3), n_cols=4)
    assert ax.images[0].get_array().shape == (2 * 3 - 1, 4 * 4 - 1)


def test_plot_image_grid_rejects_bad_shapes(rng):
    images = rng.uniform(size=(4, 12))
    with pytest.raises(ValueError, match="height \\* width = 12"):
        plot_image_grid(images, (3, 3))
    with pytest.raises(ValueError, match="n_cols"):
        plot_image_grid(images, (3, 4), n_cols=0)


def test_the_demo_prints_every_model_and_writes_the_figure(tmp_path, capsys, monkeypatch):
    import functools

    import sklearn_aae.demo as demo

    # the README's demo, with 2 epochs per fit instead of the defaults
    monkeypatch.setattr(demo, "AAETransformer", functools.partial(AAETransformer, max_iter=2))
    png = tmp_path / "codes.png"
    demo.main(["--n-jobs", "1", "--png", str(png)])
    out = capsys.readouterr().out
    for line in ("PCA", demo.PLAIN, demo.GRAPH, "plain autoencoder (λ=0)", "MMD²"):
        assert line in out
    assert out.count("±") == 3 and out.count("two-sample p") == 3
    # the accuracy of the reducers, then the prior fit of the held-out codes
    lines = [line.split()[0] for line in out.splitlines() if "±" in line or "MMD² =" in line]
    assert lines == ["PCA", demo.PLAIN, demo.GRAPH, "plain", demo.PLAIN, demo.GRAPH]
    assert png.is_file()


def test_the_demo_encodes_every_digit_with_the_fold_model_that_did_not_train_on_it():
    import sklearn_aae.demo as demo

    X, y = load_digits(return_X_y=True)
    # stand-ins for each fold's results: fold f's "codes" of row i are (f, i)
    folds = [
        (0.0, 0.0, test, np.c_[np.full(len(X), f), np.arange(len(X))], 0.5)
        for f, (_, test) in enumerate(demo._folds(X, y))
    ]
    codes = demo._held_out_codes(folds)
    assert_array_equal(codes[:, 1], np.arange(len(X)))
    for f, (_, test) in enumerate(demo._folds(X, y)):
        assert_array_equal(codes[test, 0], f)
