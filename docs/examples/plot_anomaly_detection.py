"""
==================================================
Anomaly scores from the reconstruction error
==================================================

``score_samples`` gives minus each sample's reconstruction error: an autoencoder fitted
on normal data reconstructs them well and anything unlike them badly, so a low score
flags an anomaly (scikit-learn's convention: higher is more normal).

Here the zeros of scikit-learn's digits are the normal data. The model is fitted on
three quarters of them; the held-out zeros and every other digit are scored, next to
:class:`~sklearn.ensemble.IsolationForest` and :class:`~sklearn.svm.OneClassSVM` on the
same split.
"""

# %%
# Fit on normal data, score normal and anomalous data
# ---------------------------------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import RocCurveDisplay, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import OneClassSVM

from sklearn_aae import AAETransformer

warnings.simplefilter("ignore", ConvergenceWarning)  # short fits for the example

X, y = load_digits(return_X_y=True)
normal = X[y == 0]
normal_train, normal_test = train_test_split(normal, random_state=0)
X_test = np.vstack([normal_test, X[y != 0]])
is_normal = np.r_[np.ones(len(normal_test)), np.zeros((y != 0).sum())]

detectors = {
    "AAETransformer": make_pipeline(
        MinMaxScaler(),
        AAETransformer(
            n_components=4,
            reconstruction_loss="binary_crossentropy",
            n_jobs=1,
            random_state=0,
        ),
    ),
    "IsolationForest": IsolationForest(random_state=0),
    "OneClassSVM": make_pipeline(MinMaxScaler(), OneClassSVM(gamma="scale", nu=0.1)),
}
fig, ax = plt.subplots(figsize=(5, 4.5), layout="constrained")
for name, detector in detectors.items():
    scores = detector.fit(normal_train).score_samples(X_test)
    print(f"{name:>16}: ROC AUC {roc_auc_score(is_normal, scores):.3f}")
    RocCurveDisplay.from_predictions(is_normal, scores, name=name, ax=ax)
ax.set_title("zeros (normal) against the other digits")
plt.show()

# %%
# A threshold for novelty detection
# ---------------------------------
# A threshold at a low percentile of the training zeros' scores flags new samples; here
# the 5th percentile, so about 5 % of normal samples are flagged too.
aae = detectors["AAETransformer"]
threshold = np.percentile(aae.score_samples(normal_train), 5)
flagged = aae.score_samples(X_test) < threshold
print(
    f"flagged: {flagged[is_normal == 1].mean():.1%} of the held-out zeros, "
    f"{flagged[is_normal == 0].mean():.1%} of the other digits"
)
