"""Search indexes: value-ordered indexes on params and run tags; ``is_nan`` in the metric index.

Revision ID: 0003_search_indexes
Revises: 0002_registry
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_search_indexes"
down_revision = "0002_registry"
branch_labels = None
depends_on = None

# PostgreSQL's btree entries are capped near 2.7 kB; long values stay out of its value indexes.
_SHORT_VALUE = "octet_length(value) <= 1500"


def upgrade() -> None:
    op.drop_index("ix_latest_metrics_key_value", table_name="latest_metrics")
    op.create_index(
        "ix_latest_metrics_key_value", "latest_metrics", ["key", "is_nan", "value", "run_uuid"]
    )
    for table in ("params", "run_tags"):
        op.create_index(
            f"ix_{table}_key_value",
            table,
            ["key", "value", "run_uuid"],
            postgresql_where=sa.text(_SHORT_VALUE),
        )


def downgrade() -> None:
    for table in ("params", "run_tags"):
        op.drop_index(f"ix_{table}_key_value", table_name=table)
    op.drop_index("ix_latest_metrics_key_value", table_name="latest_metrics")
    op.create_index("ix_latest_metrics_key_value", "latest_metrics", ["key", "value", "run_uuid"])
