"""xgboost, lightgbm and pytorch model directories cross between mlharbor and MLflow 3.17.2.

The MLflow side runs in the reference venv as a subprocess with the repository root on
``PYTHONPATH`` (so the test torch module's class imports there too); predictions travel as
JSON and are compared with this side's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import mlharbor as mlflow
from mlharbor.models.model import Model

pytestmark = pytest.mark.interop

REPO_ROOT = Path(__file__).resolve().parents[3]

# Loads each directory with MLflow's pyfunc and native loaders; prints {key: {pyfunc, native}}.
MLFLOW_LOAD_SCRIPT = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import mlflow, numpy as np, torch, xgboost
    from sklearn.datasets import load_iris
    features = load_iris(as_frame=True).data
    dirs = json.loads(sys.argv[1])
    out = {}
    for key, path in dirs.items():
        flavor = key.split("-")[0]
        data = features.astype("float32") if flavor == "pytorch" else features
        if key == "pytorch-exported":
            data = data.to_numpy()
        native = getattr(mlflow, flavor).load_model(path)
        if flavor == "pytorch":
            with torch.no_grad():
                tensor = torch.from_numpy(np.array(data, dtype="float32"))
                native_pred = native(tensor).numpy()
        elif isinstance(native, xgboost.Booster):
            native_pred = native.predict(xgboost.DMatrix(data))
        else:
            native_pred = native.predict(data)
        out[key] = {
            "class": type(native).__name__,
            "pyfunc": np.asarray(mlflow.pyfunc.load_model(path).predict(data)).tolist(),
            "native": np.asarray(native_pred).tolist(),
        }
    print(json.dumps(out))
    """
)

# Trains and saves one model per kind with MLflow; prints {key: predictions}.
MLFLOW_SAVE_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, warnings
    warnings.simplefilter("ignore")
    import lightgbm, mlflow, numpy as np, torch, xgboost
    from sklearn.datasets import load_iris
    from tests.models.flavors.nets import trained_net
    features, target = load_iris(return_X_y=True, as_frame=True)
    root = sys.argv[1]
    clf = xgboost.XGBClassifier(n_estimators=3, max_depth=2).fit(features, target)
    mlflow.xgboost.save_model(clf, os.path.join(root, "xgboost-classifier"),
                              input_example=features.head(2))
    booster = lightgbm.train(
        {"objective": "multiclass", "num_class": 3, "num_leaves": 4, "verbose": -1},
        lightgbm.Dataset(features, label=target), num_boost_round=3)
    mlflow.lightgbm.save_model(booster, os.path.join(root, "lightgbm-booster"))
    lgb_clf = lightgbm.LGBMClassifier(n_estimators=3, num_leaves=4, verbose=-1)
    lgb_clf.fit(features, target)
    mlflow.lightgbm.save_model(lgb_clf, os.path.join(root, "lightgbm-classifier"),
                               serialization_format="cloudpickle")
    net = trained_net()
    data32 = features.astype("float32")
    mlflow.pytorch.save_model(net, os.path.join(root, "pytorch-net"),
                              serialization_format="pickle", input_example=data32.head(2))
    mlflow.pytorch.save_model(net, os.path.join(root, "pytorch-exported"),
                              input_example=data32.head(2).to_numpy())
    with torch.no_grad():
        net_pred = net(torch.from_numpy(data32.to_numpy().copy())).numpy()
    print(json.dumps({
        "xgboost-classifier": clf.predict(features).tolist(),
        "lightgbm-booster": booster.predict(features).tolist(),
        "lightgbm-classifier": lgb_clf.predict(features).tolist(),
        "pytorch-net": net_pred.tolist(),
        "pytorch-exported": net_pred.tolist(),
    }))
    """
)


# Run as __main__ by mlharbor's interpreter: the net's class exists only in this script, so
# only a by-value pickle makes the saved model loadable elsewhere. Prints its predictions.
MAIN_NET_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import torch
    from sklearn.datasets import load_iris
    import mlharbor as mlflow

    class SimpleNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(4, 2)

        def forward(self, x):
            return torch.sigmoid(self.layer(x))

    torch.manual_seed(3)
    net = SimpleNet()
    data = load_iris(as_frame=True).data.astype("float32")
    mlflow.pytorch.save_model(net, sys.argv[1])
    with torch.no_grad():
        print(json.dumps(net(torch.from_numpy(data.to_numpy().copy())).tolist()))
    """
)


