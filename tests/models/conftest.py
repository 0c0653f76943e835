"""Model tests run in a fresh working directory whose default SQLite store is empty."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.client.isolation import isolated_workdir


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary cwd with no tracking environment; ``mlflow.db`` lands in it."""
    yield from isolated_workdir(tmp_path, monkeypatch)


@pytest.fixture
def iris() -> tuple[object, object]:
    """The iris features (a DataFrame with the scikit-learn column names) and targets."""
    from sklearn.datasets import load_iris

    features, target = load_iris(return_X_y=True, as_frame=True)
    return features, target
