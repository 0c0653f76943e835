"""The client layer: :class:`MlharborClient` and the fluent API built on it."""
