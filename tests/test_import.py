"""``import mlharbor`` stays light, and the CLI entry point starts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HEAVY_MODULES = (
    "sqlalchemy",
    "pandas",
    "numpy",
    "fastapi",
    "starlette",
    "requests",
    "boto3",
    "sklearn",
)


def test_import_loads_no_heavy_library() -> None:
    probe = (
        "import json, sys\n"
        "import mlharbor\n"
        f"heavy = {list(HEAVY_MODULES)!r}\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout) == []


def test_cli_help_runs() -> None:
    script = Path(sys.executable).parent / "mlharbor"
    located = str(script) if script.exists() else shutil.which("mlharbor")
    assert located, "the mlharbor console script is not installed"
    result = subprocess.run(
        [located, "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
