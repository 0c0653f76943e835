"""The statsmodels flavor and autologging: MLflow's layout and names, round trips, time-series
pyfunc, serving, and directories and autologged runs compared with MLflow 3.17.2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels
import statsmodels.api as sm

import mlharbor as mlflow
from mlharbor.client.client import MlharborClient
from mlharbor.exceptions import InvalidParameterValue, MlharborException
from mlharbor.models.model import Model
from tests.models.flavors.crosstool import autolog_summaries
from tests.models.frameworks.conftest import (
    MLFLOW_ANSWERS,
    invoke,
    our_answers,
    run_reference,
    seed_bodies,
)


def _data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(30, 2)), columns=["a", "b"]).assign(const=1.0)
    return features, features.to_numpy() @ [2.0, 3.0, 1.0] + rng.normal(size=30)


@pytest.fixture
def ols() -> Any:
    features, target = _data()
    return sm.OLS(target, features).fit()


def test_ols_round_trip(tmp_path: Path, ols: Any) -> None:
    features, _ = _data()
    path = tmp_path / "model"
    # remove_data drops the training arrays; prediction from new rows still works
    mlflow.statsmodels.save_model(ols, path, remove_data=True, input_example=features.head(2))

    assert (path / "model.statsmodels").is_file()
    model = Model.load(str(path))
    conf = model.flavors["statsmodels"]
    assert conf["statsmodels_version"] == statsmodels.__version__
    assert conf["data"] == "model.statsmodels"
    assert model.flavors["python_function"]["loader_module"] == "mlflow.statsmodels"
    assert model.signature is not None
    expected = ols.predict(features)
    np.testing.assert_allclose(mlflow.statsmodels.load_model(str(path)).params, ols.params)
    np.testing.assert_allclose(mlflow.pyfunc.load_model(str(path)).predict(features), expected)
    requirements = (path / "requirements.txt").read_text().splitlines()
    assert f"statsmodels=={statsmodels.__version__}" in requirements


def test_time_series_pyfunc_takes_start_and_end(workdir: Path) -> None:
    series = np.random.default_rng(1).normal(size=40)
    arima = sm.tsa.arima.ARIMA(series, order=(1, 0, 0)).fit()
    with mlflow.start_run():
        info = mlflow.statsmodels.log_model(arima, name="model")
    pyfunc = mlflow.pyfunc.load_model(info.model_uri)
    forecast = pyfunc.predict(pd.DataFrame({"start": [38], "end": [42]}))
    np.testing.assert_allclose(forecast, arima.predict(start=38, end=42))
    with pytest.raises(MlharborException, match="exactly one row"):
        pyfunc.predict(pd.DataFrame({"start": [1, 2], "end": [3, 4]}))
    served = invoke(
        info.model_uri, {"dataframe_split": {"columns": ["start", "end"], "data": [[38, 42]]}}
    )
    np.testing.assert_allclose(served, arima.predict(start=38, end=42))


def test_unfitted_models_are_refused(tmp_path: Path) -> None:
    features, target = _data()
    with pytest.raises(InvalidParameterValue, match="Expected fitted statsmodels results"):
        mlflow.statsmodels.save_model(sm.OLS(target, features), tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_served_ols_answers_seed_style_requests(tmp_path: Path, ols: Any) -> None:
    features, _ = _data()
    path = str(tmp_path / "model")
    mlflow.statsmodels.save_model(ols, path, input_example=features.head(2))
    rows = features.head(3)
    split = {"columns": list(rows.columns), "data": rows.to_numpy().tolist()}
    # a pandas Series of predictions is answered as MLflow does: records keyed by its name
    records = invoke(path, {"dataframe_split": split})
    np.testing.assert_allclose([r["0"] for r in records], ols.predict(rows))


_MLFLOW_SIDE = (
    MLFLOW_ANSWERS
    + """
