"""Sweeps: the controller's sweeps and their trials.

Revision ID: 0006_sweeps
Revises: 0005_run_name_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_sweeps"
down_revision = "0005_run_name_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sweeps",
        sa.Column("sweep_id", sa.String(32), primary_key=True),
        sa.Column(
            "experiment_id",
            sa.Integer,
            sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("parent_run_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(250), nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("best_value", sa.Float, nullable=True),
        sa.Column("best_run_id", sa.String(32), nullable=True),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_update_time", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "sweep_trials",
        sa.Column(
            "sweep_id",
            sa.String(32),
            sa.ForeignKey("sweeps.sweep_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("sampled", sa.Text, nullable=False),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("rung_values", sa.Text, nullable=True),
        sa.Column("start_time", sa.BigInteger, nullable=False),
        sa.Column("end_time", sa.BigInteger, nullable=True),
        sa.Column("heartbeat_time", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("sweep_id", "number"),
    )


def downgrade() -> None:
    op.drop_table("sweep_trials")
    op.drop_table("sweeps")
