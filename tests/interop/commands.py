"""Command lines of the two servers the interop tests start."""

from __future__ import annotations

import sys
from pathlib import Path

# The reference server's background telemetry would try to reach the internet.
MLFLOW_SERVER_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


def mlharbor_server_cmd(root: Path, port: int, *artifact_flags: str) -> list[str]:
    """``mlharbor server`` on ``port`` with its SQLite file below ``root``."""
    return [
        str(Path(sys.executable).with_name("mlharbor")),
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'mlharbor.db'}",
        *artifact_flags,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def mlflow_server_cmd(mlflow_python: str, root: Path, port: int, *artifact_flags: str) -> list[str]:
    """The reference ``mlflow server`` (one worker) on ``port``, its SQLite file below ``root``."""
    return [
        str(Path(mlflow_python).with_name("mlflow")),
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'mlflow.db'}",
        *artifact_flags,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
