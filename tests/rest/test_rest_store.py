"""``RestTrackingStore`` sends what the official client sends.

Each case takes one exchange recorded between the official MLflow 3.17.2 client and an MLflow
server (``shared/spec/transcripts``), makes the store issue the same call against a scripted
server that replays the recorded response, and compares the request byte-for-byte in meaning:
same method, same path, same JSON body or the same query parameters. The parsed response is
then checked too.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

import pytest

from mlharbor.entities import (
    Dataset,
    DatasetInput,
    InputTag,
    LoggedModelOutput,
    Metric,
    Param,
    RunTag,
    ViewType,
)
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.tracking.rest import RestTrackingStore
from mlharbor.utils.http import HostCreds
from tests.rest.scripted import Script
from tests.spec_paths import TRANSCRIPTS, require

Body = dict[str, Any]


def _exchange(
    file: str, method: str, path: str, where: Callable[[Body], bool] = lambda _: True
) -> Body:
    """The first successful exchange of the official client matching method, path and ``where``."""
    pattern = re.compile(path + "$")
    for line in require(TRANSCRIPTS / file).read_text().splitlines():
        exchange = json.loads(line)
        if (
            exchange["user_agent"].startswith("mlflow-python-client")
            and exchange["status"] == 200
            and exchange["method"] == method
            and pattern.search(exchange["path"])
            and where(exchange["request_body"] or exchange["query"])
        ):
            return dict(exchange)
    raise LookupError(f"no {method} {path} in {file}")


def _replay(scripted: tuple[HostCreds, Script], exchange: Body) -> RestTrackingStore:
    creds, script = scripted
    response = exchange["response_body"]
    script.answer(200, b"" if response is None else json.dumps(response).encode())
    return RestTrackingStore(creds)


def _assert_same_request(script: Script, exchange: Body) -> None:
    [sent] = script.seen
    assert sent.method == exchange["method"]
    assert sent.path == exchange["path"]
    if exchange["method"] == "GET":
        assert sorted(sent.query) == sorted(
            (k, v)
            for k, vs in exchange["query"].items()
            for v in ([vs] if isinstance(vs, str) else vs)
        )
    else:
        # The official client sends no body for a bare DELETE; an empty JSON object is the same.
        sent_body = json.loads(sent.body) if sent.body else {}
        assert sent_body == (exchange["request_body"] or {})


def _tags(items: list[Body]) -> list[RunTag]:
    return [RunTag(t["key"], t["value"]) for t in items]


def _pairs(items: list[Body]) -> list[tuple[str, str]]:
    return [(t["key"], t["value"]) for t in items]


def test_create_run(scripted: tuple[HostCreds, Script]) -> None:
    ex = _exchange("seed000.jsonl", "POST", "runs/create")
    body = ex["request_body"]
    run = _replay(scripted, ex).create_run(
        body["experiment_id"], body["user_id"], body["start_time"], _tags(body["tags"]), None
    )
    _assert_same_request(scripted[1], ex)
    assert run.info.run_id == ex["response_body"]["run"]["info"]["run_id"]
    assert run.data.tags["mlflow.runName"] == run.info.run_name


def test_get_run(scripted: tuple[HostCreds, Script]) -> None:
    ex = _exchange("seed002_tracking.jsonl", "GET", "runs/get")
    run = _replay(scripted, ex).get_run(ex["query"]["run_id"])
    _assert_same_request(scripted[1], ex)
    assert run.info.run_id == ex["query"]["run_id"]


def test_update_run(scripted: tuple[HostCreds, Script]) -> None:
    ex = _exchange("seed000.jsonl", "POST", "runs/update")
    body = ex["request_body"]
    info = _replay(scripted, ex).update_run_info(
        body["run_id"], body["status"], body["end_time"], None
    )
    _assert_same_request(scripted[1], ex)
    assert info.status == "FINISHED"


def test_log_metric_param_and_tag(scripted: tuple[HostCreds, Script]) -> None:
    _creds, script = scripted
    metric = _exchange("seed000.jsonl", "POST", "runs/log-metric")
    param = _exchange("seed000.jsonl", "POST", "runs/log-parameter")
    tag = _exchange("errors.jsonl", "POST", "runs/set-tag")
    for ex, call in (
        (
            metric,
            lambda s, b: s.log_metric(
                b["run_id"], Metric(b["key"], b["value"], b["timestamp"], b["step"])
            ),
        ),
        (param, lambda s, b: s.log_param(b["run_id"], Param(b["key"], b["value"]))),
        (tag, lambda s, b: s.set_tag(b["run_id"], RunTag(b["key"], b["value"]))),
    ):
        script.seen.clear()
        script.responses.clear()
        call(_replay(scripted, ex), ex["request_body"])
        _assert_same_request(script, ex)


def test_nan_metric_travels_as_a_string(scripted: tuple[HostCreds, Script]) -> None:
    ex = _exchange("errors.jsonl", "POST", "runs/log-metric", lambda b: b.get("value") == "NaN")
    body = ex["request_body"]
    store = _replay(scripted, ex)
    store.log_metric(body["run_id"], Metric(body["key"], math.nan, body["timestamp"], body["step"]))
    _assert_same_request(scripted[1], ex)


@pytest.mark.parametrize("kind", ["metrics", "params", "tags"])
def test_log_batch(scripted: tuple[HostCreds, Script], kind: str) -> None:
    ex = _exchange(
        "logged_models.jsonl" if kind != "tags" else "seed002_tracking.jsonl",
        "POST",
        "runs/log-batch",
        lambda b: kind in b and all("run_id" not in m for m in b[kind]),
    )
    body = ex["request_body"]
    _replay(scripted, ex).log_batch(
        body["run_id"],
        metrics=[
            Metric(m["key"], m["value"], m["timestamp"], m["step"]) for m in body.get("metrics", [])
        ],
        params=[Param(p["key"], p["value"]) for p in body.get("params", [])],
        tags=_tags(body.get("tags", [])),
    )
    _assert_same_request(scripted[1], ex)


def test_search_runs_with_paging(scripted: tuple[HostCreds, Script]) -> None:
    ex = _exchange("seed002_tracking.jsonl", "POST", "runs/search", lambda b: "page_token" in b)
    body = ex["request_body"]
    page = _replay(scripted, ex).search_runs(
        body["experiment_ids"],
        body["filter"],
        ViewType[body["run_view_type"]],
        body["max_results"],
        body["order_by"],
        body["page_token"],
    )
    _assert_same_request(scripted[1], ex)
    assert [r.info.run_id for r in page] == [
        r["info"]["run_id"] for r in ex["response_body"]["runs"]
    ]
    assert page.token == ex["response_body"].get("next_page_token")


def test_search_runs_sends_experiment_ids_as_strings(scripted: tuple[HostCreds, Script]) -> None:
    creds, script = scripted
    script.answer(200, {})
    assert RestTrackingStore(creds).search_runs([2, 3]) == []  # type: ignore[list-item]
    assert json.loads(script.seen[0].body)["experiment_ids"] == ["2", "3"]


def test_metric_history(scripted: tuple[HostCreds, Script]) -> None:
    ex = _exchange("seed002_tracking.jsonl", "GET", "metrics/get-history")
    query = ex["query"]
    history = _replay(scripted, ex).get_metric_history(query["run_id"], query["metric_key"])
    _assert_same_request(scripted[1], ex)
    assert [m.value for m in history] == [m["value"] for m in ex["response_body"]["metrics"]]


def test_metric_history_follows_page_tokens(scripted: tuple[HostCreds, Script]) -> None:
    creds, script = scripted
    script.answer(
        200,
        {"metrics": [{"key": "m", "value": 1, "timestamp": 1, "step": 0}], "next_page_token": "p2"},
    )
    script.answer(200, {"metrics": [{"key": "m", "value": 2, "timestamp": 2, "step": 1}]})
    history = RestTrackingStore(creds).get_metric_history("r" * 32, "m")
    assert [m.value for m in history] == [1.0, 2.0]
    assert history.token is None
    assert ("page_token", "p2") in script.seen[1].query


def test_log_inputs(scripted: tuple[HostCreds, Script]) -> None:
    ex = _exchange("seed002_tracking.jsonl", "POST", "runs/log-inputs")
    body = ex["request_body"]
    datasets = [
        DatasetInput(
            Dataset(**d["dataset"]), tuple(InputTag(t["key"], t["value"]) for t in d["tags"])
        )
        for d in body["datasets"]
    ]
    _replay(scripted, ex).log_inputs(body["run_id"], datasets)
    _assert_same_request(scripted[1], ex)


def test_log_outputs(scripted: tuple[HostCreds, Script]) -> None:
    ex = _exchange("seed000.jsonl", "POST", "runs/outputs")
    body = ex["request_body"]
    outputs = [LoggedModelOutput(m["model_id"], m["step"]) for m in body["models"]]
    _replay(scripted, ex).log_outputs(body["run_id"], outputs)
    _assert_same_request(scripted[1], ex)


def test_experiment_calls(scripted: tuple[HostCreds, Script]) -> None:
    _creds, script = scripted
    cases: list[tuple[Body, Callable[[RestTrackingStore, Body], object]]] = [
        (
            _exchange("seed000.jsonl", "POST", "experiments/create"),
            lambda s, b: s.create_experiment(b["name"]),
        ),
        (
            _exchange("seed000.jsonl", "GET", "experiments/get"),
            lambda s, q: s.get_experiment(q["experiment_id"]),
        ),
        (
            _exchange("seed002_tracking.jsonl", "GET", "experiments/get-by-name"),
            lambda s, q: s.get_experiment_by_name(q["experiment_name"]),
        ),
        (
            _exchange("seed002_tracking.jsonl", "POST", "experiments/search"),
            lambda s, b: s.search_experiments(
                ViewType[b["view_type"]], b["max_results"], b["filter"], b["order_by"]
            ),
        ),
        (
            _exchange("seed002_tracking.jsonl", "POST", "experiments/set-experiment-tag"),
            lambda s, b: s.set_experiment_tag(b["experiment_id"], b["key"], b["value"]),
        ),
        (
            _exchange("errors.jsonl", "POST", "experiments/delete"),
            lambda s, b: s.delete_experiment(b["experiment_id"]),
        ),
        (
            _exchange("errors.jsonl", "POST", "experiments/restore"),
            lambda s, b: s.restore_experiment(b["experiment_id"]),
        ),
        (
            _exchange("errors.jsonl", "POST", "experiments/update"),
            lambda s, b: s.rename_experiment(b["experiment_id"], b["new_name"]),
        ),
        (_exchange("errors.jsonl", "POST", "runs/delete"), lambda s, b: s.delete_run(b["run_id"])),
        (
            _exchange("errors.jsonl", "POST", "runs/restore"),
            lambda s, b: s.restore_run(b["run_id"]),
        ),
        (
            _exchange("logged_models.jsonl", "POST", "runs/delete-tag"),
            lambda s, b: s.delete_tag(b["run_id"], b["key"]),
        ),
    ]
    for ex, call in cases:
        script.seen.clear()
        script.responses.clear()
        call(_replay(scripted, ex), ex["request_body"] or ex["query"])
        _assert_same_request(script, ex)


def test_logged_model_calls(scripted: tuple[HostCreds, Script]) -> None:
    _creds, script = scripted
    model_path = r"logged-models/(m-[0-9a-f]{32})"

    def model_id(ex: Body) -> str:
        found = re.search(model_path, ex["path"])
        assert found is not None
        return found.group(1)

    cases: list[tuple[Body, Callable[[RestTrackingStore, Body, Body], object]]] = [
        (
            _exchange("logged_models.jsonl", "POST", "logged-models"),
            lambda s, b, _: s.create_logged_model(
                b["experiment_id"],
                b["name"],
                None,
                _pairs(b["tags"]),
                _pairs(b["params"]),
                b["model_type"],
            ),
        ),
        (
            _exchange("seed000.jsonl", "POST", "logged-models"),
            lambda s, b, _: s.create_logged_model(
                b["experiment_id"],
                b["name"],
                b["source_run_id"],
                _pairs(b["tags"]),
                _pairs(b["params"]),
            ),
        ),
        (
            _exchange("seed000.jsonl", "GET", model_path),
            lambda s, _, ex: s.get_logged_model(model_id(ex)),
        ),
        (
            _exchange("seed000.jsonl", "PATCH", model_path),
            lambda s, b, _: s.finalize_logged_model(b["model_id"], b["status"]),
        ),
        (
            _exchange("seed000.jsonl", "PATCH", model_path + "/tags"),
            lambda s, b, ex: s.set_logged_model_tags(model_id(ex), _pairs(b["tags"])),
        ),
        (
            _exchange("logged_models.jsonl", "DELETE", model_path + "/tags/stage"),
            lambda s, _, ex: s.delete_logged_model_tag(model_id(ex), "stage"),
        ),
        (
            _exchange("logged_models.jsonl", "POST", model_path + "/params"),
            lambda s, b, _: s.log_logged_model_params(b["model_id"], _pairs(b["params"])),
        ),
        (
            _exchange("logged_models.jsonl", "DELETE", model_path),
            lambda s, b, _: s.delete_logged_model(b["model_id"]),
        ),
        (
            _exchange(
                "logged_models.jsonl", "POST", "logged-models/search", lambda b: "order_by" in b
            ),
            lambda s, b, _: s.search_logged_models(
                b["experiment_ids"], b["filter"], None, b["max_results"], b["order_by"]
            ),
        ),
        (
            _exchange(
                "seed002_tracking.jsonl",
                "POST",
                "logged-models/search",
                lambda b: "model" in b["filter"],
            ),
            lambda s, b, _: s.search_logged_models(b["experiment_ids"], b["filter"]),
        ),
    ]
    for ex, call in cases:
        script.seen.clear()
        script.responses.clear()
        result = call(_replay(scripted, ex), ex["request_body"] or {}, ex)
        _assert_same_request(script, ex)
        response = ex["response_body"] or {}
        if "model" in response:
            assert result.model_id == response["model"]["info"]["model_id"]
        if "models" in response:
            assert [m.model_id for m in result] == [
                m["info"]["model_id"] for m in response["models"]
            ]  # type: ignore[attr-defined]


def test_local_refusals_send_nothing(scripted: tuple[HostCreds, Script]) -> None:
    creds, script = scripted
    script.answer(200, {})
    store = RestTrackingStore(creds)
    with pytest.raises(InvalidParameterValue, match="valid double"):
        store.log_metric("r" * 32, Metric("m", True, 1, 0))
    with pytest.raises(InvalidParameterValue, match="valid double"):
        store.log_batch("r" * 32, metrics=[Metric("m", "1", 1, 0)])  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterValue, match="Invalid run status"):
        store.update_run_info("r" * 32, "SIDEWAYS", None, None)
    with pytest.raises(InvalidParameterValue, match="Invalid model name"):
        store.create_logged_model("1", name="")
    assert store.get_experiment_by_name("") is None
    assert script.seen == []


def test_numpy_scalars_are_sent_as_plain_numbers(scripted: tuple[HostCreds, Script]) -> None:
    import numpy as np

    creds, script = scripted
    script.answer(200, {})
    metric = Metric("m", np.float32(0.5), np.int64(7), np.int64(3))  # type: ignore[arg-type]
    RestTrackingStore(creds).log_metric("r" * 32, metric)
    body = json.loads(script.seen[0].body)
    assert (body["value"], body["timestamp"], body["step"]) == (0.5, 7, 3)
