"""HMAC-SHA256 unsubscribe tokens: made from PUBLISHER_SECRET, checked in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Mapping

from publisher.errors import PublisherError

SECRET_ENV = "PUBLISHER_SECRET"
MIN_SECRET_LENGTH = 16
# "<subscriber id>.<43 characters of base64url MAC>": no address in the URL, nothing to guess.
TOKEN_PATTERN = re.compile(r"([1-9][0-9]{0,17})\.([A-Za-z0-9_-]{43})")


def secret_from_env(environ: Mapping[str, str] | None = None) -> bytes:
    """The HMAC key from PUBLISHER_SECRET; a missing or short secret is an error, never a default."""
    value = (os.environ if environ is None else environ).get(SECRET_ENV, "")
    if len(value) < MIN_SECRET_LENGTH:
        state = "is not set" if not value else f"is shorter than {MIN_SECRET_LENGTH} characters"
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
