"""``mlharbor monitor drift``: summary, reports, run logging and exit codes for CI gates."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mlharbor.cli import cli
from mlharbor.client.client import MlharborClient
from tests.monitoring.conftest import frame


def _files(tmp_path: Path, shift: float) -> tuple[str, str]:
    reference, current = tmp_path / "ref.csv", tmp_path / "cur.csv"
    frame(400, seed=1).to_csv(reference, index=False)
    frame(400, seed=2, shift=shift).to_csv(current, index=False)
    return str(reference), str(current)


def test_no_drift_exits_0(tmp_path: Path) -> None:
    reference, current = _files(tmp_path, shift=0.0)
    result = CliRunner().invoke(cli, ["monitor", "drift", "-r", reference, "-c", current])
    assert result.exit_code == 0, result.output
    assert "No dataset drift: 0 of 2 columns drifted" in result.output
    assert "age" in result.output
    assert "ks" in result.output


def test_drift_exits_1_and_writes_reports(tmp_path: Path) -> None:
    reference, current = _files(tmp_path, shift=8.0)
    html, report = tmp_path / "out.html", tmp_path / "out.json"
    args = ["monitor", "drift", "-r", reference, "-c", current, "--html", str(html)]
    result = CliRunner().invoke(cli, [*args, "--json", str(report)])
    assert result.exit_code == 1, result.output
    assert "Dataset drift detected: 1 of 2 columns drifted" in result.output
    assert "DRIFT" in result.output
    assert json.loads(report.read_text())["columns"]["age"]["drift_detected"] is True
    assert html.read_text().startswith("<!DOCTYPE html>")
    stricter = CliRunner().invoke(cli, [*args, "--drift-share", "0.6"])
    assert stricter.exit_code == 0, stricter.output


def test_bad_input_exits_2(tmp_path: Path) -> None:
    reference, current = _files(tmp_path, shift=0.0)
    runner = CliRunner()
    missing = runner.invoke(cli, ["monitor", "drift", "-r", reference, "-c", "nope.csv"])
    assert missing.exit_code == 2
    assert "No such file" in missing.output
    column = runner.invoke(
        cli, ["monitor", "drift", "-r", reference, "-c", current, "--column", "zzz"]
    )
    assert column.exit_code == 2
    assert "Columns missing" in column.output
    text = tmp_path / "notes.txt"
    text.write_text("x")
    kind = runner.invoke(cli, ["monitor", "drift", "-r", str(text), "-c", current])
    assert kind.exit_code == 2
    assert ".csv or .parquet" in kind.output
    usage = runner.invoke(cli, ["monitor", "drift", "-r", reference])
    assert usage.exit_code == 2


def test_run_id_logs_into_the_run(tmp_path: Path, workdir: Path) -> None:
    reference, current = _files(tmp_path, shift=8.0)
    client = MlharborClient()
    run = client.create_run(client.get_experiment_by_name("Default").experiment_id)
    result = CliRunner().invoke(
        cli, ["monitor", "drift", "-r", reference, "-c", current, "--run-id", run.info.run_id]
    )
    assert result.exit_code == 1, result.output
    metrics = client.get_run(run.info.run_id).data.metrics
    assert metrics["drift.share_of_drifted_columns"] == 0.5
    bad = CliRunner().invoke(
        cli, ["monitor", "drift", "-r", reference, "-c", current, "--run-id", "0" * 32]
    )
    assert bad.exit_code == 2
