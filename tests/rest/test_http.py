"""The shared HTTP layer against a scripted HTTP server on a loopback port (see
:mod:`tests.rest.scripted`), which makes retry, back-off and error mapping deterministic."""

from __future__ import annotations

import base64
import json

import pytest

from mlharbor import __version__
from mlharbor.exceptions import MlharborException, RestException
from mlharbor.utils.http import (
    HostCreds,
    RetrySettings,
    call_endpoint,
    get_host_creds,
    http_request,
    to_query,
)
from tests.rest.scripted import Script

FAST = RetrySettings(max_retries=3, backoff_factor=0.0, backoff_jitter=0.0, timeout=5.0)


def test_get_sends_fields_as_query_with_repeated_keys(scripted: tuple[HostCreds, Script]) -> None:
    creds, script = scripted
    script.answer(200, {"experiments": []})
    body = {"order_by": ["name ASC", "creation_time DESC"], "max_results": 5, "flag": True}
    result = call_endpoint(creds, "/api/2.0/mlflow/x", "GET", {**body, "skip": None}, retry=FAST)
    assert result == {"experiments": []}
    request = script.seen[0]
    assert request.method == "GET"
    assert request.query == [
        ("order_by", "name ASC"),
        ("order_by", "creation_time DESC"),
        ("max_results", "5"),
        ("flag", "true"),
    ]
    assert request.headers["user-agent"] == f"mlharbor-python-client/{__version__}"


def test_post_sends_json_with_non_finite_floats_as_strings(
    scripted: tuple[HostCreds, Script],
) -> None:
    creds, script = scripted
    script.answer(200, b"")
    body = {"value": float("nan"), "values": [float("inf"), float("-inf"), 1.5]}
    assert call_endpoint(creds, "/api/2.0/mlflow/y", "POST", body, retry=FAST) == {}
    request = script.seen[0]
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == {"value": "NaN", "values": ["Infinity", "-Infinity", 1.5]}


def test_delete_carries_a_json_body(scripted: tuple[HostCreds, Script]) -> None:
    creds, script = scripted
    script.answer(200, {})
    call_endpoint(creds, "/api/2.0/mlflow/z", "DELETE", {"name": "m", "alias": "a"}, retry=FAST)
    assert script.seen[0].method == "DELETE"
    assert json.loads(script.seen[0].body) == {"name": "m", "alias": "a"}


def test_error_body_is_raised_with_its_code(scripted: tuple[HostCreds, Script]) -> None:
    creds, script = scripted
    script.answer(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Run with id=x"})
    with pytest.raises(RestException) as err:
        call_endpoint(creds, "/api/2.0/mlflow/runs/get", "GET", {"run_id": "x"}, retry=FAST)
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert str(err.value) == "RESOURCE_DOES_NOT_EXIST: Run with id=x"
    assert len(script.seen) == 1


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "BAD_REQUEST"),
        (404, "ENDPOINT_NOT_FOUND"),
        (403, "PERMISSION_DENIED"),
        (418, "INTERNAL_ERROR"),
    ],
)
def test_non_json_errors_map_by_status(
    scripted: tuple[HostCreds, Script], status: int, code: str
) -> None:
    creds, script = scripted
    script.answer(status, b"<html>nope</html>")
    with pytest.raises(RestException) as err:
        call_endpoint(creds, "/api/2.0/mlflow/missing", "GET", retry=FAST)
    assert err.value.error_code == code
    assert "failed with error code" in str(err.value)
    assert "<html>nope</html>" in str(err.value)


def test_success_that_is_not_a_json_object_is_an_error(
    scripted: tuple[HostCreds, Script],
) -> None:
    creds, script = scripted
    script.answer(200, b"[1, 2]")
    with pytest.raises(MlharborException, match="not a JSON object"):
        call_endpoint(creds, "/api/2.0/mlflow/list", "GET", retry=FAST)


