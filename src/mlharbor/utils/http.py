"""The HTTP layer every remote store shares: credentials, pooled sessions, retries, error mapping.

``requests`` is imported lazily so that ``import mlharbor`` stays light. One pooled session is kept
per host configuration. Requests are retried with exponential backoff and jitter on 408, 429,
500, 502, 503 and 504 and on connection errors, honouring ``Retry-After``. The knobs read
MLflow's environment variables (``MLFLOW_HTTP_REQUEST_MAX_RETRIES``,
``MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR``, ``MLFLOW_HTTP_REQUEST_BACKOFF_JITTER``,
``MLFLOW_HTTP_REQUEST_TIMEOUT``, ``MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER``,
``MLFLOW_ALLOW_HTTP_REDIRECTS``), each with an ``MLHARBOR_`` twin that wins when both are set.
"""

from __future__ import annotations

import configparser
import email.utils
import math
import numbers
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from mlharbor.exceptions import MlharborException, RestException, error_code_for_status

if TYPE_CHECKING:
    import requests

__all__ = [
    "RETRY_STATUSES",
    "HostCreds",
    "RetrySettings",
    "call_endpoint",
    "get_host_creds",
    "http_request",
    "raise_for_response",
    "streamed",
    "to_query",
]

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_MAX_RETRIES_LIMIT = 10
_MAX_BACKOFF_FACTOR = 120.0
_MAX_SLEEP_S = 120.0


