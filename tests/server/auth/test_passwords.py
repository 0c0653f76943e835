"""Password hashes: salted, verifiable, and readable in MLflow's stored format."""

from __future__ import annotations

import hashlib

from mlharbor.server.auth.passwords import hash_password, verify_password


def test_hash_is_salted_scrypt_and_verifies() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("scrypt:16384:8:1$")
    assert first != second  # a fresh salt each time
    assert "correct horse" not in first
    assert verify_password(first, "correct horse")
    assert not verify_password(first, "correct horsE")
    assert not verify_password(first, "")


def test_pbkdf2_hash_in_mlflow_format_verifies() -> None:
    salt = "abcdEFGH12345678"
    digest = hashlib.pbkdf2_hmac("sha256", b"s3cret-pass", salt.encode(), 1000).hex()
    stored = f"pbkdf2:sha256:1000${salt}${digest}"
    assert verify_password(stored, "s3cret-pass")
    assert not verify_password(stored, "other")


def test_unknown_user_and_garbage_hashes_never_verify() -> None:
    assert not verify_password(None, "anything")
    assert not verify_password("", "anything")
    assert not verify_password("md5$salt$deadbeef", "anything")
    assert not verify_password("scrypt:not:numbers$salt$00", "anything")
