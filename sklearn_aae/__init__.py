"""sklearn-aae: Adversarial Autoencoders as scikit-learn estimators."""

from ._checkpoint import TrainingCheckpoint
from ._classifier import AAEClassifier
from ._cluster_heads import AAEClusterHeadTransformer
from ._clusterer import AAEClusterer
from ._exceptions import (
    AdversarialTrainingWarning,
    DeviceMemoryError,
    DivergenceError,
    TrainingInterruptedWarning,
)
from ._metrics import maximum_mean_discrepancy, mmd_test, prior_fit_score
from ._priors import CategoricalPrior, MixturePrior, NormalPrior, SwissRollPrior, UniformPrior
from ._transformer import AAETransformer
from ._version import __version__

__all__ = [
    "AAEClassifier",
    "AAEClusterHeadTransformer",
    "AAEClusterer",
    "AAETransformer",
    "AdversarialTrainingWarning",
    "CategoricalPrior",
    "DeviceMemoryError",
    "DivergenceError",
    "MixturePrior",
    "NormalPrior",
    "SwissRollPrior",
    "TrainingCheckpoint",
    "TrainingInterruptedWarning",
    "UniformPrior",
    "__version__",
    "maximum_mean_discrepancy",
    "mmd_test",
    "prior_fit_score",
]
