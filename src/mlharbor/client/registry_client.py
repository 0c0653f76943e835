"""Model-registry methods of :class:`mlharbor.client.client.MlharborClient`."""

from __future__ import annotations


class RegistryClientMixin:
    """Registry half of the client; mixed into MlharborClient."""
