"""Step cards: the results a step reports, saved as JSON and shown as text or HTML."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Card", "dataframe_preview", "dataframe_schema"]


@dataclass
class Card:
    """Sections of one step's results; each is ``fields`` (name -> value) or a ``table``."""

    title: str
    sections: list[dict[str, Any]] = field(default_factory=list)

    def add_fields(self, title: str, values: dict[str, Any]) -> None:
        self.sections.append({"title": title, "kind": "fields", "values": dict(values)})

    def add_table(self, title: str, columns: list[str], rows: list[list[Any]]) -> None:
        self.sections.append({"title": title, "kind": "table", "columns": columns, "rows": rows})

    def save(self, directory: Path) -> None:
        """Write ``card.json`` and ``card.html`` into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        payload = {"title": self.title, "sections": self.sections}
        (directory / "card.json").write_text(json.dumps(payload, indent=1, default=str))
        (directory / "card.html").write_text(self.to_html())

    @classmethod
    def load(cls, directory: Path) -> Card | None:
        path = directory / "card.json"
        if not path.is_file():
            return None
        payload = json.loads(path.read_text())
        return cls(title=payload["title"], sections=payload["sections"])

    def to_text(self) -> str:
        lines = [self.title, "=" * len(self.title)]
        for section in self.sections:
            lines += ["", section["title"], "-" * len(section["title"])]
            if section["kind"] == "fields":
                width = max((len(str(k)) for k in section["values"]), default=0)
                lines += [f"{k:<{width}}  {_show(v)}" for k, v in section["values"].items()]
            else:
                lines += _text_table(section["columns"], section["rows"])
        return "\n".join(lines)

    def to_html(self) -> str:
        parts = [
            "<!DOCTYPE html><html><head><meta charset='utf-8'>",
            f"<title>{html.escape(self.title)}</title>",
            "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style>",
            f"</head><body><h1>{html.escape(self.title)}</h1>",
        ]
        for section in self.sections:
            parts.append(f"<h2>{html.escape(section['title'])}</h2><table>")
            if section["kind"] == "fields":
                parts += [
                    f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_show(v))}</td></tr>"
                    for k, v in section["values"].items()
                ]
            else:
                head = "".join(f"<th>{html.escape(str(c))}</th>" for c in section["columns"])
                parts.append(f"<tr>{head}</tr>")
                for row in section["rows"]:
                    cells = "".join(f"<td>{html.escape(_show(v))}</td>" for v in row)
                    parts.append(f"<tr>{cells}</tr>")
            parts.append("</table>")
        parts.append("</body></html>")
        return "\n".join(parts)


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _text_table(columns: list[str], rows: list[list[Any]]) -> list[str]:
    cells = [[str(c) for c in columns], *[[_show(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def dataframe_schema(frame: Any) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows of a table describing each column of ``frame``: name, dtype, nulls."""
    rows = [[str(c), str(frame[c].dtype), int(frame[c].isna().sum())] for c in frame.columns]
    return ["column", "type", "missing"], rows


def dataframe_preview(frame: Any, limit: int = 5) -> tuple[list[str], list[list[Any]]]:
    """Columns and the first ``limit`` rows of ``frame``, as plain Python values."""
    head = frame.head(limit)
    return [str(c) for c in head.columns], [list(row) for row in head.itertuples(index=False)]
