"""Tracking stores: the Protocol every backend implements, and the backends."""

from mlharbor.store.tracking.protocol import TrackingStore

__all__ = ["TrackingStore"]
