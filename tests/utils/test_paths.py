"""safe_join and validate_relative_path refuse every escape from an artifact root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.utils.paths import (
    file_uri_to_local_path,
    local_path_to_file_uri,
    safe_join,
    validate_relative_path,
)

HOSTILE = [
    "../etc/passwd",
    "a/../../b",
    "..",
    "%2e%2e/secret",
    "%252e%252e/secret",
    "a%2f..%2f..%2fb",
    "/etc/passwd",
    "C:/Windows",
    "c:evil",
    "a\\..\\b",
    "a%5cb",
    "a\x00b",
    "a%00b",
    "a#frag",
    "a;param=1",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_validate_relative_path_refuses_hostile(path: str) -> None:
    with pytest.raises(InvalidParameterValue, match="Invalid path"):
        validate_relative_path(path)


@pytest.mark.parametrize("path", HOSTILE)
def test_safe_join_refuses_hostile(tmp_path: Path, path: str) -> None:
    with pytest.raises(InvalidParameterValue):
        safe_join(str(tmp_path), path)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", ""),
        (".", ""),
        ("a/b.txt", "a/b.txt"),
        ("a//b/./c", "a/b/c"),
        ("dir/", "dir"),
        ("with%20space.txt", "with space.txt"),
        ("model/MLmodel", "model/MLmodel"),
    ],
)
def test_validate_relative_path_normalizes(path: str, expected: str) -> None:
    assert validate_relative_path(path) == expected


def test_safe_join_resolves_below_root(tmp_path: Path) -> None:
    root = os.path.realpath(tmp_path)
    assert safe_join(str(tmp_path), "") == root
    assert safe_join(str(tmp_path), "a/b.txt") == os.path.join(root, "a", "b.txt")


def test_safe_join_refuses_symlink_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside)
    with pytest.raises(InvalidParameterValue):
        safe_join(str(root), "link/file.txt")


def test_safe_join_allows_symlink_inside(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    resolved = safe_join(str(tmp_path), "alias/f.txt")
    assert resolved == os.path.join(os.path.realpath(tmp_path), "real", "f.txt")


def test_file_uri_round_trip(tmp_path: Path) -> None:
    uri = local_path_to_file_uri(str(tmp_path / "a b"))
    assert uri.startswith("file:///")
    assert file_uri_to_local_path(uri) == str(tmp_path / "a b")
    assert file_uri_to_local_path("/plain/path") == "/plain/path"


def test_file_uri_with_remote_host_refused() -> None:
    with pytest.raises(InvalidParameterValue):
        file_uri_to_local_path("file://evil.example/etc/passwd")
