"""``mlharbor doctor``: print what a bug report needs."""

from __future__ import annotations

import click


@click.command()
@click.option(
    "--mask-envs",
    is_flag=True,
    help="Print *** instead of the values of MLFLOW_* and MLHARBOR_* environment variables.",
)
def doctor(mask_envs: bool) -> None:
    """Print system, version, tracking URI, environment and dependency information."""
    from mlharbor.diagnostics import doctor as print_report

    print_report(mask_envs)
