"""Compare two API dumps written by ``api_dump.py``: what is missing, what is incompatible."""

from __future__ import annotations

from typing import Any

Params = list[list[Any]]


def incompatibility(theirs: Params | None, ours: Params | None) -> str | None:
    """Why a call written against ``theirs`` may fail or mean something else against ``ours``.

    Every parameter MLflow has must exist here, in the same order, of a kind that accepts the
    same calls, with the same default (a default where MLflow requires the argument is fine).
    Extra parameters are fine only where no MLflow call can reach them by position: after
    MLflow's positional parameters and with a default, or keyword-only. Returns None when
    compatible (or when MLflow's signature is unreadable).
    """
    if theirs is None:
        return None
    if ours is None:
        return "signature unreadable"
    # MLflow's underscore parameters are private plumbing, not API
    theirs = [p for p in theirs if not p[0].startswith("_")]
    their_names = [p[0] for p in theirs if p[1] != "VAR_KEYWORD"]
    our_by_name = {p[0]: p for p in ours}
    missing = [name for name in their_names if name not in our_by_name]
    if missing:
        return f"missing parameters {missing}"
    our_order = [p[0] for p in ours if p[0] in set(their_names)]
    if our_order != their_names:
        return f"order {our_order} != {their_names}"
    for name, kind, default in theirs:
        if kind == "VAR_KEYWORD":
            if not any(p[1] == "VAR_KEYWORD" for p in ours):
                return "no **kwargs"
            continue
        our_kind, our_default = our_by_name[name][1], our_by_name[name][2]
        if kind == "POSITIONAL_OR_KEYWORD" and our_kind == "KEYWORD_ONLY":
            return f"{name} is keyword-only"
        if default is not None and default != our_default:
            return f"{name} defaults to {our_default} instead of {default}"
    positional = sum(1 for p in theirs if p[1] in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD"))
    for index, (name, kind, default) in enumerate(ours):
        if name in our_by_name and name in set(their_names):
            continue
        if kind in ("VAR_POSITIONAL", "VAR_KEYWORD", "KEYWORD_ONLY"):
            continue
        if index < positional:
            return f"extra parameter {name} sits among MLflow's positional ones"
        if default is None:
            return f"extra parameter {name} has no default"
    return None


def differences(theirs: dict[str, Any], ours: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Names missing here, and names present with an incompatible signature (with the reason)."""
    missing = sorted(name for name in theirs if name not in ours)
    incompatible = {}
    for name in sorted(set(theirs) & set(ours)):
        reason = incompatibility(theirs[name], ours[name])
        if reason:
            incompatible[name] = reason
    return missing, incompatible
