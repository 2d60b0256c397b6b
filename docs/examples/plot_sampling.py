"""
===================
Sampling new digits
===================

The decoder of an adversarial autoencoder is a generative model: decoding draws from the
prior gives new samples (``sample``), and decoding codes gives reconstructions
(``inverse_transform``). Pixels scaled to [0, 1] with a Bernoulli decoder
(``reconstruction_loss="binary_crossentropy"``) give images in [0, 1].
"""

# %%
# Train on the digits, scaled to [0, 1]
# -------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import scipy.stats
from sklearn.datasets import load_digits
from sklearn.preprocessing import MinMaxScaler

from sklearn_aae import AAETransformer
from sklearn_aae.plotting import plot_image_grid

X, y = load_digits(return_X_y=True)
X = MinMaxScaler().fit_transform(X)
aae = AAETransformer(
    n_components=2,
    hidden_layer_sizes=(256,),
    reconstruction_loss="binary_crossentropy",
    max_iter=60,
    n_jobs=1,
    random_state=0,
).fit(X)

# %%
# Originals, reconstructions and new samples
# ------------------------------------------
fig, axes = plt.subplots(3, 1, figsize=(7, 3.6), layout="constrained")
plot_image_grid(X[:20], (8, 8), ax=axes[0])
axes[0].set_title("digits")
plot_image_grid(aae.inverse_transform(aae.transform(X[:20])), (8, 8), ax=axes[1])
axes[1].set_title("their reconstructions from 2 numbers each")
plot_image_grid(aae.sample(20, random_state=0), (8, 8), ax=axes[2])
axes[2].set_title("decoded draws from the prior")
plt.show()

# %%
# The whole code space
# --------------------
# With a 2-D code the decoder can be read as a map: decode a grid of codes placed at
# the quantiles of the N(0, I) prior (as in the paper's Fig. 2).
quantiles = scipy.stats.norm.ppf(np.linspace(0.05, 0.95, 12))
z0, z1 = np.meshgrid(quantiles, quantiles[::-1])
grid = np.column_stack([z0.ravel(), z1.ravel()])
ax = plot_image_grid(aae.inverse_transform(grid), (8, 8), n_cols=12)
ax.set_title("decoded grid of codes")
plt.show()
