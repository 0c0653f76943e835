"""The pytorch flavor: directory layout, round trips and the logged-model flow."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch

import mlharbor as mlflow
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.models.model import Model
from tests.models.flavors.nets import TwoLayerNet

# float32 matmuls may round differently with another batch layout
ATOL = 1e-5


def _native(net: Any, frame: pd.DataFrame) -> np.ndarray:
    with torch.no_grad():
        return net(torch.from_numpy(frame.to_numpy().copy())).numpy()  # type: ignore[no-any-return]


def test_round_trip(tmp_path: Path, torch_net: Any, iris32: pd.DataFrame) -> None:
    path = tmp_path / "model"
    mlflow.pytorch.save_model(torch_net, path)

    assert (path / "data" / "model.pth").is_file()
    assert (path / "data" / "pickle_module_info.txt").read_text() == "mlflow.pytorch.pickle_module"
    flavors = Model.load(str(path)).flavors
    assert flavors["pytorch"] == {
        "model_data": "data",
        "pytorch_version": torch.__version__,
        "code": None,
    }
    assert flavors["python_function"]["pickle_module_name"] == "mlflow.pytorch.pickle_module"
    assert flavors["python_function"]["config"] == {"device": None}
    native = mlflow.pytorch.load_model(str(path))
    assert isinstance(native, TwoLayerNet)
    expected = _native(torch_net, iris32)
    np.testing.assert_allclose(_native(native, iris32), expected, atol=ATOL)

    prediction = mlflow.pyfunc.load_model(str(path)).predict(iris32)
    assert isinstance(prediction, pd.DataFrame)
    assert list(prediction.index) == list(iris32.index)
    np.testing.assert_allclose(prediction.to_numpy(), expected, atol=ATOL)


def test_ndarray_input_gives_ndarray(tmp_path: Path, torch_net: Any, iris32: Any) -> None:
    mlflow.pytorch.save_model(torch_net, tmp_path / "model")
    array = iris32.to_numpy()
    prediction = mlflow.pyfunc.load_model(str(tmp_path / "model")).predict(array)
    np.testing.assert_allclose(prediction, _native(torch_net, iris32), atol=ATOL)


def test_model_config_picks_the_device(tmp_path: Path, torch_net: Any, iris32: Any) -> None:
    mlflow.pytorch.save_model(torch_net, tmp_path / "model")
    pyfunc = mlflow.pyfunc.load_model(str(tmp_path / "model"), model_config={"device": "cpu"})
    assert next(pyfunc.get_raw_model().parameters()).device.type == "cpu"
    np.testing.assert_allclose(
        pyfunc.predict(iris32).to_numpy(), _native(torch_net, iris32), atol=ATOL
    )


def test_signature_example_and_requirements(
    tmp_path: Path, torch_net: Any, iris32: pd.DataFrame
) -> None:
    path = tmp_path / "model"
    mlflow.pytorch.save_model(torch_net, path, input_example=iris32.head(3))

    model = Model.load(str(path))
    assert model.signature is not None
    assert model.signature.inputs is not None
    assert [c.name for c in model.signature.inputs.inputs] == list(iris32.columns)
    assert model.signature.outputs is not None
    assert len(model.signature.outputs.inputs) == 3
    assert (path / "input_example.json").is_file()
    requirements = (path / "requirements.txt").read_text().splitlines()
    assert f"torch=={torch.__version__.split('+')[0]}" in requirements
    assert f"cloudpickle=={metadata.version('cloudpickle')}" in requirements


def test_exported_program_round_trip(tmp_path: Path, torch_net: Any, iris32: Any) -> None:
    path = tmp_path / "model"
    array = iris32.to_numpy()
    mlflow.pytorch.save_model(torch_net, path, serialization_format="pt2", input_example=array[:2])

    assert (path / "data" / "model.pt2").is_file()
    assert not (path / "data" / "model.pth").exists()
    signature = Model.load(str(path)).signature
    assert signature is not None
    assert signature.inputs is not None
    assert signature.inputs.is_tensor_spec()
    expected = _native(torch_net, iris32)
    # the batch dimension stays dynamic although the example has two rows
    np.testing.assert_allclose(
        _native(mlflow.pytorch.load_model(str(path)), iris32), expected, atol=ATOL
    )
    prediction = mlflow.pyfunc.load_model(str(path)).predict(array)
    np.testing.assert_allclose(prediction, expected, atol=ATOL)


def test_non_modules_and_bad_formats_are_refused(
    tmp_path: Path, torch_net: Any, iris32: Any
) -> None:
    with pytest.raises(TypeError, match=r"torch\.nn\.Module"):
        mlflow.pytorch.save_model(object(), tmp_path / "a")
    with pytest.raises(InvalidParameterValue, match="must be one of 'pickle' or 'pt2'"):
        mlflow.pytorch.save_model(torch_net, tmp_path / "b", serialization_format="onnx")
    with pytest.raises(InvalidParameterValue, match="input_example is required"):
        mlflow.pytorch.save_model(torch_net, tmp_path / "c", serialization_format="pt2")
    with pytest.raises(InvalidParameterValue, match="input_example is required"):
        mlflow.pytorch.save_model(
            torch_net, tmp_path / "d", serialization_format="pt2", input_example=iris32.head(2)
        )
    for name in "abcd":
        assert not (tmp_path / name).exists()


def test_state_dict_round_trip(tmp_path: Path, torch_net: Any) -> None:
    mlflow.pytorch.save_state_dict(torch_net.state_dict(), str(tmp_path / "weights"))
    loaded = mlflow.pytorch.load_state_dict(str(tmp_path / "weights"))
    fresh = TwoLayerNet()
    fresh.load_state_dict(loaded)
    for name, value in torch_net.state_dict().items():
        assert torch.equal(fresh.state_dict()[name], value)


def test_logged_state_dict_loads_by_run_uri(workdir: Path, torch_net: Any) -> None:
    with mlflow.start_run() as run:
        mlflow.pytorch.log_state_dict(torch_net.state_dict(), "checkpoint")
    loaded = mlflow.pytorch.load_state_dict(f"runs:/{run.info.run_id}/checkpoint")
    assert sorted(loaded) == sorted(torch_net.state_dict())
    for name, value in torch_net.state_dict().items():
        assert torch.equal(loaded[name], value)


def test_registered_model_name_registers_a_version(
    workdir: Path, torch_net: Any, iris32: pd.DataFrame
) -> None:
    with mlflow.start_run():
        mlflow.pytorch.log_model(torch_net, name="model", registered_model_name="Net")
    loaded = mlflow.pytorch.load_model("models:/Net/1")
    np.testing.assert_allclose(_native(loaded, iris32), _native(torch_net, iris32), atol=ATOL)


def test_log_model_and_load_by_run_and_model_uri(
    workdir: Path, torch_net: Any, iris32: pd.DataFrame
) -> None:
    expected = _native(torch_net, iris32)
    with mlflow.start_run() as run:
        info = mlflow.pytorch.log_model(torch_net, name="model", input_example=iris32.head(2))
    assert info.model_uri == f"models:/{info.model_id}"
    assert info.signature is not None
    for uri in (info.model_uri, f"runs:/{run.info.run_id}/model"):
        np.testing.assert_allclose(
            _native(mlflow.pytorch.load_model(uri), iris32), expected, atol=ATOL
        )
        np.testing.assert_allclose(
            mlflow.pyfunc.load_model(uri).predict(iris32), expected, atol=ATOL
        )


def test_export_model_is_the_deprecated_pt2_switch(
    tmp_path: Path, torch_net: Any, iris32: Any
) -> None:
    array = iris32.to_numpy()
    with pytest.warns(FutureWarning, match="export_model"):
        mlflow.pytorch.save_model(
            torch_net, tmp_path / "exported", export_model=True, input_example=array[:2]
        )
    assert (tmp_path / "exported" / "data" / "model.pt2").is_file()
    prediction = mlflow.pyfunc.load_model(str(tmp_path / "exported")).predict(array)
    np.testing.assert_allclose(prediction, _native(torch_net, iris32), atol=ATOL)
    with pytest.raises(InvalidParameterValue, match="Cannot set both"):
        mlflow.pytorch.save_model(
            torch_net, tmp_path / "both", export_model=True, serialization_format="pickle"
        )
    assert not (tmp_path / "both").exists()


def test_log_model_into_an_initialized_logged_model(
    workdir: Path, torch_net: Any, iris32: pd.DataFrame
) -> None:
    with mlflow.start_run():
        pending = mlflow.initialize_logged_model(name="net", params={"hidden": "8"})
        info = mlflow.pytorch.log_model(torch_net, model_id=pending.model_id)
    assert info.model_id == pending.model_id
    logged = mlflow.get_logged_model(pending.model_id)
    assert (logged.status, logged.name, logged.params["hidden"]) == ("READY", "net", "8")
    loaded = mlflow.pytorch.load_model(f"models:/{pending.model_id}")
    np.testing.assert_allclose(_native(loaded, iris32), _native(torch_net, iris32), atol=ATOL)
