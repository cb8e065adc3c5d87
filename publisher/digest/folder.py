"""The digest's folder under out/digests/: where a digest may go, writing it, and marking it as sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.errors import PublisherError
from publisher.mail.outbox import DIGESTS_DIR, MANIFEST, RenderedDigest
from publisher.mail.state import DigestState, SentDigest, load_state, record_sent

if TYPE_CHECKING:
    from publisher.config import Settings


def free_folder(settings: Settings, rendered: RenderedDigest, state: DigestState) -> str:
    """The folder under ``out/digests/`` this digest may be written to: its date's, unless that holds
    another digest already marked as sent (a second edition on the same day); then ``<date>-2``,
    ``-3`` …, so that the web version and message.eml of a sent digest are never replaced."""
    sent = {digest.digest_id for digest in state.sent}
    number = 1
    while True:
        name = rendered.date if number == 1 else f"{rendered.date}-{number}"
        try:
            data = json.loads((settings.out_dir / DIGESTS_DIR / name / MANIFEST).read_bytes())
            holder = data.get("digest_id") if isinstance(data, dict) else None
        except (OSError, ValueError):
            return name  # no digest there (or an unreadable one, which nothing can send)
        if holder == rendered.digest_id or holder not in sent:
            return name  # the same digest again, or one never sent: rendering it anew is fine
        number += 1


def write_digest(settings: Settings, rendered: RenderedDigest) -> list[Path]:
    """Write the files atomically to ``out/digests/<date>/``; the manifest digest.json goes last.

    No fsync: the files can be rendered again (the state file, which cannot, is written durably).
    """
    from publisher.output import write_atomic

    directory = settings.out_dir / rendered.directory
    for name in rendered.file_names:
        write_atomic(directory / name, rendered.files[name], durable=False)
    write_atomic(directory / MANIFEST, rendered.files.get(MANIFEST) or rendered.manifest(), durable=False)
    return [directory / name for name in (*rendered.file_names, MANIFEST)]


def mark_sent(settings: Settings, rendered: RenderedDigest) -> DigestState:
    """Record the digest as sent in the state file (atomically; idempotent per digest id)."""
    path = settings.state_path
    try:
        return record_sent(
            path, SentDigest(rendered.digest_id, rendered.now, rendered.window_end, rendered.entry_ids)
        )
    except OSError as exc:
        raise PublisherError(
            f"{path}: could not write the digest state ({exc.strerror or exc}); the digest was written "
            "but is NOT marked as sent -> fix the problem and run the same command with --mark-sent again"
        ) from None


def load_digest_state(settings: Settings) -> DigestState:
    """The sent-digest history; a corrupt state file raises PublisherError (never a silent reset)."""
    return load_state(settings.state_path)
