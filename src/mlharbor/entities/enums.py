"""Enumerations shared by entities, stores and the wire format, with MLflow's names and numbers."""

from __future__ import annotations

import enum

from mlharbor.exceptions import InvalidParameterValue


class LifecycleStage(enum.StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"

    @classmethod
    def matching(cls, view_type: ViewType) -> tuple[LifecycleStage, ...]:
        """Lifecycle stages a search with ``view_type`` returns."""
        if view_type == ViewType.ACTIVE_ONLY:
            return (cls.ACTIVE,)
        if view_type == ViewType.DELETED_ONLY:
            return (cls.DELETED,)
        return (cls.ACTIVE, cls.DELETED)


class ViewType(enum.IntEnum):
    ACTIVE_ONLY = 1
    DELETED_ONLY = 2
    ALL = 3

    @classmethod
    def from_string(cls, value: str) -> ViewType:
        try:
            return cls[value.upper()]
        except KeyError:
            raise InvalidParameterValue(f"Unknown view type {value!r}") from None

    @classmethod
    def to_string(cls, value: int) -> str:
        return cls(value).name

    @classmethod
    def coerce(cls, value: ViewType | int | str | None) -> ViewType:
        """Accept a member, its number or its name; None means ACTIVE_ONLY."""
        if value is None:
            return cls.ACTIVE_ONLY
        if isinstance(value, str):
            return cls.from_string(value)
        try:
            return cls(int(value))
        except ValueError:
            raise InvalidParameterValue(f"Unknown view type {value!r}") from None


class RunStatus(enum.StrEnum):
    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"

    @property
    def number(self) -> int:
        """The protobuf enum number, which MLflow clients may send instead of the name."""
        return _RUN_STATUS_NUMBERS[self]

    @classmethod
    def from_string(cls, value: str) -> RunStatus:
        try:
            return cls(value.upper())
        except ValueError:
            raise InvalidParameterValue(f"Invalid run status {value!r}") from None

    @classmethod
    def to_string(cls, value: RunStatus | str) -> str:
        return cls(value).value

    @classmethod
    def from_number(cls, number: int) -> RunStatus:
        for status, n in _RUN_STATUS_NUMBERS.items():
            if n == number:
                return status
        raise InvalidParameterValue(f"Invalid run status number {number}")

    @staticmethod
    def is_terminated(status: RunStatus | str) -> bool:
        return str(status) in {"FINISHED", "FAILED", "KILLED"}


_RUN_STATUS_NUMBERS = {
    RunStatus.RUNNING: 1,
    RunStatus.SCHEDULED: 2,
    RunStatus.FINISHED: 3,
    RunStatus.FAILED: 4,
    RunStatus.KILLED: 5,
}


class LoggedModelStatus(enum.StrEnum):
    UNSPECIFIED = "LOGGED_MODEL_STATUS_UNSPECIFIED"
    PENDING = "LOGGED_MODEL_PENDING"
    READY = "LOGGED_MODEL_READY"
    UPLOAD_FAILED = "LOGGED_MODEL_UPLOAD_FAILED"
