"""``scripts/demo`` refuses a port another program holds, before installing anything."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_demo_on_an_occupied_port_fails_naming_it() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = subprocess.run(
            ["bash", str(REPO_ROOT / "scripts" / "demo")],
            env={"PATH": "/usr/bin:/bin", "MLHARBOR_DEMO_PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode != 0
    assert f"port {port}" in done.stderr
    assert "installing" not in done.stderr
