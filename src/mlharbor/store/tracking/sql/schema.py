"""Tables of the tracking database, as SQLAlchemy Core metadata.

Alembic migrations (``mlharbor/store/db/migrations``) create exactly these; a test compares them.
Design notes:
- ``metrics`` keeps every point; its primary key starts with (run_uuid, key, step, timestamp) so a
  history read is one ordered index range scan. ``latest_metrics`` keeps one row per key for
  run pages and search, and ``dense_first_step`` while the steps have no gaps or repeats, so
  a chart sample seeks the steps it wants instead of counting the whole history.
- NaN is stored as value 0 with ``is_nan`` set: SQLite turns NaN into NULL.
- Search joins the per-run tables by their (run_uuid, key) primary keys; ``(key, value)`` indexes
  serve filters and sorts that start from a key, so a page ordered by a metric, param or tag
  reads the index in order and stops at the LIMIT. ``latest_metrics`` puts ``is_nan`` before
  ``value`` so the NaN group is its own short range. PostgreSQL caps a btree entry near 2.7 kB
  and param and tag values reach 6000 characters: there the param and tag value indexes
  leave out values over ``PG_INDEXED_VALUE_BYTES``, and inserting a long value never fails.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()

# Bytes of a value PostgreSQL's value indexes hold: with a 250-character key (1000 bytes) and the
# run id, an entry stays under the 2704-byte btree limit.
PG_INDEXED_VALUE_BYTES = 1500
_SHORT_VALUE = f"octet_length(value) <= {PG_INDEXED_VALUE_BYTES}"

experiments = Table(
    "experiments",
    metadata,
    Column("experiment_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(500), nullable=False, unique=True),
    Column("artifact_location", String(2048), nullable=False),
    Column("lifecycle_stage", String(32), nullable=False),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_update_time", BigInteger, nullable=False),
)

experiment_tags = Table(
    "experiment_tags",
    metadata,
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("key", String(250), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("experiment_id", "key"),
)

runs = Table(
    "runs",
    metadata,
    Column("run_uuid", String(32), primary_key=True),
    Column("name", String(250), nullable=False),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("user_id", String(256), nullable=False),
    Column("status", String(20), nullable=False),
    Column("start_time", BigInteger, nullable=True),
    Column("end_time", BigInteger, nullable=True),
    Column("lifecycle_stage", String(20), nullable=False),
    Column("artifact_uri", String(2200), nullable=False),
    Column("deleted_time", BigInteger, nullable=True),
    Index("ix_runs_experiment_start", "experiment_id", "start_time", "run_uuid"),
    # Pattern operators: PostgreSQL's LIKE 'prefix%' reads this range under any collation.
    Index(
        "ix_runs_experiment_name",
        "experiment_id",
        "name",
        postgresql_ops={"name": "varchar_pattern_ops"},
    ),
)

run_tags = Table(
    "run_tags",
    metadata,
    Column("run_uuid", String(32), ForeignKey("runs.run_uuid", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("run_uuid", "key"),
    Index("ix_run_tags_key", "key", "run_uuid"),
    Index("ix_run_tags_key_value", "key", "value", "run_uuid", postgresql_where=text(_SHORT_VALUE)),
)

params = Table(
    "params",
    metadata,
    Column("run_uuid", String(32), ForeignKey("runs.run_uuid", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("run_uuid", "key"),
    Index("ix_params_key", "key", "run_uuid"),
    Index("ix_params_key_value", "key", "value", "run_uuid", postgresql_where=text(_SHORT_VALUE)),
)

metrics = Table(
    "metrics",
    metadata,
    Column("run_uuid", String(32), ForeignKey("runs.run_uuid", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("value", Float(precision=53), nullable=False),
    Column("is_nan", Boolean, nullable=False),
    Column("dataset_name", String(500), nullable=True),
    Column("dataset_digest", String(36), nullable=True),
    Column("model_id", String(64), nullable=True),
    PrimaryKeyConstraint("run_uuid", "key", "step", "timestamp", "value", "is_nan"),
)

latest_metrics = Table(
    "latest_metrics",
    metadata,
    Column("run_uuid", String(32), ForeignKey("runs.run_uuid", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("value", Float(precision=53), nullable=False),
    Column("is_nan", Boolean, nullable=False),
    # Every step from here to ``step`` holds exactly one point; NULL when unknown.
    Column("dense_first_step", BigInteger, nullable=True),
    PrimaryKeyConstraint("run_uuid", "key"),
    Index("ix_latest_metrics_key_value", "key", "is_nan", "value", "run_uuid"),
)

datasets = Table(
    "datasets",
    metadata,
    Column("dataset_uuid", String(36), primary_key=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(500), nullable=False),
    Column("digest", String(36), nullable=False),
    Column("source_type", String(36), nullable=False),
    Column("source", Text, nullable=False),
    Column("schema", Text, nullable=True),
    Column("profile", Text, nullable=True),
    UniqueConstraint("experiment_id", "name", "digest", name="uq_datasets_experiment_name_digest"),
)

run_dataset_inputs = Table(
    "run_dataset_inputs",
    metadata,
    Column("run_uuid", String(32), ForeignKey("runs.run_uuid", ondelete="CASCADE"), nullable=False),
    Column(
        "dataset_uuid",
        String(36),
        ForeignKey("datasets.dataset_uuid", ondelete="CASCADE"),
        nullable=False,
    ),
    PrimaryKeyConstraint("run_uuid", "dataset_uuid"),
    Index("ix_run_dataset_inputs_dataset", "dataset_uuid"),
)

run_input_tags = Table(
    "run_input_tags",
    metadata,
    Column("run_uuid", String(32), nullable=False),
    Column("dataset_uuid", String(36), nullable=False),
    Column("key", String(255), nullable=False),
    Column("value", String(500), nullable=False),
    PrimaryKeyConstraint("run_uuid", "dataset_uuid", "key"),
)

run_model_inputs = Table(
    "run_model_inputs",
    metadata,
    Column("run_uuid", String(32), ForeignKey("runs.run_uuid", ondelete="CASCADE"), nullable=False),
    Column("model_id", String(64), nullable=False),
    PrimaryKeyConstraint("run_uuid", "model_id"),
)

run_model_outputs = Table(
    "run_model_outputs",
    metadata,
    Column("run_uuid", String(32), ForeignKey("runs.run_uuid", ondelete="CASCADE"), nullable=False),
    Column("model_id", String(64), nullable=False),
    Column("step", BigInteger, nullable=False),
    PrimaryKeyConstraint("run_uuid", "model_id"),
)

logged_models = Table(
    "logged_models",
    metadata,
    Column("model_id", String(64), primary_key=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(500), nullable=False),
    Column("artifact_location", String(2200), nullable=False),
    Column("creation_timestamp_ms", BigInteger, nullable=False),
    Column("last_updated_timestamp_ms", BigInteger, nullable=False),
    Column("status", String(40), nullable=False),
    Column("lifecycle_stage", String(32), nullable=False),
    Column("model_type", String(500), nullable=True),
    Column("source_run_id", String(32), nullable=True),
    Column("status_message", Text, nullable=True),
    Index("ix_logged_models_experiment", "experiment_id", "creation_timestamp_ms"),
)

logged_model_tags = Table(
    "logged_model_tags",
    metadata,
    Column(
        "model_id",
        String(64),
        ForeignKey("logged_models.model_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("key", String(250), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("model_id", "key"),
)

logged_model_params = Table(
    "logged_model_params",
    metadata,
    Column(
        "model_id",
        String(64),
        ForeignKey("logged_models.model_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("key", String(250), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("model_id", "key"),
)

logged_model_metrics = Table(
    "logged_model_metrics",
    metadata,
    Column(
        "model_id",
        String(64),
        ForeignKey("logged_models.model_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("key", String(250), nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("value", Float(precision=53), nullable=False),
    Column("is_nan", Boolean, nullable=False),
    Column("run_uuid", String(32), nullable=False),
    Column("dataset_name", String(500), nullable=True),
    Column("dataset_digest", String(36), nullable=True),
    PrimaryKeyConstraint("model_id", "key", "step", "timestamp", "run_uuid"),
)

# Traces (MLflow 3 tracing). A trace row holds what search filters and sorts on; its spans keep
# their OTLP-JSON form in ``content`` next to the columns search uses (name, type, status,
# latency, token counts), so reading a trace back never re-encodes a span.
traces = Table(
    "traces",
    metadata,
    Column("trace_id", String(64), primary_key=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("client_request_id", String(250), nullable=True),
    Column("request_time", BigInteger, nullable=False),
    Column("execution_duration", BigInteger, nullable=True),
    Column("state", String(20), nullable=False),
    Column("request_preview", Text, nullable=True),
    Column("response_preview", Text, nullable=True),
    Index("ix_traces_experiment_time", "experiment_id", "request_time", "trace_id"),
)


def _trace_key_value_table(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column(
            "trace_id",
            String(64),
            ForeignKey("traces.trace_id", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("key", String(250), nullable=False),
        Column("value", Text, nullable=False),
        PrimaryKeyConstraint("trace_id", "key"),
        Index(
            f"ix_{name}_key_value", "key", "value", "trace_id", postgresql_where=text(_SHORT_VALUE)
        ),
    )


trace_tags = _trace_key_value_table("trace_tags")
trace_metadata = _trace_key_value_table("trace_metadata")

spans = Table(
    "spans",
    metadata,
    Column(
        "trace_id", String(64), ForeignKey("traces.trace_id", ondelete="CASCADE"), nullable=False
    ),
    Column("span_id", String(32), nullable=False),
    Column("parent_span_id", String(32), nullable=True),
    Column("name", String(1000), nullable=False),
    Column("span_type", String(100), nullable=True),
    Column("status", String(20), nullable=False),
    Column("start_time_ns", BigInteger, nullable=False),
    Column("end_time_ns", BigInteger, nullable=True),
    Column("duration_ns", BigInteger, nullable=True),
    Column("input_tokens", BigInteger, nullable=True),
    Column("output_tokens", BigInteger, nullable=True),
    Column("total_tokens", BigInteger, nullable=True),
    Column("content", Text, nullable=False),
    PrimaryKeyConstraint("trace_id", "span_id"),
    Index("ix_spans_name", "name", "trace_id"),
    Index("ix_spans_type", "span_type", "trace_id"),
)

assessments = Table(
    "assessments",
    metadata,
    Column("assessment_id", String(64), primary_key=True),
    Column(
        "trace_id", String(64), ForeignKey("traces.trace_id", ondelete="CASCADE"), nullable=False
    ),
    Column("name", String(250), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("create_time", BigInteger, nullable=False),
    Column("last_update_time", BigInteger, nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_assessments_trace", "trace_id", "create_time"),
)