def test_retries_transient_statuses_then_succeeds(scripted: tuple[HostCreds, Script]) -> None:
    creds, script = scripted
    script.answer(503, b"busy")
    script.answer(429, b"slow down")
    script.answer(502, b"bad gateway")
    script.answer(200, {"ok": True})
    body = {"k": "v"}
    assert call_endpoint(creds, "/api/2.0/mlflow/r", "POST", body, retry=FAST) == {"ok": True}
    assert len(script.seen) == 4
    assert all(json.loads(r.body) == body for r in script.seen)


def test_gives_up_after_max_retries_and_surfaces_the_last_error(
    scripted: tuple[HostCreds, Script],
) -> None:
    creds, script = scripted
    script.answer(500, {"error_code": "INTERNAL_ERROR", "message": "boom"})
    with pytest.raises(RestException) as err:
        call_endpoint(creds, "/api/2.0/mlflow/r", "GET", retry=FAST)
    assert err.value.error_code == "INTERNAL_ERROR"
    assert len(script.seen) == FAST.max_retries + 1


def test_retry_after_header_is_honoured(scripted: tuple[HostCreds, Script]) -> None:
    creds, script = scripted
    script.answer(429, b"", Retry_After="1")
    script.answer(200, {})
    call_endpoint(creds, "/api/2.0/mlflow/r", "GET", retry=FAST)
    assert script.seen[1].at - script.seen[0].at >= 0.9


def test_retry_after_can_be_ignored(scripted: tuple[HostCreds, Script]) -> None:
    creds, script = scripted
    script.answer(429, b"", Retry_After="30")
    script.answer(200, {})
    settings = RetrySettings(
        max_retries=1, backoff_factor=0, backoff_jitter=0, respect_retry_after=False
    )
    call_endpoint(creds, "/api/2.0/mlflow/r", "GET", retry=settings)
    assert script.seen[1].at - script.seen[0].at < 5


def test_body_factory_is_replayed_on_retry(scripted: tuple[HostCreds, Script]) -> None:
    creds, script = scripted
    script.answer(503, b"")
    script.answer(200, b"")
    calls = []

    def body() -> bytes:
        calls.append(1)
        return b"payload"

    response = http_request(creds, "/upload", "PUT", body=body, retry=FAST)
    assert response.status_code == 200
    assert len(calls) == 2
    assert [r.body for r in script.seen] == [b"payload", b"payload"]


def test_unreachable_server_raises_after_retries() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    creds = HostCreds(f"http://127.0.0.1:{port}")
    settings = RetrySettings(max_retries=1, backoff_factor=0, backoff_jitter=0, timeout=2)
    with pytest.raises(MlharborException, match="failed with exception") as err:
        call_endpoint(creds, "/api/2.0/mlflow/x", "GET", retry=settings)
    assert err.value.error_code == "TEMPORARILY_UNAVAILABLE"


def test_basic_auth_wins_over_token(
    scripted: tuple[HostCreds, Script], monkeypatch: pytest.MonkeyPatch
) -> None:
    creds, script = scripted
    script.answer(200, {})
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "alice")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "s3cret")
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "tok")
    call_endpoint(get_host_creds(creds.host), "/a", "GET", retry=FAST)
    expected = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    assert script.seen[0].headers["authorization"] == expected


def test_token_and_mlharbor_twin_variables(
    scripted: tuple[HostCreds, Script], monkeypatch: pytest.MonkeyPatch
) -> None:
    creds, script = scripted
    script.answer(200, {})
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "from-mlflow")
    monkeypatch.setenv("MLHARBOR_TRACKING_TOKEN", "from-mlharbor")
    monkeypatch.setenv("HOME", "/nonexistent")
    call_endpoint(get_host_creds(creds.host), "/a", "GET", retry=FAST)
    assert script.seen[0].headers["authorization"] == "Bearer from-mlharbor"


