"""Replay the official client's recorded tracking tours against our server and compare
every response's *shape* (status, keys, value types) with what MLflow 3.17.2 answered.

Ids, timestamps and page tokens differ between servers: ids that appear in a response are
learned (recorded value → ours) and substituted into later requests.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.spec_paths import TRANSCRIPTS

# transcript -> experiments that existed on the recording server before it started, so that
# experiment ids line up (the scenarios ran one after another against one server).
REPLAYED = {"seed002_tracking.jsonl": 1, "logged_models.jsonl": 6, "autolog.jsonl": 5}
# Optional classification fields MLflow 3 adds to error bodies; clients do not need them.
IGNORED_KEYS = {"sqlstate", "error_class"}
_LEARNED_KEYS = {"run_id", "run_uuid", "model_id", "next_page_token"}
_HEX_ID = re.compile(r"^(m-)?[0-9a-f]{32}$")


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in sorted(value.items()) if k not in IGNORED_KEYS}
    if isinstance(value, list):
        return ["list", sorted({json.dumps(_shape(item), sort_keys=True) for item in value})]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        # MLflow sends NaN as a string inside a double field; keep it a number here.
        return "number" if value in ("NaN", "Infinity", "-Infinity") else "str"
    return type(value).__name__


def _differences(ours: Any, recorded: Any, where: str = "") -> list[str]:
    """Readable differences between two shapes."""
    if isinstance(ours, dict) and isinstance(recorded, dict):
        found = [f"{where}.{k}: only ours" for k in ours.keys() - recorded.keys()]
        found += [f"{where}.{k}: only MLflow's" for k in recorded.keys() - ours.keys()]
        for key in ours.keys() & recorded.keys():
            found += _differences(ours[key], recorded[key], f"{where}.{key}")
        return found
    return [] if ours == recorded else [f"{where}: {ours} != {recorded}"]


def _learn(recorded: Any, ours: Any, mapping: dict[str, str]) -> None:
    if isinstance(recorded, dict) and isinstance(ours, dict):
        for key in recorded.keys() & ours.keys():
            old, new = recorded[key], ours[key]
            if key in _LEARNED_KEYS and isinstance(old, str) and isinstance(new, str):
                mapping[old] = new
            else:
                _learn(old, new, mapping)
    elif isinstance(recorded, list) and isinstance(ours, list):
        for old, new in zip(recorded, ours, strict=False):
            _learn(old, new, mapping)


def _substitute(text: str, mapping: dict[str, str]) -> str:
    for old, new in mapping.items():
        text = text.replace(old, new)
    return text


def _request_body(exchange: dict[str, Any], mapping: dict[str, str]) -> bytes | None:
    body = exchange["request_body"]
    if body is None:
        return None
    if isinstance(body, dict) and ({"_binary", "_text", "_text_preview"} & body.keys()):
        text = body.get("_text", body.get("_text_preview"))
        if isinstance(text, str) and not text.endswith("<truncated>"):
            return text.encode()
        return b"\0" * int(body["_size"])
    return _substitute(json.dumps(body), mapping).encode()


def _exchanges(name: str) -> list[dict[str, Any]]:
    text = (TRANSCRIPTS / name).read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.skipif(not TRANSCRIPTS.exists(), reason="recorded traffic not available")
@pytest.mark.parametrize("transcript", sorted(REPLAYED))
def test_recorded_tour_replays_with_mlflow_shapes(client: TestClient, transcript: str) -> None:
    for number in range(REPLAYED[transcript]):
        client.post("/api/2.0/mlflow/experiments/create", json={"name": f"earlier-{number}"})
    mapping: dict[str, str] = {}
    mismatches: list[str] = []
    for index, exchange in enumerate(_exchanges(transcript)):
        target = _substitute(exchange["path"], mapping)
        if exchange["query_string"]:
            target += "?" + _substitute(exchange["query_string"], mapping)
        headers = {}
        if exchange["request_content_type"]:
            headers["Content-Type"] = exchange["request_content_type"]
        response = client.request(
            exchange["method"], target, content=_request_body(exchange, mapping), headers=headers
        )
        label = f"#{index} {exchange['step']}: {exchange['method']} {exchange['path']}"
        if response.status_code != exchange["status"]:
            mismatches.append(f"{label}: status {response.status_code} != {exchange['status']}")
            continue
        recorded_type = exchange["response_content_type"] or ""
        if not recorded_type.startswith("application/json"):
            continue
        ours = response.json()
        recorded = exchange["response_body"]
        _learn(recorded, ours, mapping)
        mismatches += [f"{label}: {d}" for d in _differences(_shape(ours), _shape(recorded))]
    assert not mismatches, "\n".join(mismatches)
