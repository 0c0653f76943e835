"""Batch scoring of a CSV or JSON file, chunk by chunk, to CSV or JSON.

CSV input is read ``chunk_rows`` rows at a time, so files larger than memory can be scored; JSON
input uses the same formats as ``/invocations`` (``dataframe_split``, ``dataframe_records``,
``inputs``, ``instances``) or a bare list of records, and is sliced into chunks after parsing.
Output goes to CSV when the output path ends in ``.csv`` (or ``output_format="csv"``), else to
JSON as ``{"predictions": [...]}``, MLflow's ``models predict`` shape.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

from mlharbor.exceptions import BadRequest, InvalidParameterValue
from mlharbor.serving.errors import ScoringError
from mlharbor.serving.output import jsonable

__all__ = ["BatchResult", "predict_batch"]

DEFAULT_CHUNK_ROWS = 10_000
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class BatchResult:
    """What a batch run did: rows scored, chunks used and where the output went."""

    rows: int
    chunks: int
    output_path: str | None


def _format_of(path: str | None, explicit: str | None, what: str) -> str:
    if explicit:
        value = explicit.lower().rsplit("/", 1)[-1]
        if value not in ("csv", "json"):
            raise InvalidParameterValue(f"Unsupported {what} format '{explicit}': use csv or json")
        return value
    if path and path.lower().endswith(".csv"):
        return "csv"
    return "json"


def _count_csv_rows(path: str) -> int:
    lines = 0
    last = b"\n"
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def _csv_chunks(path: str, chunk_rows: int, schema: Any) -> Iterator[Any]:
    import pandas as pd

    from mlharbor.serving.parsing import column_dtypes

    dtypes = {k: v for k, v in column_dtypes(schema).items() if v.kind != "M"}
    try:
        yield from pd.read_csv(path, chunksize=chunk_rows, dtype=dtypes or None)
    except (ValueError, pd.errors.ParserError) as exc:
        raise BadRequest(f"Failed to read '{path}' as CSV: {exc}") from None


def _json_chunks(path: str, chunk_rows: int, schema: Any) -> Iterator[Any]:
    import numpy as np
    import pandas as pd

    from mlharbor.serving.parsing import parse_invocation

    with open(path, "rb") as handle:
        body = handle.read()
    if body.lstrip()[:1] == b"[":
        body = b'{"dataframe_records": ' + body + b"}"
    try:
        data, _ = parse_invocation(body, "application/json", schema)
    except ScoringError as exc:
        raise BadRequest(_error_text(exc)) from None
    if isinstance(data, pd.DataFrame):
        for start in range(0, max(len(data), 1), chunk_rows):
            yield data.iloc[start : start + chunk_rows]
    elif isinstance(data, np.ndarray) and data.ndim >= 1:
        for start in range(0, max(len(data), 1), chunk_rows):
            yield data[start : start + chunk_rows]
    else:
        yield data


def _error_text(exc: ScoringError) -> str:
    try:
        return str(orjson.loads(exc.body)["message"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return exc.body.decode("utf-8", "replace")


def _rows_of(chunk: Any) -> int:
    if isinstance(chunk, dict):
        return len(next(iter(chunk.values()), []))
    try:
        return len(chunk)
    except TypeError:
        return 1


class _CsvWriter:
    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.header = True

    def write(self, predictions: Any) -> None:
        import pandas as pd

        if isinstance(predictions, pd.DataFrame):
            frame = predictions
        elif isinstance(predictions, pd.Series):
            frame = predictions.to_frame(name=predictions.name or "predictions")
        else:
            import numpy as np

            array = np.asarray(predictions)
            if array.ndim == 2:
                frame = pd.DataFrame(
                    array, columns=[f"predictions_{i}" for i in range(array.shape[1])]
                )
            else:
                frame = pd.DataFrame({"predictions": list(array)})
        frame.to_csv(self.handle, index=False, header=self.header)
        self.header = False

    def close(self) -> None:
        return None


class _JsonWriter:
    """Streams ``{"predictions": [...]}`` one chunk at a time."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.first = True
        handle.write('{"predictions": [')

    def write(self, predictions: Any) -> None:
        values = jsonable(predictions)
        if not isinstance(values, list):
            values = [values]
        for value in values:
            if not self.first:
                self.handle.write(", ")
            self.handle.write(orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode())
            self.first = False

    def close(self) -> None:
        self.handle.write("]}\n")


def predict_batch(
    model_uri: str,
    input_path: str,
    output_path: str | None = None,
    *,
    content_type: str | None = None,
    output_format: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Progress | None = None,
    stdout: IO[str] | None = None,
) -> BatchResult:
    """Score every row of ``input_path`` with the model ``model_uri`` names.

    Args:
        model_uri: any URI :func:`mlharbor.pyfunc.load_model` accepts.
        input_path: a CSV file with a header row, or a JSON file.
        output_path: where predictions go; None writes JSON to ``stdout``.
        content_type: ``csv`` or ``json`` (default: from the input's extension).
        output_format: ``csv`` or ``json`` (default: from the output's extension).
        chunk_rows: rows per prediction call.
        progress: called as ``progress(rows_done, total_rows_or_None)`` after each chunk.
        stdout: the stream used when ``output_path`` is None.

    Raises:
        BadRequest: when the input cannot be read or does not fit the model.
        InvalidParameterValue: for an unknown format or a bad ``chunk_rows``.
    """
    from mlharbor.pyfunc import load_model
    from mlharbor.serving.scoring import predict_or_raise

    if chunk_rows < 1:
        raise InvalidParameterValue(f"chunk_rows must be positive, got {chunk_rows}")
    if not os.path.isfile(input_path):
        raise InvalidParameterValue(f"Input file '{input_path}' does not exist")
    input_format = _format_of(input_path, content_type, "input")
    out_format = _format_of(output_path, output_format, "output")
    model = load_model(model_uri)
    schema = model.metadata.get_input_schema()
    total = _count_csv_rows(input_path) if input_format == "csv" else None
    chunks = (
        _csv_chunks(input_path, chunk_rows, schema)
        if input_format == "csv"
        else _json_chunks(input_path, chunk_rows, schema)
    )
    handle: IO[str]
    if output_path is None:
        handle = stdout or io.StringIO()
    else:
        handle = open(output_path, "w", encoding="utf-8", newline="")  # noqa: SIM115
    writer = _CsvWriter(handle) if out_format == "csv" else _JsonWriter(handle)
    rows = count = 0
    try:
        for chunk in chunks:
            try:
                predictions = predict_or_raise(model, chunk)
            except ScoringError as exc:
                raise BadRequest(f"Chunk {count + 1}: {_error_text(exc)}") from None
            writer.write(predictions)
            rows += _rows_of(chunk)
            count += 1
            if progress is not None:
                progress(rows, total)
        writer.close()
    finally:
        if output_path is not None:
            handle.close()
    return BatchResult(rows=rows, chunks=count, output_path=output_path)
