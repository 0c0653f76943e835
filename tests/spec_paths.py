"""Where the MLflow compatibility spec and its recorded transcripts live: ``shared/`` beside
the checkout (as in CI), else the development machine's copy."""

from __future__ import annotations

from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parent.parent
_CANDIDATES = (_REPO.parent / "shared", Path("/work/shared"))

SHARED = next((path for path in _CANDIDATES if (path / "spec").is_dir()), _CANDIDATES[0])
SPEC = SHARED / "spec" / "mlflow-compat.md"
TRANSCRIPTS = SHARED / "spec" / "transcripts"


def require(path: Path) -> Path:
    """``path`` of the spec, or a skip of the calling test when the spec is not checked out
    beside the repository."""
    if not path.exists():
        pytest.skip(f"{path} not available: the MLflow spec is expected in ../shared/spec")
    return path
