"""mlharbor's version, where MLflow code looks for it (``mlflow.version.VERSION``)."""

from __future__ import annotations

import re

from mlharbor import __version__

VERSION = __version__


def is_release_version() -> bool:
    """True for a plain ``X.Y.Z`` release, False for a development or pre-release build."""
    return re.fullmatch(r"\d+\.\d+\.\d+", VERSION) is not None
