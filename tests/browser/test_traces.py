"""The Traces pages: an experiment's trace table and one trace's span tree, in Chromium."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from playwright.sync_api import expect

from tests.fixtures.servers import RunningServer

HOSTILE = "<img src=x onerror=alert(1)>"


def _post(server: RunningServer, path: str, body: dict[str, Any], **headers: str) -> Any:
    request = urllib.request.Request(
        server.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _attr(key: str, value: Any) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": json.dumps(value)}}


def test_trace_table_and_span_tree(page: Any, ui_server: RunningServer) -> None:
    experiment_id = _post(ui_server, "/api/2.0/mlflow/experiments/create", {"name": "ui-traces"})[
        "experiment_id"
    ]
    trace = "cd" * 16
    spans = [
        {
            "traceId": trace,
            "spanId": "0000000000000001",
            "name": "agent",
            "startTimeUnixNano": "1700000000000000000",
            "endTimeUnixNano": "1700000001000000000",
            "attributes": [_attr("mlflow.spanInputs", {"question": HOSTILE})],
            "status": {"code": 1},
        },
        {
            "traceId": trace,
            "spanId": "0000000000000002",
            "parentSpanId": "0000000000000001",
            "name": HOSTILE,
            "startTimeUnixNano": "1700000000200000000",
            "endTimeUnixNano": "1700000000700000000",
            "attributes": [_attr("mlflow.spanType", "LLM"), _attr("mlflow.spanOutputs", "done")],
            "status": {"code": 1},
        },
    ]
    _post(
        ui_server,
        "/v1/traces",
        {"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]},
        **{"x-mlflow-experiment-id": experiment_id},
    )
    page.goto(f"{ui_server.url}/#/experiments/{experiment_id}")
    page.locator("#traces-link").click()
    row = page.locator("#traces-table tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text("OK")
    row.get_by_role("link", name="agent").click()
    tree = page.locator("#span-tree")
    expect(tree.locator(":scope > div")).to_have_count(2)
    expect(page.locator("#span-detail h2")).to_have_text("agent")
    tree.get_by_text(HOSTILE).click()
    expect(page.locator("#span-detail h2")).to_have_text(HOSTILE)
    expect(page.locator("#span-detail")).to_contain_text('"done"')
