"""The fast predict paths give exactly what the estimator's own ``predict`` gives, and leave
every other input (and its errors and warnings) to the estimator."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import (
    LinearRegression,
    LogisticRegression,
    Perceptron,
    Ridge,
    SGDClassifier,
)
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from mlharbor.sklearn.fast_predict import fast_predictor


def _iris() -> tuple[pd.DataFrame, np.ndarray]:
    data = load_iris(as_frame=True)
    return data.data, data.target.to_numpy()


def _slices(features: pd.DataFrame) -> list[pd.DataFrame]:
    return [features.iloc[:1], features.iloc[40:60], features]


@pytest.mark.parametrize("estimator", [RandomForestClassifier, ExtraTreesClassifier])
def test_forest_classifiers_match_predict(estimator: Any) -> None:
    features, y = _iris()
    model = estimator(n_estimators=25, max_depth=4, random_state=0).fit(features, y)
    fast = fast_predictor(model)
    assert fast is not None
    for rows in _slices(features):
        np.testing.assert_array_equal(fast(rows), model.predict(rows))
        np.testing.assert_array_equal(fast(rows.to_numpy()), model.predict(rows.to_numpy()))


def test_string_labels_come_back_as_labels() -> None:
    features, y = _iris()
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    model = RandomForestClassifier(n_estimators=10, random_state=1).fit(features, labels)
    fast = fast_predictor(model)
    assert fast is not None
    np.testing.assert_array_equal(fast(features), model.predict(features))


@pytest.mark.parametrize("estimator", [RandomForestRegressor, ExtraTreesRegressor])
def test_forest_regressors_match_predict_bit_for_bit(estimator: Any) -> None:
    data = load_diabetes(as_frame=True)
    model = estimator(n_estimators=30, random_state=0).fit(data.data, data.target)
    fast = fast_predictor(model)
    assert fast is not None
    assert np.array_equal(fast(data.data), model.predict(data.data))
    as_float32 = data.data.astype(np.float32)
    assert np.array_equal(fast(as_float32), model.predict(as_float32))


@pytest.mark.parametrize(
    "model",
    [
        LogisticRegression(max_iter=500),
        SVC(),
        KNeighborsClassifier(),
        DecisionTreeClassifier(random_state=0),
        GaussianNB(),
        LinearDiscriminantAnalysis(),
        GradientBoostingClassifier(n_estimators=10, random_state=0),
    ],
    ids=lambda m: type(m).__name__,
)
def test_positional_classifiers_match_predict(model: Any) -> None:
    features, y = _iris()
    model.fit(features, y)
    fast = fast_predictor(model)
    assert fast is not None
    for rows in _slices(features):
        np.testing.assert_array_equal(fast(rows), model.predict(rows))


@pytest.mark.parametrize("model", [LinearRegression(), Ridge(alpha=0.5)], ids=str)
def test_positional_regressors_match_predict_bit_for_bit(model: Any) -> None:
    data = load_diabetes(as_frame=True)
    model.fit(data.data, data.target)
    fast = fast_predictor(model)
    assert fast is not None
    assert np.array_equal(fast(data.data), model.predict(data.data))
    as_ints = (data.data * 1000).round().astype(np.int64)
    assert np.array_equal(fast(as_ints), model.predict(as_ints))


def test_the_model_itself_keeps_its_feature_names() -> None:
    features, y = _iris()
    model = LogisticRegression(max_iter=500).fit(features, y)
    fast = fast_predictor(model)
    assert fast is not None
    fast(features.iloc[:2])
    assert list(model.feature_names_in_) == list(features.columns)


@pytest.mark.parametrize("estimator", [LogisticRegression, RandomForestClassifier])
def test_reordered_columns_get_the_estimators_own_error(estimator: Any) -> None:
    features, y = _iris()
    model = estimator().fit(features, y)
    fast = fast_predictor(model)
    assert fast is not None
    reordered = features[list(reversed(features.columns))].iloc[:2]
    with pytest.raises(ValueError, match="feature names should match") as ours:
        fast(reordered)
    with pytest.raises(ValueError, match="feature names should match") as theirs:
        model.predict(reordered)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("estimator", [LogisticRegression, RandomForestClassifier])
def test_arrays_for_a_named_model_still_warn(estimator: Any) -> None:
    features, y = _iris()
    model = estimator().fit(features, y)
    fast = fast_predictor(model)
    assert fast is not None
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        fast(features.to_numpy()[:2])


def test_mixed_dtypes_take_the_estimators_path() -> None:
    features, y = _iris()
    model = LogisticRegression(max_iter=500).fit(features, y)
    fast = fast_predictor(model)
    assert fast is not None
    mixed = features.iloc[:5].astype({"sepal length (cm)": np.int64})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(fast(mixed), model.predict(mixed))


def test_missing_values_are_handled_like_predict() -> None:
    features, y = _iris()
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(features, y)
    rows = features.iloc[:3].copy()
    rows.iloc[0, 1] = np.nan
    fast = fast_predictor(forest)
    assert fast is not None
    np.testing.assert_array_equal(fast(rows), forest.predict(rows))
    linear = LogisticRegression(max_iter=500).fit(features, y)
    fast_linear = fast_predictor(linear)
    assert fast_linear is not None
    with pytest.raises(ValueError, match="NaN") as ours:
        fast_linear(rows)
    with pytest.raises(ValueError, match="NaN") as theirs:
        linear.predict(rows)
    assert str(ours.value) == str(theirs.value)


def test_input_errors_are_the_estimators_own() -> None:
    features, y = _iris()
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(features.to_numpy(), y)
    fast = fast_predictor(model)
    assert fast is not None
    with pytest.raises(ValueError, match="features"):
        fast(np.ones((1, 3)))


@pytest.mark.parametrize(
    "model",
    [
        RandomForestClassifier(n_estimators=5, n_jobs=2),
        HistGradientBoostingClassifier(max_iter=5),
        make_pipeline(StandardScaler(), LogisticRegression()),
    ],
    ids=["parallel-forest", "not-positional", "pipeline"],
)
def test_other_estimators_keep_their_own_predict(model: Any) -> None:
    features, y = _iris()
    model.fit(features, y)
    assert fast_predictor(model) is None


def test_models_fitted_on_arrays_keep_their_own_predict() -> None:
    features, y = _iris()
    model = LogisticRegression(max_iter=500).fit(features.to_numpy(), y)
    assert fast_predictor(model) is None


def test_multi_output_forests_keep_their_own_predict() -> None:
    features, y = _iris()
    model = RandomForestClassifier(n_estimators=5).fit(features, np.column_stack([y, y]))
    assert fast_predictor(model) is None


@pytest.mark.parametrize(
    "model",
    [
        LogisticRegression(max_iter=500),
        SGDClassifier(random_state=0),
        LinearSVC(random_state=0),
        Perceptron(random_state=0),
    ],
    ids=lambda m: type(m).__name__,
)
@pytest.mark.parametrize("classes", [3, 2], ids=["multiclass", "binary"])
def test_linear_classifiers_match_predict(model: Any, classes: int) -> None:
    features, y = _iris()
    labels = np.array(["setosa", "versicolor", "virginica"])[np.minimum(y, classes - 1)]
    model.fit(features, labels)
    fast = fast_predictor(model)
    assert fast is not None
    for rows in [*_slices(features), (features * 10).round().astype(np.int64)]:
        np.testing.assert_array_equal(fast(rows), model.predict(rows))


def test_sparsified_linear_classifiers_match_predict() -> None:
    features, y = _iris()
    model = LogisticRegression(max_iter=500).fit(features, y).sparsify()
    fast = fast_predictor(model)
    assert fast is not None
    np.testing.assert_array_equal(fast(features), model.predict(features))


def test_a_refitted_model_is_answered_from_its_new_state() -> None:
    features, y = _iris()
    model = LogisticRegression(max_iter=500).fit(features, y)
    fast = fast_predictor(model)
    assert fast is not None
    before = fast(features)
    model.fit(features, 2 - y)
    np.testing.assert_array_equal(fast(features), model.predict(features))
    assert not np.array_equal(fast(features), before)
