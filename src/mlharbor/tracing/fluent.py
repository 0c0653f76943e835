"""The tracing API: ``@trace``, ``start_span``, the current span and trace, and reading traces."""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, TypeVar

from mlharbor.tracing import provider
from mlharbor.tracing.records import Assessment, Trace, trace_from_json
from mlharbor.tracing.span import LiveSpan, NoOpSpan

__all__ = [
    "flush_trace_async_logging",
    "get_assessment",
    "get_current_active_span",
    "get_last_active_trace_id",
    "get_trace",
    "log_expectation",
    "log_feedback",
    "search_traces",
    "start_span",
    "trace",
    "update_current_trace",
]

F = TypeVar("F", bound=Callable[..., Any])
_BATCH = 50


def _inputs(signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return {"args": list(args), **kwargs}
    bound.apply_defaults()
    return {k: v for k, v in bound.arguments.items() if k not in ("self", "cls")}


@contextlib.contextmanager
def start_span(
    name: str = "span", span_type: str | None = None, attributes: dict[str, Any] | None = None
) -> Iterator[LiveSpan | NoOpSpan]:
    """Trace a block of code as a span (a child of the current span, or a new trace).

    An exception leaving the block marks the span ERROR with an ``exception`` event and is
    re-raised; one caught inside leaves it OK.
    """
    span, token = provider.start_live_span(name, span_type)
    if attributes:
        span.set_attributes(attributes)
    try:
        yield span
    except BaseException as error:
        span.record_exception(error)
        raise
    finally:
        provider._current.reset(token)
        span.end()


def trace(
    func: F | None = None,
    name: str | None = None,
    span_type: str | None = None,
    attributes: dict[str, Any] | None = None,
) -> Any:
    """Decorate a function (sync, async, generator or async generator) to trace each call.

    The span records the bound arguments as inputs and the return value (for generators, the
    list of yielded items) as outputs.
    """
    if func is None:
        return functools.partial(trace, name=name, span_type=span_type, attributes=attributes)
    span_name = name or func.__name__
    signature = inspect.signature(func)

    def opened(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        span, token = provider.start_live_span(span_name, span_type)
        if attributes:
            span.set_attributes(attributes)
        span.set_inputs(_inputs(signature, args, kwargs))
        return span, token

    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        async def agen_wrapper(*args: Any, **kwargs: Any) -> Any:
            span, token = opened(args, kwargs)
            provider._current.reset(token)
            outputs: list[Any] = []
            agen = func(*args, **kwargs)
            try:
                while True:
                    step = provider._current.set(span)
                    try:
                        item = await agen.__anext__()
                    except StopAsyncIteration:
                        break
                    finally:
                        provider._current.reset(step)
                    outputs.append(item)
                    yield item
            except BaseException as error:
                if not isinstance(error, GeneratorExit):
                    span.record_exception(error)
                raise
            finally:
                span.set_outputs(outputs)
                span.end()

        return agen_wrapper

    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            span, token = opened(args, kwargs)
            provider._current.reset(token)
            outputs: list[Any] = []
            gen = func(*args, **kwargs)
            try:
                while True:
                    step = provider._current.set(span)
                    try:
                        item = next(gen)
                    except StopIteration:
                        break
                    finally:
                        provider._current.reset(step)
                    outputs.append(item)
                    yield item
            except BaseException as error:
                if not isinstance(error, GeneratorExit):
                    span.record_exception(error)
                raise
            finally:
                span.set_outputs(outputs)
                span.end()

        return gen_wrapper

    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            span, token = opened(args, kwargs)
            try:
                result = await func(*args, **kwargs)
            except BaseException as error:
                span.record_exception(error)
                raise
            else:
                span.set_outputs(result)
                return result
            finally:
                provider._current.reset(token)
                span.end()

        return async_wrapper

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        span, token = opened(args, kwargs)
        try:
            result = func(*args, **kwargs)
        except BaseException as error:
            span.record_exception(error)
            raise
        else:
            span.set_outputs(result)
            return result
        finally:
            provider._current.reset(token)
            span.end()

    return wrapper


def get_current_active_span() -> LiveSpan | None:
    """The span of the innermost traced call or block running now, if any."""
    return provider.current_span()


def get_last_active_trace_id() -> str | None:
    """The id of the last trace this process finished."""
    return provider.last_trace_id()


def update_current_trace(
    tags: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    client_request_id: str | None = None,
    request_preview: str | None = None,
    response_preview: str | None = None,
) -> None:
    """Add tags or metadata (or set previews) on the trace being recorded."""
    provider.update_trace(tags, metadata, client_request_id, request_preview, response_preview)


def flush_trace_async_logging(terminate: bool = False) -> None:
    """Wait until traces queued for export are sent."""
    from mlharbor.tracing.export import flush

    flush()


def get_trace(trace_id: str) -> Trace | None:
    """The trace with its spans, or None when no such trace exists."""
    from mlharbor.exceptions import MlharborException
    from mlharbor.tracing.backend import trace_backend

    try:
        return trace_from_json(trace_backend().get_trace(trace_id))
    except MlharborException as error:
        if error.error_code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"):
            return None
        raise


def _experiment_ids(
    experiment_ids: Sequence[str] | None, locations: Sequence[str] | None
) -> list[str]:
    chosen = list(locations or experiment_ids or [])
    if chosen:
        return [str(e) for e in chosen]
    from mlharbor.client.active_run import _experiment_id

    return [_experiment_id()]


def search_traces(
    experiment_ids: Sequence[str] | None = None,
    filter_string: str | None = None,
    max_results: int | None = None,
    order_by: Sequence[str] | None = None,
    run_id: str | None = None,
    return_type: Literal["pandas", "list"] = "pandas",
    locations: Sequence[str] | None = None,
    include_spans: bool = True,
) -> Any:
    """Traces of the given experiments (default: the active one), newest first.

    Returns a pandas DataFrame with MLflow's columns, or a list of :class:`Trace` with
    ``return_type="list"``.
    """
    from mlharbor.tracing.backend import trace_backend

    backend = trace_backend()
    ids = _experiment_ids(experiment_ids, locations)
    if run_id:
        clause = f"metadata.`mlflow.sourceRun` = '{run_id}'"
        filter_string = f"{filter_string} AND {clause}" if filter_string else clause
    infos: list[dict[str, Any]] = []
    token: str | None = None
    while max_results is None or len(infos) < max_results:
        page_size = 100 if max_results is None else min(100, max_results - len(infos))
        found, token = backend.search(ids, filter_string, page_size, order_by, token)
        infos.extend(found)
        if not token:
            break
    if include_spans:
        trace_ids = [info["trace_id"] for info in infos]
        full: dict[str, dict[str, Any]] = {}
        for start in range(0, len(trace_ids), _BATCH):
            for body in backend.batch_get(trace_ids[start : start + _BATCH]):
                full[body["trace_info"]["trace_id"]] = body
        traces = [trace_from_json(full.get(i["trace_id"], {"trace_info": i})) for i in infos]
    else:
        traces = [trace_from_json({"trace_info": info}) for info in infos]
    if return_type == "list":
        return traces
    if return_type != "pandas":
        raise ValueError(f"return_type must be 'pandas' or 'list', not {return_type!r}")
    return _frame(traces)


def _frame(traces: list[Trace]) -> Any:
    import pandas as pd

    columns = [
        "trace_id",
        "trace",
        "client_request_id",
        "state",
        "request_time",
        "execution_duration",
        "request",
        "response",
        "trace_metadata",
        "tags",
        "spans",
        "assessments",
    ]
    rows = [
        {
            "trace_id": t.info.trace_id,
            "trace": t,
            "client_request_id": t.info.client_request_id,
            "state": t.info.state,
            "request_time": t.info.request_time,
            "execution_duration": t.info.execution_duration,
            "request": t.data.request,
            "response": t.data.response,
            "trace_metadata": t.info.trace_metadata,
            "tags": t.info.tags,
            "spans": [s.to_dict() for s in t.data.spans],
            "assessments": [a.to_dictionary() for a in t.assessments],
        }
        for t in traces
    ]
    return pd.DataFrame(rows, columns=columns)


def _source(source: Any, default_type: str) -> dict[str, Any]:
    if source is None:
        return {"source_type": default_type, "source_id": "default"}
    if isinstance(source, dict):
        return source
    return {
        "source_type": str(getattr(source, "source_type", default_type)),
        "source_id": str(getattr(source, "source_id", "default")),
    }


def _log_assessment(
    trace_id: str, name: str, kind: str, body: dict[str, Any], **extra: Any
) -> Assessment:
    from mlharbor.tracing.backend import trace_backend

    assessment: dict[str, Any] = {"trace_id": trace_id, "assessment_name": name, kind: body}
    assessment.update({k: v for k, v in extra.items() if v is not None})
    return Assessment(trace_backend().create_assessment(assessment))


def log_feedback(
    trace_id: str,
    name: str = "feedback",
    value: Any = None,
    source: Any = None,
    error: Exception | dict[str, Any] | None = None,
    rationale: str | None = None,
    metadata: dict[str, Any] | None = None,
    span_id: str | None = None,
) -> Assessment:
    """Attach a feedback (a judgement of the trace; source CODE unless given) to a trace."""
    body: dict[str, Any] = {"value": value}
    if error is not None:
        body["error"] = (
            error
            if isinstance(error, dict)
            else {"error_code": type(error).__name__, "error_message": str(error)}
        )
    return _log_assessment(
        trace_id,
        name,
        "feedback",
        body,
        source=_source(source, "CODE"),
        rationale=rationale,
        metadata={k: str(v) for k, v in metadata.items()} if metadata else None,
        span_id=span_id,
    )


def log_expectation(
    trace_id: str,
    name: str,
    value: Any,
    source: Any = None,
    metadata: dict[str, Any] | None = None,
    span_id: str | None = None,
) -> Assessment:
    """Attach an expectation (the expected answer; source HUMAN unless given) to a trace."""
    return _log_assessment(
        trace_id,
        name,
        "expectation",
        {"value": value},
        source=_source(source, "HUMAN"),
        metadata={k: str(v) for k, v in metadata.items()} if metadata else None,
        span_id=span_id,
    )


def get_assessment(trace_id: str, assessment_id: str) -> Assessment:
    from mlharbor.tracing.backend import trace_backend

    return Assessment(trace_backend().get_assessment(trace_id, assessment_id))
