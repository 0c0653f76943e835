"""The tracking server: MLflow's REST API, the artifact proxy and service routes over ASGI.

Build the application with :func:`create_app`; run it with ``mlharbor server``.
"""

from __future__ import annotations

from mlharbor.server.app import create_app

__all__ = ["create_app"]
