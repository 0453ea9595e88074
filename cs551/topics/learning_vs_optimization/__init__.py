"""Notebook 01: Learning vs optimization (``notebooks/01_learning_vs_optimization.ipynb``).

The topic's home: ``experiments``, ``derivations``, ``figures``, ``explorer``.
Every public name of its parts is importable from here.
"""

from .derivations import gaussian_expectation, risk_symbolic, zero_one_symbolic
from .experiments import (
    EarlyStop,
    ERMCurve,
    FiniteDifferenceCensus,
    GaussianLinearModel,
    LearningCurve,
    RegularizedFit,
    TrainingRecord,
    along_line,
    early_stopping,
    empirical_risk_spread,
    erm_experiment,
    expected_risk_of_erm,
    expected_training_risk,
    finite_difference_census,
    flip_labels,
    learning_curve,
    margins,
    nll_bits_per_example,
    one_dimensional_risks,
    regularized_fit,
    training_record,
)
from .explorer import RegularizationExplorer, RiskExplorer
from .figures import plot_along_line, plot_erm_curve, plot_learning_curve, plot_training_record

__all__ = [
    "ERMCurve", "EarlyStop", "FiniteDifferenceCensus", "GaussianLinearModel", "LearningCurve",
    "RegularizationExplorer", "RegularizedFit", "RiskExplorer", "TrainingRecord", "along_line",
    "early_stopping", "empirical_risk_spread", "erm_experiment", "expected_risk_of_erm",
    "expected_training_risk", "finite_difference_census", "flip_labels",
    "gaussian_expectation", "learning_curve", "margins", "nll_bits_per_example",
    "one_dimensional_risks", "plot_along_line", "plot_erm_curve", "plot_learning_curve",
    "plot_training_record", "regularized_fit", "risk_symbolic", "training_record",
    "zero_one_symbolic",
]
