"""Drift of live traffic: the last N rows scored, checked against a reference every N rows.

:class:`DriftWindow` is what the scoring server feeds. Recording a request costs a lock, a deque
append and a length; the frames are only combined and compared in a background thread, one check
at a time, so the request path never waits for statistics.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.monitoring._drift import DriftReport, _detect_type, _require_frame, data_drift

__all__ = ["DriftSnapshot", "DriftWindow", "read_frame"]

_log = logging.getLogger("mlharbor.monitoring")


def read_frame(path: str) -> Any:
    """A DataFrame from a ``.csv`` (with header) or ``.parquet`` file.

    Raises:
        InvalidParameterValue: when the file is missing, of another kind, or unreadable.
    """
    import os

    import pandas as pd

    if not os.path.isfile(path):
        raise InvalidParameterValue(f"No such file: {path}")
    extension = os.path.splitext(path)[1].lower()
    try:
        if extension == ".csv":
            return pd.read_csv(path)
        if extension in (".parquet", ".pq"):
            return pd.read_parquet(path)
    except (ValueError, OSError, ImportError, pd.errors.ParserError) as exc:
        raise InvalidParameterValue(f"Cannot read {path}: {exc}") from None
    raise InvalidParameterValue(f"{path}: expected a .csv or .parquet file")


@dataclass(frozen=True)
class DriftSnapshot:
    """The state of a :class:`DriftWindow` at one moment.

    Attributes:
        rows_total: rows recorded since start.
        checks_total: drift checks finished.
        failures_total: drift checks that raised (logged, never raised to requests).
        report: the latest finished check, or None before the first one.
        checked_at: ``time.time()`` when ``report`` was computed.
    """

    rows_total: int
    checks_total: int
    failures_total: int
    report: DriftReport | None
    checked_at: float | None


class DriftWindow:
    """The last ``window`` rows recorded, compared with ``reference`` every ``window`` rows.

    Args:
        reference: the DataFrame (or a ``.csv``/``.parquet`` path) live data should resemble.
        window: rows per check, and rows kept.
        drift_options: keyword arguments for :func:`data_drift` (``column_types``,
            ``stattest``, ``threshold``, ``drift_share``).

    Raises:
        InvalidParameterValue: for an empty or unreadable reference or a window below 1.
    """

    def __init__(
        self, reference: Any, window: int = 1000, *, drift_options: dict[str, Any] | None = None
    ) -> None:
        import pandas as pd

        if isinstance(reference, str | bytes) or hasattr(reference, "__fspath__"):
            reference = read_frame(str(reference))
        self.reference = _require_frame(reference, "monitor reference")
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise InvalidParameterValue(f"monitor window must be a whole number >= 1: {window!r}")
        self.window = window
        self._options = dict(drift_options or {})
        types = self._options.get("column_types") or {}
        self._columns = [
            c for c in self.reference.columns if c in types or _detect_type(self.reference[c])
        ]
        self._frame_type = pd.DataFrame
        self._lock = threading.Lock()
        self._frames: deque[tuple[Any, int]] = deque()
        self._buffered = 0
        self._since_check = 0
        self._worker: threading.Thread | None = None
        self._rows_total = 0
        self._checks_total = 0
        self._failures_total = 0
        self._report: DriftReport | None = None
        self._checked_at: float | None = None
        self._warned_missing = False

    def record(self, data: Any) -> None:
        """Keep ``data`` if it is a DataFrame; start a check when a window has filled up."""
        if not isinstance(data, self._frame_type):
            return
        rows = len(data)
        with self._lock:
            self._frames.append((data, rows))
            self._buffered += rows
            self._rows_total += rows
            self._since_check += rows
            # drop whole frames that fall out of the window: the deque stays bounded
            while self._buffered - self._frames[0][1] >= self.window:
                self._buffered -= self._frames.popleft()[1]
            if self._since_check < self.window or self._worker is not None:
                return
            self._since_check = 0
            frames = [frame for frame, _ in self._frames]
            worker = threading.Thread(
                target=self._check, args=(frames,), name="mlharbor-drift", daemon=True
            )
            self._worker = worker
        worker.start()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for a running check to finish; True when none is running afterwards."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout_s)
            return not worker.is_alive()
        return True

    def snapshot(self) -> DriftSnapshot:
        """Counters and the latest report, read together."""
        with self._lock:
            return DriftSnapshot(
                self._rows_total,
                self._checks_total,
                self._failures_total,
                self._report,
                self._checked_at,
            )

    def _check(self, frames: list[Any]) -> None:
        import pandas as pd

        report = None
        try:
            current = pd.concat(frames, ignore_index=True).tail(self.window)
            columns = [c for c in self._columns if c in current.columns]
            if len(columns) < len(self._columns) and not self._warned_missing:
                self._warned_missing = True
                absent = ", ".join(str(c) for c in self._columns if c not in current.columns)
                _log.warning(
                    "drift monitoring skips reference columns absent from requests: %s", absent
                )
            if not columns:
                raise InvalidParameterValue("requests share no column with the monitor reference")
            report = data_drift(self.reference, current, columns=columns, **self._options)
        except Exception as exc:
            _log.warning("drift check failed: %s: %s", type(exc).__name__, exc)
        finally:
            with self._lock:
                if report is None:
                    self._failures_total += 1
                else:
                    self._report = report
                    self._checked_at = time.time()
                    self._checks_total += 1
                self._worker = None
        if report is not None and report.dataset_drift:
            _log.warning(
                "data drift: %d of %d columns drifted in the last %d rows",
                report.number_of_drifted_columns,
                report.number_of_columns,
                report.current_rows,
            )
