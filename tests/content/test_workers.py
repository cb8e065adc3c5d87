"""The cache's key follows the code that normalises entries: the rule modules' source."""

from __future__ import annotations

from pathlib import Path

from publisher.content import workers
from tests.content.fixtures import copies_of


def test_the_rules_fingerprint_changes_with_the_source_of_any_rule_module(tmp_path: Path) -> None:
    """The cache's key comes from the rule modules' source, so that no change to the rules can
    leave entries normalised by the old ones in the cache (there is no number to forget to raise)."""
    package = Path(workers.__file__).resolve().parent.parent
    assert {p.relative_to(package).as_posix() for p in workers.RULE_SOURCES} >= {
        "content/normalise.py",
        "content/fields.py",
        "content/dates.py",
        "content/sanitise.py",
        "content/slugs.py",
        "content/loaders.py",
        "content/workers.py",
        "model.py",
    }
    copies = copies_of(workers.RULE_SOURCES, tmp_path)
    original = workers.rules_fingerprint()
    assert workers.rules_fingerprint(copies) == original  # the same source wherever it is installed
    for copy in copies:
        before = copy.read_bytes()
        copy.write_bytes(before.replace(b"\n", b"\n ", 1))
        assert workers.rules_fingerprint(copies) != original, copy.name
        copy.write_bytes(before)
