"""Tracking tables: experiments, runs and their data, datasets, logged models.

Revision ID: 0001_tracking
Revises: (none)

Mirrors ``mlharbor/store/tracking/sql/schema.py`` as it was when this revision was written; a
test compares a migrated database with that module. Also creates the Default experiment (id 0);
its artifact location is filled in by the first store that opens the database.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0001_tracking"
down_revision = None
branch_labels = None
depends_on = None


def _run_fk() -> sa.ForeignKey:
    return sa.ForeignKey("runs.run_uuid", ondelete="CASCADE")


def _experiment_fk() -> sa.ForeignKey:
    return sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE")


def _model_fk() -> sa.ForeignKey:
    return sa.ForeignKey("logged_models.model_id", ondelete="CASCADE")


def upgrade() -> None:
    experiments = op.create_table(
        "experiments",
        sa.Column("experiment_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(500), nullable=False, unique=True),
        sa.Column("artifact_location", sa.String(2048), nullable=False),
        sa.Column("lifecycle_stage", sa.String(32), nullable=False),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_update_time", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "experiment_tags",
        sa.Column("experiment_id", sa.Integer, _experiment_fk(), nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("experiment_id", "key"),
    )
    op.create_table(
        "runs",
        sa.Column("run_uuid", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(250), nullable=False),
        sa.Column("experiment_id", sa.Integer, _experiment_fk(), nullable=False),
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("start_time", sa.BigInteger, nullable=True),
        sa.Column("end_time", sa.BigInteger, nullable=True),
        sa.Column("lifecycle_stage", sa.String(20), nullable=False),
        sa.Column("artifact_uri", sa.String(2200), nullable=False),
        sa.Column("deleted_time", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_runs_experiment_start", "runs", ["experiment_id", "start_time", "run_uuid"])
    for name in ("run_tags", "params"):
        op.create_table(
            name,
            sa.Column("run_uuid", sa.String(32), _run_fk(), nullable=False),
            sa.Column("key", sa.String(250), nullable=False),
            sa.Column("value", sa.Text, nullable=False),
            sa.PrimaryKeyConstraint("run_uuid", "key"),
        )
        op.create_index(f"ix_{name}_key", name, ["key", "run_uuid"])
    op.create_table(
        "metrics",
        sa.Column("run_uuid", sa.String(32), _run_fk(), nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.Column("is_nan", sa.Boolean, nullable=False),
        sa.Column("dataset_name", sa.String(500), nullable=True),
        sa.Column("dataset_digest", sa.String(36), nullable=True),
        sa.Column("model_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("run_uuid", "key", "step", "timestamp", "value", "is_nan"),
    )
    op.create_table(
        "latest_metrics",
        sa.Column("run_uuid", sa.String(32), _run_fk(), nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.Column("is_nan", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("run_uuid", "key"),
    )
    op.create_index("ix_latest_metrics_key_value", "latest_metrics", ["key", "value", "run_uuid"])
    op.create_table(
        "datasets",
        sa.Column("dataset_uuid", sa.String(36), primary_key=True),
        sa.Column("experiment_id", sa.Integer, _experiment_fk(), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("digest", sa.String(36), nullable=False),
        sa.Column("source_type", sa.String(36), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("schema", sa.Text, nullable=True),
        sa.Column("profile", sa.Text, nullable=True),
        sa.UniqueConstraint(
            "experiment_id", "name", "digest", name="uq_datasets_experiment_name_digest"
        ),
    )
    op.create_table(
        "run_dataset_inputs",
        sa.Column("run_uuid", sa.String(32), _run_fk(), nullable=False),
        sa.Column(
            "dataset_uuid",
            sa.String(36),
            sa.ForeignKey("datasets.dataset_uuid", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("run_uuid", "dataset_uuid"),
    )
    op.create_index("ix_run_dataset_inputs_dataset", "run_dataset_inputs", ["dataset_uuid"])
    op.create_table(
        "run_input_tags",
        sa.Column("run_uuid", sa.String(32), nullable=False),
        sa.Column("dataset_uuid", sa.String(36), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("run_uuid", "dataset_uuid", "key"),
    )
    op.create_table(
        "run_model_inputs",
        sa.Column("run_uuid", sa.String(32), _run_fk(), nullable=False),
        sa.Column("model_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("run_uuid", "model_id"),
    )
    op.create_table(
        "run_model_outputs",
        sa.Column("run_uuid", sa.String(32), _run_fk(), nullable=False),
        sa.Column("model_id", sa.String(64), nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("run_uuid", "model_id"),
    )
    op.create_table(
        "logged_models",
        sa.Column("model_id", sa.String(64), primary_key=True),
        sa.Column("experiment_id", sa.Integer, _experiment_fk(), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("artifact_location", sa.String(2200), nullable=False),
        sa.Column("creation_timestamp_ms", sa.BigInteger, nullable=False),
        sa.Column("last_updated_timestamp_ms", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("lifecycle_stage", sa.String(32), nullable=False),
        sa.Column("model_type", sa.String(500), nullable=True),
        sa.Column("source_run_id", sa.String(32), nullable=True),
        sa.Column("status_message", sa.Text, nullable=True),
    )
    op.create_index(
        "ix_logged_models_experiment", "logged_models", ["experiment_id", "creation_timestamp_ms"]
    )
    for name in ("logged_model_tags", "logged_model_params"):
        op.create_table(
            name,
            sa.Column("model_id", sa.String(64), _model_fk(), nullable=False),
            sa.Column("key", sa.String(250), nullable=False),
            sa.Column("value", sa.Text, nullable=False),
            sa.PrimaryKeyConstraint("model_id", "key"),
        )
    op.create_table(
        "logged_model_metrics",
        sa.Column("model_id", sa.String(64), _model_fk(), nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("value", sa.Float(precision=53), nullable=False),
        sa.Column("is_nan", sa.Boolean, nullable=False),
        sa.Column("run_uuid", sa.String(32), nullable=False),
        sa.Column("dataset_name", sa.String(500), nullable=True),
        sa.Column("dataset_digest", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("model_id", "key", "step", "timestamp", "run_uuid"),
    )
    now = time.time_ns() // 1_000_000
    op.bulk_insert(
        experiments,
        [
            {
                "experiment_id": 0,
                "name": "Default",
                "artifact_location": "",
                "lifecycle_stage": "active",
                "creation_time": now,
                "last_update_time": now,
            }
        ],
    )


def downgrade() -> None:
    for name in (
        "logged_model_metrics",
        "logged_model_params",
        "logged_model_tags",
        "logged_models",
        "run_model_outputs",
        "run_model_inputs",
        "run_input_tags",
        "run_dataset_inputs",
        "datasets",
        "latest_metrics",
        "metrics",
        "params",
        "run_tags",
        "runs",
        "experiment_tags",
        "experiments",
    ):
        op.drop_table(name)
