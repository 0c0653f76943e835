"""Session-wide fixtures that start real services for the tests.

- ``postgres_server`` / ``postgres_url``: a throw-away PostgreSQL cluster and a fresh
  database per test (tests using them are marked ``postgres`` automatically).
- ``s3_server`` / ``s3_env`` / ``s3_bucket``: moto's standalone S3 endpoint over HTTP.
- ``mlflow_python``: the interpreter of the reference MLflow 3.17.2 venv.

Helpers for starting servers live in ``tests.fixtures.servers`` (``free_port``,
``run_server``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# ``tests.fixtures`` must import the same way under every pytest import mode.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.fixtures.mlflow_ref import locate_mlflow_python  # noqa: E402
from tests.fixtures.postgres import (  # noqa: E402
    PostgresServer,
    PostgresUnavailableError,
    find_bin_dir,
    postgres_cluster,
)
from tests.fixtures.s3 import S3_TEST_ENV, create_bucket, moto_server  # noqa: E402

_POSTGRES_FIXTURES = {"postgres_server", "postgres_url"}


def in_ci() -> bool:
    """True when running under CI, where a missing service is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _POSTGRES_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


def _require_postgres() -> None:
    try:
        find_bin_dir()
    except PostgresUnavailableError as exc:
        if in_ci():
            pytest.fail(f"CI requires PostgreSQL: {exc}")
        pytest.skip(str(exc))


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Also covers tests marked ``postgres`` that start PostgreSQL by other means.
    if item.get_closest_marker("postgres") is not None:
        _require_postgres()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster on a free loopback port, shared by the whole session."""
    _require_postgres()
    with postgres_cluster() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """URL of a fresh, empty database (``postgresql://postgres@127.0.0.1:<port>/t_<hex>``)."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """Endpoint URL of a moto S3 server on a free loopback port."""
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_env(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point boto3 and ``MLFLOW_S3_ENDPOINT_URL`` at ``s3_server`` for one test."""
    for key, value in S3_TEST_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MLFLOW_S3_ENDPOINT_URL", s3_server)
    return s3_server


@pytest.fixture
def s3_bucket(s3_env: str) -> str:
    """Name of a fresh, empty bucket on ``s3_server``."""
    return create_bucket(s3_env)


@pytest.fixture(scope="session")
def mlflow_python() -> str:
    """Path of the reference MLflow 3.17.2 interpreter (``MLHARBOR_MLFLOW_PYTHON`` overrides)."""
    try:
        return str(locate_mlflow_python(REPO_ROOT))
    except FileNotFoundError as exc:
        pytest.fail(str(exc))


# What the caller's environment says, before any test or fixture calls ``set_experiment``.
_CALLER_EXPERIMENT_ID = os.environ.get("MLFLOW_EXPERIMENT_ID")


def _restore_experiment_id() -> None:
    if _CALLER_EXPERIMENT_ID is None:
        os.environ.pop("MLFLOW_EXPERIMENT_ID", None)
    else:
        os.environ["MLFLOW_EXPERIMENT_ID"] = _CALLER_EXPERIMENT_ID


@pytest.fixture(autouse=True)
def _experiment_id_variable_kept() -> Iterator[None]:
    """``set_experiment`` exports ``MLFLOW_EXPERIMENT_ID`` (as MLflow does); neither a test nor
    a session fixture that calls it may hand that experiment to later tests or their programs."""
    _restore_experiment_id()
    yield
    _restore_experiment_id()
