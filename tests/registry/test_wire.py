"""Registry codecs reproduce, field for field, every registry answer of the recorded MLflow
3.17.2 traffic after a decode/encode round trip."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mlharbor.entities import ModelVersion, RegisteredModel
from mlharbor.wire.registry import (
    model_version_from_json,
    model_version_to_json,
    registered_model_from_json,
    registered_model_to_json,
)
from tests.spec_paths import TRANSCRIPTS

FILES = ("registry.jsonl", "seed000.jsonl", "errors.jsonl", "models_serve_startup.jsonl")


def _answers() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name in FILES:
        path = TRANSCRIPTS / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            exchange = json.loads(line)
            body = exchange["response_body"]
            if (
                exchange["status"] == 200
                and isinstance(body, dict)
                and (
                    "registered-models" in exchange["path"] or "model-versions" in exchange["path"]
                )
            ):
                found.append((f"{name}:{exchange['step']}", body))
    return found


ANSWERS = _answers()


def _round_trip(body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == "registered_model":
            out[key] = registered_model_to_json(registered_model_from_json(value))
        elif key == "registered_models":
            out[key] = [registered_model_to_json(registered_model_from_json(m)) for m in value]
        elif key == "model_version":
            out[key] = model_version_to_json(model_version_from_json(value))
        elif key == "model_versions":
            # searches omit aliases; other answers carry them
            out[key] = [model_version_to_json(model_version_from_json(v)) for v in value]
        else:
            out[key] = value
    return out


@pytest.mark.skipif(not ANSWERS, reason="recorded MLflow traffic is not available")
@pytest.mark.parametrize("body", [b for _, b in ANSWERS], ids=[i for i, _ in ANSWERS])
def test_recorded_answers_round_trip(body: dict[str, Any]) -> None:
    assert _round_trip(body) == body


def test_entities_round_trip() -> None:
    version = ModelVersion(
        name="m",
        version="2",
        creation_timestamp=1,
        last_updated_timestamp=2,
        current_stage="Production",
        description="",
        source="models:/m-1",
        run_id="r",
        tags={"k": "v"},
        aliases=("champion",),
        model_id="m-1",
    )
    encoded = model_version_to_json(version)
    assert encoded["version"] == "2"
    assert encoded["model_id"] == "m-1"
    assert model_version_from_json(encoded) == version
    assert "aliases" not in model_version_to_json(version, with_aliases=False)
    model = RegisteredModel(
        name="m",
        creation_timestamp=1,
        last_updated_timestamp=2,
        latest_versions=(version,),
        tags={"t": "1"},
        aliases={"champion": "2"},
    )
    encoded_model = registered_model_to_json(model)
    assert encoded_model["aliases"] == [{"alias": "champion", "version": "2"}]
    assert "aliases" not in encoded_model["latest_versions"][0]
    assert "description" not in encoded_model
    decoded = registered_model_from_json(encoded_model)
    assert decoded.latest_versions[0].aliases == ()
    assert decoded.aliases == model.aliases
    # numbers sent as strings and enum numbers are read too
    lenient = model_version_from_json(
        {"name": "m", "version": 3, "creation_timestamp": "5", "status": 3}
    )
    assert (lenient.version, lenient.creation_timestamp, lenient.status) == ("3", 5, "READY")
