"""The one place user-supplied artifact paths are checked and resolved.

Every artifact path, model source and artifact location goes through :func:`safe_join` (local
roots) or :func:`validate_relative_path` (remote roots). A path is decoded once, checked for
every escape trick, then, for local roots, resolved with ``realpath`` and confirmed to stay below
the root with ``commonpath``.
"""

from __future__ import annotations

import os
import posixpath
import re
import urllib.parse
import urllib.request

from mlharbor.exceptions import InvalidParameterValue

__all__ = [
    "file_uri_to_local_path",
    "local_path_to_file_uri",
    "safe_join",
    "validate_relative_path",
]

# After one round of decoding, any remaining encoded dot, slash, backslash or percent means the
# path was encoded more than once to sneak a traversal past a single decode.
_LEFTOVER_ENCODING = re.compile(r"%(2e|2f|5c|25|00)", re.IGNORECASE)
_DRIVE = re.compile(r"^[a-zA-Z]:")


def _invalid(path: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"Invalid path: {path}")


def validate_relative_path(path: str) -> str:
    """Check a user-supplied relative path without touching any filesystem.

    Args:
        path: a relative POSIX path, possibly percent-encoded once.

    Returns:
        The decoded, normalized POSIX path; ``""`` for the root itself (empty path or ``.``).

    Raises:
        InvalidParameterValue: on ``..`` segments, absolute or drive paths, backslashes, NUL,
            fragments, ``;`` parameters, or encoding left over after one decode.
    """
    if path is None:
        return ""
    if not isinstance(path, str):
        raise _invalid(str(path))
    decoded = urllib.parse.unquote(path)
    if (
        "\x00" in decoded
        or "\\" in decoded
        or "#" in decoded
        or ";" in decoded
        or _LEFTOVER_ENCODING.search(decoded)
        or decoded.startswith("/")
        or _DRIVE.match(decoded)
    ):
        raise _invalid(path)
    parts = [part for part in decoded.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise _invalid(path)
    return posixpath.join(*parts) if parts else ""


def safe_join(root: str, user_path: str) -> str:
    """Resolve ``user_path`` below the local directory ``root``.

    Args:
        root: a local directory (need not exist yet).
        user_path: a relative path from a user or a request.

    Returns:
        The absolute, symlink-resolved local path; ``root`` itself for an empty path.

    Raises:
        InvalidParameterValue: when the path is malformed (see :func:`validate_relative_path`)
            or resolves outside ``root``, including through a symlink.
    """
    relative = validate_relative_path(user_path)
    real_root = os.path.realpath(root)
    candidate = real_root
    if relative:
        candidate = os.path.realpath(os.path.join(real_root, *relative.split("/")))
    try:
        inside = os.path.commonpath([real_root, candidate]) == real_root
    except ValueError:
        inside = False
    if not inside:
        raise _invalid(user_path)
    return candidate


def local_path_to_file_uri(path: str) -> str:
    """Return the ``file://`` URI of a local path, made absolute first."""
    return "file://" + urllib.request.pathname2url(os.path.abspath(path))


def file_uri_to_local_path(uri: str) -> str:
    """Return the local path of a ``file:`` URI; a plain path is returned unchanged.

    Raises:
        InvalidParameterValue: for a ``file://`` URI naming a remote host.
    """
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme != "file":
        return uri
    if parsed.netloc not in ("", "localhost"):
        raise InvalidParameterValue(f"File URI {uri!r} names a remote host; only local paths.")
    return urllib.request.url2pathname(parsed.path)
