"""Asynchronous run logging: a background thread that coalesces queued writes into batches.

Calls with ``synchronous=False`` put their metrics, params and tags on a queue and return a
:class:`RunOperations` at once. One worker thread per store drains the queue, merges consecutive
entries for the same run into ``log_batch`` calls within MLflow's batch limits, and resolves each
entry's future. Nothing acknowledged is dropped: :func:`flush_all` (called by ``end_run``,
``flush_async_logging`` and at interpreter exit) waits for every queued entry and re-raises the
first failure not yet reported.
"""

from __future__ import annotations

import atexit
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from mlharbor.client._values import (
    MAX_ENTITIES_PER_BATCH,
    MAX_METRICS_PER_BATCH,
    MAX_PARAMS_TAGS_PER_BATCH,
)
from mlharbor.entities import Metric, Param, RunTag
from mlharbor.store.tracking.protocol import TrackingStore

__all__ = ["AsyncLogger", "RunOperations", "flush_all", "logger_for"]


class RunOperations:
    """Handle on queued writes; :meth:`wait` blocks until they are stored and raises on failure."""

    def __init__(self, futures: Sequence[Future[None]] = ()) -> None:
        self._futures = list(futures)

    def wait(self) -> None:
        for future in self._futures:
            future.result()

    @classmethod
    def combine(cls, operations: Sequence[RunOperations]) -> RunOperations:
        """One handle waiting on everything ``operations`` wait on."""
        return cls([future for operation in operations for future in operation._futures])


@dataclass
class _Entry:
    run_id: str
    metrics: list[Metric]
    params: list[Param]
    tags: list[RunTag]
    future: Future[None] = field(default_factory=Future)

    @property
    def size(self) -> int:
        return len(self.metrics) + len(self.params) + len(self.tags)


class AsyncLogger:
    """Queue plus one daemon worker thread writing to ``store``."""

    def __init__(self, store: TrackingStore) -> None:
        self._store = store
        self._queue: queue.Queue[_Entry] = queue.Queue()
        self._pending: list[Future[None]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def enqueue(
        self,
        run_id: str,
        metrics: Sequence[Metric] = (),
        params: Sequence[Param] = (),
        tags: Sequence[RunTag] = (),
    ) -> RunOperations:
        entry = _Entry(run_id, list(metrics), list(params), list(tags))
        with self._lock:
            self._pending.append(entry.future)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="mlharbor-async-logging", daemon=True
                )
                self._thread.start()
        self._queue.put(entry)
        return RunOperations([entry.future])

    def _work(self) -> None:
        carry: _Entry | None = None
        while True:
            first = carry if carry is not None else self._queue.get()
            carry = None
            group = [first]
            while True:
                try:
                    candidate = self._queue.get_nowait()
                except queue.Empty:
                    break
                if _fits(group, candidate):
                    group.append(candidate)
                else:
                    carry = candidate
                    break
            self._write(group)

    def _write(self, group: list[_Entry]) -> None:
        try:
            self._store.log_batch(
                group[0].run_id,
                metrics=[m for e in group for m in e.metrics],
                params=[p for e in group for p in e.params],
                tags=[t for e in group for t in e.tags],
            )
        except BaseException as error:  # handed to whoever waits on the entry
            if len(group) > 1:
                # One bad entry must not cost the others their values: write each on its own.
                for entry in group:
                    self._write([entry])
                return
            group[0].future.set_exception(error)
        else:
            for entry in group:
                entry.future.set_result(None)

    def flush(self) -> None:
        """Wait until everything queued so far is written; raise the first failure among them."""
        with self._lock:
            pending, self._pending = self._pending, []
        first_error: BaseException | None = None
        for future in pending:
            error = future.exception()
            if error is not None and first_error is None:
                first_error = error
        if first_error is not None:
            raise first_error


def _fits(group: list[_Entry], candidate: _Entry) -> bool:
    """Whether ``candidate`` can join ``group`` in one batch MLflow's server accepts."""
    if candidate.run_id != group[0].run_id:
        return False
    metrics = sum(len(e.metrics) for e in group) + len(candidate.metrics)
    params = sum(len(e.params) for e in group) + len(candidate.params)
    tags = sum(len(e.tags) for e in group) + len(candidate.tags)
    if (
        metrics > MAX_METRICS_PER_BATCH
        or params > MAX_PARAMS_TAGS_PER_BATCH
        or tags > MAX_PARAMS_TAGS_PER_BATCH
        or metrics + params + tags > MAX_ENTITIES_PER_BATCH
    ):
        return False
    # Repeated keys inside one batch are refused by servers; keep them in separate batches.
    param_keys = {p.key for e in group for p in e.params}
    tag_keys = {t.key for e in group for t in e.tags}
    return not (
        param_keys & {p.key for p in candidate.params} or tag_keys & {t.key for t in candidate.tags}
    )


_loggers: dict[int, AsyncLogger] = {}
_loggers_lock = threading.Lock()


def logger_for(store: TrackingStore) -> AsyncLogger:
    """The one async logger of ``store`` (created on first use)."""
    with _loggers_lock:
        logger = _loggers.get(id(store))
        if logger is None:
            logger = _loggers[id(store)] = AsyncLogger(store)
        return logger


def flush_all() -> None:
    """Flush every async logger; re-raise the first failure after all have been flushed."""
    with _loggers_lock:
        loggers = list(_loggers.values())
    first_error: BaseException | None = None
    for logger in loggers:
        try:
            logger.flush()
        except BaseException as error:
            first_error = first_error or error
    if first_error is not None:
        raise first_error


atexit.register(flush_all)
