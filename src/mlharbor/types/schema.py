"""``mlflow.types.schema`` path for the schema classes of :mod:`mlharbor.models.schema`."""

from __future__ import annotations

from mlharbor.models.schema import *  # noqa: F403
from mlharbor.models.schema import __all__ as __all__