def test_credentials_file_supplies_basic_auth(
    scripted: tuple[HostCreds, Script], monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from pathlib import Path

    home = Path(str(tmp_path))
    (home / ".mlflow").mkdir()
    (home / ".mlflow" / "credentials").write_text(
        "[mlflow]\nmlflow_tracking_username = bob\nmlflow_tracking_password = pw\n"
    )
    monkeypatch.setenv("HOME", str(home))
    for name in ("USERNAME", "PASSWORD", "TOKEN"):
        monkeypatch.delenv(f"MLFLOW_TRACKING_{name}", raising=False)
        monkeypatch.delenv(f"MLHARBOR_TRACKING_{name}", raising=False)
    creds, script = scripted
    script.answer(200, {})
    call_endpoint(get_host_creds(creds.host), "/a", "GET", retry=FAST)
    assert (
        script.seen[0].headers["authorization"] == "Basic " + base64.b64encode(b"bob:pw").decode()
    )


def test_retry_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1.5")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", "0")
    monkeypatch.setenv("MLHARBOR_HTTP_REQUEST_TIMEOUT", "7")
    settings = RetrySettings.from_env()
    assert settings == RetrySettings(2, 1.5, 0.0, 7.0, True, True)
    assert [settings.backoff(n) for n in (1, 2, 3)] == [1.5, 3.0, 6.0]
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "11")
    with pytest.raises(MlharborException, match="between 0 and 10"):
        RetrySettings.from_env()


def test_defaults_are_bounded() -> None:
    settings = RetrySettings()
    assert settings.max_retries == 5
    assert settings.backoff_factor == 0.5
    assert settings.backoff(30) <= 120 + settings.backoff_jitter


def test_insecure_and_cert_path_are_exclusive() -> None:
    with pytest.raises(MlharborException, match="must not be set"):
        HostCreds("https://h", insecure=True, server_cert_path="/ca.pem")
    assert HostCreds("https://h", insecure=True).verify is False
    assert HostCreds("https://h", server_cert_path="/ca.pem").verify == "/ca.pem"


def test_to_query_omits_none_and_encodes_bools() -> None:
    assert to_query({"a": None, "b": [1, None, 2], "c": False, "d": float("nan")}) == [
        ("b", "1"),
        ("b", "2"),
        ("c", "false"),
        ("d", "NaN"),
    ]


def test_numpy_scalars_are_encoded_as_plain_numbers(scripted: tuple[HostCreds, Script]) -> None:
    import numpy as np

    creds, script = scripted
    script.answer(200, {})
    body = {"n": np.int64(3), "x": np.float32(0.5), "bad": np.float32("nan"), "ok": True}
    call_endpoint(creds, "/api/2.0/mlflow/y", "POST", body, retry=FAST)
    assert json.loads(script.seen[0].body) == {"n": 3, "x": 0.5, "bad": "NaN", "ok": True}


def test_secrets_stay_out_of_repr() -> None:
    creds = HostCreds("https://h", username="u", password="hunter2", token="t0ken")
    assert "hunter2" not in repr(creds)
    assert "t0ken" not in repr(creds)


def test_redirects_can_be_refused(scripted: tuple[HostCreds, Script]) -> None:
    creds, script = scripted
    script.answer(302, b"", Location="/elsewhere")
    script.answer(200, {"moved": True})
    assert call_endpoint(creds, "/a", "GET", retry=FAST) == {"moved": True}
    assert [r.path for r in script.seen] == ["/a", "/elsewhere"]
    script.seen.clear()
    script.responses[:] = []
    script.answer(302, b"", Location="/elsewhere")
    strict = RetrySettings(max_retries=0, allow_redirects=False)
    with pytest.raises(RestException):
        call_endpoint(creds, "/a", "GET", retry=strict)
    assert [r.path for r in script.seen] == ["/a"]


def test_a_store_built_from_a_uri_follows_credential_changes(
    scripted: tuple[HostCreds, Script], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlharbor.store.tracking.rest import RestTrackingStore

    creds, script = scripted
    monkeypatch.setenv("HOME", "/nonexistent")
    store = RestTrackingStore(creds.host)
    for user in ("alice", "bob"):
        monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", user)
        monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "pw")
        script.answer(200, {"experiments": []})
        store.search_experiments()
    expected = ["Basic " + base64.b64encode(f"{u}:pw".encode()).decode() for u in ("alice", "bob")]
    assert [request.headers["authorization"] for request in script.seen] == expected
