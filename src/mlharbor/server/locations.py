"""Checks on an artifact location a client asks a new experiment to use.

Each experiment the server creates gets a directory of its own (``<root>/<experiment_id>``),
and permission checks map stored files back to their experiment by that first segment. An
explicit location must therefore never land in storage the server manages: otherwise it could
alias another experiment's directory (``mlflow-artifacts:/1#``, ``mlflow-artifacts:/%31``,
``<destination>/x/../1``) or the whole store, and one tenant's runs would read and write
another's files. Query, fragment and ``;`` parameter parts are refused outright, as MLflow
does, because artifact repositories drop them when they build paths.
"""

from __future__ import annotations

import os
import posixpath
import urllib.parse

from mlharbor.exceptions import InvalidParameterValue, MlharborException
from mlharbor.server.artifact_access import PROXY_SCHEME
from mlharbor.server.context import ServerContext
from mlharbor.store.registry.sources import is_local_uri
from mlharbor.utils.paths import file_uri_to_local_path

__all__ = ["check_experiment_location"]


def _refused(location: str, why: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"Invalid artifact location '{location[:300]}': {why}")


def _local_inside(location: str, root: str) -> bool:
    real_root = os.path.realpath(root)
    candidate = os.path.realpath(file_uri_to_local_path(location))
    return os.path.commonpath([real_root, candidate]) == real_root


def _remote_inside(location: str, root: str) -> bool:
    def normal(uri: str) -> tuple[str, str, str]:
        parsed = urllib.parse.urlsplit(uri)
        path = posixpath.normpath("/" + urllib.parse.unquote(parsed.path))
        return parsed.scheme.lower(), parsed.netloc.lower(), path.rstrip("/") + "/"

    scheme, host, path = normal(location)
    root_scheme, root_host, root_path = normal(root)
    return (scheme, host) == (root_scheme, root_host) and path.startswith(root_path)


def check_experiment_location(ctx: ServerContext, location: str) -> None:
    """Refuse ``location`` when it carries a query or fragment, or lies in storage the server
    manages: the proxied destination or, when the server reads it, the default artifact root.

    Raises:
        InvalidParameterValue: with the reason.
    """
    from mlharbor.server.routes.artifacts import served_location

    if "?" in location or "#" in location or urllib.parse.urlparse(location).params:
        raise _refused(location, "it can't include a query, a fragment or ';' parameters.")
    managed = _refused(
        location,
        "it lies in the server's own artifact storage, where each experiment gets a "
        "directory of its own. Leave artifact_location out to get one.",
    )
    if urllib.parse.urlparse(location).scheme.lower() == PROXY_SCHEME:
        raise managed
    access = ctx.artifacts
    if access is not None:
        local = is_local_uri(location)
        if local == access.is_local and (
            _local_inside(location, access.root)
            if local
            else _remote_inside(location, access.destination)
        ):
            raise managed
    try:
        served_location(ctx, location)
    except MlharborException:
        return
    raise managed
