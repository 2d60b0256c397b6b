"""
============================================
Your own networks: a convolutional encoder
============================================

``encoder_module`` and ``decoder_module`` take a ``torch.nn.Module`` class (or a
function) that the estimator builds as ``module(n_in, n_out)``: it maps flat rows of
``n_in`` features to ``n_out`` outputs, and may reshape them inside ``forward``, here to
8x8 images. The estimator adds what its model needs (here: nothing; a classifier would
ask for the class logits too) and keeps its guarantees: ``clone``, pickling,
reproducibility from ``random_state``.

The convolutional autoencoder is compared with the default MLP at the same budget of
epochs, by the reconstruction error of digits it never saw.
"""

# %%
# Two small networks for 8x8 images
# ---------------------------------
import time
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler
from torch import nn

from sklearn_aae import AAETransformer

warnings.simplefilter("ignore", ConvergenceWarning)  # short fits for the example


class ConvEncoder(nn.Module):
    """Flat 8x8 images -> n_out, through two convolutions."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.side = int(round(n_in**0.5))
        self.conv = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1),
            nn.ReLU(),
        )
        self.head = nn.Linear(32 * (self.side // 2) ** 2, n_out)

    def forward(self, x):
        h = self.conv(x.view(-1, 1, self.side, self.side))
        return self.head(h.flatten(1))


class ConvDecoder(nn.Module):
    """n_in -> flat 8x8 images (logits), through a transposed convolution."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.half = int(round(n_out**0.5)) // 2
        self.inp = nn.Sequential(nn.Linear(n_in, 32 * self.half**2), nn.ReLU())
        self.up = nn.Sequential(
            nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 1, 3, padding=1),
        )

    def forward(self, z):
        h = self.inp(z).view(-1, 32, self.half, self.half)
        return self.up(h).flatten(1)


# %%
# The same budget for both
# ------------------------
X, y = load_digits(return_X_y=True)
X = MinMaxScaler().fit_transform(X)
X_train, X_test = train_test_split(X, random_state=0)
common = dict(
    n_components=8,
    reconstruction_loss="binary_crossentropy",
    max_iter=60,
    n_iter_no_change=60,  # the same 60 epochs for both
    n_jobs=1,
    random_state=0,
)
models = {
    "MLP (default)": AAETransformer(**common),
    "convolutional": AAETransformer(
        encoder_module=ConvEncoder, decoder_module=ConvDecoder, **common
    ),
}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train)
    seconds = time.perf_counter() - start
    n_weights = sum(p.numel() for p in model.net_.module_.parameters())
    print(
        f"{name:>14}: held-out reconstruction loss {-model.score(X_test):.4f}, "
        f"{n_weights} weights, {seconds:.1f} s"
    )

# %%
# Held-out digits and their reconstructions
# -----------------------------------------
fig, axes = plt.subplots(3, 8, figsize=(8, 3.3), layout="constrained")
rows = {"input": X_test[:8]}
rows.update({name: m.inverse_transform(m.transform(X_test[:8])) for name, m in models.items()})
for ax_row, (name, images) in zip(axes, rows.items(), strict=True):
    for ax, image in zip(ax_row, images, strict=True):
        ax.imshow(image.reshape(8, 8), cmap="gray_r")
        ax.set_xticks([])
        ax.set_yticks([])
    ax_row[0].set_ylabel(name, rotation=0, ha="right", va="center")
plt.show()
