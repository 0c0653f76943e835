"""Cohere's v2 API: ``POST {base}/v2/chat`` (streams: typed events ``message-start``,
``content-delta``, ``message-end``) and ``POST {base}/v2/embed``, with a bearer key."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from mlharbor.gateway.providers.anthropic import text_of
from mlharbor.gateway.providers.base import (
    Provider,
    chat_response,
    completion_from_chat,
    prompt_messages,
    unified_id,
)

__all__ = ["CohereProvider"]

_FINISH = {
    "COMPLETE": "stop",
    "STOP_SEQUENCE": "stop",
    "MAX_TOKENS": "length",
    "TOOL_CALL": "tool_calls",
    "ERROR": "error",
}


def _finish(reason: str | None) -> str | None:
    return _FINISH.get(reason, reason.lower()) if reason else None


def _usage(usage: Mapping[str, Any] | None) -> dict[str, Any]:
    tokens = (usage or {}).get("tokens") or (usage or {}).get("billed_units") or {}
    return {
        "prompt_tokens": tokens.get("input_tokens"),
        "completion_tokens": tokens.get("output_tokens"),
    }


class CohereProvider(Provider):
    names = ("cohere",)
    config_keys = {"cohere_api_key": True, "cohere_api_base": False}

    def _url(self, operation: str) -> str:
        base = str(self.config.get("cohere_api_base") or "https://api.cohere.com")
        return f"{base.rstrip('/')}/v2/{operation}"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config['cohere_api_key']}"}

    def _body(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model.name,
            "messages": [
                {"role": m.get("role"), "content": text_of(m.get("content"))}
                for m in payload["messages"]
            ],
        }
        for ours, theirs in (
            ("temperature", "temperature"),
            ("max_tokens", "max_tokens"),
            ("top_p", "p"),
            ("seed", "seed"),
        ):
            if payload.get(ours) is not None:
                body[theirs] = payload[ours]
        stop = payload.get("stop")
        if stop:
            body["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
        return body

    async def chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        answer = await self.post_json(self._url("chat"), self._body(payload), self._headers())
        content = (answer.get("message") or {}).get("content") or []
        text = "".join(part.get("text", "") for part in content if part.get("type") == "text")
        return chat_response(
            self.model.name,
            [(text, _finish(answer.get("finish_reason")))],
            _usage(answer.get("usage")),
            answer.get("id"),
        )

    async def completions(self, payload: dict[str, Any]) -> dict[str, Any]:
        chat = await self.chat(
            {**self.params(payload, "prompt"), "messages": prompt_messages(payload)}
        )
        return completion_from_chat(chat)

    async def chat_stream(self, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        response_id, created = unified_id("chatcmpl"), int(time.time())
        body = {**self._body(payload), "stream": True}
        async for event, data in self.post_sse(self._url("chat"), body, self._headers()):
            kind = data.get("type", event) if isinstance(data, Mapping) else event
            chunk: dict[str, Any] = {
                "id": response_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": self.model.name,
            }
            if kind == "message-start":
                response_id = data.get("id") or response_id
                chunk["id"] = response_id
                chunk["choices"] = [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": ""},
                        "finish_reason": None,
                    }
                ]
            elif kind == "content-delta":
                text = (((data.get("delta") or {}).get("message") or {}).get("content") or {}).get(
                    "text", ""
                )
                chunk["choices"] = [{"index": 0, "delta": {"content": text}, "finish_reason": None}]
            elif kind == "message-end":
                delta = data.get("delta") or {}
                chunk["choices"] = [
                    {"index": 0, "delta": {}, "finish_reason": _finish(delta.get("finish_reason"))}
                ]
                usage = _usage(delta.get("usage"))
                if None not in usage.values():
                    chunk["usage"] = {
                        **usage,
                        "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"],
                    }
            else:
                continue
            yield chunk

    async def embeddings(self, payload: dict[str, Any]) -> dict[str, Any]:
        texts = payload["input"] if isinstance(payload["input"], list) else [payload["input"]]
        body = {
            "model": self.model.name,
            "texts": texts,
            "input_type": payload.get("input_type", "search_document"),
            "embedding_types": ["float"],
        }
        answer = await self.post_json(self._url("embed"), body, self._headers())
        vectors = (answer.get("embeddings") or {}).get("float") or []
        billed = ((answer.get("meta") or {}).get("billed_units") or {}).get("input_tokens")
        return {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)
            ],
            "model": self.model.name,
            "usage": {"prompt_tokens": billed, "total_tokens": billed},
        }
