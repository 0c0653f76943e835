"""Trace a decorated function tree, then read it back: run with the official client, or with
``mlharbor`` as ``mlflow`` when the module name is given as the first argument."""

import contextlib
import importlib
import json
import os
import sys

mlflow = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "mlflow")

EXPERIMENT = os.environ.get("TRACE_TOUR_EXPERIMENT", "tracing-tour")
mlflow.set_experiment(EXPERIMENT)


@mlflow.trace(span_type="TOOL")
def add(a: int, b: int) -> int:
    return a + b


@mlflow.trace(span_type="LLM")
def fake_llm(prompt: str) -> str:
    span = mlflow.get_current_active_span()
    span.set_attribute(
        "mlflow.chat.tokenUsage", {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
    )
    return prompt.upper()


@mlflow.trace
def agent(question: str) -> str:
    total = add(1, 2)
    with mlflow.start_span(name="retrieve", span_type="RETRIEVER") as span:
        span.set_inputs({"q": question})
        span.set_outputs(["doc-1"])
    mlflow.update_current_trace(tags={"team": "search"})
    return fake_llm(f"{question}:{total}")


@mlflow.trace
def broken() -> None:
    raise ValueError("boom")


agent("hello")
with contextlib.suppress(ValueError):
    broken()
mlflow.flush_trace_async_logging()

experiment = mlflow.get_experiment_by_name(EXPERIMENT)
frame = mlflow.search_traces(locations=[experiment.experiment_id])
traces = mlflow.search_traces(
    locations=[experiment.experiment_id], return_type="list", filter_string="tags.team = 'search'"
)
trace = traces[0]
root = trace.data.spans[0]
llm = next(s for s in trace.data.spans if s.name == "fake_llm")
fetched = mlflow.get_trace(trace.info.trace_id)
errors = mlflow.search_traces(
    locations=[experiment.experiment_id], return_type="list", filter_string="trace.status = 'ERROR'"
)
mlflow.log_feedback(trace_id=trace.info.trace_id, name="helpful", value=True, rationale="ok")
assessed = mlflow.get_trace(trace.info.trace_id)
print(
    json.dumps(
        {
            "columns": list(frame.columns),
            "count": len(frame),
            "states": list(frame["state"]),
            "span_names": sorted(s.name for s in trace.data.spans),
            "root_inputs": root.inputs,
            "root_outputs": root.outputs,
            "llm_type": llm.span_type,
            "fetched_spans": len(fetched.data.spans),
            "error_count": len(errors),
            "error_events": [e.name for s in errors[0].data.spans for e in s.events],
            "tokens": trace.info.token_usage,
            "feedback": [
                (a.name, a.value, a.source.source_type) for a in assessed.info.assessments
            ],
        }
    ),
    file=sys.stdout,
)
