"""Run in the reference venv: plain OpenTelemetry SDK spans sent by the OTLP/HTTP exporter."""

import os
import sys

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

exporter = OTLPSpanExporter(
    endpoint=f"{os.environ['MLFLOW_TRACKING_URI']}/v1/traces",
    headers={"x-mlflow-experiment-id": sys.argv[1]},
)
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
tracer = provider.get_tracer("otlp-test")
with tracer.start_as_current_span("otel-root") as root:
    root.set_attribute("gen_ai.usage.input_tokens", 11)
    with tracer.start_as_current_span("otel-child") as child:
        child.set_attribute("custom", "yes")
provider.shutdown()
print(format(root.get_span_context().trace_id, "032x"))
