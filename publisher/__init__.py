"""publisher: Markdown news entries in; RSS 2.0, Atom 1.0, JSON Feed, a web archive and email digests out.

The public API, for use from Python (the CLI is built on the same functions)::

    from publisher import load_settings, build_site
    report = build_site(load_settings())
    print(len(report.written), "files written")

Names are imported on first use, so ``import publisher`` stays cheap for worker processes.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> (module, attribute)
_EXPORTS = {
    "Settings": ("publisher.config", "Settings"),
    "load_settings": ("publisher.config", "load_settings"),
    "Problem": ("publisher.errors", "Problem"),
    "PublisherError": ("publisher.errors", "PublisherError"),
    "Entry": ("publisher.model", "Entry"),
    "load_site": ("publisher.content.load", "load_site"),
    "build_site": ("publisher.build.pipeline", "build"),
    "BuildReport": ("publisher.build.pipeline", "BuildReport"),
    "ImportOptions": ("publisher.importing.importer", "ImportOptions"),
    "import_bytes": ("publisher.importing.importer", "import_bytes"),
    "render_digest": ("publisher.digest.render", "render_digest"),
    "SendOptions": ("publisher.mail.send", "SendOptions"),
    "send_digest": ("publisher.mail.send", "send_digest"),
}

__all__ = [  # noqa: RUF022 (grouped as in _EXPORTS)
    "__version__",
    "Settings",
    "load_settings",
    "Problem",
    "PublisherError",
    "Entry",
    "load_site",
    "build_site",
    "BuildReport",
    "ImportOptions",
    "import_bytes",
    "render_digest",
    "SendOptions",
    "send_digest",
]

if TYPE_CHECKING:
    from publisher.build.pipeline import BuildReport
    from publisher.build.pipeline import build as build_site
    from publisher.config import Settings, load_settings
    from publisher.content.load import load_site
    from publisher.digest.render import render_digest
    from publisher.errors import Problem, PublisherError
    from publisher.importing.importer import ImportOptions, import_bytes
    from publisher.mail.send import SendOptions, send_digest
    from publisher.model import Entry


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'publisher' has no attribute {name!r}") from None
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
