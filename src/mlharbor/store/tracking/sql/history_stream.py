"""A metric history read in chunks straight from the database cursor.

The server encodes each chunk as it arrives, so a history of a million points is never held
whole, neither as rows nor as response text, and the process returns to its idle size after
the request. SQLite's cursor steps through the index lazily; on PostgreSQL a named (server-side)
cursor keeps the rows in the database until they are fetched.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine

from mlharbor.store.tracking.sql.engine import reading

# Rows per fetch: large enough that per-chunk work is noise, small enough to stay a few MiB.
CHUNK_ROWS = 10_000

Row = tuple[Any, ...]


class MetricHistoryStream:
    """The points of one metric, ``(value, is_nan, timestamp, step)`` in history order.

    Iterate :meth:`chunks` once; afterwards :attr:`next_page_token` names the next page when
    ``max_results`` cut the history short.
    """

    def __init__(
        self, engine: Engine, run_id: str, key: str, max_results: int | None, offset: int
    ) -> None:
        self.key = key
        self.next_page_token: str | None = None
        self._engine = engine
        self._run_id = run_id
        self._max_results = max_results
        self._offset = offset

    def chunks(self) -> Iterator[list[Row]]:
        """Lists of at most :data:`CHUNK_ROWS` rows, none of them empty."""
        if self._engine.get_execution_options().get("mlharbor_shared_connection"):
            # An in-memory database's one connection is guarded by a lock its holder must
            # release on the same thread; a streaming response may resume on another one.
            yield from list(self._read())
            return
        yield from self._read()

    def _read(self) -> Iterator[list[Row]]:
        with reading(self._engine) as connection:
            dbapi = connection.connection.dbapi_connection
            assert dbapi is not None
            postgres = connection.dialect.name == "postgresql"
            marker = "%s" if postgres else "?"
            sql = (
                "SELECT value, is_nan, timestamp, step FROM metrics "
                f"WHERE run_uuid = {marker} AND key = {marker} ORDER BY step, timestamp, value"
            )
            args: list[object] = [self._run_id, self.key]
            if self._max_results is not None:
                sql += f" LIMIT {marker} OFFSET {marker}"
                args += [self._max_results + 1, self._offset]
            elif self._offset:
                sql += f" LIMIT {'ALL' if postgres else -1} OFFSET {marker}"
                args.append(self._offset)
            if postgres:
                cursor = dbapi.cursor(name=f"history_{uuid.uuid4().hex}")
            else:
                cursor = dbapi.cursor()
            try:
                cursor.execute(sql, args)
                yield from self._limited(cursor)
            finally:
                cursor.close()

    def _limited(self, cursor: Any) -> Iterator[list[Row]]:
        remaining = self._max_results
        while True:
            rows: list[Row] = cursor.fetchmany(CHUNK_ROWS)
            if not rows:
                return
            if remaining is not None:
                if len(rows) > remaining:
                    from mlharbor.store.search.page_token import encode_offset

                    rows = rows[:remaining]
                    self.next_page_token = encode_offset(self._offset + (self._max_results or 0))
                    if rows:
                        yield rows
                    return
                remaining -= len(rows)
            yield rows
