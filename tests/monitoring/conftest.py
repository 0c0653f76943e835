"""Synthetic reference and current frames for the drift tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.client.isolation import isolated_workdir


def frame(
    rows: int, seed: int, shift: float = 0.0, weights: tuple[float, ...] = (0.5, 0.3, 0.2)
) -> pd.DataFrame:
    """``age`` (normal, mean 40 + shift) and ``plan`` (three categories with ``weights``)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.normal(40.0 + shift, 10.0, rows),
            "plan": rng.choice(["basic", "plus", "pro"], rows, p=list(weights)),
        }
    )


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary cwd whose default tracking store starts empty."""
    yield from isolated_workdir(tmp_path, monkeypatch)
