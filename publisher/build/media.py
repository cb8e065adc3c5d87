"""What the build knows about the media it publishes: the size in bytes (an RSS enclosure's length)
and the width and height of an entry's lead image when it is a file in entries/."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from urllib.parse import unquote

from publisher.content.scan import EntryFile
from publisher.model import Entry, Image

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4096)
def _dimensions(path: str, mtime_ns: int, size: int) -> tuple[int, int] | None:
    """Width and height from the file's header (PNG, JPEG, GIF, WebP, AVIF …), or None."""
    import imagesize  # on first use: a build without local images never needs it

    try:
        width, height = imagesize.get(path)
    except (OSError, ValueError):
        return None
    return (width, height) if width > 0 and height > 0 else None


def with_media_facts(entries: Sequence[Entry], assets: Iterable[EntryFile], base_url: str) -> list[Entry]:
    """The entries, each whose lead image is a media file of the site with that file's length and,
    where the front matter gives none, its width and height."""
    files = {asset.relative: asset for asset in assets}
    if not files:
        return list(entries)
    result = []
    for entry in entries:
        image = entry.image
        asset = _asset_of(image, files, base_url) if image else None
        if image is None or asset is None:
            result.append(entry)
            continue
        result.append(replace(entry, image=_measured(image, asset)))
    return result


def _asset_of(image: Image, files: dict[str, EntryFile], base_url: str) -> EntryFile | None:
    if not image.url.startswith(base_url):
        return None
    relative = unquote(image.url[len(base_url) :].partition("?")[0].partition("#")[0])
    return files.get(relative)


def _measured(image: Image, asset: EntryFile) -> Image:
    width, height = image.width, image.height
    if not (width and height):
        found = _dimensions(asset.path, asset.mtime_ns, asset.size)
        if found is not None:
            width, height = found
        else:
            logger.debug("%s: no image size in its header", asset.relative)
    return replace(image, length=asset.size, width=width, height=height)
