"""Providers speaking OpenAI's wire format: OpenAI, Azure OpenAI, Mistral and any
OpenAI-compatible server (vLLM, Ollama, TGI's Messages API, Groq, DeepSeek, xAI, OpenRouter).

Requests go to ``{base}/chat/completions``, ``{base}/completions`` and ``{base}/embeddings``
(Azure: ``{base}/openai/deployments/{deployment}/...?api-version=``), streams are OpenAI's
server-sent ``chat.completion.chunk`` events ended by ``data: [DONE]``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar

from mlharbor.gateway.errors import ConfigError
from mlharbor.gateway.providers.base import (
    CHAT,
    EMBEDDINGS,
    Provider,
    completion_from_chat,
    prompt_messages,
)

__all__ = ["AzureOpenAIProvider", "MistralProvider", "OpenAICompatibleProvider", "OpenAIProvider"]


class _OpenAIWire(Provider):
    """The calls; subclasses say where and with which headers."""

    # whether /completions exists upstream; otherwise completions go through chat
    has_completions: ClassVar[bool] = True

    def url(self, operation: str) -> str:
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        raise NotImplementedError

    def query(self) -> dict[str, str] | None:
        return None

    def body(self, payload: Mapping[str, Any], *drop: str) -> dict[str, Any]:
        body = self.params(payload, *drop)
        if self.model.name is not None:
            body["model"] = self.model.name
        return body

    def _post(self, operation: str, body: Any) -> Any:
        return self.post_json(self.url(operation), body, self.headers(), self.query())

    def _named(self, answer: dict[str, Any]) -> dict[str, Any]:
        answer.setdefault("model", self.model.name)
        if self.model.name is not None and not answer.get("model"):
            answer["model"] = self.model.name
        return answer

    async def chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._named(await self._post("chat/completions", self.body(payload)))

    async def completions(self, payload: dict[str, Any]) -> dict[str, Any]:
        if not self.has_completions:
            chat = await self.chat(
                {**self.params(payload, "prompt"), "messages": prompt_messages(payload)}
            )
            return completion_from_chat(chat)
        answer = self._named(await self._post("completions", self.body(payload)))
        answer.setdefault("object", "text_completion")
        return answer

    async def embeddings(self, payload: dict[str, Any]) -> dict[str, Any]:
        # floats always: the gateway encodes base64 itself when the caller asks for it
        body = self.body(payload, "encoding_format")
        return self._named(await self._post("embeddings", body))

    async def chat_stream(self, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        body = {**self.body(payload), "stream": True}
        if payload.get("stream_options"):  # e.g. include_usage, asked for by the caller
            body["stream_options"] = payload["stream_options"]
        async for _event, chunk in self.post_sse(
            self.url("chat/completions"), body, self.headers(), self.query()
        ):
            if isinstance(chunk, dict) and "choices" in chunk:
                yield self._named(chunk)

    async def completions_stream(self, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        if not self.has_completions:
            async for chunk in super().completions_stream(payload):
                yield chunk
            return
        body = {**self.body(payload), "stream": True}
        async for _event, chunk in self.post_sse(
            self.url("completions"), body, self.headers(), self.query()
        ):
            if isinstance(chunk, dict) and "choices" in chunk:
                chunk["object"] = "text_completion_chunk"
                yield self._named(chunk)


class OpenAIProvider(_OpenAIWire):
    names = ("openai",)
    config_keys = {
        "openai_api_key": True,
        "openai_api_type": False,
        "openai_api_base": False,
        "openai_api_version": False,
        "openai_deployment_name": False,
        "openai_organization": False,
    }
    default_type: ClassVar[str] = "openai"

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], where: str) -> None:
        super().validate_config(config, where)
        api_type = str(config.get("openai_api_type", cls.default_type)).lower()
        if api_type == "openai":
            if config.get("openai_deployment_name") is not None:
                raise ConfigError(
                    f"{where}: 'openai_deployment_name' needs openai_api_type 'azure' or 'azuread'."
                )
        elif api_type in ("azure", "azuread"):
            needed = ("openai_api_base", "openai_deployment_name", "openai_api_version")
            if any(config.get(k) is None for k in needed):
                raise ConfigError(
                    f"{where}: Azure OpenAI needs 'openai_api_base', 'openai_deployment_name' "
                    "and 'openai_api_version'."
                )
        else:
            raise ConfigError(f"{where}: invalid OpenAI API type {api_type!r}.")

    @property
    def api_type(self) -> str:
        return str(self.config.get("openai_api_type", self.default_type)).lower()

    def url(self, operation: str) -> str:
        base = str(self.config.get("openai_api_base") or "https://api.openai.com/v1").rstrip("/")
        if self.api_type == "openai":
            return f"{base}/{operation}"
        deployment = self.config["openai_deployment_name"]
        return f"{base}/openai/deployments/{deployment}/{operation}"

    def query(self) -> dict[str, str] | None:
        if self.api_type == "openai":
            return None
        return {"api-version": str(self.config["openai_api_version"])}

    def headers(self) -> dict[str, str]:
        key = str(self.config["openai_api_key"])
        if self.api_type == "azure":
            return {"api-key": key}
        headers = {"Authorization": f"Bearer {key}"}
        if self.config.get("openai_organization"):
            headers["OpenAI-Organization"] = str(self.config["openai_organization"])
        return headers

    def body(self, payload: Mapping[str, Any], *drop: str) -> dict[str, Any]:
        body = super().body(payload, *drop)
        if self.api_type != "openai":
            body.pop("model", None)  # Azure names the model by its deployment
        return body


class AzureOpenAIProvider(OpenAIProvider):
    names = ("azure",)
    default_type = "azure"


class MistralProvider(_OpenAIWire):
    """Mistral's La Plateforme: chat and embeddings; completions are answered through chat."""

    names = ("mistral",)
    endpoint_types = frozenset({CHAT, "llm/v1/completions", EMBEDDINGS})
    config_keys = {"mistral_api_key": True, "mistral_api_base": False}
    has_completions = False

    def url(self, operation: str) -> str:
        base = str(self.config.get("mistral_api_base") or "https://api.mistral.ai/v1")
        return f"{base.rstrip('/')}/{operation}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config['mistral_api_key']}"}


class OpenAICompatibleProvider(_OpenAIWire):
    """Any server with OpenAI's API at ``api_base`` (``api_key`` optional for local servers)."""

    names = ("openai-compatible", "ollama", "groq", "deepseek", "xai", "openrouter", "vllm")
    config_keys = {"api_key": False, "api_base": True}

    def url(self, operation: str) -> str:
        return f"{str(self.config['api_base']).rstrip('/')}/{operation}"

    def headers(self) -> dict[str, str]:
        key = self.config.get("api_key")
        return {"Authorization": f"Bearer {key}"} if key else {}
