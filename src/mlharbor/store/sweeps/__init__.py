"""Sweep stores: the controller in the tracking database (SQL) or on a tracking server (REST)."""

from __future__ import annotations

import urllib.parse

from mlharbor.store.sweeps.protocol import Claim, SweepStore

__all__ = ["Claim", "SweepStore", "get_sweep_store"]


def get_sweep_store(tracking_uri: str) -> SweepStore:
    """The sweep store beside the tracking store of ``tracking_uri``."""
    from mlharbor.store.tracking.factory import get_tracking_store, resolve_tracking_uri

    if urllib.parse.urlparse(tracking_uri).scheme.lower() in ("http", "https"):
        from mlharbor.store.sweeps.rest import RestSweepStore

        return RestSweepStore(tracking_uri)
    from mlharbor.store.sweeps.sql import SqlSweepStore

    return SqlSweepStore(resolve_tracking_uri(tracking_uri), get_tracking_store(tracking_uri))
