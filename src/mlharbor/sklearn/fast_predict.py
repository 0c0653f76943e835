"""Prediction without joblib's per-tree overhead for single-threaded random forests.

A forest's ``predict`` dispatches one joblib task per tree; for the small requests a scoring
server sees, that dispatch (config and warnings set up again for every task) costs several times
the trees' own work. With ``n_jobs`` unset or 1 the trees already run one after another, so this
path runs the same per-tree calls in the same order and accumulates in the same float64 buffers:
the results are identical, only the dispatch is gone. Each tree is read through its public
``tree_`` structure, the same call its ``predict`` ends in once the forest has validated the
input. Any other estimator keeps its own ``predict``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def forest_predictor(model: Any) -> Callable[[Any], Any] | None:
    """Return a fast ``predict`` for a single-output, single-threaded forest, else None."""
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )

    kind = type(model)
    if getattr(model, "n_jobs", None) not in (None, 1) or getattr(model, "n_outputs_", 0) != 1:
        return None
    if not hasattr(model, "_validate_X_predict"):
        return None
    if kind in (RandomForestClassifier, ExtraTreesClassifier):
        return lambda data: _classify(model, data)
    if kind in (RandomForestRegressor, ExtraTreesRegressor):
        return lambda data: _regress(model, data)
    return None


def _classify(model: Any, data: Any) -> Any:
    import numpy as np

    features = model._validate_X_predict(data)
    n_classes = int(model.n_classes_)
    proba = np.zeros((features.shape[0], n_classes), dtype=np.float64)
    for tree in model.estimators_:
        proba += tree.tree_.predict(features)[:, :n_classes]
    proba /= len(model.estimators_)
    return model.classes_.take(np.argmax(proba, axis=1), axis=0)


def _regress(model: Any, data: Any) -> Any:
    import numpy as np

    features = model._validate_X_predict(data)
    prediction = np.zeros((features.shape[0],), dtype=np.float64)
    for tree in model.estimators_:
        prediction += tree.tree_.predict(features)[:, 0]
    prediction /= len(model.estimators_)
    return prediction
