"""MLflow model serving: a model behind ``mlharbor models serve`` / ``mlflow models serve``
(``model_server_url``), or a model the gateway loads and scores itself (``model_uri``, e.g.
``models:/name@alias``, followed as the alias moves, as ``models serve`` follows it).

Requests become the scoring protocol's ``{"inputs": [...], "params": {...}}`` and answers are
read from ``{"predictions": [...]}``: strings for chat and completions, vectors for embeddings.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import orjson

from mlharbor.gateway.errors import ConfigError, GatewayError, UpstreamError
from mlharbor.gateway.providers.anthropic import text_of
from mlharbor.gateway.providers.base import (
    Provider,
    chat_response,
    completion_from_chat,
)

__all__ = ["ModelServingProvider"]


class ModelServingProvider(Provider):
    names = ("mlflow-model-serving", "mlharbor-model-serving")
    config_keys = {"model_server_url": False, "model_uri": False, "poll_interval_seconds": False}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slot: Any = None
        self._follower: Any = None

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], where: str) -> None:
        super().validate_config(config, where)
        if ("model_server_url" in config) == ("model_uri" in config):
            raise ConfigError(f"{where}: give exactly one of 'model_server_url' and 'model_uri'.")

    async def _score(self, inputs: list[Any], params: Mapping[str, Any]) -> list[Any]:
        request: dict[str, Any] = {"inputs": inputs}
        if params:
            request["params"] = dict(params)
        if "model_server_url" in self.config:
            url = f"{str(self.config['model_server_url']).rstrip('/')}/invocations"
            answer = await self.post_json(url, request, {})
        else:
            answer = await self._score_locally(orjson.dumps(request))
        if not isinstance(answer, Mapping) or "predictions" not in answer:
            raise UpstreamError(
                502, "The response is missing the required key: predictions.", retryable=False
            )
        predictions = answer["predictions"]
        if isinstance(predictions, Mapping) and len(predictions) == 1:
            predictions = next(iter(predictions.values()))
        if not isinstance(predictions, list) or not predictions:
            raise UpstreamError(502, "The model returned no predictions.", retryable=False)
        return predictions

    async def _score_locally(self, body: bytes) -> Any:
        import anyio

        from mlharbor.serving.errors import ScoringError
        from mlharbor.serving.scoring import score_invocation

        slot = await self._model_slot()
        try:
            raw = await anyio.to_thread.run_sync(
                score_invocation, slot.current, body, "application/json"
            )
        except ScoringError as exc:
            message = exc.body.decode("utf-8", "replace")
            with contextlib.suppress(orjson.JSONDecodeError, AttributeError):
                message = str(orjson.loads(exc.body).get("message", message))
            raise GatewayError(exc.status, message) from None
        return orjson.loads(raw)

    async def _model_slot(self) -> Any:
        if self._slot is None:
            import anyio

            from mlharbor.serving.model_source import (
                ModelSlot,
                RegistryFollower,
                follows_registry,
                load_served_model,
            )

            uri = str(self.config["model_uri"])
            try:
                served = await anyio.to_thread.run_sync(load_served_model, uri)
            except Exception as exc:
                raise GatewayError(503, f"Cannot load the model '{uri}': {exc}") from None
            if self._slot is None:
                self._slot = ModelSlot(served)
                if follows_registry(uri):
                    interval = float(self.config.get("poll_interval_seconds", 10))
                    self._follower = RegistryFollower(self._slot, interval_s=interval)
                    self._follower.start()
        return self._slot

    async def aclose(self) -> None:
        if self._follower is not None:
            self._follower.stop(timeout_s=0.1)

    async def chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        messages = payload["messages"]
        if len(messages) > 1:
            raise GatewayError(
                422,
                "MLflow chat models are only capable of processing a single query at a "
                f"time. The request submitted consists of {len(messages)} queries.",
            )
        predictions = await self._score(
            [text_of(messages[0].get("content"))], self.params(payload, "messages")
        )
        return chat_response(self.model.name, [(_text(p), None) for p in predictions], None)

    async def completions(self, payload: dict[str, Any]) -> dict[str, Any]:
        prompt = payload["prompt"]
        inputs = prompt if isinstance(prompt, list) else [prompt]
        predictions = await self._score(inputs, self.params(payload, "prompt"))
        chat = chat_response(self.model.name, [(_text(p), None) for p in predictions], None)
        return completion_from_chat(chat)

    async def embeddings(self, payload: dict[str, Any]) -> dict[str, Any]:
        texts = payload["input"] if isinstance(payload["input"], list) else [payload["input"]]
        vectors = await self._score(texts, self.params(payload, "input", "encoding_format"))
        if vectors and all(isinstance(v, int | float) for v in vectors):
            vectors = [vectors]
        return {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)
            ],
            "model": self.model.name,
            "usage": {"prompt_tokens": None, "total_tokens": None},
        }


def _text(prediction: Any) -> str:
    if isinstance(prediction, str):
        return prediction
    raise UpstreamError(502, "The model's predictions are not strings.", retryable=False)
