"""``mlharbor db upgrade URL``: migrate a tracking database to the newest schema.

Servers and clients migrate on first use; this command does it ahead of time (for a deploy
step, or a database the serving account may not alter), as ``mlflow db upgrade`` does.
"""

from __future__ import annotations

import click


@click.group()
def db() -> None:
    """Manage the tracking database."""


@db.command()
@click.argument("url")
def upgrade(url: str) -> None:
    """Upgrade the schema of the database at URL (sqlite:///…, postgresql://…)."""
    from mlharbor.exceptions import MlharborException
    from mlharbor.store.db.migrate import upgrade as upgrade_database

    try:
        upgrade_database(url)
    except MlharborException as exc:
        raise click.ClickException(exc.message) from None
    click.echo("Database is at the newest schema.")
