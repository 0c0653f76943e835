"""Google's Gemini API: ``POST {base}/models/{model}:generateContent`` (streams:
``:streamGenerateContent?alt=sse``) and ``:batchEmbedContents``, keyed by ``x-goog-api-key``."""

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

__all__ = ["GeminiProvider"]

_FINISH = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
}
_GENERATION = {
    "temperature": "temperature",
    "top_p": "topP",
    "top_k": "topK",
    "max_tokens": "maxOutputTokens",
    "n": "candidateCount",
}


class GeminiProvider(Provider):
    names = ("gemini",)
    config_keys = {"gemini_api_key": True, "gemini_api_base": False}

    def _url(self, method: str) -> str:
        base = self.config.get("gemini_api_base") or (
            "https://generativelanguage.googleapis.com/v1beta"
        )
        return f"{str(base).rstrip('/')}/models/{self.model.name}:{method}"

    def _headers(self) -> dict[str, str]:
        return {"x-goog-api-key": str(self.config["gemini_api_key"])}

    def _body(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        contents, system = [], []
        for message in payload["messages"]:
            text = text_of(message.get("content"))
            if message.get("role") == "system":
                system.append({"text": text})
            else:
                role = "model" if message.get("role") == "assistant" else "user"
                contents.append({"role": role, "parts": [{"text": text}]})
        config = {
            _GENERATION[k]: v for k, v in payload.items() if k in _GENERATION and v is not None
        }
        stop = payload.get("stop")
        if stop:
            config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
        body: dict[str, Any] = {"contents": contents}
        if system:
            body["systemInstruction"] = {"parts": system}
        if config:
            body["generationConfig"] = config
        return body

    @staticmethod
    def _usage(answer: Mapping[str, Any]) -> dict[str, Any]:
        meta = answer.get("usageMetadata") or {}
        return {
            "prompt_tokens": meta.get("promptTokenCount"),
            "completion_tokens": meta.get("candidatesTokenCount"),
        }

    @staticmethod
    def _texts(answer: Mapping[str, Any]) -> list[tuple[str, str | None]]:
        texts = []
        for candidate in answer.get("candidates") or []:
            parts = (candidate.get("content") or {}).get("parts") or []
            reason = candidate.get("finishReason")
            texts.append(
                (
                    "".join(p.get("text", "") for p in parts),
                    _FINISH.get(reason, reason.lower() if reason else None),
                )
            )
        return texts

    async def chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        answer = await self.post_json(
            self._url("generateContent"), self._body(payload), self._headers()
        )
        return chat_response(
            answer.get("modelVersion") or self.model.name,
            self._texts(answer),
            self._usage(answer),
            answer.get("responseId"),
        )

    async def completions(self, payload: dict[str, Any]) -> dict[str, Any]:
        chat = await self.chat(
            {**self.params(payload, "prompt"), "messages": prompt_messages(payload)}
        )
        return completion_from_chat(chat)

    async def chat_stream(self, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        response_id, created = unified_id("chatcmpl"), int(time.time())
        first = True
        async for _event, answer in self.post_sse(
            self._url("streamGenerateContent"),
            self._body(payload),
            self._headers(),
            {"alt": "sse"},
        ):
            choices = []
            for index, (text, finish) in enumerate(self._texts(answer)):
                delta: dict[str, Any] = {"content": text}
                if first:
                    delta["role"] = "assistant"
                choices.append({"index": index, "delta": delta, "finish_reason": finish})
            first = False
            chunk: dict[str, Any] = {
                "id": response_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": self.model.name,
                "choices": choices,
            }
            usage = self._usage(answer)
            if usage["prompt_tokens"] is not None and usage["completion_tokens"] is not None:
                chunk["usage"] = {
                    **usage,
                    "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"],
                }
            yield chunk

    async def embeddings(self, payload: dict[str, Any]) -> dict[str, Any]:
        texts = payload["input"] if isinstance(payload["input"], list) else [payload["input"]]
        requests = [
            {"model": f"models/{self.model.name}", "content": {"parts": [{"text": t}]}}
            for t in texts
        ]
        answer = await self.post_json(
            self._url("batchEmbedContents"), {"requests": requests}, self._headers()
        )
        return {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": e.get("values", [])}
                for i, e in enumerate(answer.get("embeddings") or [])
            ],
            "model": self.model.name,
            "usage": {"prompt_tokens": None, "total_tokens": None},
        }
