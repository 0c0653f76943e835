"""Traces: trace rows, their tags and metadata, spans with searchable columns, assessments.

Revision ID: 0007_traces
Revises: 0006_sweeps
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_traces"
down_revision = "0006_sweeps"
branch_labels = None
depends_on = None

_SHORT_VALUE = "octet_length(value) <= 1500"


def _trace_fk() -> sa.ForeignKey:
    return sa.ForeignKey("traces.trace_id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "traces",
        sa.Column("trace_id", sa.String(64), primary_key=True),
        sa.Column(
            "experiment_id",
            sa.Integer,
            sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("client_request_id", sa.String(250), nullable=True),
        sa.Column("request_time", sa.BigInteger, nullable=False),
        sa.Column("execution_duration", sa.BigInteger, nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("request_preview", sa.Text, nullable=True),
        sa.Column("response_preview", sa.Text, nullable=True),
    )
    op.create_index(
        "ix_traces_experiment_time", "traces", ["experiment_id", "request_time", "trace_id"]
    )
    for name in ("trace_tags", "trace_metadata"):
        op.create_table(
            name,
            sa.Column("trace_id", sa.String(64), _trace_fk(), nullable=False),
            sa.Column("key", sa.String(250), nullable=False),
            sa.Column("value", sa.Text, nullable=False),
            sa.PrimaryKeyConstraint("trace_id", "key"),
        )
        op.create_index(
            f"ix_{name}_key_value",
            name,
            ["key", "value", "trace_id"],
            postgresql_where=sa.text(_SHORT_VALUE),
        )
    op.create_table(
        "spans",
        sa.Column("trace_id", sa.String(64), _trace_fk(), nullable=False),
        sa.Column("span_id", sa.String(32), nullable=False),
        sa.Column("parent_span_id", sa.String(32), nullable=True),
        sa.Column("name", sa.String(1000), nullable=False),
        sa.Column("span_type", sa.String(100), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("start_time_ns", sa.BigInteger, nullable=False),
        sa.Column("end_time_ns", sa.BigInteger, nullable=True),
        sa.Column("duration_ns", sa.BigInteger, nullable=True),
        sa.Column("input_tokens", sa.BigInteger, nullable=True),
        sa.Column("output_tokens", sa.BigInteger, nullable=True),
        sa.Column("total_tokens", sa.BigInteger, nullable=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("trace_id", "span_id"),
    )
    op.create_index("ix_spans_name", "spans", ["name", "trace_id"])
    op.create_index("ix_spans_type", "spans", ["span_type", "trace_id"])
    op.create_table(
        "assessments",
        sa.Column("assessment_id", sa.String(64), primary_key=True),
        sa.Column("trace_id", sa.String(64), _trace_fk(), nullable=False),
        sa.Column("name", sa.String(250), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("create_time", sa.BigInteger, nullable=False),
        sa.Column("last_update_time", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_assessments_trace", "assessments", ["trace_id", "create_time"])


def downgrade() -> None:
    for name in ("assessments", "spans", "trace_metadata", "trace_tags", "traces"):
        op.drop_table(name)
