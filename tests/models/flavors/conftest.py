"""Tiny fitted models of each flavor on the iris data."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def iris32(iris: Any) -> Any:
    """The iris features as float32 (what the torch net takes)."""
    features, _ = iris
    return features.astype("float32")


@pytest.fixture
def xgb_classifier(iris: Any) -> Any:
    import xgboost

    features, target = iris
    return xgboost.XGBClassifier(n_estimators=3, max_depth=2).fit(features, target)


@pytest.fixture
def xgb_booster(iris: Any) -> Any:
    import xgboost

    features, target = iris
    return xgboost.train(
        {"objective": "multi:softprob", "num_class": 3, "max_depth": 2},
        xgboost.DMatrix(features, label=target),
        num_boost_round=3,
    )


@pytest.fixture
def lgb_classifier(iris: Any) -> Any:
    import lightgbm

    features, target = iris
    return lightgbm.LGBMClassifier(n_estimators=3, num_leaves=4, verbose=-1).fit(features, target)


@pytest.fixture
def lgb_booster(iris: Any) -> Any:
    import lightgbm

    features, target = iris
    return lightgbm.train(
        {"objective": "multiclass", "num_class": 3, "num_leaves": 4, "verbose": -1},
        lightgbm.Dataset(features, label=target),
        num_boost_round=3,
    )


@pytest.fixture
def torch_net() -> Any:
    from tests.models.flavors.nets import trained_net

    return trained_net()
