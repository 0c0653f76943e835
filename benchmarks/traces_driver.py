"""One side of ``benchmarks/traces.py``, run in that side's interpreter.

``python traces_driver.py {mlharbor|mlflow} DB_PATH TRACES SPANS SAMPLES`` writes TRACES traces
of SPANS spans through the library's own tracing API into a fresh SQLite file, then times
``search_traces`` (trace infos only, 100 per page) by tag and by span attribute, and prints
one JSON object.
"""

from __future__ import annotations

import importlib
import json
import statistics
import sys
import time

impl, db_path, n_traces, n_spans, samples = sys.argv[1:6]
mlflow = importlib.import_module(impl)
mlflow.set_tracking_uri(f"sqlite:///{db_path}")
experiment_id = mlflow.create_experiment("trace-bench")
mlflow.set_experiment(experiment_id=experiment_id)


def one_trace(i: int) -> None:
    with mlflow.start_span(name="agent", span_type="AGENT") as root:
        root.set_inputs({"question": f"q{i}"})
        mlflow.update_current_trace(tags={"user": f"u{i % 100}"})
        for j in range(int(n_spans) - 1):
            with mlflow.start_span(name=f"step-{j}", span_type="TOOL") as span:
                span.set_attribute("model", f"m{(i + j) % 50}")
                span.set_inputs({"step": j})
                span.set_outputs("ok")
        root.set_outputs(f"answer {i}")


started = time.perf_counter()
for i in range(int(n_traces)):
    one_trace(i)
mlflow.flush_trace_async_logging()
write_s = time.perf_counter() - started


def timed(filter_string: str) -> dict[str, float]:
    times, found = [], 0
    for _ in range(int(samples)):
        t0 = time.perf_counter()
        found = len(
            mlflow.search_traces(
                locations=[experiment_id],
                filter_string=filter_string,
                max_results=100,
                return_type="list",
                include_spans=False,
            )
        )
        times.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": statistics.median(times), "found": found}


print(
    json.dumps(
        {
            "write": {"traces_per_s": int(n_traces) / write_s},
            "search_tag": timed("tags.user = 'u7'"),
            "search_span_attribute": timed("span.attributes.model LIKE '%m7%'"),
        }
    )
)
