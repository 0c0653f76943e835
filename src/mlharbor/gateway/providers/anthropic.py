"""Anthropic's Messages API: ``POST {base}/messages`` with ``x-api-key`` and
``anthropic-version``; streams are its ``message_start`` / ``content_block_delta`` /
``message_delta`` / ``message_stop`` events. Completions are answered as one user message."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from mlharbor.gateway.providers.base import (
    CHAT,
    COMPLETIONS,
    Provider,
    chat_response,
    completion_from_chat,
    prompt_messages,
    unified_id,
)

__all__ = ["AnthropicProvider", "text_of"]

DEFAULT_MAX_TOKENS = 8192
_PASSED = ("temperature", "top_p", "top_k", "metadata")
_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
}


def text_of(content: Any) -> str:
    """The text of an OpenAI message content: a string or a list of ``{type: text}`` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
    return "" if content is None else str(content)


class AnthropicProvider(Provider):
    names = ("anthropic",)
    endpoint_types = frozenset({CHAT, COMPLETIONS})
    config_keys = {
        "anthropic_api_key": True,
        "anthropic_version": False,
        "anthropic_api_base": False,
    }

    def _url(self) -> str:
        base = str(self.config.get("anthropic_api_base") or "https://api.anthropic.com/v1")
        return f"{base.rstrip('/')}/messages"

    def _headers(self) -> dict[str, str]:
        return {
            "x-api-key": str(self.config["anthropic_api_key"]),
            "anthropic-version": str(self.config.get("anthropic_version") or "2023-06-01"),
        }

    def _body(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        # only what the Messages API accepts: it refuses unknown fields (OpenAI's "user", ...)
        params = {k: payload[k] for k in _PASSED if payload.get(k) is not None}
        system = [
            text_of(m.get("content")) for m in payload["messages"] if m.get("role") == "system"
        ]
        body: dict[str, Any] = {
            **params,
            "model": self.model.name,
            "max_tokens": payload.get("max_tokens") or DEFAULT_MAX_TOKENS,
            "messages": [
                {"role": m.get("role"), "content": text_of(m.get("content"))}
                for m in payload["messages"]
                if m.get("role") != "system"
            ],
        }
        if system:
            body["system"] = "\n".join(system)
        stop = payload.get("stop")
        if stop:
            body["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
        return body

    async def chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        answer = await self.post_json(self._url(), self._body(payload), self._headers())
        text = "".join(
            block.get("text", "")
            for block in answer.get("content", [])
            if block.get("type") == "text"
        )
        usage = answer.get("usage") or {}
        return chat_response(
            answer.get("model") or self.model.name,
            [(text, _FINISH.get(answer.get("stop_reason") or "", answer.get("stop_reason")))],
            {
                "prompt_tokens": usage.get("input_tokens"),
                "completion_tokens": usage.get("output_tokens"),
            },
            answer.get("id"),
        )

    async def completions(self, payload: dict[str, Any]) -> dict[str, Any]:
        chat = await self.chat(
            {**self.params(payload, "prompt"), "messages": prompt_messages(payload)}
        )
        return completion_from_chat(chat)

    async def chat_stream(self, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        body = {**self._body(payload), "stream": True}
        response_id, created = unified_id("chatcmpl"), int(time.time())
        model = self.model.name
        usage: dict[str, Any] = {}
        async for event, data in self.post_sse(self._url(), body, self._headers()):
            kind = data.get("type", event) if isinstance(data, Mapping) else event
            delta: dict[str, Any] | None = None
            finish = None
            if kind == "message_start":
                message = data.get("message") or {}
                response_id = message.get("id") or response_id
                model = message.get("model") or model
                usage["prompt_tokens"] = (message.get("usage") or {}).get("input_tokens")
                delta = {"role": "assistant", "content": ""}
            elif kind == "content_block_delta":
                delta = {"content": (data.get("delta") or {}).get("text", "")}
            elif kind == "message_delta":
                stop = (data.get("delta") or {}).get("stop_reason")
                finish = _FINISH.get(stop or "", stop)
                usage["completion_tokens"] = (data.get("usage") or {}).get("output_tokens")
                delta = {}
            elif kind == "error":
                from mlharbor.gateway.errors import UpstreamError

                detail = (data.get("error") or {}).get("message", "stream error")
                raise UpstreamError(
                    502, f"The provider 'anthropic' failed: {detail}", retryable=True
                )
            if delta is None:
                continue
            chunk: dict[str, Any] = {
                "id": response_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            if finish is not None and usage.get("prompt_tokens") is not None:
                prompt, completion = usage["prompt_tokens"], usage.get("completion_tokens") or 0
                chunk["usage"] = {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                }
            yield chunk
