"""
=======================================================
Choosing λ with GridSearchCV, by accuracy and prior fit
=======================================================

λ (``adversarial_weight``) weighs the adversarial loss that pulls the codes onto the
prior against the reconstruction loss. Reconstruction alone always prefers λ = 0, so
score the search with what you care about: here the accuracy of an SVC on the codes and
:func:`~sklearn_aae.prior_fit_score`, minus the MMD² between the codes and draws from
the prior (0 is a perfect match).
"""

# %%
# A grid search with two scores
# -----------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_aae import AAETransformer, prior_fit_score

X, y = load_digits(return_X_y=True)
pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        (
            "aae",
            AAETransformer(
                n_components=2, hidden_layer_sizes=(128,), max_iter=20, n_jobs=1, random_state=0
            ),
        ),
        ("clf", SVC()),
    ]
)
lambdas = [0.0, 1.0, 10.0]
search = GridSearchCV(
    pipe,
    {"aae__adversarial_weight": lambdas},
    scoring={"accuracy": "accuracy", "prior_fit": prior_fit_score},
    refit="accuracy",
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
).fit(X, y)
print("best λ by accuracy:", search.best_params_["aae__adversarial_weight"])

# %%
# Both scores against λ
# ---------------------
results = search.cv_results_
fig, axes = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
for ax, score in zip(axes, ["accuracy", "prior_fit"], strict=True):
    mean, std = results[f"mean_test_{score}"], results[f"std_test_{score}"]
    ax.errorbar(np.arange(len(lambdas)), mean, yerr=std, marker="o", capsize=3)
    ax.set_xticks(np.arange(len(lambdas)), [f"{lam:g}" for lam in lambdas])
    ax.set_xlabel("λ (adversarial_weight)")
    ax.set_title(score)
axes[1].set_ylabel("− MMD² (higher is closer to the prior)")
plt.show()
