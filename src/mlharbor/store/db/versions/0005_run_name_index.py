"""``ix_runs_experiment_name``: run-name filters (``=``, ``LIKE 'prefix%'``) read an index range.

PostgreSQL needs the pattern operator class for ``LIKE`` to use the index under a
non-C collation; SQLite uses it because its connections run with case-sensitive ``LIKE``.

Revision ID: 0005_run_name_index
Revises: 0004_dense_metric_series
"""

from __future__ import annotations

from alembic import op

revision = "0005_run_name_index"
down_revision = "0004_dense_metric_series"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_runs_experiment_name",
        "runs",
        ["experiment_id", "name"],
        postgresql_ops={"name": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_runs_experiment_name", table_name="runs")
