"""What drift and performance reports share: JSON, a self-contained HTML page, run logging.

A report class provides ``to_dict()``, ``_title``, ``_html_body()`` (already escaped HTML) and
``_run_metrics()``; :class:`Report` turns those into files and run entries.
"""

from __future__ import annotations

import html
import json
import math
import re
import time
from abc import ABC, abstractmethod
from typing import Any

from mlharbor.exceptions import InvalidParameterValue

__all__ = ["Report", "escape", "metric_key", "number"]

_BAD_KEY_CHARS = re.compile(r"[^\w.\- /:]")
_PREFIX = re.compile(r"^[\w.\-]+$")
_MAX_KEY = 250

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1f2328}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
.drift{color:#b42318;font-weight:600}.ok{color:#1a7f37;font-weight:600}
.bar{display:inline-block;height:.7rem;background:#0969da;vertical-align:middle}
.bar.cur{background:#bf8700}
.muted{color:#656d76;font-size:.85rem}
"""


def escape(value: Any) -> str:
    """``value`` as text safe anywhere in an HTML body or a quoted attribute."""
    return html.escape(str(value), quote=True)


def number(value: Any) -> str:
    """A score or metric for display: 4 significant digits, or the value as text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def metric_key(*parts: str) -> str:
    """A run metric key from ``parts`` joined by dots, with characters keys refuse replaced."""
    return _BAD_KEY_CHARS.sub("_", ".".join(parts))[:_MAX_KEY]


def _json_safe(value: Any) -> Any:
    """``value`` with non-finite floats as strings, which strict JSON readers refuse otherwise."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


class Report(ABC):
    """Serialisation and logging for a report dataclass."""

    _title = "Report"
    _default_prefix = "report"

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (str keys, numbers, lists, dicts)."""

    @abstractmethod
    def _html_body(self) -> str:
        """The page's content, every piece of data in it escaped."""

    @abstractmethod
    def _run_metrics(self) -> dict[str, float]:
        """Metric name (without prefix) -> value, for :meth:`log_to_run`."""

    def to_json(self, indent: int | None = 2) -> str:
        """The report as a JSON document (:meth:`to_dict`; non-finite numbers as strings)."""
        return json.dumps(_json_safe(self.to_dict()), indent=indent, allow_nan=False)

    def to_html(self) -> str:
        """The report as one HTML page with inline styles and no external resources."""
        title = escape(self._title)
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{_STYLE}</style></head>"
            f"<body><h1>{title}</h1>{self._html_body()}</body></html>\n"
        )

    def save_html(self, path: str) -> None:
        """Write :meth:`to_html` to ``path`` (UTF-8)."""
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(self.to_html())

    def log_to_run(self, run_id: str | None = None, prefix: str | None = None) -> str:
        """Log the report's numbers as metrics and its HTML and JSON as artifacts.

        Metrics are named ``<prefix>.<name>``; the files go to ``<prefix>/report.html`` and
        ``<prefix>/report.json``; the prefix defaults to ``drift`` for data drift and
        ``performance`` for performance reports. Without ``run_id`` the active run is used;
        when there is none a run is started for the report and ended afterwards.

        Returns:
            The ID of the run logged to.

        Raises:
            InvalidParameterValue: for a prefix other than letters, digits, ``_``, ``-``, ``.``.
        """
        from mlharbor.client import active_run as fluent
        from mlharbor.client.client import MlharborClient
        from mlharbor.entities import Metric

        if prefix is None:
            prefix = self._default_prefix
        if not _PREFIX.match(prefix):
            raise InvalidParameterValue(
                f"prefix {prefix!r} may only contain letters, digits, '_', '-' and '.'"
            )
        client = MlharborClient()
        started = None
        if run_id is None:
            current = fluent.active_run()
            if current is None:
                started = current = fluent.start_run()
            run_id = current.info.run_id
        succeeded = False
        try:
            now = int(time.time() * 1000)
            metrics = [
                Metric(metric_key(prefix, name), value, now, 0)
                for name, value in self._run_metrics().items()
            ]
            client.log_batch(run_id, metrics=metrics)
            client.log_text(run_id, self.to_html(), f"{prefix}/report.html")
            client.log_text(run_id, self.to_json(), f"{prefix}/report.json")
            succeeded = True
        finally:
            if started is not None:
                fluent.end_run("FINISHED" if succeeded else "FAILED")
        return run_id
