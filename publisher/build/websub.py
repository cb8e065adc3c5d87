"""WebSub publishing: after a build that changed a feed, tell the hub (``hub.mode=publish``), so that
readers subscribed there get the new entries at once instead of at their next poll.

A hub that cannot be reached or refuses is a warning, never a failed build: the feeds are written,
and readers still find the changes when they poll.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from publisher import __version__
from publisher.config import Settings
from publisher.errors import Problem, warning
from publisher.render.feeds import FEED_FILES

logger = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds per request


def changed_feeds(settings: Settings, written: Iterable[str]) -> list[str]:
    """The URLs of the subscription feeds among the files written (not the archived documents,
    which readers do not subscribe to)."""
    names = set(FEED_FILES.values())
    return [
        settings.url(path)
        for path in sorted(written)
        if path.rpartition("/")[2] in names and "archive/" not in path
    ]


def announce(
    settings: Settings, written: Iterable[str], timeout: float = TIMEOUT
) -> tuple[tuple[str, ...], tuple[Problem, ...]]:
    """Send one publish ping per changed feed to ``settings.websub_hub``: the feeds the hub took,
    and a warning for each it did not (nothing when no hub is configured or no feed changed)."""
    hub = settings.websub_hub
    feeds = changed_feeds(settings, written) if hub else []
    told: list[str] = []
    failed: list[tuple[str, str]] = []
    for number, feed in enumerate(feeds):
        body = urlencode({"hub.mode": "publish", "hub.url": feed}).encode("ascii")
        request = Request(
            hub,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": f"publisher/{__version__} (WebSub publisher)",
            },
        )
        try:
            with urlopen(request, timeout=timeout) as response:
                status = response.status
        except HTTPError as exc:
            failed.append((feed, f"answered {exc.code} {exc.reason}"))
            continue
        except (URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            # The hub is not there: the other feeds would only wait for the same time-out.
            failed += [(f, f"could not be reached ({reason})") for f in feeds[number:]]
            break
        if 200 <= status < 300:
            logger.info("websub: %s told about %s", hub, feed)
            told.append(feed)
        else:
            failed.append((feed, f"answered {status}"))
    by_reason: dict[str, list[str]] = {}
    for feed, why in failed:
        by_reason.setdefault(why, []).append(feed)
    return tuple(told), tuple(_problem(settings, feeds, why) for why, feeds in by_reason.items())


def _problem(settings: Settings, feeds: list[str], why: str) -> Problem:
    what = (
        f"that {feeds[0]} changed" if len(feeds) == 1 else f"about {len(feeds)} changed feeds ({feeds[0]} …)"
    )
    return warning(
        str(settings.config_path or "publisher.toml"),
        f"the WebSub hub {settings.websub_hub} {why} when told {what}",
        field="websub_hub",
        hint="the feeds are written and readers get them at their next poll; check the hub's address "
        "in websub_hub and that it accepts publish requests from here",
    )
