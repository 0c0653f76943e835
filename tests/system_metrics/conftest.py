from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.client.isolation import isolated_workdir


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from isolated_workdir(tmp_path, monkeypatch)