def _run(python: str, script: str, *args: str, cwd: Path) -> Any:
    """Run ``script`` as ``__main__`` of ``python`` and decode its last output line as JSON."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [python, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _close(actual: Any, expected: Any) -> None:
    # float32 nets may round differently across processes and batch layouts
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), atol=1e-5)


def test_mlharbor_models_load_in_mlflow(
    tmp_path: Path,
    mlflow_python: str,
    iris: Any,
    iris32: Any,
    xgb_classifier: Any,
    xgb_booster: Any,
    lgb_booster: Any,
    lgb_classifier: Any,
    torch_net: Any,
) -> None:
    import torch
    import xgboost

    features, _ = iris
    models = {
        "xgboost-classifier": xgb_classifier,
        "xgboost-booster": xgb_booster,
        "lightgbm-booster": lgb_booster,
        "lightgbm-classifier": lgb_classifier,
        "pytorch-net": torch_net,
        "pytorch-exported": torch_net,
    }
    dirs: dict[str, str] = {}
    for key, model in models.items():
        flavor = key.split("-")[0]
        example = (iris32 if flavor == "pytorch" else features).head(2)
        dirs[key] = str(tmp_path / key)
        options: dict[str, Any] = {"input_example": example}
        if key == "pytorch-exported":
            options = {"input_example": example.to_numpy(), "serialization_format": "pt2"}
        getattr(mlflow, flavor).save_model(model, dirs[key], **options)
    dirs["pytorch-main"] = str(tmp_path / "pytorch-main")
    main_pred = _run(sys.executable, MAIN_NET_SCRIPT, dirs["pytorch-main"], cwd=tmp_path)
    with torch.no_grad():
        net_pred = torch_net(torch.from_numpy(iris32.to_numpy().copy())).numpy()
    expected = {
        "pytorch-main": main_pred,
        "xgboost-classifier": xgb_classifier.predict(features),
        "xgboost-booster": xgb_booster.predict(xgboost.DMatrix(features)),
        "lightgbm-booster": lgb_booster.predict(features),
        "lightgbm-classifier": lgb_classifier.predict(features),
        "pytorch-net": net_pred,
        "pytorch-exported": net_pred,
    }

    theirs = _run(mlflow_python, MLFLOW_LOAD_SCRIPT, json.dumps(dirs), cwd=tmp_path)

    assert set(theirs) == {*models, "pytorch-main"}
    assert theirs["pytorch-main"]["class"] == "SimpleNet"
    for key, model in models.items():
        if key != "pytorch-exported":
            assert theirs[key]["class"] == type(model).__name__
    for key, predictions in expected.items():
        _close(theirs[key]["pyfunc"], predictions)
        _close(theirs[key]["native"], predictions)


@pytest.fixture(scope="module")
def mlflow_saved(
    tmp_path_factory: pytest.TempPathFactory, mlflow_python: str
) -> tuple[Path, dict[str, Any]]:
    """Model directories MLflow saved (one per kind) and MLflow's predictions for each."""
    root = tmp_path_factory.mktemp("mlflow-saved")
    return root, _run(mlflow_python, MLFLOW_SAVE_SCRIPT, str(root), cwd=root)


def test_mlflow_models_load_in_mlharbor(
    mlflow_saved: tuple[Path, dict[str, Any]], iris: Any, iris32: Any
) -> None:
    import torch

    from tests.models.flavors.nets import TwoLayerNet

    features, _ = iris
    tmp_path, theirs = mlflow_saved

    assert len(theirs) == 5
    assert (tmp_path / "pytorch-exported" / "data" / "model.pt2").is_file()
    for key, expected in theirs.items():
        flavor = key.split("-")[0]
        path = str(tmp_path / key)
        data = iris32 if flavor == "pytorch" else features
        native = getattr(mlflow, flavor).load_model(path)
        if flavor == "pytorch":
            assert isinstance(native, TwoLayerNet if key == "pytorch-net" else torch.nn.Module)
            with torch.no_grad():
                native_pred = native(torch.from_numpy(data.to_numpy().copy())).numpy()
        else:
            native_pred = native.predict(data)
        _close(native_pred, expected)
        if key == "pytorch-exported":
            data = data.to_numpy()
        _close(mlflow.pyfunc.load_model(path).predict(data), expected)


def _layout(path: Path) -> tuple[list[str], dict[str, list[str]], dict[str, Any]]:
    """Files, flavor keys and the flavor values that do not vary between saves."""
    model = Model.load(str(path))
    files = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())
    keys = {name: sorted(conf) for name, conf in model.flavors.items()}
    stable = {
        name: {k: v for k, v in conf.items() if k not in ("python_version", "model_size_bytes")}
        for name, conf in model.flavors.items()
    }
    return files, keys, stable


def test_mlharbor_writes_mlflows_layout(
    tmp_path: Path,
    mlflow_saved: tuple[Path, dict[str, Any]],
    iris: Any,
    iris32: Any,
    xgb_classifier: Any,
    lgb_booster: Any,
    lgb_classifier: Any,
    torch_net: Any,
) -> None:
    features, _ = iris
    theirs_root, _ = mlflow_saved
    mlflow.xgboost.save_model(
        xgb_classifier, tmp_path / "xgboost-classifier", input_example=features.head(2)
    )
    mlflow.lightgbm.save_model(lgb_booster, tmp_path / "lightgbm-booster")
    mlflow.lightgbm.save_model(lgb_classifier, tmp_path / "lightgbm-classifier")
    mlflow.pytorch.save_model(torch_net, tmp_path / "pytorch-net", input_example=iris32.head(2))
    mlflow.pytorch.save_model(
        torch_net,
        tmp_path / "pytorch-exported",
        serialization_format="pt2",
        input_example=iris32.head(2).to_numpy(),
    )

    for key in ("xgboost-classifier", "lightgbm-classifier", "pytorch-net", "pytorch-exported"):
        assert _layout(tmp_path / key) == _layout(theirs_root / key), key
    # A Booster ignores the serialization settings; MLflow records its skops default there.
    ours, theirs = _layout(tmp_path / "lightgbm-booster"), _layout(theirs_root / "lightgbm-booster")
    assert ours[:2] == theirs[:2]
    for values in (ours[2]["lightgbm"], theirs[2]["lightgbm"]):
        del values["serialization_format"], values["skops_trusted_types"]
    assert ours[2] == theirs[2]
