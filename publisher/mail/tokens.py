"""HMAC-SHA256 unsubscribe tokens: made from PUBLISHER_SECRET, checked in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import os
import re
from collections.abc import Mapping

from publisher.errors import PublisherError

SECRET_ENV = "PUBLISHER_SECRET"
MIN_SECRET_LENGTH = 16
# "<subscriber id>.<43 characters of base64url MAC>": no address in the URL, nothing to guess.
TOKEN_PATTERN = re.compile(r"([1-9][0-9]{0,17})\.([A-Za-z0-9_-]{43})")


MIN_DISTINCT = 6


def _is_run(value: str) -> bool:
    """Mostly steps of one to the next character ("1234567890123456", "abcdefgh…", "9876…")."""
    steps = [ord(b) - ord(a) for a, b in itertools.pairwise(value)]
    counting = sum(1 for step in steps if step in (1, -1, 9, -9))  # 9/-9: "…890" and "098…" wrap round
    return counting >= 0.75 * len(steps)


def _is_repetition(value: str) -> bool:
    """One short piece repeated: "abcabcabcabcabca", "passwortpasswort"."""
    return any(
        (value[:period] * (len(value) // period + 1))[: len(value)] == value
        for period in range(1, len(value) // 2 + 1)
    )


def weak_secret(value: str) -> str | None:
    """Why a secret is too weak to sign links with, or None. Not a strength meter: it refuses what is
    obviously not random (short, blank, one character, a counting run, a repeated word)."""
    if not value:
        return "is not set"
    if not value.strip():
        return "is only white space"
    if len(value.strip()) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    if len(set(value)) < MIN_DISTINCT:
        return f"has fewer than {MIN_DISTINCT} different characters"
    if _is_run(value):
        return "is a run of consecutive characters"
    if _is_repetition(value):
        return "repeats one short piece"
    return None


def secret_from_env(environ: Mapping[str, str] | None = None) -> bytes:
    """The HMAC key from PUBLISHER_SECRET; a missing or obviously weak secret is an error, never a default."""
    value = (os.environ if environ is None else environ).get(SECRET_ENV, "")
    state = weak_secret(value)
    if state is not None:
        raise PublisherError(
            f"the environment variable {SECRET_ENV} {state}; it signs the unsubscribe links -> set it to a "
            "long random value, e.g. export PUBLISHER_SECRET=\"$(python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))')\", and keep it: changing it invalidates every link "
            "already sent"
        )
    return value.encode("utf-8")


def _mac(secret: bytes, subscriber_id: int, key: str) -> str:
    # Binding the row id and the address makes a token stale once its subscriber is removed or replaced.
    message = f"unsubscribe\0{subscriber_id}\0{key}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_token(secret: bytes, subscriber_id: int, key: str) -> str:
    """The unsubscribe token for one subscriber (``key`` is the case-folded address)."""
    return f"{subscriber_id}.{_mac(secret, subscriber_id, key)}"


def token_subject(token: str) -> int | None:
    """The subscriber id a well-formed token names (not yet verified), or None if it is malformed."""
    match = TOKEN_PATTERN.fullmatch(token.strip())
    return int(match.group(1)) if match else None


def verify_token(secret: bytes, token: str, subscriber_id: int, key: str) -> bool:
    """True only if the token was made with this secret for exactly this subscriber (constant time)."""
    expected = make_token(secret, subscriber_id, key)
    return hmac.compare_digest(expected.encode("ascii"), token.strip().encode("utf-8", "replace"))


# --- confirmation tokens: bound to one signup, expiring ---------------------------------------------

# "<signup event id>.<expiry, Unix seconds>.<43 characters of base64url MAC>"
CONFIRM_PATTERN = re.compile(r"([1-9][0-9]{0,17})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})")


def _confirm_mac(secret: bytes, event_id: int, expires: int, key: str) -> str:
    message = f"confirm\0{event_id}\0{expires}\0{key}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_confirm_token(secret: bytes, event_id: int, expires: int, key: str) -> str:
    """The token of one confirmation link: the signup it confirms, until when, for which address."""
    return f"{event_id}.{expires}.{_confirm_mac(secret, event_id, expires, key)}"


def confirm_token_parts(token: str) -> tuple[int, int] | None:
    """(signup event id, expiry) of a well-formed token (not yet verified), or None."""
    match = CONFIRM_PATTERN.fullmatch(token.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def verify_confirm_token(secret: bytes, token: str, event_id: int, expires: int, key: str) -> bool:
    expected = make_confirm_token(secret, event_id, expires, key)
    return hmac.compare_digest(expected.encode("ascii"), token.strip().encode("utf-8", "replace"))
