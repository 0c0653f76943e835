"""Registry grammars and compilers: registered models and model versions on real rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from sqlalchemy import Connection, Engine, insert

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.registry.sql import schema
from mlharbor.store.search.grammar import Comparison, Kind, OrderKey
from mlharbor.store.search.registry import (
    MODEL_VERSION_GRAMMAR,
    REGISTERED_MODEL_GRAMMAR,
    model_version_search_select,
    registered_model_search_select,
)

A, T = Kind.ATTRIBUTE, Kind.TAG
PROMPT_CLAUSE = "tag.`mlflow.prompt.is_prompt` != 'true'"


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        (
            f"name LIKE 'demo%' AND {PROMPT_CLAUSE}",
            [
                Comparison(A, "name", "LIKE", "demo%"),
                Comparison(T, "mlflow.prompt.is_prompt", "!=", "true"),
            ],
        ),
        ("name IN ('a', 'b')", [Comparison(A, "name", "IN", ("a", "b"))]),
        ("attribute.name != 'a'", [Comparison(A, "name", "!=", "a")]),
        ("tags.k ILIKE '%v%'", [Comparison(T, "k", "ILIKE", "%v%")]),
    ],
)
def test_registered_model_filters(filter_string: str, expected: list[Comparison]) -> None:
    assert REGISTERED_MODEL_GRAMMAR.parse_filter(filter_string) == expected


@pytest.mark.parametrize(
    ("filter_string", "message"),
    [
        (
            f"tags.x >> 1 AND {PROMPT_CLAUSE}",
            "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1",
        ),
        ("tags.x > 'a'", "Invalid comparator for tag: >"),
        ("name > 'a'", "Invalid comparator for attribute: >"),
        ("tags.x IS NULL", "Invalid comparator for tag: IS NULL"),
        (
            "version_number = 1",
            "Invalid attribute key 'version_number' specified. Valid keys are '{'name'}'",
        ),
        (
            "metrics.a = 1",
            "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'tag', 'tags')",
        ),
        (
            "name = 5",
            "Expected a quoted string value or a list of quoted string values for attributes. "
            "Got value 5",
        ),
    ],
)
def test_invalid_registered_model_filters(filter_string: str, message: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        REGISTERED_MODEL_GRAMMAR.parse_filter(filter_string)
    assert info.value.message == message


def test_registered_model_order_by() -> None:
    assert REGISTERED_MODEL_GRAMMAR.parse_order_by(["name ASC", "timestamp DESC"]) == [
        OrderKey(A, "name", True),
        OrderKey(A, "last_updated_timestamp", False),
    ]
    with pytest.raises(InvalidParameterValue) as info:
        REGISTERED_MODEL_GRAMMAR.parse_order_by(["creation_timestamp"])
    assert info.value.message == (
        "Invalid order by key 'creation_timestamp' specified. "
        "Valid keys are '{'name', 'timestamp'}'"
    )
    with pytest.raises(InvalidParameterValue, match="duplicate fields"):
        REGISTERED_MODEL_GRAMMAR.parse_order_by(["timestamp", "last_updated_timestamp DESC"])


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("name='demo-clf'", [Comparison(A, "name", "=", "demo-clf")]),
        (
            "name='demo-clf' and tags.validation_status = 'approved'",
            [
                Comparison(A, "name", "=", "demo-clf"),
                Comparison(T, "validation_status", "=", "approved"),
            ],
        ),
        ("version_number >= 2", [Comparison(A, "version_number", ">=", 2)]),
        ("version_number = '3'", [Comparison(A, "version_number", "=", 3)]),
        ("run_id IN ('a')", [Comparison(A, "run_id", "IN", ("a",))]),
        ("source_path LIKE 'models:/%'", [Comparison(A, "source_path", "LIKE", "models:/%")]),
    ],
)
def test_model_version_filters(filter_string: str, expected: list[Comparison]) -> None:
    assert MODEL_VERSION_GRAMMAR.parse_filter(filter_string) == expected


@pytest.mark.parametrize(
    ("filter_string", "message"),
    [
        ("run_id > 'x'", "Invalid comparator for attribute: >"),
        ("version_number LIKE '1'", "Invalid comparator for attribute version_number: LIKE"),
        ("version_number = 'x'", "Invalid value for numeric attribute 'version_number': 'x'"),
        ("version_number > 1.5", "Invalid value for numeric attribute 'version_number': 1.5"),
        (
            "source_path IN ('a')",
            "Only ['name', 'run_id'] attributes support comparison with a list of quoted "
            "string values.",
        ),
        (
            "name = 5",
            "Only the '{'creation_timestamp', 'last_updated_timestamp', 'version_number'}' "
            "attributes support comparison with numeric values.",
        ),
        ("tags.a LIKE 1", "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1"),
    ],
)
def test_invalid_model_version_filters(filter_string: str, message: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        MODEL_VERSION_GRAMMAR.parse_filter(filter_string)
    assert info.value.message == message


def test_model_version_order_by() -> None:
    assert MODEL_VERSION_GRAMMAR.parse_order_by(["version_number DESC"]) == [
        OrderKey(A, "version_number", False)
    ]
    with pytest.raises(InvalidParameterValue, match="Invalid order by key 'stage' specified"):
        MODEL_VERSION_GRAMMAR.parse_order_by(["stage"])


def _model(
    conn: Connection, name: str, updated: int, tags: Mapping[str, str] | None = None
) -> None:
    conn.execute(
        insert(schema.registered_models).values(
            name=name, creation_time=0, last_updated_time=updated
        )
    )
    for key, value in (tags or {}).items():
        conn.execute(insert(schema.registered_model_tags).values(name=name, key=key, value=value))


def _version(
    conn: Connection,
    name: str,
    version: int,
    updated: int,
    *,
    run_id: str | None = None,
    deleted: bool = False,
    tags: Mapping[str, str] | None = None,
) -> None:
    conn.execute(
        insert(schema.model_versions).values(
            name=name,
            version=version,
            creation_time=version,
            last_updated_time=updated,
            current_stage="None",
            source=f"models:/m-{name}-{version}",
            storage_location="/tmp/x",
            run_id=run_id,
            status="READY",
            deleted_time=1 if deleted else None,
        )
    )
    for key, value in (tags or {}).items():
        conn.execute(
            insert(schema.model_version_tags).values(
                name=name, version=version, key=key, value=value
            )
        )


@pytest.fixture(scope="module")
def registry(engine: Engine) -> Engine:
    with engine.begin() as conn:
        _model(conn, "demo-clf", 30, {"team": "a"})
        _model(conn, "demo-reg", 10, {"mlflow.prompt.is_prompt": "false"})
        _model(conn, "my-prompt", 20, {"mlflow.prompt.is_prompt": "true"})
        _model(conn, "Zeta", 40)
        _version(conn, "demo-clf", 1, 5, run_id="r1")
        _version(conn, "demo-clf", 2, 7, run_id="r2", tags={"validation_status": "approved"})
        _version(conn, "demo-clf", 3, 9, tags={"validation_status": "approved"})
        _version(conn, "demo-clf", 4, 11, deleted=True)
        _version(conn, "demo-reg", 1, 7, run_id="r1")
        _version(conn, "my-prompt", 1, 8, tags={"mlflow.prompt.is_prompt": "true"})
    return engine


def models(
    engine: Engine, filter_string: str | None = None, order_by: Sequence[str] | None = None
) -> list[str]:
    query = registered_model_search_select(filter_string, order_by, 0, 100)
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def versions(
    engine: Engine,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[tuple[str, int]]:
    query = model_version_search_select(filter_string, order_by, offset, limit)
    with engine.connect() as conn:
        return [(name, version) for name, version in conn.execute(query)]


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        (None, ["Zeta", "demo-clf", "demo-reg"]),
        (PROMPT_CLAUSE, ["Zeta", "demo-clf", "demo-reg"]),
        (f"name LIKE 'demo%' AND {PROMPT_CLAUSE}", ["demo-clf", "demo-reg"]),
        ("name ILIKE 'z%'", ["Zeta"]),
        ("name IN ('Zeta', 'my-prompt')", ["Zeta"]),
        ("name NOT IN ('Zeta')", ["demo-clf", "demo-reg"]),
        ("tags.team = 'a'", ["demo-clf"]),
        ("tags.team != 'a'", []),
        ("tag.`mlflow.prompt.is_prompt` = 'true'", ["my-prompt"]),
        ("tags.`mlflow.prompt.is_prompt` != 'false'", ["my-prompt"]),
        ("tags.`mlflow.prompt.is_prompt` = 'false'", ["Zeta", "demo-clf", "demo-reg"]),
    ],
)
def test_search_registered_models(
    registry: Engine, filter_string: str | None, expected: list[str]
) -> None:
    assert models(registry, filter_string) == expected


def test_registered_model_order(registry: Engine) -> None:
    assert models(registry, None, ["timestamp DESC"]) == ["Zeta", "demo-clf", "demo-reg"]
    assert models(registry, None, ["last_updated_timestamp ASC"]) == [
        "demo-reg",
        "demo-clf",
        "Zeta",
    ]
    assert models(registry, None, ["name DESC"]) == ["demo-reg", "demo-clf", "Zeta"]


@pytest.mark.parametrize(
    ("filter_string", "order_by", "expected"),
    [
        (
            "name='demo-clf'",
            None,
            [("demo-clf", 3), ("demo-clf", 2), ("demo-clf", 1)],
        ),
        (
            "name='demo-clf' and tags.validation_status = 'approved'",
            ["version_number DESC"],
            [("demo-clf", 3), ("demo-clf", 2)],
        ),
        (None, None, [("demo-clf", 3), ("demo-clf", 2), ("demo-reg", 1), ("demo-clf", 1)]),
        ("run_id = 'r1'", ["name ASC"], [("demo-clf", 1), ("demo-reg", 1)]),
        (
            "run_id IN ('r1', 'r2')",
            ["creation_timestamp DESC"],
            [("demo-clf", 2), ("demo-clf", 1), ("demo-reg", 1)],
        ),
        ("version_number >= 2", ["version_number ASC"], [("demo-clf", 2), ("demo-clf", 3)]),
        ("source_path LIKE 'models:/m-demo-reg%'", None, [("demo-reg", 1)]),
        ("tags.`mlflow.prompt.is_prompt` = 'true'", None, [("my-prompt", 1)]),
    ],
)
def test_search_model_versions(
    registry: Engine,
    filter_string: str | None,
    order_by: list[str] | None,
    expected: list[tuple[str, int]],
) -> None:
    assert versions(registry, filter_string, order_by) == expected


def test_model_version_paging(registry: Engine) -> None:
    first = versions(registry, "name='demo-clf'", ["version_number DESC"], 0, 2)
    rest = versions(registry, "name='demo-clf'", ["version_number DESC"], 2, 2)
    assert first + rest == [("demo-clf", 3), ("demo-clf", 2), ("demo-clf", 1)]
