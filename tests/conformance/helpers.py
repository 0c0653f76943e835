"""Assertions shared by the conformance tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from mlharbor.exceptions import MlharborException


@contextmanager
def raises_code(error_code: str, match: str | None = None) -> Iterator[None]:
    """Expect an mlharbor error with ``error_code`` (and a message matching ``match``)."""
    with pytest.raises(MlharborException, match=match) as info:
        yield
    assert info.value.error_code == error_code, info.value.message
