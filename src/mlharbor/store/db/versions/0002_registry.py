"""Model registry tables: registered models, versions, their tags and aliases.

Revision ID: 0002_registry
Revises: 0001_tracking
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_registry"
down_revision = "0001_tracking"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registered_models",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_updated_time", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("user_id", sa.String(256), nullable=True),
        sa.Column("last_version", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "registered_model_tags",
        sa.Column(
            "name",
            sa.String(256),
            sa.ForeignKey("registered_models.name", onupdate="CASCADE", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("name", "key"),
    )
    op.create_table(
        "model_versions",
        sa.Column(
            "name",
            sa.String(256),
            sa.ForeignKey("registered_models.name", onupdate="CASCADE", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_updated_time", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("user_id", sa.String(256), nullable=True),
        sa.Column("current_stage", sa.String(20), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("storage_location", sa.Text, nullable=False),
        sa.Column("run_id", sa.String(32), nullable=True),
        sa.Column("run_link", sa.Text, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_message", sa.Text, nullable=True),
        sa.Column("model_id", sa.String(64), nullable=True),
        sa.Column("deleted_time", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("name", "version"),
    )
    op.create_index("ix_model_versions_run_id", "model_versions", ["run_id"])
    op.create_table(
        "model_version_tags",
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("name", "version", "key"),
        sa.ForeignKeyConstraint(
            ["name", "version"],
            ["model_versions.name", "model_versions.version"],
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "registered_model_aliases",
        sa.Column(
            "name",
            sa.String(256),
            sa.ForeignKey("registered_models.name", onupdate="CASCADE", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("alias", sa.String(256), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("name", "alias"),
    )


def downgrade() -> None:
    for table in (
        "registered_model_aliases",
        "model_version_tags",
        "model_versions",
        "registered_model_tags",
        "registered_models",
    ):
        op.drop_table(table)
