"""
====================================================
Codes for a classifier: AAETransformer in a Pipeline
====================================================

An adversarial autoencoder is a transformer like PCA: put it between a scaler and a
classifier, and cross-validate the whole Pipeline. Here both reduce the 64 pixels of
scikit-learn's digits to 8 numbers, and an SVC classifies the codes.
"""

# %%
# Cross-validated accuracy of ``StandardScaler -> reducer -> SVC``
# ------------------------------------------------------------------
# ``n_jobs=1`` gives torch one thread, ``max_iter=30`` epochs keeps the example short
# (the default is 100).
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_aae import AAETransformer

X, y = load_digits(return_X_y=True)
cv = StratifiedKFold(3, shuffle=True, random_state=0)
reducers = {
    "PCA": PCA(n_components=8, random_state=0),
    "AAETransformer": AAETransformer(
        n_components=8, hidden_layer_sizes=(128,), max_iter=30, n_jobs=1, random_state=0
    ),
}
scores = {}
for name, reducer in reducers.items():
    pipe = make_pipeline(StandardScaler(), reducer, SVC())
    scores[name] = cross_val_score(pipe, X, y, cv=cv)
    print(f"{name:>15}: accuracy {scores[name].mean():.3f} ± {scores[name].std():.3f}")

# %%
# The scores per fold
# -------------------
fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
ax.boxplot(list(scores.values()), tick_labels=list(scores))
ax.set_ylabel("accuracy (3-fold CV)")
ax.set_title("8 components, then an SVC")
plt.show()
