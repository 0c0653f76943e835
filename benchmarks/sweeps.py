"""Search quality of sweeps: ``bayes`` (Optuna's TPE) against ``random`` on a quadratic.

The objective is ``10 + (x - 1.3)**2 + (y + 0.7)**2`` over ``x, y`` in ``[-5, 5]``, whose
minimum is 10. For each seed, each method's sweep runs through the whole stack (a local SQLite
tracking database, ``mlharbor.sweep`` and ``mlharbor.agent``) one trial at a time until a trial
comes within 5% of the optimum (``<= 10.5``) or ``--max-trials`` have run. The figure is the
number of trials that took; a sweep that never got there counts as ``--max-trials`` and is
shown as a lower bound. This measures how few trials a method needs, not time.

    .venv/bin/python -m benchmarks.sweeps            # 5 seeds, up to 300 trials each
    .venv/bin/python -m benchmarks.sweeps --seeds 2 --max-trials 100
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

OPTIMUM = 10.0
TARGET = OPTIMUM * 1.05


def _objective(x: float, y: float) -> float:
    return 10 + (x - 1.3) ** 2 + (y + 0.7) ** 2


def trials_to_target(method: str, seed: int, max_trials: int) -> int | None:
    """Trials a ``method`` sweep needs to reach :data:`TARGET`; ``None`` if it never does."""
    import mlharbor

    config = {
        "method": method,
        "metric": {"name": "value", "goal": "minimize"},
        "parameters": {"x": {"min": -5.0, "max": 5.0}, "y": {"min": -5.0, "max": 5.0}},
        "seed": seed,
    }
    sweep_id = mlharbor.sweep(config, experiment_name=f"{method}-{seed}")
    reached: list[int] = []

    def train() -> None:
        params = mlharbor.sweep_config()
        value = _objective(params.x, params.y)
        mlharbor.log_metric("value", value)
        if value <= TARGET:
            reached.append(1)

    for done in range(1, max_trials + 1):
        mlharbor.agent(sweep_id, function=train, count=1)
        if reached:
            return done
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--max-trials", type=int, default=300)
    args = parser.parse_args()

    import mlharbor

    results: dict[str, list[int | None]] = {"bayes": [], "random": []}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sweeps-bench-") as folder:
        mlharbor.set_tracking_uri(f"sqlite:///{Path(folder) / 'bench.db'}")
        for seed in range(args.seeds):
            for method in results:
                results[method].append(trials_to_target(method, seed, args.max_trials))
                print(f"seed {seed} {method:>6}: {results[method][-1]}", flush=True)

    def shown(values: list[int | None]) -> str:
        counted = [v if v is not None else args.max_trials for v in values]
        mean = statistics.mean(counted)
        return f">{mean:.1f}" if None in values else f"{mean:.1f}"

    print()
    print(f"trials to within 5% of the optimum, mean over {args.seeds} seeds")
    print("| method | per seed | mean |")
    print("|---|---|---|")
    for method, values in results.items():
        per_seed = ", ".join(str(v) if v is not None else f">{args.max_trials}" for v in values)
        print(f"| {method} | {per_seed} | {shown(values)} |")
    out = Path(".bench")
    out.mkdir(exist_ok=True)
    (out / "sweeps.json").write_text(
        json.dumps(
            {
                "target": TARGET,
                "max_trials": args.max_trials,
                "results": results,
                "seconds": round(time.monotonic() - started, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
