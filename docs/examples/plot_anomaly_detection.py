"""
==================================================
Anomaly scores from the reconstruction error
==================================================

``score_samples`` gives minus each sample's reconstruction error: an autoencoder fitted
on normal data reconstructs them well and anything unlike them badly, so a low score
flags an anomaly (scikit-learn's convention: higher is more normal).

Each digit of scikit-learn's digits in turn is the normal class: a detector is fitted on
three quarters of its samples, then scores the held-out quarter and every other digit,
next to :class:`~sklearn.ensemble.IsolationForest` and :class:`~sklearn.svm.OneClassSVM`
on the same split. The autoencoder is not the best detector on every digit: compare the
mean and the worst case of each column.
"""

# %%
# One digit as the normal class, the other nine as anomalies
# ----------------------------------------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import RocCurveDisplay, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.svm import OneClassSVM

from sklearn_aae import AAETransformer

warnings.simplefilter("ignore", ConvergenceWarning)  # small training sets

X, y = load_digits(return_X_y=True)
# Pixels lie in [0, 16]: dividing by 16 puts every sample in [0, 1], as binary
# cross-entropy needs, where a scaler fitted on the normal digit alone would send the
# other digits out of range.
X = X / 16


def detectors():
    return {
        "AAETransformer": AAETransformer(
            n_components=4, reconstruction_loss="binary_crossentropy", n_jobs=1, random_state=0
        ),
        "IsolationForest": IsolationForest(random_state=0),
        "OneClassSVM": OneClassSVM(gamma="scale", nu=0.1),
    }


def split(digit):
    normal_train, normal_test = train_test_split(X[y == digit], random_state=0)
    X_test = np.vstack([normal_test, X[y != digit]])
    is_normal = np.r_[np.ones(len(normal_test)), np.zeros((y != digit).sum())]
    return normal_train, X_test, is_normal


aucs = {name: [] for name in detectors()}
for digit in range(10):
    normal_train, X_test, is_normal = split(digit)
    for name, detector in detectors().items():
        scores = detector.fit(normal_train).score_samples(X_test)
        aucs[name].append(roc_auc_score(is_normal, scores))

print("ROC AUC  " + "".join(f"{name:>17}" for name in aucs))
for digit in range(10):
    print(f"digit {digit}  " + "".join(f"{aucs[name][digit]:17.3f}" for name in aucs))
print("mean     " + "".join(f"{np.mean(aucs[name]):17.3f}" for name in aucs))
print("worst    " + "".join(f"{np.min(aucs[name]):17.3f}" for name in aucs))

# %%
# ROC curves for the hardest normal class
# ---------------------------------------
# The digit on which the detectors do worst on average.
hardest = int(np.argmin(np.mean([aucs[name] for name in aucs], axis=0)))
normal_train, X_test, is_normal = split(hardest)
fitted = {name: detector.fit(normal_train) for name, detector in detectors().items()}
fig, ax = plt.subplots(figsize=(5, 4.5), layout="constrained")
for name, detector in fitted.items():
    RocCurveDisplay.from_predictions(is_normal, detector.score_samples(X_test), name=name, ax=ax)
ax.set_title(f"{hardest}s (normal) against the other digits")
plt.show()

# %%
# A threshold for novelty detection
# ---------------------------------
# A threshold at a low percentile of the training samples' scores flags new samples;
# here the 5th percentile. Held-out normal samples score a little lower than the
# training samples, so more than 5 % of them are flagged.
aae = fitted["AAETransformer"]
threshold = np.percentile(aae.score_samples(normal_train), 5)
flagged = aae.score_samples(X_test) < threshold
print(
    f"flagged: {flagged[is_normal == 1].mean():.1%} of the held-out {hardest}s, "
    f"{flagged[is_normal == 0].mean():.1%} of the other digits"
)
