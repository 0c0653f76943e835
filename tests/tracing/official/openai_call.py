"""Run by the official mlflow client: an autologged openai chat call to the gateway at argv[1]."""

import json
import sys

import mlflow
from openai import OpenAI

mlflow.set_experiment("openai-through-gateway")
mlflow.openai.autolog()
client = OpenAI(base_url=f"{sys.argv[1]}/v1", api_key="unused", max_retries=0)
answer = client.chat.completions.create(model="chat", messages=[{"role": "user", "content": "Hi"}])
mlflow.flush_trace_async_logging()
experiment = mlflow.get_experiment_by_name("openai-through-gateway")
[trace] = mlflow.search_traces(locations=[experiment.experiment_id], return_type="list")
span = trace.data.spans[0]
print(
    json.dumps(
        {
            "answer": answer.choices[0].message.content,
            "span_type": span.span_type,
            "outputs": span.outputs["choices"][0]["message"]["content"],
            "tokens": trace.info.token_usage,
        }
    )
)
