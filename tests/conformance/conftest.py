"""Backends of the conformance suite: every test here runs once against each entry of BACKENDS.

A backend factory is a context manager taking the pytest request and a temporary directory; it
yields a fresh, empty :class:`~mlharbor.store.tracking.protocol.TrackingStore` and cleans up
after the test. Adding a backend (for example the REST store against a live server) is one
more entry. Tests only use the Protocol, and check failures by ``error_code``, so they hold for
every backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from mlharbor.store.tracking.protocol import TrackingStore
from tests.rest.live_server import rest_store

BackendFactory = Callable[[pytest.FixtureRequest, Path], AbstractContextManager[TrackingStore]]


@contextmanager
def _sqlite_store(_request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrackingStore]:
    from mlharbor.store.tracking.sql import SqlTrackingStore
    from mlharbor.store.tracking.sql.engine import dispose_engine

    uri = f"sqlite:///{tmp_path / 'conformance.db'}"
    try:
        yield SqlTrackingStore(uri, str(tmp_path / "artifacts"))
    finally:
        dispose_engine(uri)


@contextmanager
def _postgres_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrackingStore]:
    from mlharbor.store.tracking.sql import SqlTrackingStore
    from mlharbor.store.tracking.sql.engine import dispose_engine

    uri: str = request.getfixturevalue("postgres_url")
    try:
        yield SqlTrackingStore(uri, str(tmp_path / "artifacts"))
    finally:
        dispose_engine(uri)


BACKENDS: dict[str, BackendFactory] = {
    "sqlite": _sqlite_store,
    "postgres": _postgres_store,
    "rest": rest_store,
}

# Marks per backend, so e.g. ``-m "not postgres"`` deselects the PostgreSQL runs.
BACKEND_MARKS: dict[str, tuple[pytest.MarkDecorator, ...]] = {
    "postgres": (pytest.mark.postgres,),
}


@pytest.fixture(params=[pytest.param(name, marks=BACKEND_MARKS.get(name, ())) for name in BACKENDS])
def tracking_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrackingStore]:
    """A fresh tracking store on each backend of BACKENDS."""
    with BACKENDS[request.param](request, tmp_path) as store:
        yield store
