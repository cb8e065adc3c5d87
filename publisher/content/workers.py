"""Normalising entry files into cache rows, on every core, and the fingerprint of the code that does it."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.content import pickling
from publisher.content.cache import CacheRow
from publisher.content.loaders import parse_entry, read_entry
from publisher.content.normalise import NormaliseContext, Normalised, normalise

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

PARALLEL_THRESHOLD = 256  # fewer files are normalised in this process: starting the work costs more
CHUNK_SIZE = 128
UNREAD = ""  # the fingerprint of an entry file that could not be read
RACY_NS = 2_000_000_000  # mtimes younger than this are not trusted (coarse file system clocks)

_PACKAGE = Path(__file__).resolve().parent.parent  # publisher/
RULE_SOURCES: tuple[Path, ...] = (
    # Every module of this package: loading, front matter of other generators, normalising,
    # sanitising, slugs, ids, dates, the cache row itself. A new module is covered without a list.
    *sorted((_PACKAGE / "content").glob("*.py")),
    _PACKAGE / "addresses.py",  # author email addresses
    _PACKAGE / "urls.py",  # percent-encoded URLs, ids that must be URIs
    _PACKAGE / "model.py",  # the pickled Entry
    _PACKAGE / "errors.py",  # the pickled Problem
)
"""The source files whose code decides a cached row: each file is normalised by these modules and
the result stored as they shape it. Changing any of them changes ``rules_fingerprint``, so the
cache normalises every entry again instead of serving results of the old code. (The settings
normalisation reads are in the cache key too: ``NormaliseContext``. Versions of libraries are
not: an upgrade of nh3 or cmarkgfm that changes their output needs ``publisher build --full``.)"""


def rules_fingerprint(sources: Sequence[Path] | None = None) -> str:
    """The SHA-256 of the rule modules' source (``RULE_SOURCES`` unless given), part of the cache's
    key. Where the files are does not count, so every installation of the same code agrees. A
    file that cannot be read (an installation without sources) counts by its name alone;
    publisher's version is in the key as well."""
    hashed = hashlib.sha256()
    for path in RULE_SOURCES if sources is None else sources:
        try:
            content = path.read_bytes()
        except OSError:
            content = b""
        hashed.update(f"{path.name}\0{len(content)}\0".encode())
        hashed.update(content)
    return hashed.hexdigest()


def trusted_mtime(mtime_ns: int) -> int:
    """The mtime to remember, or 0 if the file changed so recently that another change within the
    same clock tick would keep it (then the next build compares the content instead)."""
    return mtime_ns if time.time_ns() - mtime_ns > RACY_NS else 0


def normalise_file(path: Path, relative: str, context: NormaliseContext) -> CacheRow:
    """Read, parse and normalise one file; the row the cache stores (runs in worker processes)."""
    stat = path.stat()
    data, problems = read_entry(path, relative)
    if data is None:  # remembered as unread: the next run looks at the file again
        return CacheRow(
            path=relative,
            mtime_ns=0,
            size=stat.st_size,
            fingerprint=UNREAD,
            light=pickling.dumps(Normalised(None, tuple(problems))),
            html="",
            published=None,
            entry_id=None,
            slug=None,
            flagged=1,
            explicit_slug=0,
        )
    source, problems = parse_entry(data, relative)
    result = normalise(source, context) if source else Normalised(None, tuple(problems))
    html = result.entry.content_html if result.entry else ""
    entry = None if result.draft else result.entry  # a draft is in no index: no feed, digest or check
    return CacheRow(
        path=relative,
        mtime_ns=trusted_mtime(stat.st_mtime_ns),
        size=stat.st_size,
        fingerprint=hashlib.sha256(data).hexdigest(),
        light=pickling.dumps(_light(result)),
        html=html,
        published=entry.published.timestamp() if entry else None,
        entry_id=entry.id if entry else None,
        slug=entry.slug if entry else None,
        flagged=int(entry is None or bool(result.problems) or bool(entry.removed)),
        explicit_slug=int(bool(source and source.metadata.get("slug"))),
    )


def _light(result: Normalised) -> Normalised:
    if result.entry is None:
        return result
    return replace(result, entry=replace(result.entry, content_html=""))


def _normalise_chunk(items: list[tuple[str, str]], context: NormaliseContext) -> list[CacheRow]:
    return [normalise_file(Path(path), relative, context) for path, relative in items]


def normalise_files(
    stale: list[tuple[str, str]], context: NormaliseContext, pool: ProcessPoolExecutor | None
) -> Iterator[list[CacheRow]]:
    """The rows of ``(path, relative path)`` files, in chunks of ``CHUNK_SIZE``, in order: on the
    pool's workers when there are many, else in this process."""
    chunks = [stale[i : i + CHUNK_SIZE] for i in range(0, len(stale), CHUNK_SIZE)]
    if pool is None or len(stale) < PARALLEL_THRESHOLD:
        for chunk in chunks:
            yield _normalise_chunk(chunk, context)
        return
    yield from pool.map(_normalise_chunk, chunks, [context] * len(chunks))


@contextmanager
def worker_pool() -> Iterator[ProcessPoolExecutor | None]:
    """One process per core for a whole build, or None on a single core.

    The workers are forked at once, while this process is still small: forked later, after the
    metadata of every entry is loaded (hundreds of MB at 100,000 entries), each worker would end
    up with a private copy of it as soon as Python's reference counting touched the pages.
    Forking (not spawning) also spares callers the ``if __name__ == "__main__"`` guard. The workers
    end when this process dies, even by kill -9 (see ``processes.end_with_parent``).
    """
    cores = os.cpu_count() or 1
    if cores < 2:
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only for a whole-site load

    from publisher.processes import end_with_parent

    with ProcessPoolExecutor(max_workers=cores, initializer=end_with_parent, initargs=(os.getpid(),)) as pool:
        pool.submit(int).result()  # starts every worker now
        yield pool
