"""Every feed file of a generated corpus (root, tag, language and archived feeds) is valid: feedparser
reads it with bozo 0, Atom passes RFC 4287's RELAX NG schema, JSON Feed its 1.1 schema; and, where
the W3C Feed Validation Service's code is at hand, it finds no error and no warning.

The W3C validator is not part of this repository: set PUBLISHER_FEEDVALIDATOR to the ``src`` folder of
a checkout of github.com/w3c/feedvalidator and PUBLISHER_FEEDVALIDATOR_PYTHON to a Python that has
its dependencies (html5lib, rdflib). benchmarks/validate_feeds.py runs the same checks on 2,000
entries.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from publisher.build.pipeline import build
from publisher.config import load_settings

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def validate_feeds() -> Iterator[ModuleType]:
    """benchmarks/validate_feeds.py, which imports its siblings by plain name."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(BENCH))
        import validate_feeds

        yield validate_feeds


@pytest.fixture(scope="module")
def corpus(validate_feeds: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "project"
    validate_feeds.prepare(
        root,
        80,
        validate_feeds.SETTINGS.replace("https://hub.example.org/", "http://127.0.0.1:9/")
        + "feed_limit = 10\n",
    )
    report = build(load_settings(root / "publisher.toml"))
    assert not report.errors
    return root / "out"


def test_every_feed_file_is_valid(validate_feeds: ModuleType, corpus: Path) -> None:
    counts, failures = validate_feeds.check_locally(corpus)
    assert failures == []
    assert counts["root"]["rss"] == counts["root"]["atom"] == counts["root"]["json"] == 1
    assert counts["language"]["atom"] == 2 and counts["tag"]["atom"] > 20
    assert counts["root archive"]["atom"] == 16  # 82 entries, 5 per archived document
    assert counts["language archive"]["atom"] > 0 and counts["tag archive"]["atom"] == 0


def test_the_w3c_feed_validator_finds_nothing(validate_feeds: ModuleType, corpus: Path) -> None:
    source = os.environ.get("PUBLISHER_FEEDVALIDATOR")
    if not source or not (Path(source) / "feedvalidator").is_dir():
        pytest.skip("set PUBLISHER_FEEDVALIDATOR to the src folder of github.com/w3c/feedvalidator")
    python = os.environ.get("PUBLISHER_FEEDVALIDATOR_PYTHON", sys.executable)
    has_dependencies = subprocess.run(
        [python, "-c", "import html5lib, rdflib"], capture_output=True, check=False
    )
    if has_dependencies.returncode != 0:
        pytest.skip(f"{python} lacks the W3C validator's dependencies: pip install html5lib rdflib")
    files, messages = validate_feeds.check_w3c(corpus, source, python)
    assert files > 50 and messages == []
