"""Loopback stand-ins for the LLM providers, written from each provider's public API reference.

One Starlette app answers every provider's paths, checks each provider's auth headers, and
answers in that provider's documented shapes (bodies, errors, SSE framing):

- OpenAI / Mistral / OpenAI-compatible: ``POST /v1/chat/completions``, ``/v1/completions``,
  ``/v1/embeddings``, bearer key, ``chat.completion.chunk`` events ending in ``data: [DONE]``.
- Azure OpenAI: ``POST /openai/deployments/{deployment}/...?api-version=``, ``api-key`` header.
- Anthropic: ``POST /v1/messages``, ``x-api-key`` + ``anthropic-version``, ``max_tokens``
  required, named SSE events (``message_start`` ... ``message_stop``).
- Gemini: ``POST /v1beta/models/{model}:generateContent`` / ``:streamGenerateContent?alt=sse`` /
  ``:batchEmbedContents``, ``x-goog-api-key``.
- Cohere v2: ``POST /v2/chat`` (typed SSE events) and ``/v2/embed``, bearer key.
- Bedrock: ``POST /model/{id}/converse`` and ``/model/{id}/invoke``, SigV4 ``Authorization``.

The model name drives failures: ``fail-500`` always answers 500, ``slow`` sleeps 2 s,
``flaky`` answers 503 on every other call. ``calls`` counts requests per model.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

_ANTHROPIC_FIELDS = {
    "model",
    "messages",
    "max_tokens",
    "system",
    "stop_sequences",
    "stream",
    "temperature",
    "top_p",
    "top_k",
    "metadata",
    "tools",
    "tool_choice",
}
KEYS = {
    "openai": "test-openai-key",
    "azure": "test-azure-key",
    "anthropic": "test-anthropic-key",
    "gemini": "test-gemini-key",
    "mistral": "test-mistral-key",
    "cohere": "test-cohere-key",
    "bedrock": "AKIDTEST",
}


def _openai_error(status: int, message: str, kind: str = "invalid_request_error") -> Response:
    return JSONResponse({"error": {"message": message, "type": kind, "code": None}}, status)


def _sse(events: list[tuple[str | None, Any]], done: bool) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        for event, data in events:
            head = f"event: {event}\n" if event else ""
            yield f"{head}data: {json.dumps(data)}\n\n".encode()
            await asyncio.sleep(0)
        if done:
            yield b"data: [DONE]\n\n"

    return StreamingResponse(body(), media_type="text/event-stream")


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return "".join(p.get("text", "") for p in content)
            return str(content)
    return ""


class FakeProviders:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []
        self.app = Starlette(
            routes=[
                Route("/health", self.health),
                Route("/v1/chat/completions", self.openai_chat, methods=["POST"]),
                Route("/v1/completions", self.openai_completions, methods=["POST"]),
                Route("/v1/embeddings", self.openai_embeddings, methods=["POST"]),
                Route(
                    "/openai/deployments/{deployment}/chat/completions",
                    self.azure_chat,
                    methods=["POST"],
                ),
                Route("/v1/messages", self.anthropic_messages, methods=["POST"]),
                Route("/v1beta/models/{call:path}", self.gemini, methods=["POST"]),
                Route("/v2/chat", self.cohere_chat, methods=["POST"]),
                Route("/v2/embed", self.cohere_embed, methods=["POST"]),
                Route("/model/{model}/converse", self.bedrock_converse, methods=["POST"]),
                Route("/model/{model}/invoke", self.bedrock_invoke, methods=["POST"]),
            ]
        )

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "OK"})

    async def _behave(self, model: str) -> Response | None:
        """Count the call and play the failure the model name asks for."""
        self.calls[model] += 1
        if model == "fail-500":
            return _openai_error(
                500, "The server had an error while processing your request.", "server_error"
            )
        if model == "flaky" and self.calls[model] % 2 == 1:
            return _openai_error(503, "The engine is currently overloaded.", "server_error")
        if model == "slow":
            await asyncio.sleep(2.0)
        return None

    async def _body(self, request: Request) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(await request.body())
        self.requests.append(
            {"path": request.url.path, "headers": dict(request.headers), "body": body}
        )
        return body

    # OpenAI, Mistral and OpenAI-compatible servers ------------------------------------------

    @staticmethod
    def _bearer_ok(request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        return auth in {f"Bearer {KEYS[p]}" for p in ("openai", "mistral")} | {"Bearer local"}

    async def openai_chat(self, request: Request) -> Response:
        if not self._bearer_ok(request):
            return _openai_error(401, "Incorrect API key provided.")
        body = await self._body(request)
        return await self._chat_answer(body, body.get("model", "?"))

    async def azure_chat(self, request: Request) -> Response:
        if request.headers.get("api-key") != KEYS["azure"]:
            return _openai_error(401, "Access denied due to invalid subscription key.")
        if not request.query_params.get("api-version"):
            return _openai_error(404, "Resource not found")
        body = await self._body(request)
        if "model" in body:
            return _openai_error(400, "Unrecognized request argument supplied: model")
        return await self._chat_answer(body, request.path_params["deployment"])

    async def _chat_answer(self, body: dict[str, Any], model: str) -> Response:
        failure = await self._behave(model)
        if failure is not None:
            return failure
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _openai_error(400, "'messages' is a required property")
        text = f"{model} says: {_last_user_text(messages)}"
        if body.get("stream"):
            base = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 1700000000,
                "model": model,
            }
            events: list[tuple[str | None, Any]] = [
                (
                    None,
                    {
                        **base,
                        "choices": [
                            {
                                "index": 0,
                                "delta": {"role": "assistant", "content": ""},
                                "finish_reason": None,
                            }
                        ],
                    },
                ),
            ]
            events += [
                (
                    None,
                    {
                        **base,
                        "choices": [
                            {"index": 0, "delta": {"content": word + " "}, "finish_reason": None}
                        ],
                    },
                )
                for word in text.split(" ")
                if word
            ]
            events.append(
                (None, {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            )
            return _sse(events, done=True)
        return JSONResponse(
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 1700000000,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21},
            }
        )

    async def openai_completions(self, request: Request) -> Response:
        if not self._bearer_ok(request):
            return _openai_error(401, "Incorrect API key provided.")
        body = await self._body(request)
        model = body.get("model", "?")
        failure = await self._behave(model)
        if failure is not None:
            return failure
        text = f"{model} completes: {body.get('prompt')}"
        if body.get("stream"):
            base = {
                "id": "cmpl-fake",
                "object": "text_completion",
                "created": 1700000000,
                "model": model,
            }
            events: list[tuple[str | None, Any]] = [
                (
                    None,
                    {
                        **base,
                        "choices": [
                            {
                                "index": 0,
                                "text": word + " ",
                                "logprobs": None,
                                "finish_reason": None,
                            }
                        ],
                    },
                )
                for word in text.split(" ")
            ]
            return _sse(events, done=True)
        return JSONResponse(
            {
                "id": "cmpl-fake",
                "object": "text_completion",
                "created": 1700000000,
                "model": model,
                "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
            }
        )

    async def openai_embeddings(self, request: Request) -> Response:
        if not self._bearer_ok(request):
            return _openai_error(401, "Incorrect API key provided.")
        body = await self._body(request)
        if body.get("encoding_format") not in (None, "float"):
            return _openai_error(400, "this fake answers floats only")
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        return JSONResponse(
            {
                "object": "list",
                "data": [
                    {
                        "object": "embedding",
                        "index": i,
                        "embedding": [float(len(str(text))), 0.5, -0.25, float(i)],
                    }
                    for i, text in enumerate(inputs)
                ],
                "model": body.get("model"),
                "usage": {"prompt_tokens": 4 * len(inputs), "total_tokens": 4 * len(inputs)},
            }
        )

    # Anthropic ---------------------------------------------------------------------------------

    async def anthropic_messages(self, request: Request) -> Response:
        if request.headers.get("x-api-key") != KEYS["anthropic"]:
            return JSONResponse(
                {
                    "type": "error",
                    "error": {"type": "authentication_error", "message": "invalid x-api-key"},
                },
                401,
            )
        if not request.headers.get("anthropic-version"):
            return JSONResponse(
                {
                    "type": "error",
                    "error": {
                        "type": "invalid_request_error",
                        "message": "anthropic-version: header is required",
                    },
                },
                400,
            )
        body = await self._body(request)
        extra = sorted(set(body) - _ANTHROPIC_FIELDS)
        if extra:
            return JSONResponse(
                {
                    "type": "error",
                    "error": {
                        "type": "invalid_request_error",
                        "message": f"{extra[0]}: Extra inputs are not permitted",
                    },
                },
                400,
            )
        if "max_tokens" not in body or any(m["role"] == "system" for m in body["messages"]):
            return JSONResponse(
                {
                    "type": "error",
                    "error": {
                        "type": "invalid_request_error",
                        "message": "max_tokens: Field required",
                    },
                },
                400,
            )
        model = body["model"]
        failure = await self._behave(model)
        if failure is not None:
            return failure
        text = f"{model} says: {_last_user_text(body['messages'])}"
        if body.get("stream"):
            words = text.split(" ")
            events: list[tuple[str | None, Any]] = [
                (
                    "message_start",
                    {
                        "type": "message_start",
                        "message": {
                            "id": "msg_fake",
                            "type": "message",
                            "role": "assistant",
                            "content": [],
                            "model": model,
                            "stop_reason": None,
                            "usage": {"input_tokens": 11, "output_tokens": 1},
                        },
                    },
                ),
                (
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": 0,
                        "content_block": {"type": "text", "text": ""},
                    },
                ),
                ("ping", {"type": "ping"}),
            ]
            events += [
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": w + " "},
                    },
                )
                for w in words
            ]
            events += [
                ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                (
                    "message_delta",
                    {
                        "type": "message_delta",
                        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                        "usage": {"output_tokens": len(words)},
                    },
                ),
                ("message_stop", {"type": "message_stop"}),
            ]
            return _sse(events, done=False)
        return JSONResponse(
            {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 11, "output_tokens": 6},
            }
        )

    # Gemini ------------------------------------------------------------------------------------

    async def gemini(self, request: Request) -> Response:
        if request.headers.get("x-goog-api-key") != KEYS["gemini"]:
            return JSONResponse(
                {
                    "error": {
                        "code": 400,
                        "message": "API key not valid.",
                        "status": "INVALID_ARGUMENT",
                    }
                },
                400,
            )
        model, _, method = request.path_params["call"].partition(":")
        body = await self._body(request)
        if method == "batchEmbedContents":
            return JSONResponse(
                {
                    "embeddings": [
                        {"values": [float(len(r["content"]["parts"][0]["text"])), 1.0]}
                        for r in body["requests"]
                    ]
                }
            )
        failure = await self._behave(model)
        if failure is not None:
            return failure
        text = f"{model} says: {body['contents'][-1]['parts'][0]['text']}"
        answer = {
            "candidates": [
                {
                    "content": {"parts": [{"text": text}], "role": "model"},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 7,
                "candidatesTokenCount": 5,
                "totalTokenCount": 12,
            },
            "modelVersion": model,
        }
        if method == "streamGenerateContent":
            if request.query_params.get("alt") != "sse":
                return JSONResponse([answer])
            half = len(text) // 2
            first = {
                "candidates": [
                    {"content": {"parts": [{"text": text[:half]}], "role": "model"}, "index": 0}
                ]
            }
            last = {
                **answer,
                "candidates": [
                    {
                        **answer["candidates"][0],
                        "content": {"parts": [{"text": text[half:]}], "role": "model"},
                    }
                ],
            }
            return _sse([(None, first), (None, last)], done=False)
        return JSONResponse(answer)

    # Cohere ------------------------------------------------------------------------------------

    async def cohere_chat(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {KEYS['cohere']}":
            return JSONResponse({"message": "invalid api token"}, 401)
        body = await self._body(request)
        model = body["model"]
        failure = await self._behave(model)
        if failure is not None:
            return failure
        text = f"{model} says: {_last_user_text(body['messages'])}"
        usage = {
            "billed_units": {"input_tokens": 8, "output_tokens": 4},
            "tokens": {"input_tokens": 70, "output_tokens": 4},
        }
        if body.get("stream"):
            events: list[tuple[str | None, Any]] = [
                (
                    "message-start",
                    {
                        "type": "message-start",
                        "id": "cohere-fake",
                        "delta": {"message": {"role": "assistant"}},
                    },
                ),
            ]
            events += [
                (
                    "content-delta",
                    {
                        "type": "content-delta",
                        "index": 0,
                        "delta": {"message": {"content": {"text": w + " "}}},
                    },
                )
                for w in text.split(" ")
            ]
            events.append(
                (
                    "message-end",
                    {"type": "message-end", "delta": {"finish_reason": "COMPLETE", "usage": usage}},
                )
            )
            return _sse(events, done=False)
        return JSONResponse(
            {
                "id": "cohere-fake",
                "finish_reason": "COMPLETE",
                "message": {"role": "assistant", "content": [{"type": "text", "text": text}]},
                "usage": usage,
            }
        )

    async def cohere_embed(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {KEYS['cohere']}":
            return JSONResponse({"message": "invalid api token"}, 401)
        body = await self._body(request)
        if body.get("embedding_types") != ["float"] or "input_type" not in body:
            return JSONResponse({"message": "invalid request"}, 400)
        return JSONResponse(
            {
                "id": "embed-fake",
                "texts": body["texts"],
                "embeddings": {"float": [[float(len(t)), 2.0] for t in body["texts"]]},
                "meta": {"billed_units": {"input_tokens": 3}},
            }
        )

    # Bedrock -----------------------------------------------------------------------------------

    @staticmethod
    def _sigv4_ok(request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        return (
            auth.startswith(f"AWS4-HMAC-SHA256 Credential={KEYS['bedrock']}/")
            and "/bedrock/aws4_request" in auth
            and "x-amz-date" in request.headers
        )

    async def bedrock_converse(self, request: Request) -> Response:
        if not self._sigv4_ok(request):
            return JSONResponse(
                {"message": "The security token included in the request is invalid."}, 403
            )
        body = await self._body(request)
        model = request.path_params["model"]
        failure = await self._behave(model)
        if failure is not None:
            return failure
        text = f"{model} says: {body['messages'][-1]['content'][0]['text']}"
        return JSONResponse(
            {
                "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": 6, "outputTokens": 3, "totalTokens": 9},
                "metrics": {"latencyMs": 12},
            }
        )

    async def bedrock_invoke(self, request: Request) -> Response:
        if not self._sigv4_ok(request):
            return JSONResponse(
                {"message": "The security token included in the request is invalid."}, 403
            )
        body = await self._body(request)
        return JSONResponse(
            {"embedding": [float(len(body["inputText"])), 3.0], "inputTextTokenCount": 2}
        )
