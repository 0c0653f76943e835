"""Custom Python models: save, load, predict, artifacts, code paths, models from code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import mlharbor as mlflow
from mlharbor.exceptions import InvalidParameterValue, MlharborException, ResourceDoesNotExist
from mlharbor.pyfunc import PythonModel, PythonModelContext


class Doubler(PythonModel):
    def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        return model_input * 2


class Scaled(PythonModel):
    """New-style predict (no context); reads its factor from an artifact."""

    def load_context(self, context: PythonModelContext) -> None:
        self.factor = float(Path(context.artifacts["factor"]).read_text())

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        offset = (params or {}).get("offset", 0)
        return model_input * self.factor + offset


def test_context_style_model_round_trip(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4]})
    mlflow.pyfunc.save_model(tmp_path / "m", python_model=Doubler(), input_example=frame)
    conf = yaml.safe_load((tmp_path / "m" / "MLmodel").read_text())["flavors"]["python_function"]
    assert conf["loader_module"] == "mlflow.pyfunc.model"
    assert conf["python_model"] == "python_model.pkl"
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.predict(frame), frame * 2)
    assert isinstance(loaded.unwrap_python_model(), Doubler)
    signature = loaded.metadata.signature
    assert signature is not None
    assert signature.outputs is not None
    assert [c.name for c in signature.inputs] == ["a", "b"]


def test_artifacts_params_and_new_style_predict(tmp_path: Path) -> None:
    factor = tmp_path / "factor.txt"
    factor.write_text("3")
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    mlflow.pyfunc.save_model(
        tmp_path / "m",
        python_model=Scaled(),
        artifacts={"factor": str(factor)},
        input_example=(frame, {"offset": 0.0}),
    )
    assert (tmp_path / "m" / "artifacts" / "factor.txt").read_text() == "3"
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    assert loaded.predict(frame)["x"].tolist() == [3.0, 6.0]
    assert loaded.predict(frame, params={"offset": 1})["x"].tolist() == [4.0, 7.0]
    with pytest.raises(InvalidParameterValue, match="offset"):
        loaded.predict(frame, params={"offset": "one"})


def test_code_paths_are_importable_at_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    helper_dir = tmp_path / "src"
    helper_dir.mkdir()
    (helper_dir / "harbor_helper_mod.py").write_text("def bump(x):\n    return x + 10\n")
    model_file = tmp_path / "model_code.py"
    model_file.write_text(
        "import mlflow\n"
        "from harbor_helper_mod import bump\n"
        "class Bumper(mlflow.pyfunc.PythonModel):\n"
        "    def predict(self, context, model_input):\n"
        "        return bump(model_input)\n"
        "mlflow.models.set_model(Bumper())\n"
    )
    monkeypatch.syspath_prepend(str(helper_dir))
    mlflow.pyfunc.save_model(
        tmp_path / "m",
        python_model=str(model_file),
        code_paths=[str(helper_dir / "harbor_helper_mod.py")],
    )
    monkeypatch.delitem(sys.modules, "harbor_helper_mod")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(helper_dir)])
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    assert loaded.predict(pd.DataFrame({"v": [1]}))["v"].tolist() == [11]


def test_models_from_code_seed_file(tmp_path: Path) -> None:
    """Seed 002 §6.7: the code file imports ``mlflow`` and calls ``mlflow.models.set_model``."""
    code = tmp_path / "model_code.py"
    code.write_text(
        "import mlflow\n\n"
        "class MyCustomModel(mlflow.pyfunc.PythonModel):\n"
        "    def predict(self, context, model_input):\n"
        "        return model_input * 2\n\n"
        "mlflow.models.set_model(MyCustomModel())\n"
    )
    mlflow.pyfunc.save_model(tmp_path / "m", python_model=str(code))
    conf = yaml.safe_load((tmp_path / "m" / "MLmodel").read_text())["flavors"]["python_function"]
    assert conf["loader_module"] == "mlflow.pyfunc.loaders.code_model"
    assert conf["model_code_path"] == "model_code.py"
    assert "python_model" not in conf
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    assert loaded.predict(pd.DataFrame({"a": [2]}))["a"].tolist() == [4]
    assert "mlflow" not in sys.modules or sys.modules["mlflow"].__name__ == "mlflow"


def test_code_file_that_sets_no_model_is_refused(tmp_path: Path) -> None:
    code = tmp_path / "empty.py"
    code.write_text("x = 1\n")
    with pytest.raises(InvalidParameterValue, match="set_model"):
        mlflow.pyfunc.save_model(tmp_path / "m", python_model=str(code))
    assert not (tmp_path / "m").exists()


def test_save_refuses_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "keep.txt").write_text("x")
    with pytest.raises(MlharborException) as caught:
        mlflow.pyfunc.save_model(tmp_path / "m", python_model=Doubler())
    assert caught.value.error_code == "RESOURCE_ALREADY_EXISTS"
    assert (tmp_path / "m" / "keep.txt").exists()


def test_missing_python_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterValue, match="python_model"):
        mlflow.pyfunc.save_model(tmp_path / "m")
    with pytest.raises(InvalidParameterValue, match="does not exist"):
        mlflow.pyfunc.save_model(tmp_path / "m", python_model=str(tmp_path / "absent.py"))


def test_model_without_pyfunc_flavor_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_text("flavors:\n  other: {}\n")
    with pytest.raises(ResourceDoesNotExist, match='does not have the "python_function" flavor'):
        mlflow.pyfunc.load_model(str(tmp_path))


def test_unknown_loader_module_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_text(
        "flavors:\n  python_function:\n    loader_module: mlflow.nonexistent_flavor\n"
    )
    with pytest.raises(MlharborException, match=r"loader module 'mlflow\.nonexistent_flavor'"):
        mlflow.pyfunc.load_model(str(tmp_path))


def test_unwrap_is_refused_for_non_custom_models(tmp_path: Path, iris: Any) -> None:
    from sklearn.linear_model import LogisticRegression

    features, target = iris
    mlflow.sklearn.save_model(
        LogisticRegression(max_iter=200).fit(features, target), tmp_path / "m"
    )
    with pytest.raises(MlharborException, match="unwrap_python_model"):
        mlflow.pyfunc.load_model(str(tmp_path / "m")).unwrap_python_model()


def test_get_model_dependencies(tmp_path: Path) -> None:
    mlflow.pyfunc.save_model(tmp_path / "m", python_model=Doubler(), pip_requirements=["pandas"])
    requirements = mlflow.pyfunc.get_model_dependencies(str(tmp_path / "m"))
    assert Path(requirements).read_text().splitlines() == ["mlflow==3.17.2", "pandas"]
    conda = mlflow.pyfunc.get_model_dependencies(str(tmp_path / "m"), format="conda")
    assert Path(conda).name == "conda.yaml"
    with pytest.raises(InvalidParameterValue, match="Illegal format"):
        mlflow.pyfunc.get_model_dependencies(str(tmp_path / "m"), format="docker")


def _negate(model_input: Any) -> Any:
    return -model_input


def test_plain_function_as_python_model(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1.0, -2.0]})
    mlflow.pyfunc.save_model(tmp_path / "m", python_model=_negate, input_example=frame)
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.predict(frame), -frame)
    assert loaded.metadata.signature is not None
    assert loaded.metadata.signature.outputs is not None


class Configured(PythonModel):
    def load_context(self, context: PythonModelContext) -> None:
        self.config = context.model_config

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        return [self.config]


def test_model_config_saved_and_overridden(tmp_path: Path) -> None:
    config_file = tmp_path / "config.yaml"
    config_file.write_text("temperature: 0.1\nmodel: small\n")
    mlflow.pyfunc.save_model(
        tmp_path / "m", python_model=Configured(), model_config=str(config_file)
    )
    assert mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(None) == [
        {"temperature": 0.1, "model": "small"}
    ]
    overridden = mlflow.pyfunc.load_model(str(tmp_path / "m"), model_config={"model": "large"})
    assert overridden.predict(None) == [{"temperature": 0.1, "model": "large"}]
