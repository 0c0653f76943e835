"""The error a project run raises, MLflow's ``mlflow.projects.ExecutionException``."""

from __future__ import annotations

from mlharbor.exceptions import MlharborException

__all__ = ["ExecutionException"]


class ExecutionException(MlharborException):
    """A project could not be fetched, validated, set up or run.

    Bad input (an unknown entry point, a missing or mistyped parameter) carries
    ``INVALID_PARAMETER_VALUE``; a missing tool or a failed run keeps ``INTERNAL_ERROR``,
    the code MLflow gives its own ``ExecutionException``.
    """

    default_error_code = "INTERNAL_ERROR"


def invalid(message: str) -> ExecutionException:
    """An :class:`ExecutionException` for bad user input."""
    return ExecutionException(message, error_code="INVALID_PARAMETER_VALUE")
