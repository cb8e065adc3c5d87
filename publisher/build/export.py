"""Plain JSON-ready views of the model (for ``publisher entries --json`` and other tools)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from publisher.model import Entry


def entry_as_dict(entry: Entry) -> dict[str, Any]:
    data = asdict(entry)
    data["published"] = entry.published.isoformat()
    data["updated"] = entry.updated.isoformat()
    data["removed"] = [{"text": r.text, "reason": r.reason} for r in entry.removed]
    return data
