from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.servers import RunningServer
from tests.server.conftest import start_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real ``mlharbor server`` subprocess shared by the tests of one module."""
    yield from start_server(tmp_path_factory.mktemp("trace-server"))
