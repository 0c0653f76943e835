"""Security tests run against a real ``mlharbor server`` so requests reach it byte for byte."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.servers import RunningServer
from tests.server.conftest import client, start_server

__all__ = ["client"]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    yield from start_server(tmp_path_factory.mktemp("hostile"))
