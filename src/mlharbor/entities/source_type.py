"""Where a run's code came from, as MLflow numbers it (``mlflow.source.type`` holds the name)."""

from __future__ import annotations

import enum


class SourceType(enum.IntEnum):
    NOTEBOOK = 1
    JOB = 2
    PROJECT = 3
    LOCAL = 4
    UNKNOWN = 5

    @staticmethod
    def from_string(status_str: str) -> SourceType:
        """The member named ``status_str`` (``"LOCAL"``...).

        Raises:
            KeyError: for an unknown name, as MLflow raises.
        """
        return SourceType[status_str]

    @staticmethod
    def to_string(status: int) -> str:
        """The name of source type number ``status``.

        Raises:
            ValueError: for an unknown number.
        """
        return SourceType(status).name