def _env(name: str) -> str | None:
    """Read ``MLHARBOR_<name>``, falling back to ``MLFLOW_<name>``; empty counts as unset."""
    for prefix in ("MLHARBOR_", "MLFLOW_"):
        value = os.environ.get(prefix + name)
        if value:
            return value
    return None


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_float(name: str, default: float, low: float, high: float) -> float:
    value = _env(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise MlharborException(
            f"Environment variable {name} must be a number, got {value!r}",
            error_code="INVALID_PARAMETER_VALUE",
        ) from None
    if not low <= number <= high:
        raise MlharborException(
            f"Environment variable {name} must be between {low:g} and {high:g}, got {value!r}",
            error_code="INVALID_PARAMETER_VALUE",
        )
    return number


def _credentials_file() -> tuple[str | None, str | None]:
    """Username and password from the ``[mlflow]`` section of ``~/.mlflow/credentials``."""
    path = os.path.join(os.path.expanduser("~"), ".mlflow", "credentials")
    if not os.path.isfile(path):
        return None, None
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except configparser.Error:
        return None, None
    if not parser.has_section("mlflow"):
        return None, None
    section = parser["mlflow"]
    return section.get("mlflow_tracking_username"), section.get("mlflow_tracking_password")


@dataclass(frozen=True)
class HostCreds:
    """Where a server lives and how to authenticate to it.

    ``host`` is the tracking URI (``http(s)://host:port[/prefix]``); API paths are appended to it.
    Username and password (HTTP Basic) win over a bearer ``token``. ``insecure`` skips TLS
    verification; ``server_cert_path`` is a CA bundle; ``client_cert_path`` a client certificate.
    """

    host: str
    username: str | None = None
    # Secrets stay out of reprs, logs and tracebacks.
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    insecure: bool = False
    server_cert_path: str | None = None
    client_cert_path: str | None = None

    def __post_init__(self) -> None:
        if self.insecure and self.server_cert_path:
            raise MlharborException(
                "When MLFLOW_TRACKING_INSECURE_TLS is set to true, "
                "MLFLOW_TRACKING_SERVER_CERT_PATH must not be set",
                error_code="INVALID_PARAMETER_VALUE",
            )

    @classmethod
    def from_env(cls, host: str) -> HostCreds:
        """Build credentials for ``host`` from the environment and ``~/.mlflow/credentials``."""
        username = _env("TRACKING_USERNAME")
        password = _env("TRACKING_PASSWORD")
        if username is None or password is None:
            file_user, file_password = _credentials_file()
            username = username or file_user
            password = password or file_password
        return cls(
            host=host.rstrip("/"),
            username=username,
            password=password,
            token=_env("TRACKING_TOKEN"),
            insecure=_env_bool("TRACKING_INSECURE_TLS", False),
            server_cert_path=_env("TRACKING_SERVER_CERT_PATH"),
            client_cert_path=_env("TRACKING_CLIENT_CERT_PATH"),
        )

    @property
    def verify(self) -> bool | str:
        if self.insecure:
            return False
        return self.server_cert_path or True

    def auth_headers(self) -> dict[str, str]:
        """The Authorization header for these credentials, if any."""
        if self.username and self.password:
            import base64

            raw = f"{self.username}:{self.password}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        return {}


def get_host_creds(uri: str) -> HostCreds:
    """Credentials for the tracking server at ``uri``, read from the environment."""
    return HostCreds.from_env(uri)


_CREDENTIAL_VARIABLES = tuple(
    prefix + name
    for name in (
        "TRACKING_USERNAME",
        "TRACKING_PASSWORD",
        "TRACKING_TOKEN",
        "TRACKING_INSECURE_TLS",
        "TRACKING_SERVER_CERT_PATH",
        "TRACKING_CLIENT_CERT_PATH",
    )
    for prefix in ("MLHARBOR_", "MLFLOW_")
)
_current_creds: dict[tuple[str | None, ...], HostCreds] = {}


def current_host_creds(uri: str) -> HostCreds:
    """Credentials for ``uri`` as the environment gives them now.

    MLflow's client reads them for every request, so a program may switch users between calls;
    the credentials are rebuilt only when one of the variables changed.
    """
    key = (uri, *(os.environ.get(name) for name in _CREDENTIAL_VARIABLES))
    creds = _current_creds.get(key)
    if creds is None:
        creds = HostCreds.from_env(uri)
        if len(_current_creds) >= 64:
            _current_creds.clear()
        _current_creds[key] = creds
    return creds


@dataclass(frozen=True)
class RetrySettings:
    """How often and how patiently to retry; ``from_env`` reads the documented variables."""

    max_retries: int = 5
    backoff_factor: float = 0.5
    backoff_jitter: float = 0.5
    timeout: float = 120.0
    respect_retry_after: bool = True
    allow_redirects: bool = True

    @classmethod
    def from_env(cls) -> RetrySettings:
        defaults = cls()
        return cls(
            max_retries=int(
                _env_float("HTTP_REQUEST_MAX_RETRIES", defaults.max_retries, 0, _MAX_RETRIES_LIMIT)
            ),
            backoff_factor=_env_float(
                "HTTP_REQUEST_BACKOFF_FACTOR", defaults.backoff_factor, 0, _MAX_BACKOFF_FACTOR
            ),
            backoff_jitter=_env_float(
                "HTTP_REQUEST_BACKOFF_JITTER", defaults.backoff_jitter, 0, _MAX_SLEEP_S
            ),
            timeout=_env_float("HTTP_REQUEST_TIMEOUT", defaults.timeout, 0.001, 86400),
            respect_retry_after=_env_bool(
                "HTTP_RESPECT_RETRY_AFTER_HEADER", defaults.respect_retry_after
            ),
            allow_redirects=_env_bool("ALLOW_HTTP_REDIRECTS", defaults.allow_redirects),
        )

    def backoff(self, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based): factor * 2^(n-1) + jitter."""
        delay: float = min(_MAX_SLEEP_S, self.backoff_factor * 2.0 ** (retry_number - 1))
        if self.backoff_jitter:
            delay += random.uniform(0, self.backoff_jitter)
        return delay


_sessions: dict[tuple[str, bool | str, str | None], requests.Session] = {}
_sessions_lock = threading.Lock()


def _user_agent() -> str:
    from mlharbor import __version__

    return f"mlharbor-python-client/{__version__}"


def _session(creds: HostCreds) -> requests.Session:
    """The pooled session for this host configuration, created on first use."""
    key = (creds.host, creds.verify, creds.client_cert_path)
    session = _sessions.get(key)
    if session is not None:
        return session
    with _sessions_lock:
        session = _sessions.get(key)
        if session is None:
            import requests
            from requests.adapters import HTTPAdapter

            session = requests.Session()
            pool = int(_env_float("HTTP_POOL_MAXSIZE", 10, 1, 1000))
            # Retries are done by http_request so that request bodies can be replayed.
            adapter = HTTPAdapter(pool_connections=pool, pool_maxsize=pool, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.verify = creds.verify
            if creds.client_cert_path:
                session.cert = creds.client_cert_path
            session.headers["User-Agent"] = _user_agent()
            _sessions[key] = session
    return session


def _retry_after(response: requests.Response) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _url(creds: HostCreds, path: str) -> str:
    # Always below creds.host: credentials are never sent to a host they were not meant for.
    return creds.host.rstrip("/") + "/" + path.lstrip("/")


Body = bytes | str | BinaryIO | Iterator[bytes] | None


def http_request(
    creds: HostCreds,
    path: str,
    method: str = "GET",
    *,
    params: Mapping[str, Any] | list[tuple[str, str]] | None = None,
    json_bytes: bytes | None = None,
    body: Callable[[], Body] | None = None,
    headers: Mapping[str, str] | None = None,
    stream: bool = False,
    retry: RetrySettings | None = None,
) -> requests.Response:
    """Send one request with retries and return the final response, whatever its status.

    Args:
        creds: the server and its credentials; ``path`` is appended to ``creds.host``.
        params: query parameters; list values become repeated keys.
        json_bytes: an already encoded JSON body (sent with ``Content-Type: application/json``).
        body: a factory for a raw body, called once per attempt so a file can be re-opened when a
            request is retried.
        stream: leave the response body unread, for streamed downloads.
        retry: retry settings; read from the environment when omitted.

    Raises:
        MlharborException: the server could not be reached after every retry.
    """
    import requests

    settings = retry or RetrySettings.from_env()
    session = _session(creds)
    url = _url(creds, path)
    all_headers = {**creds.auth_headers(), **(headers or {})}
    if json_bytes is not None:
        all_headers.setdefault("Content-Type", "application/json")
    attempt = 0
    while True:
        data: Body = json_bytes if body is None else body()
        try:
            response = session.request(
                method,
                url,
                params=params,
                data=data,
                headers=all_headers,
                stream=stream,
                timeout=settings.timeout,
                allow_redirects=settings.allow_redirects,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            _close(data)
            if attempt >= settings.max_retries:
                raise MlharborException(
                    f"API request to {url} failed with exception {exc}",
                    error_code="TEMPORARILY_UNAVAILABLE",
                ) from exc
            attempt += 1
            time.sleep(settings.backoff(attempt))
            continue
        _close(data)
        if response.status_code not in RETRY_STATUSES or attempt >= settings.max_retries:
            return response
        attempt += 1
        delay = settings.backoff(attempt)
        if settings.respect_retry_after:
            asked = _retry_after(response)
            if asked is not None:
                delay = max(delay, min(asked, _MAX_SLEEP_S))
        response.close()
        time.sleep(delay)


def _close(data: object) -> None:
    close = getattr(data, "close", None)
    if callable(close):
        close()


def _encode_json(value: Any) -> Any:
    """Make a request value JSON-ready the way MLflow's protocol expects.

    Non-finite floats become "NaN"/"Infinity"/"-Infinity"; numeric look-alikes such as numpy
    scalars become plain ints and floats.
    """
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if isinstance(value, Mapping):
        return {k: _encode_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode_json(v) for v in value]
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return "NaN"
        if math.isinf(number):
            return "Infinity" if number > 0 else "-Infinity"
        return number
    return value


def to_query(fields: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Encode request fields as query parameters: lists as repeated keys, None omitted."""
    pairs: list[tuple[str, str]] = []
    for key, value in fields.items():
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                pairs.append((key, "true" if item else "false"))
            else:
                pairs.append((key, str(_encode_json(item))))
    return pairs


def raise_for_response(response: requests.Response, endpoint: str) -> None:
    """Raise the error a non-success ``response`` stands for; return quietly on 200/204.

    A JSON object with an ``error_code`` is re-raised as :class:`RestException` with that code;
    any other error body gets a code derived from the HTTP status (404 → ENDPOINT_NOT_FOUND, …).
    """
    if response.status_code in (200, 204):
        return
    import orjson

    try:
        payload = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        payload = None
    if isinstance(payload, dict) and payload.get("error_code"):
        raise RestException(payload)
    text = response.text
    raise RestException(
        {
            "error_code": error_code_for_status(response.status_code),
            "message": (
                f"API request to endpoint {endpoint} failed with error code "
                f"{response.status_code} != 200. Response body: '{text}'"
            ),
        }
    )


def call_endpoint(
    creds: HostCreds,
    path: str,
    method: str = "GET",
    body: Mapping[str, Any] | None = None,
    *,
    retry: RetrySettings | None = None,
) -> dict[str, Any]:
    """Call one JSON endpoint and return the decoded response object.

    For GET the fields of ``body`` travel as query parameters (repeated keys for lists);
    otherwise they are sent as a JSON body, DELETE included. Non-finite floats are sent as
    "NaN"/"Infinity"/"-Infinity".

    Raises:
        RestException: the server answered with an error.
        MlharborException: the server was unreachable or answered 200 with something that is
            not a JSON object.
    """
    import orjson

    fields = body or {}
    if method.upper() == "GET":
        response = http_request(creds, path, "GET", params=to_query(fields), retry=retry)
    else:
        payload = orjson.dumps(_encode_json(dict(fields)))
        response = http_request(creds, path, method.upper(), json_bytes=payload, retry=retry)
    raise_for_response(response, path)
    content = response.content.strip()
    if not content or content == b"200 OK":
        return {}
    try:
        decoded = orjson.loads(content)
    except orjson.JSONDecodeError:
        decoded = None
    if not isinstance(decoded, dict):
        raise MlharborException(
            f"API request to endpoint {path} returned a body that is not a JSON object: "
            f"{response.text[:200]!r}",
            error_code="INTERNAL_ERROR",
        )
    return decoded


@contextmanager
def streamed(
    creds: HostCreds, path: str, *, params: Mapping[str, Any] | None = None
) -> Iterator[requests.Response]:
    """GET ``path`` without reading the body; errors are raised, the response is closed after."""
    response = http_request(creds, path, "GET", params=params, stream=True)
    try:
        raise_for_response(response, path)
        yield response
    finally:
        response.close()
