"""Every public callable of MLflow 3.17.2's classic-ML modules exists in mlharbor with a
compatible signature, unless ``mlflow_omissions.toml`` names it with a reason."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.parity.api_dump import dump
from tests.parity.compare import differences

HERE = Path(__file__).resolve().parent


def _omissions() -> tuple[dict[str, str], dict[str, str]]:
    """(missing names, signature differences)."""
    document = tomllib.loads((HERE / "mlflow_omissions.toml").read_text(encoding="utf-8"))
    missing = {k: v for section in document["missing"].values() for k, v in section.items()}
    signature = {k: v for section in document["signature"].values() for k, v in section.items()}
    return missing, signature


@pytest.fixture(scope="module")
def apis(mlflow_python: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "PYTHONPATH"))}
    result = subprocess.run(
        [str(mlflow_python), str(HERE / "api_dump.py"), "mlflow"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env=env,
    )
    return json.loads(result.stdout), dump("mlharbor")


@pytest.mark.interop
def test_every_mlflow_callable_exists_or_is_listed(
    apis: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    theirs, ours = apis
    missing, _ = _omissions()
    absent, _ = differences(theirs, ours)
    unexplained = sorted(set(absent) - set(missing))
    assert not unexplained, f"missing from mlharbor and not in mlflow_omissions.toml: {unexplained}"
    present = sorted(name for name in missing if name in ours)
    assert not present, f"listed as missing but mlharbor has them now; drop them: {present}"
    unknown = sorted(name for name in missing if name not in theirs)
    assert not unknown, f"listed names MLflow 3.17.2 does not have: {unknown}"


@pytest.mark.interop
def test_every_signature_is_compatible_or_is_listed(
    apis: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    theirs, ours = apis
    _, signature = _omissions()
    _, incompatible = differences(theirs, ours)
    unexplained = {name: why for name, why in incompatible.items() if name not in signature}
    assert not unexplained, f"signatures differing from MLflow's, not listed: {unexplained}"
    fixed = sorted(name for name in signature if name in ours and name not in incompatible)
    assert not fixed, f"listed as differing but compatible now; drop them: {fixed}"


def test_every_omission_has_a_reason() -> None:
    missing, signature = _omissions()
    for name, reason in {**missing, **signature}.items():
        assert name.startswith("mlflow.")
        assert len(reason) > 10, name


def test_compatibility_rule() -> None:
    from tests.parity.compare import incompatibility

    required = [["a", "POSITIONAL_OR_KEYWORD", None], ["b", "POSITIONAL_OR_KEYWORD", "1"]]
    assert incompatibility(required, required) is None
    assert incompatibility(required, [*required, ["c", "KEYWORD_ONLY", None]]) is None
    assert incompatibility(required, [*required, ["c", "POSITIONAL_OR_KEYWORD", "2"]]) is None
    assert "no default" in str(
        incompatibility(required, [*required, ["c", "POSITIONAL_OR_KEYWORD", None]])
    )
    assert "order" in str(incompatibility(required, required[::-1]))
    assert "defaults to" in str(
        incompatibility(required, [required[0], ["b", "POSITIONAL_OR_KEYWORD", "2"]])
    )
    assert "missing" in str(incompatibility(required, required[:1]))
    assert "keyword-only" in str(
        incompatibility(required, [["a", "KEYWORD_ONLY", None], required[1]])
    )
    kwargs = [["kwargs", "VAR_KEYWORD", None]]
    assert "**kwargs" in str(incompatibility(required + kwargs, required))
