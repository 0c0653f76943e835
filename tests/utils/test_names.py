"""Generated run names and the clock helper."""

from __future__ import annotations

import re
import time

from mlharbor.utils.names import generate_run_name
from mlharbor.utils.time import now_ms


def test_generated_names_have_the_mlflow_shape() -> None:
    names = {generate_run_name() for _ in range(300)}
    assert len(names) > 250
    for name in names:
        assert re.fullmatch(r"[a-z]+-[a-z]+-\d{1,3}", name), name
        assert len(name) <= 20
        assert 0 <= int(name.rsplit("-", 1)[1]) <= 999


def test_now_ms_is_epoch_milliseconds() -> None:
    before = int(time.time() * 1000)
    value = now_ms()
    after = int(time.time() * 1000)
    assert isinstance(value, int)
    assert before - 1 <= value <= after + 1
