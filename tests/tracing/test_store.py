"""The trace part of the SQL tracking store, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlharbor.entities import TraceInfo
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.store.tracking.sql import SqlTrackingStore
from mlharbor.tracing.span import LiveSpan


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> SqlTrackingStore:
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        uri = request.getfixturevalue("postgres_url")
    return SqlTrackingStore(uri, str(tmp_path / "artifacts"))


def _tree(trace_hex: str, n: int) -> list[dict[str, object]]:
    root = LiveSpan("root" + "x" * 1200, f"tr-{trace_hex}", trace_hex, None, "AGENT")
    root.set_inputs({"q": "%_literal"})
    spans = [root]
    for i in range(n):
        child = LiveSpan(f"step-{i}", root.trace_id, trace_hex, root.span_id, "TOOL")
        child.set_attribute("model", f"m{i}")
        child.end_time_ns = child.start_time_ns + 1000
        spans.append(child)
    root.end_time_ns = root.start_time_ns + 5_000_000
    return [s.to_otlp_json() for s in spans]


def test_spans_before_and_after_trace_info(store: SqlTrackingStore) -> None:
    experiment_id = store.create_experiment("traces")
    first, second = "1" * 32, "2" * 32
    store.log_spans(experiment_id, _tree(first, 3))
    info = TraceInfo(
        trace_id=f"tr-{second}",
        experiment_id=experiment_id,
        request_time=1,
        state="OK",
        execution_duration=7,
        tags={"team": "a"},
        trace_metadata={"mlflow.sourceRun": "r1"},
    )
    stored = store.start_trace(info)
    assert stored.tags["mlflow.artifactLocation"].endswith(f"traces/tr-{second}/artifacts")
    assert "mlflow.trace.spansLocation" not in stored.tags
    spans = _tree(second, 2)
    store.log_spans(experiment_id, spans)
    store.log_spans(experiment_id, spans)  # a resend replaces, never duplicates
    [trace] = store.batch_get_traces([f"tr-{second}"])
    assert len(trace.spans) == 3
    assert trace.info.execution_duration == 7  # the client's info wins over the root span
    assert trace.info.tags["mlflow.trace.spansLocation"] == "TRACKING_STORE"

    def ids(filter_string: str) -> list[str]:
        return [i.trace_id for i in store.search_traces([experiment_id], filter_string)]

    assert ids("") == [f"tr-{first}", f"tr-{second}"]
    assert ids("tags.team = 'a'") == [f"tr-{second}"]
    assert ids("metadata.`mlflow.sourceRun` = 'r1'") == [f"tr-{second}"]
    assert ids("span.name = 'step-2'") == [f"tr-{first}"]
    assert ids("span.attributes.model = 'm1'") == [f"tr-{first}", f"tr-{second}"]
    assert ids("span.attributes.model = 'm_'") == []
    assert ids("trace.execution_time_ms > 6") == [f"tr-{second}"]
    assert ids("span.attributes.model LIKE '%m2%'") == [f"tr-{first}"]
    with pytest.raises(InvalidParameterValue):
        ids("span.attributes.model IN ('m1')")
    page = store.search_traces([experiment_id], max_results=1)
    assert page.token is not None
    assert store.delete_traces(experiment_id, max_timestamp_millis=2**62, max_traces=1) == 1
    assert len(store.search_traces([experiment_id])) == 1


def test_spans_into_a_missing_or_other_experiment(store: SqlTrackingStore) -> None:
    experiment_id = store.create_experiment("one")
    other = store.create_experiment("two")
    spans = _tree("3" * 32, 1)
    with pytest.raises(ResourceDoesNotExist):
        store.log_spans("12345", spans)
    store.log_spans(experiment_id, spans)
    with pytest.raises(InvalidParameterValue):
        store.log_spans(other, spans)
    moved = TraceInfo(trace_id=f"tr-{'3' * 32}", experiment_id=other, request_time=0, state="OK")
    with pytest.raises(InvalidParameterValue):
        store.start_trace(moved)
    assert store.get_trace_info(moved.trace_id).experiment_id == experiment_id
