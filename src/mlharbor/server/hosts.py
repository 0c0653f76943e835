"""Host-header checking against DNS rebinding.

A web page can point its own domain name at 127.0.0.1 and then script requests to a tracking
server on the user's machine; the browser sends the page's domain in ``Host``. Refusing hosts
that are not expected closes that door. By default ``mlharbor server`` accepts ``localhost``,
loopback and private-network addresses, and the name it was told to bind to; ``--allowed-hosts``
replaces the list (``*`` accepts everything). Under the same policy, browsers may change state
(POST, PUT, PATCH, DELETE) only from the server's own origin or an allowed host, which stops
cross-site form posts.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import urllib.parse
from dataclasses import dataclass

__all__ = ["HostPolicy"]


def _hostname(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    name, _, port = host.rpartition(":")
    return name if name and port.isdigit() else host


def _is_local_address(name: str) -> bool:
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


@dataclass(frozen=True)
class HostPolicy:
    """Which ``Host`` headers a server answers.

    Attributes:
        patterns: host names or ``fnmatch`` patterns (without port), compared case-insensitively.
        local_addresses: also accept loopback, private and link-local IP literals.
    """

    patterns: tuple[str, ...] = ()
    local_addresses: bool = True

    @classmethod
    def default(cls, bind_host: str | None = None) -> HostPolicy:
        """``localhost``, local addresses, and ``bind_host`` when it names one interface."""
        patterns = ["localhost", "*.localhost"]
        if bind_host and bind_host not in ("0.0.0.0", "::", ""):
            patterns.append(_hostname(bind_host))
        return cls(tuple(patterns), True)

    @classmethod
    def from_option(cls, value: str | None, bind_host: str | None = None) -> HostPolicy | None:
        """The policy for a comma-separated ``--allowed-hosts`` value; ``None`` for ``*``."""
        if not value:
            return cls.default(bind_host)
        hosts = [h.strip() for h in value.split(",") if h.strip()]
        if "*" in hosts:
            return None
        return cls(tuple(_hostname(h) for h in hosts), False)

    def allows_origin(self, origin: str | None, host_header: str | None) -> bool:
        """Whether a request carrying browser ``Origin`` may change state: no origin (not a
        browser), the server's own origin, or an origin whose host this policy allows."""
        if origin is None:
            return True
        parsed = urllib.parse.urlsplit(origin)
        if not parsed.netloc:
            return False
        return parsed.netloc.lower() == (host_header or "").lower() or self.allows(parsed.netloc)

    def allows(self, host_header: str | None) -> bool:
        if not host_header:
            return False
        name = _hostname(host_header)
        if self.local_addresses and _is_local_address(name):
            return True
        return any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in self.patterns)
