"""
==========================
The paper's priors, in 2-D
==========================

The codes follow whatever prior the discriminator compares them with. Four priors on
2-D codes of the digits: the standard normal, the paper's mixture of 10 Gaussians and
Swiss roll, and a :mod:`scipy.stats` distribution (any object with
``rvs(size=..., random_state=...)`` works; a univariate one is drawn per dimension).
The grey hexagons show the prior's density, the points the codes, coloured by digit.
λ = 5 pulls the codes onto the prior more strongly than the default λ = 1 within the
60 epochs of this example.
"""

# %%
import matplotlib.pyplot as plt
import scipy.stats
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from sklearn_aae import AAETransformer
from sklearn_aae.plotting import plot_codes

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
priors = {
    "normal": "normal",
    "mixture of 10 Gaussians": "mixture",
    "Swiss roll": "swiss_roll",
    "scipy.stats.laplace()": scipy.stats.laplace(),
}
fig, axes = plt.subplots(2, 2, figsize=(10, 9), layout="constrained")
for ax, (title, prior) in zip(axes.ravel(), priors.items(), strict=True):
    aae = AAETransformer(
        n_components=2,
        prior=prior,
        hidden_layer_sizes=(128,),
        adversarial_weight=5.0,
        max_iter=60,
        n_jobs=1,
        random_state=0,
    ).fit(X)
    plot_codes(aae, X, y, ax=ax)
    ax.set_title(title)
    if ax is not axes[0, 0]:
        ax.get_legend().remove()
plt.show()
