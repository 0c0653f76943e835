"""The scoring server: a small ASGI application answering MLflow's scoring protocol.

Routes: ``GET /ping``, ``GET /health``, ``GET /version``, ``POST /invocations`` (MLflow's
request and response formats), ``POST /predict`` (one row of ``features`` in, one
``prediction`` out), and ``GET /metrics`` (Prometheus). It is a plain ASGI callable, so it runs
under uvicorn directly or mounted inside another app::

    app = FastAPI()
    app.mount("/model", create_app("models:/iris-rf@production"))

Parsing, prediction and encoding run together in a worker thread, so a slow model never stalls
the event loop, and the request is bounded by a timeout. Small requests to a model whose recent
requests took under 50 ms run on the event loop itself, as MLflow runs every prediction: the
thread hop and GIL hand-overs would cost more than they save (such requests are not subject to
the timeout).

With a monitor reference, every DataFrame a request scores is kept (by reference) in a
:class:`~mlharbor.monitoring.DriftWindow`; each full window is compared with the reference in a
background thread and ``/metrics`` shows the drift gauges.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import orjson

from mlharbor.exceptions import MlharborException
from mlharbor.models.model import MLFLOW_COMPAT_VERSION
from mlharbor.serving.errors import ScoringError, json_error, plain_error
from mlharbor.serving.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from mlharbor.serving.metrics import ServingMetrics, render_drift
from mlharbor.serving.model_source import (
    ModelSlot,
    RegistryFollower,
    ServedModel,
    follows_registry,
    load_served_model,
)
from mlharbor.serving.scoring import score_invocation, score_rows

if TYPE_CHECKING:
    from mlharbor.monitoring import DriftWindow

__all__ = [
    "DEFAULT_MAX_REQUEST_BYTES",
    "DEFAULT_MONITOR_WINDOW",
    "DEFAULT_POLL_INTERVAL_S",
    "DEFAULT_TIMEOUT_S",
    "ScoringApp",
    "create_app",
    "create_app_from_env",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEFAULT_MAX_REQUEST_BYTES = 100 * 1024 * 1024
DEFAULT_POLL_INTERVAL_S = 10.0
DEFAULT_TIMEOUT_S = 60.0
# Predictions are mostly GIL-bound Python: one thread avoids contention between requests, and
# processes (``--workers``) use more cores. Models that release the GIL can raise it.
DEFAULT_THREADS = 1
DEFAULT_MONITOR_WINDOW = 1000
ENV_MODEL_URI = "MLHARBOR_SERVING_MODEL_URI"
ENV_POLL_INTERVAL = "MLHARBOR_SERVING_POLL_INTERVAL"
ENV_MAX_REQUEST_BYTES = "MLHARBOR_SERVING_MAX_REQUEST_BYTES"
ENV_ENABLE_PREDICT = "MLHARBOR_SERVING_ENABLE_PREDICT"
ENV_TIMEOUT = "MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT"
ENV_THREADS = "MLHARBOR_SERVING_THREADS"
ENV_MONITOR_REFERENCE = "MLHARBOR_SERVING_MONITOR_REFERENCE"
ENV_MONITOR_WINDOW = "MLHARBOR_SERVING_MONITOR_WINDOW"

_log = logging.getLogger("mlharbor.serving")
_JSON = b"application/json"
_PING_BODY = b"\n"
_NOT_FOUND = orjson.dumps({"detail": "Not Found"})
_NOT_ALLOWED = orjson.dumps({"detail": "Method Not Allowed"})
_INLINE_MAX_BODY = 64 * 1024
_INLINE_MAX_WORK_S = 0.05


class _DisconnectedError(Exception):
    """The client went away before its body arrived."""


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return path[len(root) :] or "/"
    return path


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class _RecordingModel:
    """A served model that hands each input it scored successfully to ``record``."""

    __slots__ = ("_model", "_record")

    def __init__(self, model: Any, record: Callable[[Any], None]) -> None:
        self._model = model
        self._record = record

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        result = self._model.predict(data, params=params)
        self._record(data)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


class ScoringApp:
    """The ASGI scoring application around a :class:`ModelSlot`.

    Args:
        slot: holds the model served; swapped by ``follower`` when the registry moves.
        follower: the registry poller, stopped by :meth:`close`.
        enable_predict_route: serve ``POST /predict``.
        max_request_bytes: larger bodies are refused with 413.
        timeout_s: requests running longer are answered with 504.
        threads: size of the thread pool running predictions (``MLHARBOR_SERVING_THREADS``).
        monitor: the drift window fed with every DataFrame scored; None turns monitoring off.
    """

    def __init__(
        self,
        slot: ModelSlot,
        *,
        follower: RegistryFollower | None = None,
        enable_predict_route: bool = True,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        threads: int = DEFAULT_THREADS,
        monitor: DriftWindow | None = None,
    ) -> None:
        self.slot = slot
        self.monitor = monitor
        # (model served, the same model recording its inputs); rebuilt when the slot swaps
        self._recording: tuple[ServedModel, ServedModel] | None = None
        self.follower = follower
        self.metrics = ServingMetrics()
        self.max_request_bytes = max_request_bytes
        self.timeout_s = timeout_s
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="scoring")
        # id(ServedModel) -> recent seconds of work per request; only the served model's entry
        self._recent_work_s: dict[int, float] = {}
        served = slot.current
        self.metrics.set_model(served.model_uri, served.version, served.loaded_at, swap=False)
        slot.on_swap(
            lambda new: self.metrics.set_model(new.model_uri, new.version, new.loaded_at, swap=True)
        )
        self._routes: dict[str, dict[str, Callable[[Scope, Receive], Awaitable[_Answer]]]] = {
            "/ping": {"GET": self._ping, "HEAD": self._ping},
            "/health": {"GET": self._ping, "HEAD": self._ping},
            "/version": {"GET": self._version},
            "/invocations": {"POST": self._invoke},
            "/metrics": {"GET": self._metrics},
        }
        if enable_predict_route:
            self._routes["/predict"] = {"POST": self._predict_route}

    @property
    def served(self) -> ServedModel:
        """The model answering requests now."""
        return self.slot.current

    def close(self) -> None:
        """Stop the registry follower and the prediction threads; remove downloaded models."""
        if self.follower is not None:
            self.follower.stop()
        self._executor.shutdown(wait=False, cancel_futures=True)
        scratch = self.slot.current.scratch_dir
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        path = _route_path(scope)
        methods = self._routes.get(path)
        route = path if methods is not None else "other"
        if methods is None:
            answer: _Answer = (404, _NOT_FOUND, _JSON, ())
        elif scope["method"] not in methods:
            allow = ", ".join(sorted(methods)).encode()
            answer = (405, _NOT_ALLOWED, _JSON, ((b"allow", allow),))
        else:
            try:
                answer = await methods[scope["method"]](scope, receive)
            except ScoringError as exc:
                answer = (exc.status, exc.body, exc.media_type.encode(), ())
            except _DisconnectedError:
                return
            except Exception:
                _log.exception("unexpected error while scoring")
                body = orjson.dumps(
                    {"error_code": "INTERNAL_ERROR", "message": "Internal server error"}
                )
                answer = (500, body, _JSON, ())
        status, body, media_type, extra = answer
        headers = [
            (b"content-type", media_type),
            (b"content-length", str(len(body)).encode()),
            *extra,
        ]
        if scope["method"] == "HEAD":
            body = b""
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        self.metrics.observe(route, status, time.perf_counter() - started)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_request_bytes:
            raise self._too_large()
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _DisconnectedError
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_request_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _too_large(self) -> ScoringError:
        return json_error(
            413,
            "BAD_REQUEST",
            f"Request body is larger than the limit of {self.max_request_bytes} bytes.",
        )

    async def _run(self, work: Callable[..., bytes], served: ServedModel, *args: Any) -> bytes:
        body_size = len(args[0])
        if body_size <= _INLINE_MAX_BODY and self._recent_work_s.get(id(served), 1.0) <= (
            _INLINE_MAX_WORK_S
        ):
            # Small requests to a model that has been answering fast run right here: a thread
            # hop costs more than the work, and blocking the loop for a millisecond is harmless.
            return self._timed(work, served, *args)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, self._timed, work, served, *args)
        try:
            return await asyncio.wait_for(future, self.timeout_s)
        except TimeoutError:
            raise plain_error(504, "Request processing time exceeded limit") from None

    def _timed(self, work: Callable[..., bytes], served: ServedModel, *args: Any) -> bytes:
        started = time.perf_counter()
        try:
            return work(served, *args)
        finally:
            elapsed = time.perf_counter() - started
            key = id(served)
            previous = self._recent_work_s.get(key)
            # jumps up at once (a slow request sends the next ones to the pool), decays slowly
            if previous is not None and elapsed < previous:
                elapsed = 0.8 * previous + 0.2 * elapsed
            self._recent_work_s = {key: elapsed}

    async def _ping(self, scope: Scope, receive: Receive) -> _Answer:
        return 200, _PING_BODY, _JSON, ()

    async def _version(self, scope: Scope, receive: Receive) -> _Answer:
        return 200, MLFLOW_COMPAT_VERSION.encode(), _JSON, ()

    async def _metrics(self, scope: Scope, receive: Receive) -> _Answer:
        text = self.metrics.render()
        if self.monitor is not None:
            text += render_drift(self.monitor.snapshot())
        return 200, text.encode(), METRICS_CONTENT_TYPE.encode(), ()

    def _recording_model(self, served: ServedModel, monitor: DriftWindow) -> ServedModel:
        """``served`` with a model that records its inputs into ``monitor``."""
        pair = self._recording
        if pair is None or pair[0] is not served:
            recording = _RecordingModel(served.model, monitor.record)
            pair = self._recording = (served, replace(served, model=recording))
        return pair[1]

    async def _invoke(self, scope: Scope, receive: Receive) -> _Answer:
        body = await self._read_body(scope, receive)
        content_type = _header(scope, b"content-type")
        served = self.slot.current
        if self.monitor is not None:
            served = self._recording_model(served, self.monitor)
        result = await self._run(score_invocation, served, body, content_type)
        return 200, result, _JSON, ()

    async def _predict_route(self, scope: Scope, receive: Receive) -> _Answer:
        body = await self._read_body(scope, receive)
        served = self.slot.current
        if self.monitor is not None:
            served = self._recording_model(served, self.monitor)
        result = await self._run(score_rows, served, body)
        return 200, result, _JSON, ()


_Answer = tuple[int, bytes, bytes, tuple[tuple[bytes, bytes], ...]]


def create_app(
    model_uri: str,
    *,
    enable_predict_route: bool = True,
    follow: bool = True,
    poll_interval_s: float | None = None,
    max_request_bytes: int | None = None,
    timeout_s: float | None = None,
    monitor_reference: Any = None,
    monitor_window: int = DEFAULT_MONITOR_WINDOW,
) -> ScoringApp:
    """Load ``model_uri`` and return the ASGI scoring app serving it.

    Args:
        model_uri: any model URI ``mlharbor.pyfunc.load_model`` accepts.
        enable_predict_route: also serve ``POST /predict``.
        follow: for ``models:/name@alias``, ``/stage`` and ``/latest``, poll the registry and
            swap in the new version when the target moves.
        poll_interval_s: seconds between registry polls (``MLHARBOR_SERVING_POLL_INTERVAL``,
            default 10).
        max_request_bytes: request body limit (``MLHARBOR_SERVING_MAX_REQUEST_BYTES``,
            default 100 MiB).
        timeout_s: per-request limit (``MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT``, default 60).
        monitor_reference: a DataFrame, or a ``.csv``/``.parquet`` path, that scored inputs are
            compared with for drift; None (the default) turns drift monitoring off.
        monitor_window: rows kept and compared per drift check.

    Raises:
        MlharborException: when the model cannot be resolved or loaded, or the monitor
            reference cannot be read.
    """
    monitor = None
    if monitor_reference is not None:
        from mlharbor.monitoring import DriftWindow

        # before loading the model: a bad reference fails at once
        monitor = DriftWindow(monitor_reference, monitor_window)
    served = load_served_model(str(model_uri))
    slot = ModelSlot(served)
    follower = None
    if follow and follows_registry(served.model_uri):
        interval = poll_interval_s
        if interval is None:
            interval = float(os.environ.get(ENV_POLL_INTERVAL) or DEFAULT_POLL_INTERVAL_S)
        follower = RegistryFollower(slot, interval_s=interval)
        follower.start()
    app = ScoringApp(
        slot,
        follower=follower,
        enable_predict_route=enable_predict_route,
        max_request_bytes=max_request_bytes
        or int(os.environ.get(ENV_MAX_REQUEST_BYTES) or DEFAULT_MAX_REQUEST_BYTES),
        timeout_s=timeout_s or float(os.environ.get(ENV_TIMEOUT) or DEFAULT_TIMEOUT_S),
        threads=int(os.environ.get(ENV_THREADS) or DEFAULT_THREADS),
        monitor=monitor,
    )
    return app


def create_app_from_env() -> ScoringApp:
    """The app for ``MLHARBOR_SERVING_MODEL_URI``: the factory uvicorn workers call."""
    model_uri = os.environ.get(ENV_MODEL_URI)
    if not model_uri:
        raise MlharborException(f"{ENV_MODEL_URI} is not set; it names the model to serve")
    predict_route = os.environ.get(ENV_ENABLE_PREDICT, "true").lower() not in ("0", "false", "no")
    return create_app(
        model_uri,
        enable_predict_route=predict_route,
        monitor_reference=os.environ.get(ENV_MONITOR_REFERENCE) or None,
        monitor_window=int(os.environ.get(ENV_MONITOR_WINDOW) or DEFAULT_MONITOR_WINDOW),
    )
