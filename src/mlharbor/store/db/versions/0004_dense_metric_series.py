"""``latest_metrics.dense_first_step``: where a metric's steps are known to run without gaps.

Set while every step from ``dense_first_step`` to ``latest_metrics.step`` holds exactly one
point, so a chart sample can compute which rows it wants instead of counting the history.
Existing series start unknown (NULL) and are sampled the general way.

Revision ID: 0004_dense_metric_series
Revises: 0003_search_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_dense_metric_series"
down_revision = "0003_search_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("latest_metrics") as batch:
        batch.add_column(sa.Column("dense_first_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("latest_metrics") as batch:
        batch.drop_column("dense_first_step")
