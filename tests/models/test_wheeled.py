"""add_libraries_to_model: a new registered version carrying its requirements as wheels."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

import mlharbor as mlflow
from mlharbor.exceptions import MlharborException
from mlharbor.models.model import Model

WHEEL = "harbor_tiny-0.1-py3-none-any.whl"


def _tiny_wheel(folder: Path) -> Path:
    """A pure-Python wheel of one module, written directly so no build backend is needed."""
    path = folder / WHEEL
    info = "harbor_tiny-0.1.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("harbor_tiny.py", "FACTOR = 2\n")
        wheel.writestr(
            f"{info}/METADATA", "Metadata-Version: 2.1\nName: harbor-tiny\nVersion: 0.1\n"
        )
        wheel.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        wheel.writestr(f"{info}/RECORD", "")
    return path


def test_add_libraries_registers_a_version_with_wheels(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = _tiny_wheel(workdir)
    with mlflow.start_run() as run:
        logged = mlflow.pyfunc.log_model(
            name="doubler",
            python_model=lambda frame: frame["x"] * 2,
            pip_requirements=[f"harbor-tiny @ {wheel.as_uri()}"],
            registered_model_name="tiny",
        )
    # No package index here: the model needs only the local wheel.
    mlflow.models.update_model_requirements(logged.model_uri, "remove", ["mlflow"])
    monkeypatch.setenv("PIP_NO_INDEX", "1")

    info = mlflow.models.add_libraries_to_model("models:/tiny/1")

    assert info.registered_model_version == 2
    assert info.run_id == run.info.run_id
    local = Path(
        mlflow.artifacts.download_artifacts("models:/tiny/2", dst_path=str(workdir / "v2"))
    )
    assert (local / "wheels" / WHEEL).is_file()
    assert (local / "requirements.txt").read_text() == f"wheels/{WHEEL}\n"
    assert wheel.as_uri() in (local / "original_requirements.txt").read_text()
    conda = yaml.safe_load((local / "conda.yaml").read_text())
    assert {"pip": [f"wheels/{WHEEL}"]} in conda["dependencies"]
    assert "platform" in Model.load(str(local)).extra["wheels"]
    frame = pd.DataFrame({"x": [1, 2]})
    assert list(mlflow.pyfunc.load_model("models:/tiny/2").predict(frame)) == [2, 4]

    with pytest.raises(MlharborException, match="already added"):
        mlflow.models.add_libraries_to_model("models:/tiny/2")
