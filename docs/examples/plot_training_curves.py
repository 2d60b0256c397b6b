"""
=================
Watching training
=================

``fit`` records one value per epoch of each loss: the reconstruction loss, the
discriminator's loss and accuracy, and the generator loss (the encoder's adversarial
loss, before weighting by λ). When the codes follow the prior the discriminator is at
chance: accuracy near 0.5 and loss near log 4 (the dashed lines).
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import make_blobs
from sklearn.preprocessing import StandardScaler

from sklearn_aae import AAETransformer
from sklearn_aae.plotting import plot_training_curves

X, _ = make_blobs(n_samples=1000, n_features=20, centers=5, random_state=0)
X = StandardScaler().fit_transform(X)
aae = AAETransformer(
    n_components=2, hidden_layer_sizes=(64,), max_iter=40, n_jobs=1, random_state=0
).fit(X)
axes = plot_training_curves(aae)
axes[0].figure.suptitle("AAETransformer on 5 blobs in 20-D, 2-D codes")
print(
    f"{aae.n_iter_} epochs, last discriminator accuracy {aae.discriminator_accuracy_curve_[-1]:.2f}"
)
plt.show()
