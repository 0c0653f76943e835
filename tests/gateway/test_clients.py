"""The seed's gateway file served by ``mlharbor gateway start``, read by the official
``mlflow.deployments`` client, by ours, and by the ``openai`` client."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.mlflow_ref import locate_mlflow_python
from tests.fixtures.servers import RunningServer, free_port, run_server
from tests.gateway.fakes import KEYS, FakeProviders

MLHARBOR = str(Path(sys.executable).with_name("mlharbor"))
REPO = Path(__file__).resolve().parents[2]

# seed 002, section 8.3, verbatim
SEED_CONFIG = """\
endpoints:
  - name: chat-gpt4
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4
      config:
        openai_api_key: $OPENAI_API_KEY

  - name: chat-claude
    endpoint_type: llm/v1/chat
    model:
      provider: anthropic
      name: claude-3-opus-20240229
      config:
        anthropic_api_key: $ANTHROPIC_API_KEY

  - name: embeddings
    endpoint_type: llm/v1/embeddings
    model:
      provider: openai
      name: text-embedding-3-small
      config:
        openai_api_key: $OPENAI_API_KEY
"""

# a completions endpoint beside the seed's three, for the OpenAI client's /v1/completions
COMPLETIONS_ENDPOINT = """
  - name: completions
    endpoint_type: llm/v1/completions
    model:
      provider: openai
      name: gpt-3.5-turbo-instruct
      config:
        openai_api_key: $OPENAI_API_KEY
"""


def _pointed_at(config: str, base: str) -> str:
    """The file with each provider's base URL set to the loopback fake."""
    lines = []
    for line in config.splitlines():
        lines.append(line)
        indent = line[: len(line) - len(line.lstrip())]
        if "openai_api_key:" in line:
            lines.append(f"{indent}openai_api_base: {base}/v1")
        elif "anthropic_api_key:" in line:
            lines.append(f"{indent}anthropic_api_base: {base}/v1")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def seed_gateway(
    fakes: tuple[FakeProviders, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    _, base = fakes
    path = tmp_path_factory.mktemp("gateway") / "config.yaml"
    path.write_text(_pointed_at(SEED_CONFIG + COMPLETIONS_ENDPOINT, base))
    port = free_port()
    env = {"OPENAI_API_KEY": KEYS["openai"], "ANTHROPIC_API_KEY": KEYS["anthropic"]}
    cmd = [MLHARBOR, "gateway", "start", "--config-path", str(path), "--port", str(port)]
    with run_server(cmd, port, env=env) as server:
        yield server


OFFICIAL_CLIENT = """
import json, sys
from mlflow.deployments import get_deploy_client

client = get_deploy_client(sys.argv[1])
out = {"listed": [e.name for e in client.list_endpoints()], "described": {}, "answers": {}}
for name in out["listed"]:
    endpoint = client.get_endpoint(name)
    out["described"][name] = {"type": endpoint.endpoint_type, "url": endpoint.endpoint_url,
                              "model": endpoint.model.name, "provider": endpoint.model.provider}
    if endpoint.endpoint_type == "llm/v1/chat":
        inputs = {"messages": [{"role": "user", "content": "Hello"}], "temperature": 0.2}
    elif endpoint.endpoint_type == "llm/v1/completions":
        inputs = {"prompt": "Hello", "max_tokens": 10}
    else:
        inputs = {"input": ["Hello", "World!"]}
    out["answers"][name] = client.predict(endpoint=name, inputs=inputs)
print(json.dumps(out))
"""


@pytest.mark.interop
def test_official_mlflow_client_lists_describes_and_queries(seed_gateway: RunningServer) -> None:
    python = locate_mlflow_python(REPO)
    done = subprocess.run(
        [str(python), "-c", OFFICIAL_CLIENT, seed_gateway.url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["listed"] == ["chat-gpt4", "chat-claude", "embeddings", "completions"]
    assert out["described"]["chat-claude"] == {
        "type": "llm/v1/chat",
        "url": f"{seed_gateway.url}/gateway/chat-claude/invocations",
        "model": "claude-3-opus-20240229",
        "provider": "anthropic",
    }
    answers = out["answers"]
    assert answers["chat-gpt4"]["choices"][0]["message"]["content"] == "gpt-4 says: Hello"
    assert answers["chat-claude"]["choices"][0]["message"]["content"] == (
        "claude-3-opus-20240229 says: Hello"
    )
    assert answers["completions"]["choices"][0]["text"].endswith("completes: Hello")
    assert [d["embedding"][0] for d in answers["embeddings"]["data"]] == [5.0, 6.0]
    assert KEYS["openai"] not in done.stdout


def test_mlharbor_deployments_client(seed_gateway: RunningServer) -> None:
    from mlharbor.deployments import get_deploy_client

    client = get_deploy_client(seed_gateway.url)
    assert [e.name for e in client.list_endpoints()] == [
        "chat-gpt4",
        "chat-claude",
        "embeddings",
        "completions",
    ]
    endpoint = client.get_endpoint("embeddings")
    assert endpoint.dict()["model"] == {"name": "text-embedding-3-small", "provider": "openai"}
    answer = client.predict(
        endpoint="chat-claude", inputs={"messages": [{"role": "user", "content": "Hi"}]}
    )
    assert answer["choices"][0]["message"]["content"].endswith("says: Hi")
    chunks = list(
        client.predict_stream(
            endpoint="chat-gpt4", inputs={"messages": [{"role": "user", "content": "Hi you"}]}
        )
    )
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text.strip() == "gpt-4 says: Hi you"


def test_openai_client_through_v1(seed_gateway: RunningServer) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=f"{seed_gateway.url}/v1", api_key="not-needed", max_retries=0)
    chat = client.chat.completions.create(
        model="chat-claude", messages=[{"role": "user", "content": "Hello"}]
    )
    assert chat.choices[0].message.content == "claude-3-opus-20240229 says: Hello"
    completion = client.completions.create(model="completions", prompt="Once")
    assert completion.choices[0].text.endswith("completes: Once")
    embeddings = client.embeddings.create(model="embeddings", input=["abc", "defg"])
    assert [round(d.embedding[0]) for d in embeddings.data] == [3, 4]
    stream = client.chat.completions.create(
        model="chat-gpt4", messages=[{"role": "user", "content": "stream this"}], stream=True
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text.strip() == "gpt-4 says: stream this"
    with pytest.raises(Exception, match="not a chat endpoint"):
        client.chat.completions.create(
            model="embeddings", messages=[{"role": "user", "content": "x"}]
        )
