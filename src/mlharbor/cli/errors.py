"""How the housekeeping commands report a failed call: MLflow's message, exit status 1."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import click

from mlharbor.exceptions import MlharborException

T = TypeVar("T")


def run_or_exit(action: Callable[[], T]) -> T:
    """Run ``action``; on an MlharborException print ``Error: <message>`` and exit 1."""
    try:
        return action()
    except MlharborException as error:
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)
