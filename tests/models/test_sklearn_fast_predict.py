"""The forest fast path predicts exactly what the estimator's own ``predict`` does."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)

from mlharbor.sklearn.fast_predict import forest_predictor


def _iris() -> tuple[pd.DataFrame, np.ndarray]:
    data = load_iris(as_frame=True)
    return data.data, data.target.to_numpy()


@pytest.mark.parametrize("estimator", [RandomForestClassifier, ExtraTreesClassifier])
def test_classifiers_match_predict(estimator: Any) -> None:
    features, y = _iris()
    model = estimator(n_estimators=25, max_depth=4, random_state=0).fit(features, y)
    fast = forest_predictor(model)
    assert fast is not None
    for rows in (features.iloc[:1], features.iloc[40:60], features):
        np.testing.assert_array_equal(fast(rows), model.predict(rows))
        np.testing.assert_array_equal(fast(rows.to_numpy()), model.predict(rows.to_numpy()))


def test_string_labels_come_back_as_labels() -> None:
    features, y = _iris()
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = RandomForestClassifier(n_estimators=10, random_state=1).fit(features, labels)
    fast = forest_predictor(model)
    assert fast is not None
    np.testing.assert_array_equal(fast(features), model.predict(features))


@pytest.mark.parametrize("estimator", [RandomForestRegressor, ExtraTreesRegressor])
def test_regressors_match_predict_bit_for_bit(estimator: Any) -> None:
    data = load_diabetes(as_frame=True)
    model = estimator(n_estimators=30, random_state=0).fit(data.data, data.target)
    fast = forest_predictor(model)
    assert fast is not None
    assert np.array_equal(fast(data.data), model.predict(data.data))


def test_missing_values_are_handled_like_predict() -> None:
    features, y = _iris()
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(features, y)
    row = features.iloc[:3].copy()
    row.iloc[0, 1] = np.nan
    fast = forest_predictor(model)
    assert fast is not None
    np.testing.assert_array_equal(fast(row), model.predict(row))


def test_input_errors_are_the_estimators_own() -> None:
    features, y = _iris()
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(features.to_numpy(), y)
    fast = forest_predictor(model)
    assert fast is not None
    with pytest.raises(ValueError, match="features"):
        fast(np.ones((1, 3)))


@pytest.mark.parametrize(
    "model",
    [
        RandomForestClassifier(n_estimators=5, n_jobs=2),
        GradientBoostingClassifier(n_estimators=5),
    ],
    ids=["parallel-forest", "not-a-forest"],
)
def test_other_estimators_keep_their_own_predict(model: Any) -> None:
    features, y = _iris()
    model.fit(features, y)
    assert forest_predictor(model) is None


def test_multi_output_forests_keep_their_own_predict() -> None:
    features, y = _iris()
    model = RandomForestClassifier(n_estimators=5).fit(features, np.column_stack([y, y]))
    assert forest_predictor(model) is None
