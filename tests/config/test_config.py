"""``mlharbor.environment_variables``, ``config``, ``version`` and ``doctor``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import mlharbor as mlflow
from mlharbor import environment_variables as ev


def test_values_parse_as_mlflow_parses_them(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_ENABLE_ASYNC_LOGGING"):
        monkeypatch.delenv(name, raising=False)
    assert ev.MLFLOW_HTTP_REQUEST_MAX_RETRIES.get() == 7
    assert ev.MLFLOW_ENABLE_ASYNC_LOGGING.get() is False
    assert ev.MLFLOW_TRACKING_URI.get() is None or "MLFLOW_TRACKING_URI" in os.environ
    assert ev.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL.get() is None
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "5")
    assert ev.MLFLOW_HTTP_REQUEST_MAX_RETRIES.get() == 5
    for raw, expected in (("true", True), ("0", False), ("FALSE", False), ("1", True)):
        monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_LOGGING", raw)
        assert ev.MLFLOW_ENABLE_ASYNC_LOGGING.get() is expected
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_LOGGING", "yes")
    with pytest.raises(ValueError, match="must be one of"):
        ev.MLFLOW_ENABLE_ASYNC_LOGGING.get()
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "many")
    with pytest.raises(ValueError, match="Failed to convert 'many'"):
        ev.MLFLOW_HTTP_REQUEST_MAX_RETRIES.get()
    assert f"{ev.MLFLOW_RUN_ID}" == "MLFLOW_RUN_ID"
    assert str(ev.MLFLOW_HTTP_REQUEST_TIMEOUT) == "MLFLOW_HTTP_REQUEST_TIMEOUT (default: 120)"


def test_reports_the_mlflow_value_not_the_mlharbor_twin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLHARBOR_TRACKING_URI", "sqlite:///twin.db")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db")
    assert ev.MLFLOW_TRACKING_URI.get() == "sqlite:///mlflow.db"


def test_every_variable_exists_in_mlflow_with_the_same_type_and_default(
    mlflow_python: Path,
) -> None:
    probe = (
        "import sys, mlflow.environment_variables as ev\n"
        "for name in sys.argv[1:]:\n"
        "    v = getattr(ev, name, None)\n"
        "    print(name, 'absent' if v is None else f'{v.type.__name__} {v.default!r}')\n"
    )
    names = [variable.name for variable in ev.honoured()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    result = subprocess.run(
        [str(mlflow_python), "-c", probe, *names],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    ours = {
        f"{v.name} absent"
        if v.name in ev.NOT_IN_MLFLOW_MODULE
        else f"{v.name} {v.type.__name__} {v.default!r}"
        for v in ev.honoured()
        if not v.is_set()
    }
    theirs = set(result.stdout.splitlines())
    assert ours <= theirs, ours - theirs


def test_set_experiment_exports_experiment_id(workdir: Path) -> None:
    experiment = mlflow.set_experiment("exported")
    assert os.environ["MLFLOW_EXPERIMENT_ID"] == experiment.experiment_id
    assert ev.MLFLOW_EXPERIMENT_ID.get() == experiment.experiment_id


def test_config_version_and_async_switch(workdir: Path) -> None:
    assert mlflow.__version__ == mlflow.VERSION == mlflow.version.VERSION
    mlflow.config.enable_async_logging()
    assert ev.MLFLOW_ENABLE_ASYNC_LOGGING.get() is True
    mlflow.config.enable_async_logging(False)
    assert ev.MLFLOW_ENABLE_ASYNC_LOGGING.get() is False
    mlflow.config.set_tracking_uri("sqlite:///config.db")
    assert mlflow.get_tracking_uri() == "sqlite:///config.db"


def test_doctor_prints_facts_and_hides_secrets(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "hunter2")
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", "postgresql://bob:s3cret@localhost/mlflow")
    with mlflow.start_run() as run:
        mlflow.doctor()
    out = capsys.readouterr().out
    assert f"mlharbor version: {mlflow.__version__}" in out
    assert f"Active run ID: {run.info.run_id}" in out
    assert "Registry URI: postgresql://bob:***@localhost/mlflow" in out
    assert "hunter2" not in out
    assert "s3cret" not in out
    assert "  sqlalchemy: " in out
    mlflow.doctor(mask_envs=True)
    assert "MLFLOW_REGISTRY_URI: ***" in capsys.readouterr().out


def test_doctor_command(workdir: Path) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "mlharbor"), "doctor", "--mask-envs"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Python version:" in result.stdout
