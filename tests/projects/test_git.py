"""Projects fetched from git: a ``file://`` repository, a version and a ``#subdirectory``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mlharbor import projects
from mlharbor.client.client import MlharborClient
from mlharbor.projects import ExecutionException
from tests.projects.conftest import write_project

MLPROJECT = """\
name: Versioned
entry_points:
  main:
    command: "python write.py"
"""

# Records the commit's message (the script's content changes per commit) and the run id.
WRITE_SCRIPT = """\
import json, os
with open(os.environ["RECORD_TO"], "w") as handle:
    json.dump({{"version": "{version}", "run_id": os.environ["MLFLOW_RUN_ID"]}}, handle)
"""


def _git(repo: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return completed.stdout.strip()


@pytest.fixture
def repo(workdir: Path) -> Path:
    """A repository whose ``sub/`` project says v1 at the first commit, v2 on main."""
    root = workdir / "repo"
    root.mkdir()
    _git(root, "init", "--quiet", "--initial-branch", "main")
    _git(root, "config", "user.email", "t@example.com")
    _git(root, "config", "user.name", "t")
    for version in ("v1", "v2"):
        write_project(
            root / "sub", {"MLproject": MLPROJECT, "write.py": WRITE_SCRIPT.format(version=version)}
        )
        _git(root, "add", ".")
        _git(root, "commit", "--quiet", "-m", version)
        if version == "v1":
            _git(root, "branch", "release")
    return root


def _record(path: Path) -> dict[str, str]:
    record: dict[str, str] = json.loads(path.read_text())
    return record


def test_file_uri_with_a_commit_runs_that_commit(
    repo: Path, workdir: Path, client: MlharborClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _git(repo, "rev-list", "--max-parents=0", "HEAD")
    monkeypatch.setenv("RECORD_TO", str(workdir / "out.json"))
    uri = f"file://{repo}#sub"

    submitted = projects.run(uri, version=first, env_manager="local")

    assert _record(workdir / "out.json") == {"version": "v1", "run_id": submitted.run_id}
    tags = client.get_run(submitted.run_id).data.tags
    assert tags["mlflow.source.name"] == uri
    assert tags["mlflow.source.git.commit"] == first
    assert tags["mlflow.source.git.repoURL"] == str(repo)
    assert "mlflow.source.git.branch" not in tags


def test_branch_version_is_tagged_and_default_is_the_head(
    repo: Path, workdir: Path, client: MlharborClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECORD_TO", str(workdir / "out.json"))

    on_branch = projects.run(f"file://{repo}#sub", version="release", env_manager="local")
    assert _record(workdir / "out.json")["version"] == "v1"
    tags = client.get_run(on_branch.run_id).data.tags
    assert tags["mlflow.source.git.branch"] == "release"

    # A local checkout is used in place; its commit is tagged, and the source points into it.
    in_place = projects.run(str(repo / "sub"), env_manager="local")
    assert _record(workdir / "out.json")["version"] == "v2"
    tags = client.get_run(in_place.run_id).data.tags
    assert tags["mlflow.source.git.commit"] == _git(repo, "rev-parse", "HEAD")
    assert tags["mlflow.source.name"] == f"file://{repo}#sub"


def test_unknown_version_and_version_outside_git_are_refused(
    repo: Path, workdir: Path, client: MlharborClient
) -> None:
    with pytest.raises(ExecutionException, match="Unable to checkout version 'nope'"):
        projects.run(f"file://{repo}#sub", version="nope", env_manager="local")
    plain = write_project(workdir / "plain", {"MLproject": MLPROJECT})
    with pytest.raises(ExecutionException, match="only supported for Git project URIs"):
        projects.run(str(plain), version="main", env_manager="local")
    with pytest.raises(ExecutionException, match=r"'\.' is not allowed"):
        projects.run(f"file://{repo}#../etc", env_manager="local")
    assert client.search_runs(["0"]) == []
