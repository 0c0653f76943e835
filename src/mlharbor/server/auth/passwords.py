"""Salted password hashes, in the ``method$salt$hex`` text form MLflow's auth database stores.

New hashes use scrypt (``scrypt:N:r:p$salt$hex``). PBKDF2 hashes (``pbkdf2:sha256:iters$…``)
are verified too, so a users table written by MLflow's basic-auth app keeps working.
Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

__all__ = ["hash_password", "verify_password"]

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_SALT_ALPHABET = string.ascii_letters + string.digits
_SALT_LENGTH = 16
# Verifying against this when the user does not exist costs the same time as a real check, so
# response times do not reveal which usernames exist.
_DUMMY_HASH: str | None = None


def _scrypt(password: str, salt: str, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p, dklen=64
    )


def hash_password(password: str) -> str:
    """A new salted scrypt hash of ``password``."""
    salt = "".join(secrets.choice(_SALT_ALPHABET) for _ in range(_SALT_LENGTH))
    digest = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return f"scrypt:{_SCRYPT_N}:{_SCRYPT_R}:{_SCRYPT_P}${salt}${digest.hex()}"


def _digest(method: str, salt: str, password: str) -> bytes | None:
    name, _, rest = method.partition(":")
    try:
        if name == "scrypt":
            n, r, p = (int(part) for part in rest.split(":"))
            return _scrypt(password, salt, n, r, p)
        if name == "pbkdf2":
            algorithm, _, iterations = rest.partition(":")
            return hashlib.pbkdf2_hmac(algorithm, password.encode(), salt.encode(), int(iterations))
    except (ValueError, TypeError, MemoryError):
        return None
    return None


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash; ``None`` (no such user) never does,
    but costs the same time as a real check."""
    global _DUMMY_HASH
    if stored is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(secrets.token_hex(8))
        stored = _DUMMY_HASH
        password = "\0" + password
    method, _, rest = stored.partition("$")
    salt, _, expected = rest.partition("$")
    digest = _digest(method, salt, password)
    if digest is None:
        return False
    return hmac.compare_digest(digest.hex(), expected)
