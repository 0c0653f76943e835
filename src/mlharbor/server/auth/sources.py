"""Which resources a request reads from, beyond the one it writes to.

Registering a model version copies what its ``source`` names: a run (``run_id``,
``runs:/<run_id>``), a logged model (``model_id``, ``models:/<model_id>``), another registered
model (``models:/<name>/…``), or files in the server's artifact storage. The sender must be
allowed to read every one of them, or anyone could republish another user's files under a
model of their own and download them.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator

from mlharbor.exceptions import InvalidParameterValue, MlharborException
from mlharbor.server.artifact_access import proxied_path
from mlharbor.server.context import ServerContext
from mlharbor.store.registry.uris import parse_models_uri

__all__ = ["UnmappableError", "experiment_segment", "location_experiment", "source_resources"]

# An experiment id as the server writes it: no sign, no leading zeros, ASCII digits only.
_EXPERIMENT_SEGMENT = re.compile(r"0|[1-9][0-9]{0,18}")


class UnmappableError(Exception):
    """A location inside the server's artifact storage that belongs to no experiment."""


def experiment_segment(relative: str) -> str | None:
    """The experiment id leading a normalised, storage-relative path, else ``None``."""
    first = relative.split("/", 1)[0]
    return first if _EXPERIMENT_SEGMENT.fullmatch(first) else None


def location_experiment(ctx: ServerContext, uri: str) -> str | None:
    """The experiment whose directory holds ``uri`` when the server would serve it.

    Returns ``None`` for locations the server never reads (outside its artifact storage).

    Raises:
        UnmappableError: ``uri`` lies in the server's storage but in no experiment's directory.
    """
    from mlharbor.server.routes.artifacts import served_location

    relative = proxied_path(uri)
    if relative is None:
        try:
            served = served_location(ctx, uri)
        except MlharborException:
            return None
        root = served_location(ctx, ctx.default_artifact_root)
        relative = served[len(root) :].lstrip("/")
    found = experiment_segment(relative)
    if found is None:
        raise UnmappableError(uri)
    return found


Resource = tuple[str, str]  # ("run" | "logged_model" | "registered_model" | "experiment", id)


def source_resources(
    ctx: ServerContext, source: str, run_id: str | None, model_id: str | None
) -> Iterator[Resource]:
    """Every resource a new model version with these fields copies from.

    Raises:
        UnmappableError: the source names storage that belongs to no experiment.
    """
    if run_id:
        yield "run", run_id
    if model_id:
        yield "logged_model", model_id
    scheme = urllib.parse.urlparse(source).scheme.lower()
    if scheme == "models":
        try:
            target = parse_models_uri(source)
        except InvalidParameterValue:
            return  # the endpoint refuses it
        if target.model_id is not None:
            yield "logged_model", target.model_id
        elif target.name is not None:
            yield "registered_model", target.name
        return
    if scheme == "runs":
        yield "run", urllib.parse.urlparse(source).path.lstrip("/").split("/", 1)[0]
        return
    try:
        experiment_id = location_experiment(ctx, source)
    except InvalidParameterValue:
        return  # a malformed path: the endpoint refuses it
    if experiment_id is not None:
        yield "experiment", experiment_id
