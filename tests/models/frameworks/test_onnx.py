"""The onnx flavor: MLflow's layout, the onnxruntime pyfunc, serving (MLflow's answers to the
same requests, and a real ``mlharbor models serve``), and directories crossing with MLflow
3.17.2 both ways. The models are scikit-learn estimators converted with skl2onnx and a torch
net exported with torch.onnx."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
import requests

import mlharbor as mlflow
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.models.model import Model
from tests.fixtures.servers import free_port, run_server
from tests.models.frameworks.conftest import (
    MLFLOW_ANSWERS,
    invoke,
    our_answers,
    run_reference,
    seed_bodies,
)


def _convert(estimator: Any, features: Any) -> Any:
    from skl2onnx import to_onnx

    return to_onnx(estimator, features.to_numpy()[:1].astype(np.float32))


@pytest.fixture
def classifier(iris: Any) -> tuple[Any, Any]:
    """A logistic regression and its ONNX conversion (outputs ``output_label`` and
    ``output_probability``)."""
    from sklearn.linear_model import LogisticRegression

    features, target = iris
    estimator = LogisticRegression(max_iter=300).fit(features, target)
    return estimator, _convert(estimator, features)


@pytest.fixture
def regressor(iris: Any) -> tuple[Any, Any]:
    """A linear regression and its ONNX conversion (output ``variable``)."""
    from sklearn.linear_model import LinearRegression

    features, target = iris
    estimator = LinearRegression().fit(features, target)
    return estimator, _convert(estimator, features)


def test_round_trip_and_pyfunc(tmp_path: Path, classifier: Any, iris: Any) -> None:
    estimator, model = classifier
    features, _ = iris
    path = tmp_path / "model"
    mlflow.onnx.save_model(model, path, input_example=features.head(2))

    assert (path / "model.onnx").is_file()
    mlmodel = Model.load(str(path))
    conf = mlmodel.flavors["onnx"]
    assert conf["onnx_version"] == onnx.__version__
    assert conf["data"] == "model.onnx"
    assert conf["providers"] == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert mlmodel.flavors["python_function"]["loader_module"] == "mlflow.onnx"
    assert mlmodel.signature is None
    assert mlflow.onnx.load_model(str(path)) == model
    requirements = (path / "requirements.txt").read_text().splitlines()
    assert f"onnx=={onnx.__version__}" in requirements
    assert any(line.startswith("onnxruntime==") for line in requirements)

    pyfunc = mlflow.pyfunc.load_model(str(path))
    frame_out = pyfunc.predict(features)
    np.testing.assert_array_equal(frame_out["output_label"], estimator.predict(features))
    array_out = pyfunc.predict(features.to_numpy())
    np.testing.assert_array_equal(array_out["output_label"], estimator.predict(features))
    probabilities = [[row[c] for c in range(3)] for row in array_out["output_probability"]]
    np.testing.assert_allclose(probabilities, estimator.predict_proba(features), atol=1e-5)


def test_options_are_recorded_and_checked(tmp_path: Path, regressor: Any, iris: Any) -> None:
    estimator, model = regressor
    features, _ = iris
    path = tmp_path / "model"
    options = {"intra_op_num_threads": 1, "execution_mode": "sequential"}
    mlflow.onnx.save_model(
        model,
        path,
        onnx_execution_providers=["CPUExecutionProvider"],
        onnx_session_options=options,
        save_as_external_data=False,
    )
    conf = Model.load(str(path)).flavors["onnx"]
    assert conf["providers"] == ["CPUExecutionProvider"]
    assert conf["onnx_session_options"] == options
    predicted = mlflow.pyfunc.load_model(str(path)).predict(features)
    np.testing.assert_allclose(predicted["variable"], estimator.predict(features), atol=1e-4)
    with pytest.raises(InvalidParameterValue, match="not a valid ONNX Runtime session option"):
        mlflow.onnx.save_model(model, tmp_path / "bad", onnx_session_options={"nope": 1})
    with pytest.raises(InvalidParameterValue, match=r"Expected an onnx\.ModelProto"):
        mlflow.onnx.save_model(estimator, tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_logged_model_loads_by_model_uri(workdir: Path, regressor: Any, iris: Any) -> None:
    estimator, model = regressor
    features, _ = iris
    with mlflow.start_run():
        info = mlflow.onnx.log_model(model, name="model")
    predicted = mlflow.pyfunc.load_model(info.model_uri).predict(features.to_numpy())
    np.testing.assert_allclose(predicted["variable"][:, 0], estimator.predict(features), atol=1e-4)


# MLflow's side: load our directory (native and pyfunc), answer each request body with its own
# scoring function, and save the same ONNX file as a directory of its own.
_MLFLOW_SIDE = (
    MLFLOW_ANSWERS
    + """
