"""Provider adapters, looked up by the name a configuration gives (``model.provider``)."""

from __future__ import annotations

from mlharbor.gateway.providers.anthropic import AnthropicProvider
from mlharbor.gateway.providers.base import Provider
from mlharbor.gateway.providers.bedrock import BedrockProvider
from mlharbor.gateway.providers.cohere import CohereProvider
from mlharbor.gateway.providers.gemini import GeminiProvider
from mlharbor.gateway.providers.model_serving import ModelServingProvider
from mlharbor.gateway.providers.openai import (
    AzureOpenAIProvider,
    MistralProvider,
    OpenAICompatibleProvider,
    OpenAIProvider,
)

__all__ = ["Provider", "provider_class", "provider_names"]

_CLASSES: tuple[type[Provider], ...] = (
    OpenAIProvider,
    AzureOpenAIProvider,
    AnthropicProvider,
    GeminiProvider,
    MistralProvider,
    CohereProvider,
    BedrockProvider,
    OpenAICompatibleProvider,
    ModelServingProvider,
)
_BY_NAME = {name: cls for cls in _CLASSES for name in cls.names}


def provider_class(name: str) -> type[Provider] | None:
    """The adapter for ``name`` (case-insensitive, ``_`` and ``-`` alike), or None."""
    return _BY_NAME.get(name.lower().replace("_", "-"))


def provider_names() -> list[str]:
    return sorted(_BY_NAME)
