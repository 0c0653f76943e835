"""A deadline for request headers in uvicorn, against slowloris clients.

uvicorn closes idle keep-alive connections, but a connection whose request head never
completes (a client sending a header byte every few seconds) is kept open forever, and enough
of them exhaust the server's sockets. :func:`protocol_class` returns uvicorn's HTTP protocol
(httptools when installed, else h11) with one addition: from the moment a connection opens,
or a response finishes, the next request head must arrive within ``MLHARBOR_HEADER_TIMEOUT``
seconds (default 20), or the connection is closed.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is optional for uvicorn
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

__all__ = [
    "DEFAULT_HEADER_TIMEOUT_S",
    "HEADER_TIMEOUT_ENV",
    "GuardedH11Protocol",
    "header_timeout_s",
    "protocol_class",
]

HEADER_TIMEOUT_ENV = "MLHARBOR_HEADER_TIMEOUT"
DEFAULT_HEADER_TIMEOUT_S = 20.0


def header_timeout_s() -> float:
    """Seconds a client gets to send a complete request head."""
    raw = os.environ.get(HEADER_TIMEOUT_ENV)
    try:
        value = float(raw) if raw else DEFAULT_HEADER_TIMEOUT_S
    except ValueError:
        value = DEFAULT_HEADER_TIMEOUT_S
    return value if value > 0 else DEFAULT_HEADER_TIMEOUT_S


class _HeaderDeadline:
    """Mixed into a uvicorn HTTP protocol; see the module docstring."""

    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any
    _deadline: asyncio.TimerHandle | None = None
    _awaiting_head = False

    def _arm(self) -> None:
        self._cancel()
        self._awaiting_head = True
        self._deadline = self.loop.call_later(header_timeout_s(), self._expired)

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_received(self) -> None:
        self._awaiting_head = False
        self._cancel()

    def _expired(self) -> None:
        self._deadline = None
        busy = self.cycle is not None and not self.cycle.response_complete
        if self._awaiting_head and not busy and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():
            self._arm()


class GuardedH11Protocol(_HeaderDeadline, H11Protocol):
    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._head_received()


if HttpToolsProtocol is not None:

    class GuardedHttpToolsProtocol(_HeaderDeadline, HttpToolsProtocol):
        def on_headers_complete(self) -> None:
            self._head_received()
            super().on_headers_complete()


def protocol_class() -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol with the header deadline (httptools when installed, else h11).

    The classes live at module level so worker processes can unpickle them.
    """
    if HttpToolsProtocol is not None:
        return GuardedHttpToolsProtocol
    return GuardedH11Protocol
