"""Human-friendly random names for runs and logged models (``<adjective>-<noun>-<number>``)."""

from __future__ import annotations

import random

_ADJECTIVES = (
    "amber", "bold", "brave", "bright", "calm", "clever", "cosmic", "crisp", "curious", "dapper",
    "eager", "fancy", "gentle", "glad", "golden", "grand", "happy", "honest", "jolly", "keen",
    "kind", "lively", "lucky", "merry", "mighty", "nimble", "noble", "polite", "proud", "quick",
    "quiet", "rare", "shiny", "silent", "smart", "snowy", "sunny", "swift", "tidy", "vivid",
    "warm", "witty", "zesty",
)  # fmt: skip

_NOUNS = (
    "ant", "badger", "bat", "bear", "bee", "bison", "carp", "cat", "crab", "crow",
    "deer", "dove", "duck", "eagle", "eel", "elk", "finch", "fox", "frog", "goat",
    "hare", "hawk", "heron", "ibis", "jay", "koala", "lark", "lynx", "mole", "moth",
    "newt", "otter", "owl", "panda", "quail", "seal", "slug", "swan", "toad", "wolf",
    "wren", "yak",
)  # fmt: skip

MAX_NAME_LENGTH = 20


def generate_run_name() -> str:
    """Return a random ``<adjective>-<noun>-<0..999>`` name of at most 20 characters."""
    rng = random.SystemRandom()
    name = ""
    for _ in range(10):
        name = f"{rng.choice(_ADJECTIVES)}-{rng.choice(_NOUNS)}-{rng.randint(0, 999)}"
        if len(name) <= MAX_NAME_LENGTH:
            return name
    return name[:MAX_NAME_LENGTH]
