"""Round trips and exact shapes of the tracking codecs, checked against recorded MLflow bodies."""

from __future__ import annotations

import json
import math

import pytest

from mlharbor import wire
from mlharbor.entities import (
    Dataset,
    DatasetInput,
    Experiment,
    FileInfo,
    InputTag,
    LoggedModel,
    LoggedModelOutput,
    LoggedModelStatus,
    Metric,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunOutputs,
)
from mlharbor.exceptions import InvalidParameterValue
from tests.spec_paths import TRANSCRIPTS


def _recorded(path_suffix: str, method: str = "GET") -> dict[str, object]:
    for line in (TRANSCRIPTS / "seed000.jsonl").read_text().splitlines():
        exchange = json.loads(line)
        if (
            exchange["method"] == method
            and exchange["path"].endswith(path_suffix)
            and exchange["status"] == 200
        ):
            body: dict[str, object] = exchange["response_body"]
            return body
    raise LookupError(path_suffix)


@pytest.mark.skipif(not TRANSCRIPTS.exists(), reason="recorded traffic not available")
def test_recorded_run_round_trips_exactly() -> None:
    body = _recorded("/runs/get")
    run = wire.run_from_json(body["run"])  # type: ignore[arg-type]
    assert wire.run_to_json(run) == body["run"]


@pytest.mark.skipif(not TRANSCRIPTS.exists(), reason="recorded traffic not available")
def test_recorded_experiment_round_trips_exactly() -> None:
    body = _recorded("/experiments/get")
    experiment = wire.experiment_from_json(body["experiment"])  # type: ignore[arg-type]
    assert experiment.experiment_id == "1"
    assert wire.experiment_to_json(experiment) == body["experiment"]


@pytest.mark.skipif(not TRANSCRIPTS.exists(), reason="recorded traffic not available")
def test_recorded_logged_model_round_trips_exactly() -> None:
    body = _recorded("/logged-models/search", method="POST")
    recorded = body["models"][0]  # type: ignore[index]
    model = wire.logged_model_from_json(recorded)
    assert model.status == "READY"
    assert model.metrics[0].run_id == model.source_run_id
    assert wire.logged_model_to_json(model) == recorded


def test_unset_and_empty_fields_are_omitted() -> None:
    info = RunInfo("a" * 32, "1", "r", "u", "RUNNING", 5, None, "active", "mlflow-artifacts:/1")
    out = wire.run_to_json(Run(info=info))
    assert "end_time" not in out["info"]
    assert out["info"]["run_uuid"] == out["info"]["run_id"] == "a" * 32
    assert out["data"] == {}
    assert out["inputs"] == {}
    assert out["outputs"] == {}
    experiment = wire.experiment_to_json(Experiment("3", "e", "loc", "active"))
    assert "tags" not in experiment
    assert "creation_time" not in experiment


@pytest.mark.parametrize(
    ("value", "encoded"),
    [(math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity"), (1.5, 1.5)],
)
def test_special_doubles_travel_as_strings(value: float, encoded: object) -> None:
    out = wire.metric_to_json(Metric("m", value, 10, 2))
    assert out["value"] == encoded
    back = wire.metric_from_json(out).value
    assert (math.isnan(back) and math.isnan(value)) or back == value


def test_parse_accepts_numeric_strings_and_enum_numbers() -> None:
    metric = wire.metric_from_json({"key": "k", "value": "2.5", "timestamp": "17", "step": "3"})
    assert (metric.value, metric.timestamp, metric.step) == (2.5, 17, 3)
    info = wire.run_info_from_json({"run_uuid": "x", "status": 4})
    assert info.run_id == "x"
    assert info.status == "FAILED"
    assert wire.logged_model_status_from_json(2) == "READY"


@pytest.mark.parametrize("bad", ["abc", True, [1], {"a": 1}])
def test_bad_doubles_raise_mlflow_message(bad: object) -> None:
    with pytest.raises(InvalidParameterValue, match="for parameter 'value' supplied:  Hint"):
        wire.decode_double(bad)


def test_run_inputs_outputs_and_logged_model_registrations() -> None:
    dataset = Dataset("train", "abc", "s3", '{"uri": "s3://b/d.csv"}', schema="{}")
    run = Run(
        info=RunInfo("r1", "1", "n", "u", "FINISHED", 1, 2, "active", "loc"),
        data=RunData((Metric("acc", 0.5, 3, 0),), {"p": "1"}, {"t": "v"}),
        inputs=RunInputs(dataset_inputs=(DatasetInput(dataset, (InputTag("ctx", "train"),)),)),
        outputs=RunOutputs(model_outputs=(LoggedModelOutput("m-1", 0),)),
    )
    out = wire.run_to_json(run)
    assert out["inputs"]["dataset_inputs"][0]["dataset"] == {
        "name": "train",
        "digest": "abc",
        "source_type": "s3",
        "source": '{"uri": "s3://b/d.csv"}',
        "schema": "{}",
    }
    assert out["outputs"] == {"model_outputs": [{"model_id": "m-1", "step": 0}]}
    assert wire.run_from_json(json.loads(wire.dumps(out))) == run

    model = LoggedModel("1", "m-1", "model", "loc", 1, 2, status=LoggedModelStatus.READY)
    encoded = wire.logged_model_to_json(model)
    assert encoded["info"]["model_type"] == ""
    assert encoded["data"] == {}


def test_file_info_omits_size_for_directories() -> None:
    assert wire.file_info_to_json(FileInfo("d", True, None)) == {"path": "d", "is_dir": True}
    assert wire.file_info_to_json(FileInfo("f", False, 3)) == {
        "path": "f",
        "is_dir": False,
        "file_size": 3,
    }
