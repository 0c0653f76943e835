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
    """A logged model's status, with MLflow's values; the wire uses the proto names
    (``LOGGED_MODEL_READY``, ``LOGGED_MODEL_UPLOAD_FAILED``, ...) and numbers."""

    UNSPECIFIED = "UNSPECIFIED"
    PENDING = "PENDING"
    READY = "READY"
    FAILED = "FAILED"

    @property
    def proto_name(self) -> str:
        return _LOGGED_MODEL_PROTO_NAMES[self]

    @staticmethod
    def is_finalized(status: LoggedModelStatus | str) -> bool:
        """Whether no further status change follows (READY or FAILED)."""
        return status in (LoggedModelStatus.READY, LoggedModelStatus.FAILED)

    def to_int(self) -> int:
        return list(LoggedModelStatus).index(self)

    @classmethod
    def from_int(cls, status_int: int) -> LoggedModelStatus:
        members = list(cls)
        if not 0 <= status_int < len(members):
            raise InvalidParameterValue(f"Unknown model status: {status_int}")
        return members[status_int]

    @classmethod
    def coerce(cls, value: LoggedModelStatus | str | int) -> LoggedModelStatus:
        """Accept a member, MLflow's value (``"READY"``), the proto name
        (``"LOGGED_MODEL_READY"``) or the proto number.

        Raises:
            InvalidParameterValue: for anything else.
        """
        if isinstance(value, int) and not isinstance(value, bool):
            return cls.from_int(value)
        text = str(value).strip().upper()
        if text.isdigit():
            return cls.from_int(int(text))
        for member, proto_name in _LOGGED_MODEL_PROTO_NAMES.items():
            if text in (member.value, proto_name):
                return member
        raise InvalidParameterValue(f"Unknown model status: {value!r}")


_LOGGED_MODEL_PROTO_NAMES = {
    LoggedModelStatus.UNSPECIFIED: "LOGGED_MODEL_STATUS_UNSPECIFIED",
    LoggedModelStatus.PENDING: "LOGGED_MODEL_PENDING",
    LoggedModelStatus.READY: "LOGGED_MODEL_READY",
    LoggedModelStatus.FAILED: "LOGGED_MODEL_UPLOAD_FAILED",
}
