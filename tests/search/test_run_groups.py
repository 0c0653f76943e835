"""Searches ordered first by a metric, param or tag: value, NaN and missing groups, paged."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
from sqlalchemy import Engine, insert

from mlharbor.entities.enums import ViewType
from mlharbor.store.search import runs as search_runs
from mlharbor.store.search.runs import run_search_select
from mlharbor.store.tracking.sql import schema
from tests.search.data import add_experiment, add_run

NAN = float("nan")
RUNS = 60


def _ids(engine: Engine, filter_string: str | None, order_by: Sequence[str], offset: int,
         limit: int) -> list[str]:  # fmt: skip
    query = run_search_select(["1"], filter_string, ViewType.ACTIVE_ONLY, order_by, offset, limit)
    with engine.connect() as conn:
        return [str(run_id) for run_id in conn.execute(query).scalars()]


@pytest.fixture(params=["sort", "walk"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both plans of the first group: the small-experiment sort and the index walk."""
    if request.param == "walk":
        monkeypatch.setattr(search_runs, "WALK_THRESHOLD", 1)
    return str(request.param)


@pytest.fixture
def mixed(fresh_engine: Engine, plan: str) -> Engine:
    """Runs with a metric value, a NaN or no metric; a param that some runs lack; ties."""
    rng = random.Random(7)
    with fresh_engine.begin() as conn:
        add_experiment(conn, 1)
        for i in range(RUNS):
            roll = rng.random()
            metrics = {} if roll < 0.25 else {"m": NAN if roll < 0.4 else rng.choice([0.1, 0.5])}
            params = {} if rng.random() < 0.3 else {"p": rng.choice(["a", "b", "c"])}
            add_run(
                conn,
                f"r{i:02d}",
                start=rng.choice([10, 20, 30]),
                end=None if rng.random() < 0.3 else rng.choice([100, 200]),
                metrics=metrics,
                params=params,
                stage="deleted" if i % 13 == 0 else "active",
            )
    return fresh_engine


def _expected(engine: Engine, order_by: Sequence[str]) -> list[str]:
    """Every active run in MLflow's order, computed in Python from the rows."""
    with engine.connect() as conn:
        runs = {
            r.run_uuid: r
            for r in conn.execute(schema.runs.select())
            if r.lifecycle_stage == "active"
        }
        metric = {r.run_uuid: r for r in conn.execute(schema.latest_metrics.select())}
        param = {r.run_uuid: r.value for r in conn.execute(schema.params.select())}
    (key,) = order_by
    descending = key.endswith("DESC")

    def rank(run_id: str) -> tuple[int, object]:
        if key.startswith("attributes."):
            time = getattr(runs[run_id], key.split()[0].removeprefix("attributes."))
            if time is None:
                return (1, 0)
            return (0, -time if descending else time)
        if key.startswith("metrics."):
            row = metric.get(run_id)
            if row is None:
                return (2, 0)
            if row.is_nan:
                return (1, 0)
            return (0, -row.value if descending else row.value)
        value = param.get(run_id)
        if value is None:
            return (1, "")
        return (0, tuple(-ord(c) for c in value) if descending else value)

    return sorted(runs, key=lambda r: (rank(r), -runs[r].start_time, r))


@pytest.mark.parametrize(
    "order",
    [
        "metrics.m DESC",
        "metrics.m ASC",
        "params.p ASC",
        "params.p DESC",
        "attributes.start_time DESC",
        "attributes.start_time ASC",
        "attributes.end_time DESC",
        "attributes.end_time ASC",
    ],
)
def test_pages_walk_every_group_in_order(mixed: Engine, order: str) -> None:
    expected = _expected(mixed, [order])
    assert _ids(mixed, None, [order], 0, 1000) == expected
    for size in (1, 7, 25):
        paged: list[str] = []
        for offset in range(0, len(expected) + size, size):
            paged.extend(_ids(mixed, None, [order], offset, size))
        assert paged == expected


def test_filter_on_the_sort_key_keeps_only_its_group(mixed: Engine) -> None:
    found = _ids(mixed, "metrics.m >= 0.5", ["metrics.m DESC"], 0, 1000)
    assert found == [r for r in _expected(mixed, ["metrics.m DESC"]) if r in set(found)]
    assert found
    assert len(found) < len(_expected(mixed, ["metrics.m DESC"]))
    unequal = _ids(mixed, "metrics.m != 0.1", ["metrics.m ASC"], 0, 1000)
    everything = _ids(mixed, None, ["metrics.m ASC"], 0, 1000)
    with mixed.connect() as conn:
        nan_runs = {r.run_uuid for r in conn.execute(schema.latest_metrics.select()) if r.is_nan}
    assert nan_runs & set(unequal)
    assert unequal == [r for r in everything if r in set(unequal)]


def test_long_param_values_are_stored_and_sorted(fresh_engine: Engine, plan: str) -> None:
    """Values past PostgreSQL's btree entry limit insert fine and sort with the rest."""
    with fresh_engine.begin() as conn:
        add_experiment(conn, 1)
        add_run(conn, "short", start=1, params={"p": "a"})
        add_run(conn, "long", start=2)
        conn.execute(insert(schema.params).values(run_uuid="long", key="p", value="b" * 6000))
        conn.execute(insert(schema.run_tags).values(run_uuid="long", key="t", value="é" * 6000))
    assert _ids(fresh_engine, None, ["params.p DESC"], 0, 10) == ["long", "short"]
    assert _ids(fresh_engine, "tags.t LIKE 'é%'", ["tags.t ASC"], 0, 10) == ["long"]


def test_runs_without_start_time_sort_last_both_ways(fresh_engine: Engine) -> None:
    with fresh_engine.begin() as conn:
        add_experiment(conn, 1)
        add_run(conn, "none-b", start=None)
        add_run(conn, "early", start=5)
        add_run(conn, "none-a", start=None)
        add_run(conn, "late", start=9)
    for order, present in (("DESC", ["late", "early"]), ("ASC", ["early", "late"])):
        found = _ids(fresh_engine, None, [f"attributes.start_time {order}"], 0, 10)
        assert found == [*present, "none-a", "none-b"]
        assert _ids(fresh_engine, None, [f"attributes.start_time {order}"], 1, 2) == found[1:3]
