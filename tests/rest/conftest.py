"""Fixtures for the REST client tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlharbor.utils.http import HostCreds
from tests.rest.live_server import serve_in_thread
from tests.rest.scripted import Script, scripted_server


@pytest.fixture
def scripted() -> Iterator[tuple[HostCreds, Script]]:
    """A scripted HTTP server (see :mod:`tests.rest.scripted`)."""
    with scripted_server() as pair:
        yield pair


@pytest.fixture
def harbor_url(tmp_path: Path) -> Iterator[str]:
    """Base URL of a fresh mlharbor server (in-process, real sockets) with local artifacts."""
    root = tmp_path / "server"
    root.mkdir()
    with serve_in_thread(root) as url:
        yield url