import sys
import numpy as np, pandas as pd, statsmodels.api as sm
rng = np.random.default_rng(0)
features = pd.DataFrame(rng.normal(size=(30, 2)), columns=["a", "b"]).assign(const=1.0)
target = features.to_numpy() @ [2.0, 3.0, 1.0] + rng.normal(size=30)
loaded = {"native": mlflow.statsmodels.load_model(sys.argv[1]).predict(features).tolist(),
          "pyfunc": np.asarray(mlflow.pyfunc.load_model(sys.argv[1]).predict(features)).tolist()}
# plain arrays: a frame's pyarrow-backed labels would pickle as pyarrow objects
array = features.to_numpy()
model = sm.GLM(target, array).fit()
mlflow.statsmodels.save_model(model, sys.argv[2], input_example=array[:2])
print(json.dumps({"loaded": loaded, "saved": model.predict(array).tolist(),
                  "answers": answers(sys.argv[1], json.loads(sys.argv[3]))}))
"""
)


@pytest.mark.interop
def test_directories_cross_between_mlharbor_and_mlflow(
    tmp_path: Path, mlflow_python: str, ols: Any
) -> None:
    features, _ = _data()
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    mlflow.statsmodels.save_model(ols, ours, input_example=features.head(2))

    bodies = seed_bodies(features.head(3))
    # MLflow refuses pickled models unless told to accept them
    report = run_reference(
        mlflow_python,
        _MLFLOW_SIDE,
        str(ours),
        str(theirs),
        json.dumps(bodies),
        cwd=tmp_path,
        env={"MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true"},
    )

    expected = ols.predict(features)
    np.testing.assert_allclose(report["loaded"]["native"], expected)
    np.testing.assert_allclose(report["loaded"]["pyfunc"], expected)
    assert our_answers(str(ours), bodies) == report["answers"]
    array = features.to_numpy()
    np.testing.assert_allclose(
        mlflow.statsmodels.load_model(str(theirs)).predict(array), report["saved"]
    )
    np.testing.assert_allclose(
        mlflow.pyfunc.load_model(str(theirs)).predict(array), report["saved"]
    )


def test_autolog_logs_results_and_model(workdir: Path, ols: Any) -> None:
    features, target = _data()
    mlflow.statsmodels.autolog()
    try:
        results = sm.OLS(target, features).fit(cov_type="HC1")
    finally:
        mlflow.statsmodels.autolog(disable=True)

    run = mlflow.last_active_run()
    assert run is not None
    client = MlharborClient()
    data = client.get_run(run.info.run_id).data
    assert data.params["cov_type"] == "HC1"
    assert data.metrics["rsquared"] == pytest.approx(results.rsquared)
    summary = client.download_artifacts(run.info.run_id, "model_summary.txt", str(workdir))
    assert "OLS Regression Results" in Path(summary).read_text()
    loaded = mlflow.statsmodels.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_allclose(loaded.params, results.params)
    sm.OLS(target, features).fit()
    assert mlflow.last_active_run().info.run_id == run.info.run_id  # type: ignore[union-attr]


_TRAININGS = """
import numpy as np, statsmodels.api as sm
def trainings():
    rng = np.random.default_rng(0)
    x = sm.add_constant(rng.normal(size=(30, 2)))
    y = x @ [1.0, 2.0, 3.0] + rng.normal(size=30)
    with mlflow.start_run() as ols:
        sm.OLS(y, x).fit(method="qr")
    with mlflow.start_run() as arima:
        sm.tsa.arima.ARIMA(rng.normal(size=40), order=(1, 0, 0)).fit()
    with mlflow.start_run() as logit:
        sm.Logit((y > y.mean()).astype(float), x).fit(disp=0, maxiter=20)
    return [ols.info.run_id, arima.info.run_id, logit.info.run_id]
"""


@pytest.mark.interop
def test_autolog_matches_mlflow(workdir: Path, mlflow_python: str) -> None:
    ours, theirs = autolog_summaries("statsmodels", _TRAININGS, mlflow_python, workdir)
    assert ours == theirs
