"""Reload the configuration file in process when it changes.

The file is polled (size, mtime and content), which also sees editors that replace the file.
A valid new configuration builds a new :class:`~mlharbor.gateway.routing.Router` that is
swapped in with one assignment; an invalid one is logged and the last good one keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from pathlib import Path
from typing import Any

from mlharbor.gateway.config import load_config
from mlharbor.gateway.errors import ConfigError
from mlharbor.gateway.providers.base import Upstream
from mlharbor.gateway.routing import Router

__all__ = ["ConfigWatcher"]

_log = logging.getLogger("mlharbor.gateway")


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class ConfigWatcher:
    def __init__(self, app: Any, path: Path, http: Upstream, interval_s: float) -> None:
        self.app = app
        self.path = path
        self.http = http
        self.interval_s = interval_s
        self._seen = _digest(path)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            digest = await asyncio.to_thread(_digest, self.path)
            if digest is None or digest == self._seen:
                continue
            self._seen = digest
            await self.reload()

    async def reload(self) -> bool:
        """Load the file now; True when the new configuration is serving."""
        metrics = self.app.state.metrics
        try:
            config = await asyncio.to_thread(load_config, self.path)
        except ConfigError as exc:
            metrics.reloads.labels("invalid").inc()
            _log.error(
                "gateway configuration %s refused, still serving the previous one: %s",
                self.path,
                exc.message,
            )
            return False
        previous: Router = self.app.state.router
        router = Router(config, self.http, metrics, previous)
        self.app.state.router = router
        metrics.reloads.labels("applied").inc()
        _log.info(
            "gateway configuration %s reloaded: %d endpoints, %d routes",
            self.path,
            len(config.endpoints),
            len(config.routes),
        )
        # running requests hold the providers they started with; give them time to finish
        asyncio.get_running_loop().call_later(
            60, lambda: asyncio.ensure_future(router.close_retired())
        )
        return True
