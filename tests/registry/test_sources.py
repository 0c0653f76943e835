"""Model-version source checks: a source must lie inside the run or logged model named."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.registry.sources import validate_source

RUN = "0123456789abcdef0123456789abcdef"
MODEL = "m-0123456789abcdef0123456789abcdef"


def _check(source: str, run_id: str | None, model_id: str | None, root: str) -> None:
    validate_source(
        source,
        run_id,
        model_id,
        run_root=lambda rid: root if rid == RUN else None,
        model_root=lambda mid: root if mid == MODEL else None,
    )


@pytest.mark.parametrize(
    ("source", "run_id", "model_id"),
    [
        (f"runs:/{RUN}/model", RUN, None),
        (f"models:/{MODEL}", None, MODEL),
        ("models:/other-model/3", RUN, None),
        ("mlflow-artifacts:/1/abc/artifacts/model", RUN, None),
        ("http://host:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/m", RUN, None),
        ("s3://bucket/path/model", None, None),
    ],
)
def test_accepted(source: str, run_id: str | None, model_id: str | None) -> None:
    _check(source, run_id, model_id, "mlflow-artifacts:/1/abc/artifacts")


@pytest.mark.parametrize(
    ("source", "run_id", "model_id", "message"),
    [
        (f"runs:/{RUN}/model", None, None, "run_id request parameter must identify"),
        (f"runs:/{'f' * 32}/model", RUN, None, "run_id request parameter must identify"),
        (f"models:/{MODEL}", None, None, "model_id request parameter must identify"),
        ("models:/m-ffffffffffffffffffffffffffffffff", None, MODEL, "model_id request"),
        ("mlflow-artifacts:/2/other/artifacts/model", RUN, None, "must identify"),
        ("mlflow-artifacts:/1/abc/artifacts/../../x", RUN, None, "relative path references"),
        ("mlflow-artifacts:/1/abc/artifacts/%2e%2e/%2e%2e/x", RUN, None, "relative path"),
        ("s3://bucket/a/%252e%252e/b", None, None, "relative path"),
        ("http://h/api/2.0/mlflow-artifacts/artifacts%00", RUN, None, "relative path"),
    ],
)
def test_refused(source: str, run_id: str | None, model_id: str | None, message: str) -> None:
    with pytest.raises(InvalidParameterValue, match=message):
        _check(source, run_id, model_id, "mlflow-artifacts:/1/abc/artifacts")


def test_local_paths_only_inside_the_runs_artifacts(tmp_path: Path) -> None:
    root = tmp_path / "1" / RUN / "artifacts"
    (root / "model").mkdir(parents=True)
    _check(str(root / "model"), RUN, None, str(root))
    _check((root / "model").as_uri(), RUN, None, str(root))
    for outside in ("/etc/passwd", str(root / ".." / ".." / "secret")):
        with pytest.raises(InvalidParameterValue, match="To use a local path"):
            _check(outside, RUN, None, str(root))
    with pytest.raises(InvalidParameterValue, match="the run_id request parameter has to be"):
        _check(str(root / "model"), None, None, str(root))
