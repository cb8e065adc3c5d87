"""Unsubscribe tokens: HMAC-SHA256 from PUBLISHER_SECRET, bound to one subscriber row and address."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.errors import PublisherError
from publisher.mail import tokens

SECRET = b"0123456789abcdef0123456789abcdef"


def test_token_round_trip_and_shape() -> None:
    token = tokens.make_token(SECRET, 42, "anna@example.org")
    assert tokens.TOKEN_PATTERN.fullmatch(token)
    assert "anna" not in token  # no address in URLs or server logs
    assert tokens.token_subject(token) == 42
    assert tokens.verify_token(SECRET, token, 42, "anna@example.org")
    assert tokens.make_token(SECRET, 42, "anna@example.org") == token  # deterministic


@pytest.mark.parametrize(
    ("secret", "subscriber_id", "key"),
    [
        (b"another-secret-of-enough-length", 42, "anna@example.org"),
        (SECRET, 43, "anna@example.org"),
        (SECRET, 42, "bob@example.org"),
    ],
)
def test_token_does_not_verify_for_anything_else(secret: bytes, subscriber_id: int, key: str) -> None:
    token = tokens.make_token(SECRET, 42, "anna@example.org")
    assert not tokens.verify_token(secret, token, subscriber_id, key)


@settings(deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_never_verifies_and_never_raises(text: str) -> None:
    subject = tokens.token_subject(text)
    assert subject is None or subject > 0
    assert not tokens.verify_token(SECRET, text, subject or 1, "anna@example.org")


def test_secret_from_env() -> None:
    good = "kJ8-vQ2_pL5xR9tW"
    assert tokens.secret_from_env({"PUBLISHER_SECRET": good}) == good.encode()
    with pytest.raises(PublisherError, match="PUBLISHER_SECRET is not set"):
        tokens.secret_from_env({})
    with pytest.raises(PublisherError, match="shorter than 16"):
        tokens.secret_from_env({"PUBLISHER_SECRET": "short"})


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        (" " * 16, "is only white space"),
        ("1234567890123456", "is a run of consecutive characters"),
        ("abcdefghijklmnopq", "is a run of consecutive characters"),
        ("9876543210987654", "is a run of consecutive characters"),
        ("x" * 20, "has fewer than 6 different characters"),
        ("abab" * 5, "has fewer than 6 different characters"),
        ("passwort" * 3, "repeats one short piece"),
        ("   short-secret   ", "is shorter than 16"),
    ],
)
def test_obviously_weak_secrets_are_refused(secret: str, why: str) -> None:
    with pytest.raises(PublisherError, match=f"PUBLISHER_SECRET {why}.* -> set it to a long random value"):
        tokens.secret_from_env({"PUBLISHER_SECRET": secret})


def test_random_secrets_of_the_minimum_length_are_accepted() -> None:
    import secrets

    for _ in range(2000):
        value = secrets.token_urlsafe(12)  # 16 characters
        assert tokens.weak_secret(value) is None, value
