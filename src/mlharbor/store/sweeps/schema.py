"""Tables of sweeps, in the same SQLAlchemy metadata as the tracking tables.

Migration ``0006_sweeps`` creates exactly these. A trial is claimed by inserting its row while
holding the sweep's row lock (``SELECT … FOR UPDATE`` on PostgreSQL, the database write lock on
SQLite), and ``(sweep_id, number)`` is the primary key, so no number is handed out twice.
``sampled`` keeps the point in the searched space that the sampler replays; ``rung_values``
keeps the target metric at each hyperband rung the trial reached.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from mlharbor.store.tracking.sql.schema import metadata

__all__ = ["sweep_trials", "sweeps"]

sweeps = Table(
    "sweeps",
    metadata,
    Column("sweep_id", String(32), primary_key=True),
    Column(
        "experiment_id",
        Integer,
        ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("parent_run_id", String(32), nullable=False),
    Column("name", String(250), nullable=False),
    Column("config", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("best_value", Float, nullable=True),
    Column("best_run_id", String(32), nullable=True),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_update_time", BigInteger, nullable=False),
)

sweep_trials = Table(
    "sweep_trials",
    metadata,
    Column(
        "sweep_id",
        String(32),
        ForeignKey("sweeps.sweep_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("number", Integer, nullable=False),
    Column("state", String(20), nullable=False),
    Column("run_id", String(32), nullable=True),
    Column("params", Text, nullable=False),
    Column("sampled", Text, nullable=False),
    Column("value", Float, nullable=True),
    Column("rung_values", Text, nullable=True),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger, nullable=True),
    Column("heartbeat_time", BigInteger, nullable=False),
    PrimaryKeyConstraint("sweep_id", "number"),
)
