"""The logged-model grammar, order_by objects and ``logged_model_search_select`` on real rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, insert

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.grammar import Comparison, Kind
from mlharbor.store.search.logged_models import (
    LOGGED_MODEL_GRAMMAR,
    LoggedModelOrder,
    logged_model_search_select,
    parse_logged_model_order_by,
)
from mlharbor.store.tracking.sql import schema
from tests.search.data import add_experiment

A, M, P, T = Kind.ATTRIBUTE, Kind.METRIC, Kind.PARAM, Kind.TAG


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("name = 'model'", [Comparison(A, "name", "=", "model")]),
        (
            "name = 'external-model' AND params.lr = '0.1'",
            [Comparison(A, "name", "=", "external-model"), Comparison(P, "lr", "=", "0.1")],
        ),
        ("metrics.score > 0.5", [Comparison(M, "score", ">", 0.5)]),
        ("creation_time > 5", [Comparison(A, "creation_timestamp", ">", 5)]),
        (
            "attributes.status IN ('LOGGED_MODEL_READY')",
            [Comparison(A, "status", "IN", ("LOGGED_MODEL_READY",))],
        ),
        ("tags.`a b` NOT IN ('x', 'y')", [Comparison(T, "a b", "NOT IN", ("x", "y"))]),
        ("model_type ILIKE 'SK%'", [Comparison(A, "model_type", "ILIKE", "SK%")]),
    ],
)
def test_valid_filters(filter_string: str, expected: list[Comparison]) -> None:
    assert LOGGED_MODEL_GRAMMAR.parse_filter(filter_string) == expected


@pytest.mark.parametrize(
    ("filter_string", "message"),
    [
        (
            "metric.score > 1",
            "Invalid entity type: 'metric'. "
            "Expected one of ['attributes', 'metrics', 'params', 'tags'].",
        ),
        (
            "metrics.score LIKE 1",
            "Invalid comparison operator for metrics.score: 'LIKE'. "
            "Expected one of ('<', '<=', '>', '>=', '=', '!=').",
        ),
        (
            "name > 'a'",
            "Invalid comparison operator for attributes.name: '>'. "
            "Expected one of ('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN').",
        ),
        (
            "tags.a IS NULL",
            "Invalid comparison operator for tags.a: 'IS NULL'. "
            "Expected one of ('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN').",
        ),
        ("metrics.score > 'high'", "Expected numeric value type for metric. Found 'high'"),
        ("name = model", "Parameter value is either not quoted"),
        ("flavor = 'x'", "Invalid attribute key 'flavor' specified."),
        (
            "name = 'a' OR name = 'b'",
            "Invalid filter string: \"name = 'a' OR name = 'b'\". Expected a list of "
            "comparisons separated by 'AND' (e.g. 'metrics.loss > 0.1 AND params.lr = 0.01').",
        ),
    ],
)
def test_invalid_filters(filter_string: str, message: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        LOGGED_MODEL_GRAMMAR.parse_filter(filter_string)
    assert info.value.message.startswith(message)


def test_order_by_objects() -> None:
    assert parse_logged_model_order_by(
        [
            {"field_name": "creation_time", "ascending": False},
            {"field_name": "metrics.acc", "dataset_name": "d", "dataset_digest": "x"},
        ]
    ) == [
        LoggedModelOrder("creation_timestamp", False),
        LoggedModelOrder("metrics.acc", True, "acc", "d", "x"),
    ]


@pytest.mark.parametrize(
    ("order_by", "message"),
    [
        (["name"], "`order_by` must be a list of dictionaries."),
        ([{"ascending": True}], "`field_name` in the `order_by` clause must be specified."),
        (
            [{"field_name": "params.lr"}],
            "Invalid order by field name: params, only `metrics.<name>` is allowed.",
        ),
        ([{"field_name": "flavor"}], "Invalid order by field name: flavor."),
        (
            [{"field_name": "name", "ascending": "yes"}],
            "Value of `ascending` in the `order_by` clause must be a boolean, got "
            "<class 'str'> for field name.",
        ),
        (
            [{"field_name": "metrics.a", "dataset_digest": "x"}],
            "`dataset_digest` can only be specified if `dataset_name` is also specified.",
        ),
    ],
)
def test_invalid_order_by(order_by: list[Any], message: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        parse_logged_model_order_by(order_by)
    assert info.value.message == message


def _model(
    conn: Connection,
    model_id: str,
    *,
    experiment_id: int = 7,
    name: str = "model",
    created: int = 0,
    stage: str = "active",
    model_type: str | None = None,
    params: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
    metrics: Sequence[tuple[str, float, int, str | None]] = (),
) -> None:
    conn.execute(
        insert(schema.logged_models).values(
            model_id=model_id,
            experiment_id=experiment_id,
            name=name,
            artifact_location=f"/tmp/{model_id}",
            creation_timestamp_ms=created,
            last_updated_timestamp_ms=created,
            status="LOGGED_MODEL_READY",
            lifecycle_stage=stage,
            model_type=model_type,
        )
    )
    for key, value in (params or {}).items():
        conn.execute(
            insert(schema.logged_model_params).values(model_id=model_id, key=key, value=value)
        )
    for key, value in (tags or {}).items():
        conn.execute(
            insert(schema.logged_model_tags).values(model_id=model_id, key=key, value=value)
        )
    for key, value, timestamp, dataset in metrics:
        nan = value != value
        conn.execute(
            insert(schema.logged_model_metrics).values(
                model_id=model_id,
                key=key,
                step=0,
                timestamp=timestamp,
                value=0.0 if nan else value,
                is_nan=nan,
                run_uuid="r",
                dataset_name=dataset,
                dataset_digest=None if dataset is None else f"{dataset}-digest",
            )
        )


@pytest.fixture(scope="module")
def models(engine: Engine) -> Engine:
    with engine.begin() as conn:
        add_experiment(conn, 7)
        add_experiment(conn, 8)
        _model(
            conn,
            "m1",
            name="external-model",
            created=100,
            params={"lr": "0.1"},
            metrics=[("score", 0.9, 1, "eval")],
        )
        _model(
            conn,
            "m2",
            created=200,
            params={"lr": "0.2"},
            tags={"t": "x"},
            metrics=[("score", 0.3, 1, "train"), ("score", 0.8, 2, "eval")],
        )
        _model(conn, "m3", created=300, model_type="sklearn")
        _model(conn, "m4", created=400, stage="deleted", metrics=[("score", 1.0, 1, None)])
        _model(conn, "m5", experiment_id=8, created=500, metrics=[("score", float("nan"), 1, None)])
    return engine


def search(
    engine: Engine,
    filter_string: str | None = None,
    order_by: list[dict[str, Any]] | None = None,
    datasets: list[dict[str, str]] | None = None,
    experiment_ids: Sequence[str] = ("7",),
    offset: int = 0,
    limit: int = 100,
) -> list[str]:
    query = logged_model_search_select(
        experiment_ids, filter_string, datasets, order_by, offset, limit
    )
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


@pytest.mark.parametrize(
    ("filter_string", "datasets", "expected"),
    [
        (None, None, ["m3", "m2", "m1"]),
        ("name = 'model'", None, ["m3", "m2"]),
        ("name = 'external-model' AND params.lr = '0.1'", None, ["m1"]),
        ("metrics.score > 0.5", None, ["m2", "m1"]),
        ("metrics.score < 0.5", None, ["m2"]),
        ("metrics.score < 0.5", [{"dataset_name": "eval"}], []),
        (None, [{"dataset_name": "eval"}], ["m2", "m1"]),
        (None, [{"dataset_name": "train", "dataset_digest": "train-digest"}], ["m2"]),
        (None, [{"dataset_name": "train", "dataset_digest": "other"}], []),
        ("tags.t = 'x'", None, ["m2"]),
        ("model_type ILIKE 'SK%'", None, ["m3"]),
        ("creation_time >= 200", None, ["m3", "m2"]),
        ("model_id IN ('m1', 'm4')", None, ["m1"]),
        ("status = 'LOGGED_MODEL_READY'", None, ["m3", "m2", "m1"]),
        ("status = 'READY'", None, ["m3", "m2", "m1"]),
        ("status IN ('PENDING', 'FAILED')", None, []),
    ],
)
def test_filters(
    models: Engine,
    filter_string: str | None,
    datasets: list[dict[str, str]] | None,
    expected: list[str],
) -> None:
    assert search(models, filter_string, datasets=datasets) == expected


def test_nan_metric_matches_only_not_equal(models: Engine) -> None:
    assert search(models, "metrics.score > -1", experiment_ids=["8"]) == []
    assert search(models, "metrics.score != 1", experiment_ids=["8"]) == ["m5"]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ([{"field_name": "creation_time", "ascending": False}], ["m3", "m2", "m1"]),
        ([{"field_name": "creation_timestamp"}], ["m1", "m2", "m3"]),
        ([{"field_name": "metrics.score", "ascending": True}], ["m2", "m1", "m3"]),
        ([{"field_name": "metrics.score", "ascending": False}], ["m1", "m2", "m3"]),
        (
            [{"field_name": "metrics.score", "ascending": False, "dataset_name": "train"}],
            ["m2", "m3", "m1"],
        ),
        ([{"field_name": "model_type"}], ["m3", "m2", "m1"]),
        ([{"field_name": "name", "ascending": False}], ["m3", "m2", "m1"]),
        ([{"field_name": "model_id", "ascending": False}], ["m3", "m2", "m1"]),
    ],
)
def test_order_by(models: Engine, order_by: list[dict[str, Any]], expected: list[str]) -> None:
    assert search(models, None, order_by) == expected


def test_paging(models: Engine) -> None:
    assert search(models, limit=2) == ["m3", "m2"]
    assert search(models, offset=2, limit=2) == ["m1"]


def test_datasets_need_a_name(models: Engine) -> None:
    with pytest.raises(InvalidParameterValue, match="`dataset_name` in the `datasets` clause"):
        search(models, datasets=[{"dataset_digest": "x"}])
