"""Parallel registrations of one model get distinct, gap-free version numbers."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from mlharbor.store.registry.rest import RestRegistryStore
from mlharbor.store.registry.sql.store import SqlRegistryStore
from tests.fixtures.servers import RunningServer

PARALLEL = 20


def _register(db_uri: str, index: int) -> str:
    # each process opens its own engine: the database, not Python, must serialise the numbers
    return SqlRegistryStore(db_uri).create_model_version("shared", f"s3://bucket/{index}").version


def _check_numbers(store: SqlRegistryStore, versions: list[str]) -> None:
    assert sorted(int(v) for v in versions) == list(range(1, PARALLEL + 1))
    stored = store.search_model_versions("name = 'shared'")
    assert sorted(int(mv.version) for mv in stored) == list(range(1, PARALLEL + 1))
    sources = {mv.source for mv in stored}
    assert sources == {f"s3://bucket/{i}" for i in range(PARALLEL)}


def test_parallel_threads(db_uri: str) -> None:
    store = SqlRegistryStore(db_uri)
    store.create_registered_model("shared")
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        versions = list(pool.map(lambda i: _register(db_uri, i), range(PARALLEL)))
    _check_numbers(store, versions)


def test_parallel_processes(db_uri: str) -> None:
    store = SqlRegistryStore(db_uri)
    store.create_registered_model("shared")
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        versions = list(pool.map(_register, [db_uri] * PARALLEL, range(PARALLEL)))
    _check_numbers(store, versions)


def test_parallel_requests_to_a_server(harbor_server: RunningServer) -> None:
    store = RestRegistryStore(harbor_server.url)
    store.create_registered_model("served")

    def register(index: int) -> str:
        return store.create_model_version("served", f"s3://bucket/{index}").version

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        versions = list(pool.map(register, range(PARALLEL)))
    assert sorted(int(v) for v in versions) == list(range(1, PARALLEL + 1))
