"""Checks that a model-version ``source`` cannot reach outside artifact storage.

A tracking server registers whatever URI a client sends, and later serves its files; these
rules (the ones MLflow's server applies) make sure the source lies inside the artifacts of the
run or logged model the request names.
"""

from __future__ import annotations

import os
import pathlib
import posixpath
import re
import urllib.parse
from collections.abc import Callable

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.registry.uris import parse_models_uri

__all__ = ["ensure_no_traversal", "is_local_uri", "validate_source"]

# id -> artifact root URI, or None when the run/model does not exist
RootLookup = Callable[[str], str | None]


def is_local_uri(uri: str) -> bool:
    """Whether ``uri`` names a path on this machine (a bare path or ``file:``)."""
    scheme = urllib.parse.urlparse(uri).scheme
    return scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt")


def _local_path(uri: str) -> pathlib.Path:
    parsed = urllib.parse.urlparse(uri)
    path = urllib.parse.unquote(parsed.path) if parsed.scheme == "file" else uri
    return pathlib.Path(path).resolve()


def _not_identified(source: str, field: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Invalid model version source: '{source}'. The {field} request parameter must "
        "identify the resource that contains the source."
    )


def ensure_no_traversal(source: str) -> None:
    """Refuse a source whose path, once fully percent-decoded, holds ``..``, NUL or anything
    that normalizes to a different path.

    Raises:
        InvalidParameterValue: the source carries a relative path reference.
    """
    message = (
        f"Invalid model version source: '{source}'. If supplying a source as an http, https, "
        "local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be "
        "provided without relative path references present. Please provide an absolute path."
    )
    decoded = source
    # bounded: each round removes at least one escape
    for _ in range(16):
        unquoted = urllib.parse.unquote_plus(decoded)
        if unquoted == decoded:
            break
        decoded = unquoted
    else:
        raise InvalidParameterValue(message)
    path = re.sub(r"/+", "/", urllib.parse.urlparse(decoded).path.rstrip("/"))
    if "\x00" in decoded or any(part == ".." for part in decoded.split("/")):
        raise InvalidParameterValue(message)
    if path and posixpath.normpath(path) != path:
        raise InvalidParameterValue(message)


def _uri_parts(uri: str) -> tuple[str, str, tuple[str, ...]]:
    parsed = urllib.parse.urlsplit(uri)
    parts = tuple(urllib.parse.unquote(p) for p in parsed.path.split("/") if p)
    return parsed.scheme.lower(), parsed.netloc.lower(), parts


_SERVICE_ROUTE = ("api", "2.0", "mlflow-artifacts", "artifacts")


def _within(source: str, root: str) -> bool:
    s_scheme, s_host, s_parts = _uri_parts(source)
    r_scheme, r_host, r_parts = _uri_parts(root)
    if r_scheme == "mlflow-artifacts" and s_scheme in ("http", "https"):
        # the artifact service URL of a proxied path names the same file
        for i in range(len(s_parts) - len(_SERVICE_ROUTE) + 1):
            if s_parts[i : i + len(_SERVICE_ROUTE)] == _SERVICE_ROUTE:
                s_scheme, s_host = r_scheme, r_host
                s_parts = s_parts[i + len(_SERVICE_ROUTE) :]
                break
    return (
        s_scheme == r_scheme
        and s_host == r_host
        and bool(r_parts)
        and s_parts[: len(r_parts)] == r_parts
    )


def _is_artifact_service_uri(source: str) -> bool:
    scheme, _, parts = _uri_parts(source)
    if scheme == "mlflow-artifacts":
        return True
    route = _SERVICE_ROUTE
    return scheme in ("http", "https") and any(
        parts[i : i + len(route)] == route for i in range(len(parts) - len(route) + 1)
    )


def _local_inside(source: str, root: str | None) -> bool:
    if root is None or not is_local_uri(root):
        return False
    path = _local_path(source)
    root_path = _local_path(root)
    return root_path == path or root_path in path.parents


def validate_source(
    source: str,
    run_id: str | None,
    model_id: str | None,
    *,
    run_root: RootLookup,
    model_root: RootLookup,
) -> None:
    """Check ``source`` against the run or logged model the request names.

    With ``model_id`` the source must be ``models:/<model_id>`` or lie inside that model's
    artifacts; otherwise it must be ``runs:/<run_id>/…``, lie inside the run's artifacts, be a
    ``models:/<name>/<version>`` copy, or be a remote URI without path tricks.

    Raises:
        InvalidParameterValue: the source is not contained in the named resource.
    """
    field = "model_id" if model_id else "run_id"
    owner_id = model_id or run_id
    lookup = model_root if model_id else run_root
    if is_local_uri(source):
        if owner_id and _local_inside(source, lookup(owner_id)):
            return
        raise InvalidParameterValue(
            f"Invalid model version source: '{_local_path(source)}'. To use a local path as a "
            f"model version source, the {field} request parameter has to be specified and the "
            "local path has to be contained within the artifact directory of the run specified "
            f"by the {field}."
        )
    ensure_no_traversal(source)
    parsed = urllib.parse.urlparse(source)
    if parsed.scheme == "models":
        if parsed.netloc:
            raise _not_identified(source, "model_id")
        try:
            target = parse_models_uri(source)
        except InvalidParameterValue:
            raise _not_identified(source, "model_id") from None
        if target.model_id is not None and not (model_id and target.model_id == model_id):
            raise _not_identified(source, "model_id")
        return
    if parsed.scheme == "runs":
        if model_id or parsed.netloc:
            raise _not_identified(source, field)
        uri_run_id = parsed.path.lstrip("/").split("/", 1)[0]
        if run_id and uri_run_id == run_id:
            return
        raise _not_identified(source, "run_id")
    if _is_artifact_service_uri(source):
        root = lookup(owner_id) if owner_id else None
        if root is not None and _within(source, root):
            return
        raise _not_identified(source, field)
