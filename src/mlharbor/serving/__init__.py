"""Model serving: the scoring server, batch prediction, and container and Kubernetes files.

``create_app(model_uri)`` returns an ASGI app answering MLflow's scoring protocol
(``/invocations``) plus ``/predict`` and ``/metrics``; it follows registry aliases as they move.
Web-server and data libraries are imported only when these functions run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlharbor.serving.app import ScoringApp

__all__ = ["create_app"]


def create_app(model_uri: str, *, enable_predict_route: bool = True, **options: Any) -> ScoringApp:
    """Load ``model_uri`` and return the ASGI scoring app.

    See :func:`mlharbor.serving.app.create_app` for the options.
    """
    from mlharbor.serving.app import create_app as _create_app

    return _create_app(model_uri, enable_predict_route=enable_predict_route, **options)
