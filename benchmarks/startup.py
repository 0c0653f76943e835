"""Start-up cost: `import mlharbor` vs `import mlflow`, and each CLI's `--help`.

Each command runs ``--repeat`` times in a fresh interpreter; the table shows the median
wall time. The bare interpreter start (``python -c pass``) of each venv is measured too,
so the import cost itself can be read off. Writes ``.bench/startup.json``.

    python -m benchmarks.startup
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import machine, mlflow_python, render_table, speedup, write_json


def median_seconds(cmd: list[str], repeat: int) -> float:
    """Median wall time of ``cmd`` over ``repeat`` runs (one unmeasured warm-up first)."""
    subprocess.run(cmd, capture_output=True, check=True, timeout=300)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, timeout=300)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)

    ours_py, theirs_py = sys.executable, mlflow_python()
    commands: dict[str, tuple[list[str], list[str]]] = {
        "python -c pass (s)": ([ours_py, "-c", "pass"], [theirs_py, "-c", "pass"]),
        "import (s)": ([ours_py, "-c", "import mlharbor"], [theirs_py, "-c", "import mlflow"]),
        "CLI --help (s)": (
            [str(Path(ours_py).parent / "mlharbor"), "--help"],
            [str(Path(theirs_py).parent / "mlflow"), "--help"],
        ),
    }
    results: dict[str, Any] = {}
    rows = []
    for label, (ours_cmd, theirs_cmd) in commands.items():
        print(f"timing {label} ...", file=sys.stderr, flush=True)
        ours = median_seconds(ours_cmd, args.repeat)
        theirs = median_seconds(theirs_cmd, args.repeat)
        ratio = speedup(ours, theirs, higher_is_better=False)
        results[label] = {"mlharbor": ours, "mlflow": theirs, "speedup": ratio}
        rows.append((label, ours, theirs, ratio))

    print(render_table("Start-up, median wall time (speed-up > 1: mlharbor faster)", rows))
    path = write_json("startup", {"machine": machine(), "repeat": args.repeat, "results": results})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
