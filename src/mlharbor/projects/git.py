"""Fetching a project (a local directory or a git repository) and the git tags of its run.

Git work goes through the ``git`` executable. A URI may end in ``#sub/dir`` to run a project
that lives in a subdirectory; like MLflow, ``.`` is refused there so it cannot climb out.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import urllib.parse

from mlharbor.projects.errors import ExecutionException, invalid

__all__ = [
    "FetchedProject",
    "fetch_project",
    "git_tags",
    "is_git_uri",
    "source_name",
    "split_subdirectory",
]

_GIT_TIMEOUT_S = 300.0


def _git(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
            # A clone must fail rather than wait for a password nobody can type.
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except FileNotFoundError:
        raise ExecutionException(
            "Could not find the git executable; install git to run projects from git URIs."
        ) from None
    except subprocess.TimeoutExpired:
        raise ExecutionException(f"git {' '.join(args)} did not finish in time.") from None


def _git_output(directory: str, *args: str) -> str | None:
    try:
        completed = _git(*args, cwd=directory)
    except ExecutionException:
        return None
    text = completed.stdout.strip()
    return text if completed.returncode == 0 and text else None


def split_subdirectory(uri: str) -> tuple[str, str]:
    """``(uri, subdirectory)`` of ``uri#subdirectory`` (quotes around the URI are dropped)."""
    unquoted = uri.strip("'\"")
    base, _, subdirectory = unquoted.partition("#")
    if "." in subdirectory:
        raise invalid("'.' is not allowed in project subdirectory paths.")
    return base, subdirectory


def _local_path(uri: str) -> str | None:
    if uri.startswith("file://"):
        parsed = urllib.parse.urlparse(uri)
        return os.path.join(parsed.netloc, parsed.path) if parsed.netloc else parsed.path
    return uri if "://" not in uri and not uri.startswith("git@") else None


def is_git_uri(uri: str) -> bool:
    """True when ``uri`` (without its ``#subdirectory``) must be cloned rather than used."""
    base, _ = split_subdirectory(uri)
    local = _local_path(base)
    return local is None or not os.path.isdir(local)


class FetchedProject:
    """Where a project's files are (``directory``) and, for a clone, which temp dir holds it."""

    def __init__(self, directory: str, clone_root: str | None) -> None:
        self.directory = directory
        self.clone_root = clone_root


def _clone(remote: str, version: str | None) -> str:
    target = tempfile.mkdtemp(prefix="mlharbor-project-")
    if version is None:
        completed = _git("clone", "--depth", "1", "--recurse-submodules", remote, target)
        if completed.returncode != 0:
            raise ExecutionException(
                f"Unable to clone git repository {remote}: {completed.stderr.strip()}"
            )
        return target
    # A commit hash cannot be cloned with --branch, so fetch the ref into a fresh repository.
    steps = [
        ("init", "--quiet"),
        ("remote", "add", "origin", remote),
        ("fetch", "--quiet", "--tags", "origin", version),
        ("checkout", "--quiet", "FETCH_HEAD"),
    ]
    for step in steps:
        completed = _git(*step, cwd=target)
        if completed.returncode != 0:
            raise ExecutionException(
                f"Unable to checkout version '{version}' of git repo {remote} - please ensure "
                f"that the version exists in the repo. Error: {completed.stderr.strip()}"
            )
    # Name the branch after the version so the run gets its branch tag like a normal clone.
    tracking_ref = f"refs/remotes/origin/{version}"
    if _git("show-ref", "--verify", "--quiet", tracking_ref, cwd=target).returncode == 0:
        _git("checkout", "--quiet", "-B", version, cwd=target)
    _git("submodule", "update", "--init", "--recursive", cwd=target)
    return target


def fetch_project(uri: str, version: str | None) -> FetchedProject:
    """Make the project at ``uri`` available locally.

    A local directory is used in place; a git URI (or a local repository with a ``version``)
    is cloned into a new temp directory.

    Raises:
        ExecutionException: cloning fails, ``version`` is given for a non-git directory, or
            the subdirectory does not exist.
    """
    base, subdirectory = split_subdirectory(uri)
    local = _local_path(base)
    clone_root: str | None = None
    if local is not None and os.path.isdir(local):
        root = os.path.abspath(local)
        if version is not None:
            if _git_output(root, "rev-parse", "--is-inside-work-tree") != "true":
                raise invalid("Setting a version is only supported for Git project URIs")
            clone_root = root = _clone(root, version)
    elif local is not None and not base.startswith("file://"):
        raise invalid(f"Project directory {local} does not exist.")
    else:
        clone_root = root = _clone(base, version)
    directory = os.path.abspath(os.path.join(root, subdirectory))
    if not os.path.isdir(directory):
        raise invalid(f"Could not find subdirectory {subdirectory} of {root}")
    return FetchedProject(directory, clone_root)


def source_name(uri: str) -> str:
    """The ``mlflow.source.name`` of a run of ``uri``.

    For a local directory inside a git work tree this is ``file://<top>#<subdir>``, as MLflow
    records it, so the source points at the repository; otherwise the absolute path or URI.
    """
    if "#" in uri or is_git_uri(uri):
        return uri
    local = _local_path(uri)
    assert local is not None
    path = os.path.abspath(local)
    top = _git_output(path, "rev-parse", "--show-toplevel")
    if top is None:
        return path
    relative = os.path.relpath(os.path.realpath(path), os.path.realpath(top))
    return f"file://{top}" + ("" if relative == "." else f"#{relative}")


def git_tags(directory: str, version: str | None) -> dict[str, str]:
    """Commit, repository URL and (when ``version`` is a branch) branch tags of ``directory``."""
    tags: dict[str, str] = {}
    commit = _git_output(directory, "rev-parse", "HEAD")
    if commit is None:
        return tags
    tags["mlflow.source.git.commit"] = commit
    remote = _git_output(directory, "config", "--get", "remote.origin.url")
    if remote:
        tags["mlflow.source.git.repoURL"] = remote
    if version is not None and _git_output(
        directory, "rev-parse", "--verify", "--quiet", f"refs/heads/{version}"
    ):
        tags["mlflow.source.git.branch"] = version
    return tags
