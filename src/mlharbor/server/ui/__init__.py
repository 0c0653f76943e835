"""The web UI: one HTML page and its static assets, served from the package.

The page is a single-page application written as plain ES modules (no build step). It talks
to the server only through the ``/ajax-api/2.0/mlflow/...`` endpoints and the ``/get-artifact``
downloads, so it needs no server state of its own. :data:`routes` holds the UI's entries for
the server's router; :mod:`mlharbor.server.ui.csrf` guards the state-changing endpoints
against cross-site requests.
"""

from __future__ import annotations

from mlharbor.server.ui.assets import routes

__all__ = ["routes"]
