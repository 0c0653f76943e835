"""Flavor helpers MLflow code calls: default environments, ``add_to_model``, ``load_pyfunc``,
``data.get_source`` and ``entities.SourceType``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sklearn
from sklearn.linear_model import LinearRegression

import mlharbor as mlflow
from mlharbor.entities import SourceType
from mlharbor.exceptions import MlharborException
from mlharbor.models import Model


@pytest.mark.parametrize("flavor", ["sklearn", "xgboost", "lightgbm", "pytorch", "pyfunc"])
def test_default_conda_env_wraps_the_default_pip_requirements(flavor: str) -> None:
    module = getattr(mlflow, flavor)
    env = module.get_default_conda_env()
    assert env["name"] == "mlflow-env"
    pip = env["dependencies"][-1]["pip"]
    assert pip[0].startswith("mlflow==")
    assert pip[1:] == module.get_default_pip_requirements()


def test_sklearn_defaults_match_what_save_model_writes(tmp_path: Path) -> None:
    lines = mlflow.sklearn.get_default_pip_requirements(include_cloudpickle=True)
    assert f"scikit-learn=={sklearn.__version__}" in lines
    assert any(line.startswith("cloudpickle==") for line in lines)
    assert not any(line.startswith("skops") for line in lines)
    assert any(
        line.startswith("skops")
        for line in mlflow.sklearn.get_default_pip_requirements(include_skops=True)
    )
    mlflow.sklearn.save_model(LinearRegression().fit([[0.0], [1.0]], [0, 1]), str(tmp_path / "m"))
    written = (tmp_path / "m" / "requirements.txt").read_text().splitlines()
    assert set(lines) <= set(written)


def test_add_to_model_and_load_pyfunc(tmp_path: Path) -> None:
    model = Model()
    mlflow.pyfunc.add_to_model(
        model,
        loader_module="mlharbor.sklearn",
        data="model.pkl",
        conda_env="conda.yaml",
        python_env="python_env.yaml",
        custom="kept",
    )
    flavor = model.flavors["python_function"]
    assert flavor["loader_module"] == "mlharbor.sklearn"
    assert flavor["env"] == {
        mlflow.pyfunc.EnvType.CONDA: "conda.yaml",
        mlflow.pyfunc.EnvType.VIRTUALENV: "python_env.yaml",
    }
    assert flavor["custom"] == "kept"
    assert "python_version" in flavor
    mlflow.sklearn.save_model(LinearRegression().fit([[0.0], [1.0]], [0, 2]), str(tmp_path / "m"))
    with pytest.warns(FutureWarning, match="load_pyfunc is deprecated"):
        loaded = mlflow.pyfunc.load_pyfunc(str(tmp_path / "m"))
    assert loaded.predict(pd.DataFrame({"x": [1.0]}))[0] == pytest.approx(2.0)


def test_get_source_of_dataset_input_and_entity(workdir: Path) -> None:
    frame = pd.DataFrame({"a": [1, 2]})
    dataset = mlflow.data.from_pandas(frame, source="s3://bucket/data.csv", name="d")
    assert mlflow.data.get_source(dataset).to_dict() == {"uri": "s3://bucket/data.csv"}
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training")
    recorded = mlflow.get_run(run.info.run_id).inputs.dataset_inputs[0]
    source = mlflow.data.get_source(recorded)
    assert source.to_dict() == {"uri": "s3://bucket/data.csv"}
    assert mlflow.data.get_source(recorded.dataset).to_dict() == source.to_dict()
    with pytest.raises(MlharborException, match="get_source takes"):
        mlflow.data.get_source("nope")


def test_source_type_names_and_numbers() -> None:
    assert SourceType.from_string("LOCAL") == SourceType.LOCAL == 4
    assert SourceType.to_string(3) == "PROJECT"
    with pytest.raises(KeyError):
        SourceType.from_string("CLOUD")


def test_download_artifacts_reads_models_uris_from_the_given_registry(
    workdir: Path, tmp_path: Path
) -> None:
    registry = f"sqlite:///{tmp_path / 'registry.db'}"
    saved = tmp_path / "saved"
    mlflow.sklearn.save_model(LinearRegression().fit([[0.0], [1.0]], [0, 1]), str(saved))
    client = mlflow.MlflowClient(registry_uri=registry)
    client.create_registered_model("lr")
    client.create_model_version("lr", str(saved))
    with pytest.raises(MlharborException):
        mlflow.artifacts.download_artifacts("models:/lr/1")  # not in the default registry
    local = mlflow.artifacts.download_artifacts("models:/lr/1", registry_uri=registry)
    assert (Path(local) / "MLmodel").is_file()


def test_extra_files_are_copied_and_recorded_and_mlflow_reads_them(
    workdir: Path, tmp_path: Path, mlflow_python: Path
) -> None:
    import subprocess

    notes = tmp_path / "notes.txt"
    notes.write_text("thresholds: 0.5")
    model = LinearRegression().fit([[0.0], [1.0]], [0, 1])
    target = tmp_path / "m"
    mlflow.sklearn.save_model(model, str(target), extra_files=[str(notes)])
    flavor = Model.load(str(target)).flavors["sklearn"]
    assert flavor["extra_files"] == [{"path": "extra_files/notes.txt"}]
    assert flavor["serialization_format"] == "cloudpickle"  # None picks mlharbor's default
    assert (target / "extra_files" / "notes.txt").read_text() == "thresholds: 0.5"
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="with-notes", extra_files=[str(notes)])
    local = Path(mlflow.artifacts.download_artifacts(info.model_uri))
    assert (local / "extra_files" / "notes.txt").is_file()
    probe = (
        "import sys, mlflow.sklearn as s; m = s.load_model(sys.argv[1]); print(type(m).__name__)"
    )
    out = subprocess.run(
        [str(mlflow_python), "-c", probe, str(target)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    assert "LinearRegression" in out
    with pytest.raises(TypeError, match="should be a list"):
        mlflow.sklearn.save_model(model, str(tmp_path / "bad"), extra_files=str(notes))