import sys
import onnx
from sklearn.datasets import load_iris
ours, source, theirs, bodies = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
features = load_iris(as_frame=True).data
mlflow.onnx.save_model(onnx.load(source), theirs)
print(json.dumps({
    "native": type(mlflow.onnx.load_model(ours)).__name__,
    "labels": mlflow.pyfunc.load_model(ours).predict(features)["output_label"].tolist(),
    "answers": answers(ours, bodies),
}))
"""
)


@pytest.mark.interop
def test_directories_and_answers_match_mlflow(
    tmp_path: Path, mlflow_python: str, classifier: Any, iris: Any
) -> None:
    estimator, model = classifier
    features, _ = iris
    ours, theirs, source = tmp_path / "ours", tmp_path / "theirs", tmp_path / "source.onnx"
    mlflow.onnx.save_model(model, ours)
    onnx.save_model(model, str(source))
    bodies = seed_bodies(features.head(3))

    report = run_reference(
        mlflow_python,
        _MLFLOW_SIDE,
        str(ours),
        str(source),
        str(theirs),
        json.dumps(bodies),
        cwd=tmp_path,
    )

    assert report["native"] == "ModelProto"
    assert report["labels"] == estimator.predict(features).tolist()
    assert our_answers(str(ours), bodies) == report["answers"]
    predicted = mlflow.pyfunc.load_model(str(theirs)).predict(features)
    np.testing.assert_array_equal(predicted["output_label"], estimator.predict(features))


def test_models_serve_answers_a_seed_style_curl(tmp_path: Path, regressor: Any, iris: Any) -> None:
    estimator, model = regressor
    features, _ = iris
    path = str(tmp_path / "model")
    mlflow.onnx.save_model(model, path)
    port = free_port()
    mlharbor_cli = str(Path(sys.executable).with_name("mlharbor"))
    command = [mlharbor_cli, "models", "serve", "-m", path, "--port", str(port)]
    rows = features.head(4)
    body = {"dataframe_split": {"columns": list(rows.columns), "data": rows.to_numpy().tolist()}}
    with run_server(command, port, "/ping") as server:
        response = requests.post(f"{server.url}/invocations", json=body, timeout=30)
    assert response.status_code == 200, response.text
    served = [row["variable"] for row in response.json()["predictions"]]
    np.testing.assert_allclose(served, estimator.predict(rows), atol=1e-4)


def test_torch_export_answers_seed_002_curl(tmp_path: Path) -> None:
    import io
    import warnings

    import torch

    from tests.models.flavors.nets import trained_net

    net = trained_net()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # the TorchScript exporter needs no onnxscript; torch marks it deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            net,
            (torch.zeros(1, 4),),
            buffer,
            dynamo=False,
            input_names=["x"],
            output_names=["scores"],
            dynamic_axes={"x": {0: "batch"}},
        )
    path = str(tmp_path / "model")
    mlflow.onnx.save_model(onnx.load_from_string(buffer.getvalue()), path)

    # seed 002's curl body
    predictions = invoke(path, {"inputs": [[1.0, 2.0, 3.0, 4.0]]})
    with torch.no_grad():
        expected = net(torch.tensor([[1.0, 2.0, 3.0, 4.0]])).numpy()
    np.testing.assert_allclose(predictions["scores"], expected, atol=1e-5)
