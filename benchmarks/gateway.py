"""AI gateway overhead: ``mlharbor gateway start`` vs ``mlflow gateway start`` vs no gateway.

One loopback fake of OpenAI's chat API (``tests/gateway/fakes.py``, its own process) answers
every request. Each gateway runs one worker with the same configuration (one ``openai`` chat
endpoint whose ``openai_api_base`` is the fake) and the same kept-alive ``http.client``
connection sends the same chat body, one request to each in turn, to the fake directly and
through each gateway. Overhead is the gateway's p50 minus the direct p50. MLflow's gateway needs
``slowapi``, ``watchfiles`` and ``psutil`` in the reference venv and loopback upstreams allowed
(``MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS``); if it does not start, its column stays empty.
Prints a table and writes ``.bench/gateway.json``.

    python -m benchmarks.gateway            # 5 rounds of 400 requests per target
    python -m benchmarks.gateway --quick    # 3 rounds of 100
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from tests.fixtures.servers import free_port, run_server

from benchmarks.common import Row, machine, mlflow_python, render_table, write_json

KEY = "test-openai-key"
BODY = {"messages": [{"role": "user", "content": "How far is the harbour?"}], "temperature": 0.1}
CONFIG = """\
endpoints:
  - name: chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o-mini
      config:
        openai_api_key: $OPENAI_API_KEY
        openai_api_base: {base}/v1
"""
FAKE = (
    "import sys, uvicorn; from tests.gateway.fakes import FakeProviders; "
    "uvicorn.run(FakeProviders().app, host='127.0.0.1', port=int(sys.argv[1]), "
    "log_level='warning', access_log=False)"
)


class Client:
    """One kept-alive connection posting one encoded body."""

    def __init__(self, url: str, path: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self._conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.path = path
        self.headers = {"Content-Type": "application/json", **headers}
        self.body = orjson.dumps(BODY)

    def post(self) -> float:
        start = time.perf_counter()
        self._conn.request("POST", self.path, self.body, self.headers)
        response = self._conn.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise RuntimeError(f"{self.path}: {response.status} {payload[:300]!r}")
        return elapsed

    def close(self) -> None:
        self._conn.close()


def _p(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def measure(clients: dict[str, Client], rounds: int, per_round: int) -> dict[str, Any]:
    samples: dict[str, list[float]] = {name: [] for name in clients}
    for client in clients.values():  # warm connections, pools and caches
        for _ in range(20):
            client.post()
    # one request to each target in turn keeps every connection warm (uvicorn drops idle
    # ones after 5 s) and spreads the machine's load changes over all targets alike
    for _ in range(rounds * per_round):
        for name, client in clients.items():
            samples[name].append(client.post())
    return {
        name: {
            "p50_ms": _p(values, 0.5),
            "p95_ms": _p(values, 0.95),
            "mean_ms": statistics.fmean(values) * 1000,
            "n": len(values),
        }
        for name, values in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds, per_round = (3, 100) if args.quick else (5, 400)
    env = {"OPENAI_API_KEY": KEY, "MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS": "true"}
    ours_cli = str(Path(sys.executable).with_name("mlharbor"))
    theirs_cli = str(Path(mlflow_python()).with_name("mlflow"))
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gw-bench-")))
        fake_port = free_port()
        fake = stack.enter_context(
            run_server([sys.executable, "-c", FAKE, str(fake_port)], fake_port, cwd=Path.cwd())
        )
        config = scratch / "gateway.yaml"
        config.write_text(CONFIG.format(base=fake.url))
        clients = {
            "direct": Client(fake.url, "/v1/chat/completions", {"Authorization": f"Bearer {KEY}"})
        }
        port = free_port()
        ours = stack.enter_context(
            run_server(
                [ours_cli, "gateway", "start", "--config-path", str(config), "--port", str(port)],
                port,
                env=env,
            )
        )
        clients["mlharbor"] = Client(ours.url, "/gateway/chat/invocations", {})
        port = free_port()
        try:
            theirs = stack.enter_context(
                run_server(
                    [
                        theirs_cli,
                        "gateway",
                        "start",
                        "--config-path",
                        str(config),
                        "--port",
                        str(port),
                        "--workers",
                        "1",
                    ],
                    port,
                    env=env,
                    timeout_s=120,
                )
            )
            clients["mlflow"] = Client(theirs.url, "/gateway/chat/invocations", {})
        except Exception as exc:
            print(f"mlflow gateway did not start: {str(exc)[-500:]}", file=sys.stderr)
        results = measure(clients, rounds, per_round)
        for client in clients.values():
            client.close()
    direct = results["direct"]["p50_ms"]

    def figure(impl: str, key: str) -> float | None:
        return results[impl][key] if impl in results else None

    def overhead(impl: str) -> float | None:
        return results[impl]["p50_ms"] - direct if impl in results else None

    rows = [
        Row("direct to provider p50 (ms)", direct, direct, higher_is_better=False),
        Row(
            "through gateway p50 (ms)",
            figure("mlharbor", "p50_ms"),
            figure("mlflow", "p50_ms"),
            higher_is_better=False,
        ),
        Row(
            "through gateway p95 (ms)",
            figure("mlharbor", "p95_ms"),
            figure("mlflow", "p95_ms"),
            higher_is_better=False,
        ),
        Row(
            "gateway overhead p50 (ms)",
            overhead("mlharbor"),
            overhead("mlflow"),
            higher_is_better=False,
        ),
    ]
    print(render_table("AI gateway, one chat request at a time (loopback fake provider)", rows))
    path = write_json(
        "gateway",
        {"machine": machine(), "results": results, "rows": [row.as_json() for row in rows]},
    )
    print(f"\nraw figures: {path}")


if __name__ == "__main__":
    main()
