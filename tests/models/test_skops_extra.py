"""A model in MLflow's default sklearn format (skops) names the extra that loads it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sklearn.linear_model import LogisticRegression

import mlharbor.sklearn
from mlharbor.exceptions import MlharborException


def test_missing_skops_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    mlharbor.sklearn.save_model(model, str(tmp_path / "m"), serialization_format="skops")
    monkeypatch.setitem(sys.modules, "skops.io", None)
    with pytest.raises(MlharborException, match=r"pip install 'mlharbor\[skops\]'"):
        mlharbor.sklearn.load_model(str(tmp_path / "m"))
