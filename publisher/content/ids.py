"""Stable entry ids. An id is minted once and stored in the entry's front matter; it never
depends on title, slug, URL or the site's domain, so readers never see an edited entry as new."""

from __future__ import annotations

import uuid
from datetime import datetime

# Fixed namespace so deterministic ids (imports, fallbacks) are the same on every machine.
NAMESPACE = uuid.UUID("6f1c2b9e-4d0a-5e8b-9c3f-2a7d1e5b8c40")


def mint_id(seed: str | None = None) -> str:
    """A new ``urn:uuid:`` id: random, or derived from ``seed`` (e.g. an imported text's hash)."""
    value = uuid.uuid5(NAMESPACE, seed) if seed is not None else uuid.uuid4()
    return f"urn:uuid:{value}"


def fallback_id(source_path: str, published: datetime) -> str:
    """The id of an entry that has none in its front matter: from its file path and first date.

    Stable under edits of title, body, slug and base_url, but not under renaming the file,
    which is why ``publisher check`` warns and ``publisher check --fix-ids`` writes a real id.
    """
    return mint_id(f"{source_path}|{published.isoformat()}")
