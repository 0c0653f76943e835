from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.client.isolation import reset_client_state
from tests.fixtures.servers import RunningServer
from tests.server.conftest import start_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real ``mlharbor server`` subprocess shared by the tests of one module."""
    yield from start_server(tmp_path_factory.mktemp("trace-server"))


@pytest.fixture(autouse=True)
def _fresh_client_state() -> Iterator[None]:
    """New traces go to the active experiment: start each test with none set by earlier tests
    (session fixtures elsewhere log workflows in this process)."""
    reset_client_state()
    yield
    reset_client_state()
