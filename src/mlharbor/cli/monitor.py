"""``mlharbor monitor``: drift checks from the command line. Parses and prints only.

``mlharbor monitor drift`` exits 0 when the data did not drift, 1 when it did and 2 for bad
input, so a CI job or a scheduled pipeline can gate on it. The work is
:func:`mlharbor.monitoring.data_drift`.
"""

from __future__ import annotations

import sys
from typing import Any

import click

EXIT_NO_DRIFT = 0
EXIT_DRIFT = 1
EXIT_BAD_INPUT = 2


@click.group()
def monitor() -> None:
    """Check data for drift against a reference."""


def _table(report: Any) -> str:
    header = ("column", "type", "test", "score", "threshold", "drift")
    rows = [
        (
            name,
            drift.column_type,
            drift.stattest,
            f"{drift.statistic:.4g}",
            f"{drift.threshold:g}",
            "DRIFT" if drift.drift_detected else "ok",
        )
        for name, drift in report.columns.items()
    ]
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
        for r in (header, *rows)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@monitor.command()
@click.option("--reference", "-r", required=True, metavar="PATH", help="Reference CSV/Parquet.")
@click.option("--current", "-c", required=True, metavar="PATH", help="Current CSV/Parquet.")
@click.option("--column", "columns", multiple=True, help="Column to compare (repeatable; all).")
@click.option(
    "--stattest",
    default=None,
    type=click.Choice(["ks", "wasserstein", "chisquare", "jensenshannon", "psi"]),
    help="Test for every column (default: by column type and reference size).",
)
@click.option("--threshold", default=None, type=float, help="Threshold for every column.")
@click.option(
    "--drift-share",
    default=0.5,
    show_default=True,
    type=click.FloatRange(0, 1, min_open=True),
    help="Share of drifted columns that makes the dataset drifted.",
)
@click.option("--html", "html_path", default=None, metavar="PATH", help="Write an HTML report.")
@click.option("--json", "json_path", default=None, metavar="PATH", help="Write a JSON report.")
@click.option("--run-id", default=None, help="Log metrics and reports into this run.")
def drift(
    reference: str,
    current: str,
    columns: tuple[str, ...],
    stattest: str | None,
    threshold: float | None,
    drift_share: float,
    html_path: str | None,
    json_path: str | None,
    run_id: str | None,
) -> None:
    """Compare the current data with the reference: exit 1 on dataset drift, 2 on bad input."""
    from mlharbor.exceptions import MlharborException
    from mlharbor.monitoring import data_drift, read_frame

    try:
        report = data_drift(
            read_frame(reference),
            read_frame(current),
            columns=list(columns) or None,
            stattest=stattest,
            threshold=threshold,
            drift_share=drift_share,
        )
        if html_path is not None:
            report.save_html(html_path)
        if json_path is not None:
            with open(json_path, "w", encoding="utf-8") as handle:
                handle.write(report.to_json())
        if run_id is not None:
            report.log_to_run(run_id=run_id)
    except (MlharborException, OSError) as exc:
        message = exc.message if isinstance(exc, MlharborException) else str(exc)
        click.echo(f"Error: {message}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    click.echo(_table(report))
    verdict = "Dataset drift detected" if report.dataset_drift else "No dataset drift"
    click.echo(
        f"\n{verdict}: {report.number_of_drifted_columns} of {report.number_of_columns} columns "
        f"drifted ({report.share_of_drifted_columns:.0%}; threshold {drift_share:.0%})."
    )
    sys.exit(EXIT_DRIFT if report.dataset_drift else EXIT_NO_DRIFT)
