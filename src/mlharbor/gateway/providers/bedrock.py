"""Amazon Bedrock: the Converse API (``POST {base}/model/{id}/converse``) for chat and
completions, and ``/model/{id}/invoke`` with Titan's ``inputText`` for embeddings.

Requests are signed with SigV4 (botocore, from the ``s3`` extra) from ``aws_config``'s access
key, or carry a Bedrock API key (``aws_bearer_token``) as a bearer token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import orjson

from mlharbor.gateway.errors import ConfigError, GatewayError
from mlharbor.gateway.providers.anthropic import text_of
from mlharbor.gateway.providers.base import (
    Provider,
    chat_response,
    completion_from_chat,
    prompt_messages,
)

__all__ = ["BedrockProvider"]

_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "content_filtered": "content_filter",
}
_AWS_KEYS = {
    "aws_region",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_bearer_token",
    "aws_role_arn",
    "session_length_seconds",
}


class BedrockProvider(Provider):
    names = ("bedrock", "amazon-bedrock")
    config_keys = {"aws_config": True, "bedrock_api_base": False}

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], where: str) -> None:
        super().validate_config(config, where)
        aws = config["aws_config"]
        if not isinstance(aws, Mapping) or set(aws) - _AWS_KEYS:
            raise ConfigError(f"{where}: 'aws_config' accepts only {sorted(_AWS_KEYS)}.")
        if not aws.get("aws_region"):
            raise ConfigError(f"{where}: 'aws_config' needs 'aws_region'.")
        keyed = aws.get("aws_access_key_id") and aws.get("aws_secret_access_key")
        if not keyed and not aws.get("aws_bearer_token"):
            raise ConfigError(
                f"{where}: 'aws_config' needs 'aws_access_key_id' and 'aws_secret_access_key', "
                "or 'aws_bearer_token'."
            )

    @property
    def _aws(self) -> Mapping[str, Any]:
        aws: Mapping[str, Any] = self.config["aws_config"]
        return aws

    def _url(self, action: str) -> str:
        base = self.config.get("bedrock_api_base") or (
            f"https://bedrock-runtime.{self._aws['aws_region']}.amazonaws.com"
        )
        return f"{str(base).rstrip('/')}/model/{quote(str(self.model.name), safe='')}/{action}"

    def _signed(self, url: str, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._aws.get("aws_bearer_token"):
            return {**headers, "Authorization": f"Bearer {self._aws['aws_bearer_token']}"}
        try:
            from botocore.auth import SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
        except ImportError:
            raise GatewayError(
                501, "Signing Bedrock requests needs botocore: pip install 'mlharbor[s3]'."
            ) from None
        request = AWSRequest(method="POST", url=url, data=body, headers=headers)
        credentials = Credentials(
            self._aws["aws_access_key_id"],
            self._aws["aws_secret_access_key"],
            self._aws.get("aws_session_token"),
        )
        SigV4Auth(credentials, "bedrock", self._aws["aws_region"]).add_auth(request)
        return dict(request.headers.items())

    async def _post(self, action: str, body: Mapping[str, Any]) -> Any:
        url, raw = self._url(action), orjson.dumps(body)
        return await self.post_json(url, raw, self._signed(url, raw))

    async def chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        system = [
            {"text": text_of(m.get("content"))}
            for m in payload["messages"]
            if m.get("role") == "system"
        ]
        body: dict[str, Any] = {
            "messages": [
                {"role": m.get("role"), "content": [{"text": text_of(m.get("content"))}]}
                for m in payload["messages"]
                if m.get("role") != "system"
            ],
        }
        if system:
            body["system"] = system
        inference = {
            theirs: payload[ours]
            for ours, theirs in (
                ("max_tokens", "maxTokens"),
                ("temperature", "temperature"),
                ("top_p", "topP"),
            )
            if payload.get(ours) is not None
        }
        stop = payload.get("stop")
        if stop:
            inference["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
        if inference:
            body["inferenceConfig"] = inference
        answer = await self._post("converse", body)
        content = ((answer.get("output") or {}).get("message") or {}).get("content") or []
        text = "".join(part.get("text", "") for part in content)
        usage = answer.get("usage") or {}
        reason = answer.get("stopReason")
        return chat_response(
            self.model.name,
            [(text, _FINISH.get(reason, reason))],
            {
                "prompt_tokens": usage.get("inputTokens"),
                "completion_tokens": usage.get("outputTokens"),
            },
        )

    async def completions(self, payload: dict[str, Any]) -> dict[str, Any]:
        chat = await self.chat(
            {**self.params(payload, "prompt"), "messages": prompt_messages(payload)}
        )
        return completion_from_chat(chat)

    async def embeddings(self, payload: dict[str, Any]) -> dict[str, Any]:
        texts = payload["input"] if isinstance(payload["input"], list) else [payload["input"]]
        data, tokens = [], 0
        for index, text in enumerate(texts):
            answer = await self._post("invoke", {"inputText": text})
            data.append(
                {"object": "embedding", "index": index, "embedding": answer.get("embedding", [])}
            )
            tokens += int(answer.get("inputTextTokenCount") or 0)
        return {
            "object": "list",
            "data": data,
            "model": self.model.name,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
