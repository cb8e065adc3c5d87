"""Fingerprints of what outputs are built from, and the record that lets a rebuild with nothing
changed stop before loading any entry.

A build is a pure function of the entry files' contents, the media files beside them, the
settings, the templates and publisher's version (nothing depends on the clock). So when the
fingerprint of all of those equals the one recorded after the last build into the same ``out/``,
and ``out/`` still holds exactly what that build left (the same manifest, every file present),
there is nothing to do: at 100,000 entries this skips unpickling every entry and planning
120,000 outputs (about 5 s).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from publisher import __version__
from publisher.config import Settings
from publisher.content.cache import BuildCache
from publisher.content.scan import Media
from publisher.content.urls import RECORD
from publisher.errors import Problem
from publisher.model import Entry
from publisher.output import MANIFEST, read_manifest


def key(*parts: object) -> str:
    """A fingerprint (SHA-256) of the parts: strings as they are, anything else by its repr (which
    must be deterministic: no sets, no ids), each after its length, so that no two lists of parts
    hash the same bytes. Strings are not repr'd: escaping the long listings of lists and feeds cost
    more than hashing them."""
    fingerprint = hashlib.sha256()
    for part in parts:
        data = (part if isinstance(part, str) else repr(part)).encode("utf-8", "surrogatepass")
        fingerprint.update(b"%d:" % len(data))
        fingerprint.update(data)
    return fingerprint.hexdigest()


def settings_fingerprint(settings: Settings) -> str:
    """Every setting a template can read (``site``), so every output depends on all of them; not
    the folders, which outputs do not name. The bundled templates use few, but a project's own
    footer may show, say, ``site.digest.sender_address`` (an imprint)."""
    relevant = (
        settings.title,
        settings.base_url,
        settings.description,
        settings.language,
        settings.timezone,
        settings.author,
        settings.author_email,
        settings.feed_limit,
        settings.page_size,
        settings.feed_content,
        settings.websub_hub,
        settings.logo,
        settings.accent_color,
        settings.digest,
        settings.smtp,
        settings.legal,
        settings.subscribe,
        __version__,
    )
    return key(*relevant)


def templates_fingerprint(settings: Settings) -> str:
    """The names and contents of the project's and the bundled templates."""
    from publisher.render.templating import default_templates_dir

    fingerprint = hashlib.sha256()
    for folder in (settings.templates_dir, default_templates_dir()):
        if not folder.is_dir():
            continue
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            fingerprint.update(file.relative_to(folder).as_posix().encode())
            fingerprint.update(hashlib.sha256(file.read_bytes()).digest())
    return fingerprint.hexdigest()


def inputs_fingerprint(
    settings: Settings,
    entry_fingerprints: Mapping[str, str],
    media: Media,
    held: Sequence[str] = (),
    variant: str = "",
) -> str:
    """Everything a build reads: ``entry_fingerprints`` maps each entry file (relative path, in
    path order) to the SHA-256 of its bytes; ``media`` (``scan.scan_assets``) are the media
    files, which count by name, mtime and size, the ignored files' names and what was refused.
    ``held`` are the entry files left out because they are scheduled: the output changes when one
    of them comes due. ``variant`` names anything else that changes what is built ("drafts")."""
    fingerprint = hashlib.sha256()
    fingerprint.update(f"{settings_fingerprint(settings)}\n{templates_fingerprint(settings)}\n".encode())
    fingerprint.update(f"scheduled\0{len(held)}\0{chr(0).join(held)}\0{variant}\n".encode())
    for path, content in entry_fingerprints.items():
        fingerprint.update(f"{path}\0{content}\n".encode())
    assets, ignored, refused = media
    for item in refused:
        fingerprint.update(f"refused\0{item.relative}\0{item.reason}\n".encode())
    for asset in assets:
        fingerprint.update(f"asset\0{asset.relative}\0{asset.mtime_ns}\0{asset.size}\n".encode())
    for name in ignored:
        fingerprint.update(f"ignored\0{name}\n".encode())
    return fingerprint.hexdigest()


@dataclass(frozen=True, slots=True)
class BuildRecord:
    """What a finished build leaves in the cache for its ``out/``."""

    inputs: str  # inputs_fingerprint
    manifest: str  # SHA-256 of the manifest the build left in out/
    entries: int
    problems: tuple[Problem, ...]  # the warnings it reported (a build with errors is not recorded)
    scheduled: tuple[Entry, ...] = ()  # the entries dated after its time (light)
    drafts: tuple[Entry, ...] = ()  # the drafts it published (light; only the preview's builds)


def _manifest_fingerprint(out_dir: Path) -> str | None:
    """The fingerprint of the manifest and the address record (both written by the build): a build
    that finds either changed or gone builds (and writes them) again."""
    try:
        fingerprint = hashlib.sha256((out_dir / MANIFEST).read_bytes())
    except OSError:
        return None
    try:
        fingerprint.update((out_dir / RECORD).read_bytes())
    except OSError:
        fingerprint.update(b"no record")
    return fingerprint.hexdigest()


def remember(cache: BuildCache, out_dir: Path, record: BuildRecord) -> None:
    """Record a finished build (after its manifest was written; ``record.manifest`` is filled in here)."""
    manifest = _manifest_fingerprint(out_dir)
    if manifest is not None:
        record = replace(record, manifest=manifest)
        # The inputs' fingerprint ahead of the pickle: a build after an edit compares it without
        # unpickling the record (with a migrated site's thousands of warnings, 0.15 s).
        blob = record.inputs.encode("ascii") + b"\0" + pickle.dumps(record, pickle.HIGHEST_PROTOCOL)
        cache.remember_build(str(out_dir), blob)


def unchanged(cache: BuildCache, out_dir: Path, inputs: str) -> tuple[BuildRecord, int] | None:
    """The last build's record and its number of files, if ``out/`` is already what these inputs
    build; else None (then the whole build runs, and decides file by file)."""
    blob = cache.last_build(str(out_dir))
    if blob is None:
        return None
    fingerprint, _, pickled = blob.partition(b"\0")
    if fingerprint != inputs.encode("ascii"):
        return None
    try:
        record = pickle.loads(pickled)
    except Exception:  # written by another version of this class: just build
        return None
    if not isinstance(record, BuildRecord) or record.inputs != inputs:
        return None
    if _manifest_fingerprint(out_dir) != record.manifest:
        return None  # out/ was built since by something else, or a build stopped half-way
    files = read_manifest(out_dir)
    present = files_below(out_dir)
    if not files or not present.issuperset(files):
        return None  # someone deleted outputs: the build puts them back
    return record, len(files)


def files_below(folder: Path) -> set[str]:
    """Relative paths of every file below ``folder`` (one directory listing per folder, no stat);
    a folder that is not there has none."""
    found: set[str] = set()
    stack = [(str(folder), "")]
    while stack:
        path, prefix = stack.pop()
        try:
            listing = os.scandir(path)
        except (FileNotFoundError, NotADirectoryError):
            continue
        with listing:
            for item in listing:
                if item.is_dir(follow_symlinks=False):
                    stack.append((item.path, f"{prefix}{item.name}/"))
                else:
                    found.add(f"{prefix}{item.name}")
    return found


__all__ = [
    "BuildRecord",
    "files_below",
    "inputs_fingerprint",
    "key",
    "remember",
    "settings_fingerprint",
    "templates_fingerprint",
    "unchanged",
]
