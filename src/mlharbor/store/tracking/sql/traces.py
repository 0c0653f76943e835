"""Traces in the SQL tracking store: trace info, tags, metadata, spans and assessments.

Spans may arrive before or after their trace's info (MLflow's client sends both concurrently):
spans for an unknown trace create its row from the root span, and a later trace info fills in
what the spans could not say. A trace whose spans are stored carries the tag
``mlflow.trace.spansLocation=TRACKING_STORE``, which tells MLflow's client not to upload them
again as an artifact.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, select

from mlharbor.entities import PagedList, Trace, TraceInfo
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.store.search.page_token import decode_offset, encode_offset
from mlharbor.store.tracking.sql import schema
from mlharbor.store.tracking.sql.base import SqlStoreBase, chunked, experiment_key, join_uri
from mlharbor.store.tracking.sql.engine import dialect_insert, reading, writing
from mlharbor.store.tracking.sql.trace_search import trace_query
from mlharbor.wire.spans import SpanColumns, mlflow_trace_id
from mlharbor.wire.traces import timestamp_json

SPANS_LOCATION = "mlflow.trace.spansLocation"
TRACKING_STORE = "TRACKING_STORE"
ARTIFACT_LOCATION = "mlflow.artifactLocation"
TRACE_NAME = "mlflow.traceName"
LINKED_RUN_PREFIX = "mlflow.linkedRun."
PREVIEW_CHARS = 1000

_T = schema.traces


def _preview(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value)
    return text[:PREVIEW_CHARS]


class TracesMixin(SqlStoreBase):
    """The trace part of :class:`SqlTrackingStore`."""

    # ---- writes -------------------------------------------------------------------------------

    def start_trace(self, info: TraceInfo) -> TraceInfo:
        """Record a trace's info (insert, or update the row its spans created) and return it."""
        with writing(self.engine) as connection:
            experiment = self._active_experiment_row(connection, info.experiment_id)
            owner = connection.execute(
                select(_T.c.experiment_id).where(_T.c.trace_id == info.trace_id)
            ).scalar()
            if owner is not None and owner != experiment.experiment_id:
                # A trace never moves: its id must not let a writer of one experiment take over
                # a trace of another.
                raise InvalidParameterValue(
                    f"Trace {info.trace_id} belongs to another experiment than "
                    f"{info.experiment_id}"
                )
            values = {
                "experiment_id": experiment.experiment_id,
                "client_request_id": info.client_request_id,
                "request_time": info.request_time,
                "execution_duration": info.execution_duration,
                "state": info.state,
                "request_preview": info.request_preview,
                "response_preview": info.response_preview,
            }
            insert = dialect_insert(connection, _T).values(trace_id=info.trace_id, **values)
            connection.execute(
                insert.on_conflict_do_update(index_elements=["trace_id"], set_=values)
            )
            tags = dict(info.tags)
            tags.setdefault(
                ARTIFACT_LOCATION,
                join_uri(str(experiment.artifact_location), "traces", info.trace_id, "artifacts"),
            )
            self._upsert_pairs(connection, schema.trace_tags, info.trace_id, tags.items())
            self._upsert_pairs(
                connection, schema.trace_metadata, info.trace_id, info.trace_metadata.items()
            )
        return self.get_trace_info(info.trace_id)

    def log_spans(self, experiment_id: str, spans: Sequence[dict[str, Any]]) -> list[str]:
        """Store OTLP/JSON spans (hex ids) in ``experiment_id``; return the trace ids touched."""
        by_trace: dict[str, list[dict[str, Any]]] = {}
        for span in spans:
            by_trace.setdefault(mlflow_trace_id(span), []).append(span)
        with writing(self.engine) as connection:
            experiment = self._active_experiment_row(connection, experiment_id)
            for trace_id, trace_spans in by_trace.items():
                columns = [SpanColumns(span) for span in trace_spans]
                self._ensure_trace_row(connection, trace_id, experiment.experiment_id, columns)
                rows = [
                    {
                        "trace_id": trace_id,
                        "span_id": c.span_id,
                        "parent_span_id": c.parent_span_id,
                        "name": c.name,
                        "span_type": c.span_type,
                        "status": c.status,
                        "start_time_ns": c.start_time_ns,
                        "end_time_ns": c.end_time_ns,
                        "duration_ns": c.duration_ns,
                        "input_tokens": c.input_tokens,
                        "output_tokens": c.output_tokens,
                        "total_tokens": c.total_tokens,
                        "content": json.dumps(span, separators=(",", ":")),
                    }
                    for c, span in zip(columns, trace_spans, strict=True)
                ]
                insert = dialect_insert(connection, schema.spans)
                replaced = {
                    name: insert.excluded[name]
                    for name in rows[0]
                    if name not in ("trace_id", "span_id")
                }
                connection.execute(
                    insert.on_conflict_do_update(
                        index_elements=["trace_id", "span_id"], set_=replaced
                    ),
                    rows,
                )
                self._upsert_pairs(
                    connection, schema.trace_tags, trace_id, [(SPANS_LOCATION, TRACKING_STORE)]
                )
        return list(by_trace)

    def _ensure_trace_row(
        self,
        connection: Connection,
        trace_id: str,
        experiment_id: int,
        columns: list[SpanColumns],
    ) -> None:
        """Create the trace row from its spans unless it exists; a root span completes it."""
        row = connection.execute(
            select(_T.c.experiment_id, _T.c.state).where(_T.c.trace_id == trace_id)
        ).first()
        if row is not None and row.experiment_id != experiment_id:
            raise InvalidParameterValue(
                f"Trace {trace_id} belongs to experiment {row.experiment_id}, not {experiment_id}"
            )
        root = next((c for c in columns if c.parent_span_id is None), None)
        if row is None:
            start = min(c.start_time_ns for c in columns)
            connection.execute(
                _T.insert().values(
                    trace_id=trace_id,
                    experiment_id=experiment_id,
                    request_time=start // 1_000_000,
                    state="IN_PROGRESS",
                )
            )
        if root is None:
            return
        if row is None or row.state == "IN_PROGRESS":
            connection.execute(
                _T.update()
                .where(_T.c.trace_id == trace_id)
                .values(
                    request_time=root.start_time_ns // 1_000_000,
                    execution_duration=(
                        root.duration_ns // 1_000_000 if root.duration_ns is not None else None
                    ),
                    state="ERROR" if root.status == "ERROR" else "OK",
                    request_preview=_preview(root.inputs),
                    response_preview=_preview(root.outputs),
                )
            )
        insert = dialect_insert(connection, schema.trace_tags).values(
            trace_id=trace_id, key=TRACE_NAME, value=root.name
        )
        connection.execute(insert.on_conflict_do_nothing())

    @staticmethod
    def _upsert_pairs(
        connection: Connection, table: Any, trace_id: str, pairs: Iterable[tuple[str, str]]
    ) -> None:
        rows = [{"trace_id": trace_id, "key": k, "value": str(v)} for k, v in pairs]
        if not rows:
            return
        insert = dialect_insert(connection, table)
        connection.execute(
            insert.on_conflict_do_update(
                index_elements=["trace_id", "key"], set_={"value": insert.excluded.value}
            ),
            rows,
        )

    def _trace_row_or_raise(self, connection: Connection, trace_id: str) -> Any:
        row = connection.execute(select(_T).where(_T.c.trace_id == trace_id)).first()
        if row is None:
            raise ResourceDoesNotExist(f"Trace with ID {trace_id} not found.")
        return row

    def set_trace_tag(self, trace_id: str, key: str, value: str) -> None:
        with writing(self.engine) as connection:
            self._trace_row_or_raise(connection, trace_id)
            self._upsert_pairs(connection, schema.trace_tags, trace_id, [(key, value)])

    def delete_trace_tag(self, trace_id: str, key: str) -> None:
        table = schema.trace_tags
        with writing(self.engine) as connection:
            self._trace_row_or_raise(connection, trace_id)
            deleted = connection.execute(
                delete(table).where(table.c.trace_id == trace_id).where(table.c.key == key)
            ).rowcount
        if not deleted:
            raise ResourceDoesNotExist(f"No trace tag with key '{key}' for trace {trace_id}")

    def delete_traces(
        self,
        experiment_id: str,
        max_timestamp_millis: int | None = None,
        max_traces: int | None = None,
        trace_ids: Sequence[str] | None = None,
    ) -> int:
        """Delete the given traces of an experiment, or its oldest ones; return how many."""
        if trace_ids and (max_timestamp_millis is not None or max_traces is not None):
            raise InvalidParameterValue(
                "Either `max_timestamp_millis` or `request_ids` can be specified, not both."
            )
        if not trace_ids and max_timestamp_millis is None:
            raise InvalidParameterValue(
                "Either `max_timestamp_millis` or `request_ids` must be specified."
            )
        key = experiment_key(experiment_id)
        with writing(self.engine) as connection:
            query = select(_T.c.trace_id).where(_T.c.experiment_id == key)
            if trace_ids:
                query = query.where(_T.c.trace_id.in_(list(trace_ids)))
            else:
                query = query.where(_T.c.request_time <= max_timestamp_millis).order_by(
                    _T.c.request_time, _T.c.trace_id
                )
                if max_traces:
                    query = query.limit(max_traces)
            doomed = list(connection.execute(query).scalars())
            for part in chunked(doomed):
                for table in (
                    schema.spans,
                    schema.assessments,
                    schema.trace_tags,
                    schema.trace_metadata,
                    _T,
                ):
                    connection.execute(delete(table).where(table.c.trace_id.in_(part)))
        return len(doomed)

    def link_traces_to_run(self, trace_ids: Sequence[str], run_id: str) -> None:
        with writing(self.engine) as connection:
            self._run_row(connection, run_id)
            for trace_id in trace_ids:
                self._trace_row_or_raise(connection, trace_id)
                self._upsert_pairs(
                    connection, schema.trace_tags, trace_id, [(LINKED_RUN_PREFIX + run_id, run_id)]
                )

    # ---- reads --------------------------------------------------------------------------------

    def get_trace_info(self, trace_id: str) -> TraceInfo:
        with reading(self.engine) as connection:
            self._trace_row_or_raise(connection, trace_id)
            return self._trace_infos(connection, [trace_id])[0]

    def batch_get_traces(
        self, trace_ids: Sequence[str], experiment_ids: Sequence[str] | None = None
    ) -> list[Trace]:
        """The traces among ``trace_ids`` that exist, with their spans, in the order asked."""
        with reading(self.engine) as connection:
            infos = self._trace_infos(connection, list(trace_ids), experiment_ids)
            spans: dict[str, list[dict[str, Any]]] = {info.trace_id: [] for info in infos}
            table = schema.spans
            for part in chunked(list(spans)):
                rows = connection.execute(
                    select(table.c.trace_id, table.c.content)
                    .where(table.c.trace_id.in_(part))
                    .order_by(table.c.trace_id, table.c.start_time_ns)
                )
                for trace_id, content in rows:
                    spans[trace_id].append(json.loads(content))
        return [Trace(info, spans[info.trace_id]) for info in infos]

    def _trace_infos(
        self,
        connection: Connection,
        trace_ids: list[str],
        experiment_ids: Sequence[str] | None = None,
    ) -> list[TraceInfo]:
        rows: dict[str, Any] = {}
        tags: dict[str, dict[str, str]] = {}
        meta: dict[str, dict[str, str]] = {}
        found: dict[str, list[dict[str, Any]]] = {}
        keys = None if experiment_ids is None else [experiment_key(e) for e in experiment_ids]
        for part in chunked(trace_ids):
            query = select(_T).where(_T.c.trace_id.in_(part))
            if keys is not None:
                query = query.where(_T.c.experiment_id.in_(keys))
            rows.update({row.trace_id: row for row in connection.execute(query)})
        present = list(rows)
        for part in chunked(present):
            for table, into in ((schema.trace_tags, tags), (schema.trace_metadata, meta)):
                result = connection.execute(
                    select(table.c.trace_id, table.c.key, table.c.value).where(
                        table.c.trace_id.in_(part)
                    )
                )
                for trace_id, key, value in result:
                    into.setdefault(trace_id, {})[key] = value
            table = schema.assessments
            bodies = connection.execute(
                select(table.c.trace_id, table.c.body)
                .where(table.c.trace_id.in_(part))
                .order_by(table.c.create_time)
            )
            for trace_id, body in bodies:
                found.setdefault(trace_id, []).append(json.loads(body))
        return [
            TraceInfo(
                trace_id=row.trace_id,
                experiment_id=str(row.experiment_id),
                request_time=row.request_time,
                state=row.state,
                execution_duration=row.execution_duration,
                client_request_id=row.client_request_id,
                request_preview=row.request_preview,
                response_preview=row.response_preview,
                tags=tags.get(row.trace_id, {}),
                trace_metadata=meta.get(row.trace_id, {}),
                assessments=found.get(row.trace_id, []),
            )
            for trace_id in trace_ids
            if (row := rows.get(trace_id)) is not None
        ]

    def search_traces(
        self,
        experiment_ids: Sequence[str],
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList[TraceInfo]:
        """Trace infos of the experiments that match the filter, newest first by default."""
        offset = decode_offset(page_token)
        keys = [k for k in (experiment_key(e) for e in experiment_ids) if k is not None]
        query = trace_query(keys, filter_string, order_by)
        with reading(self.engine) as connection:
            ids: list[str] = list(
                connection.execute(query.limit(max_results + 1).offset(offset)).scalars()
            )
            infos = self._trace_infos(connection, ids[:max_results])
        token = encode_offset(offset + max_results) if len(ids) > max_results else None
        return PagedList(infos, token)

    # ---- assessments --------------------------------------------------------------------------

    def create_assessment(self, assessment: dict[str, Any]) -> dict[str, Any]:
        """Store an assessment (MLflow's wire form) on its trace; return it with id and times."""
        trace_id = assessment.get("trace_id") or ""
        name = assessment.get("assessment_name") or ""
        if not name:
            raise InvalidParameterValue("Missing value for required parameter 'assessment_name'.")
        if ("feedback" in assessment) == ("expectation" in assessment):
            raise InvalidParameterValue(
                "An assessment needs exactly one of 'feedback' or 'expectation'."
            )
        now = timestamp_json(time.time_ns() // 1_000_000)
        body = {
            **assessment,
            "assessment_id": f"a-{uuid.uuid4().hex}",
            "create_time": assessment.get("create_time") or now,
            "last_update_time": now,
        }
        with writing(self.engine) as connection:
            self._trace_row_or_raise(connection, trace_id)
            overridden = assessment.get("overrides")
            if overridden:
                self._set_assessment_valid(connection, trace_id, overridden, False)
            self._write_assessment(connection, body, insert=True)
        return body

    def get_assessment(self, trace_id: str, assessment_id: str) -> dict[str, Any]:
        with reading(self.engine) as connection:
            return self._assessment_body(connection, trace_id, assessment_id)

    def update_assessment(
        self, trace_id: str, assessment_id: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        with writing(self.engine) as connection:
            body = self._assessment_body(connection, trace_id, assessment_id)
            if "feedback" in changes and "expectation" in body:
                raise InvalidParameterValue("An expectation cannot be updated with a feedback.")
            if "expectation" in changes and "feedback" in body:
                raise InvalidParameterValue("A feedback cannot be updated with an expectation.")
            body.update(changes)
            body["last_update_time"] = timestamp_json(time.time_ns() // 1_000_000)
            self._write_assessment(connection, body, insert=False)
        return body

    def delete_assessment(self, trace_id: str, assessment_id: str) -> None:
        table = schema.assessments
        with writing(self.engine) as connection:
            body = self._assessment_body(connection, trace_id, assessment_id)
            connection.execute(delete(table).where(table.c.assessment_id == assessment_id))
            if body.get("overrides"):
                self._set_assessment_valid(connection, trace_id, body["overrides"], True)

    def _assessment_body(
        self, connection: Connection, trace_id: str, assessment_id: str
    ) -> dict[str, Any]:
        table = schema.assessments
        body = connection.execute(
            select(table.c.body)
            .where(table.c.assessment_id == assessment_id)
            .where(table.c.trace_id == trace_id)
        ).scalar()
        if body is None:
            raise ResourceDoesNotExist(
                f"Assessment with ID '{assessment_id}' not found for trace '{trace_id}'"
            )
        loaded: dict[str, Any] = json.loads(body)
        return loaded

    def _set_assessment_valid(
        self, connection: Connection, trace_id: str, assessment_id: str, valid: bool
    ) -> None:
        body = self._assessment_body(connection, trace_id, assessment_id)
        body["valid"] = valid
        self._write_assessment(connection, body, insert=False)

    @staticmethod
    def _write_assessment(connection: Connection, body: dict[str, Any], *, insert: bool) -> None:
        table = schema.assessments
        values = {
            "name": body["assessment_name"][:250],
            "kind": "feedback" if "feedback" in body else "expectation",
            "last_update_time": time.time_ns() // 1_000_000,
            "body": json.dumps(body),
        }
        if insert:
            connection.execute(
                table.insert().values(
                    assessment_id=body["assessment_id"],
                    trace_id=body["trace_id"],
                    create_time=values["last_update_time"],
                    **values,
                )
            )
        else:
            connection.execute(
                table.update()
                .where(table.c.assessment_id == body["assessment_id"])
                .values(**values)
            )
