"""Reading the auth ini named by ``MLFLOW_AUTH_CONFIG_PATH``."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.server.auth.config import AuthConfig, read_auth_config


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "MLFLOW_AUTH_CONFIG_PATH",
        "MLFLOW_AUTH_ADMIN_USERNAME",
        "MLFLOW_AUTH_ADMIN_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_match_mlflow_without_a_file() -> None:
    assert read_auth_config() == AuthConfig(
        default_permission="READ",
        database_uri="sqlite:///basic_auth.db",
        admin_username="admin",
        admin_password=None,
    )


def test_file_from_env_and_admin_env_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = tmp_path / "auth.ini"
    ini.write_text(
        "[mlflow]\ndefault_permission = NO_PERMISSIONS\ndatabase_uri = sqlite:///x.db\n"
        "admin_username = root\nadmin_password = from-the-file-123\n"
    )
    monkeypatch.setenv("MLFLOW_AUTH_CONFIG_PATH", str(ini))
    config = read_auth_config()
    assert (config.default_permission, config.database_uri) == ("NO_PERMISSIONS", "sqlite:///x.db")
    assert (config.admin_username, config.admin_password) == ("root", "from-the-file-123")
    monkeypatch.setenv("MLFLOW_AUTH_ADMIN_PASSWORD", "from-the-env-1234")
    assert read_auth_config().admin_password == "from-the-env-1234"
    # Set but empty means "no password", not "use the file's".
    monkeypatch.setenv("MLFLOW_AUTH_ADMIN_PASSWORD", "")
    assert read_auth_config().admin_password is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[mlflow]\ndefault_permission = WRITE\n", "Invalid permission 'WRITE'"),
        ("[mlflow]\nauthorization_function = my.module:check\n", "Unsupported authorization"),
    ],
)
def test_bad_settings_are_refused(tmp_path: Path, content: str, message: str) -> None:
    ini = tmp_path / "auth.ini"
    ini.write_text(content)
    with pytest.raises(InvalidParameterValue, match=message):
        read_auth_config(str(ini))


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterValue, match="cannot be read"):
        read_auth_config(str(tmp_path / "absent.ini"))
