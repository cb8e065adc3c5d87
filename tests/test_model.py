"""The feed model pickles compactly and faithfully (the build cache stores it pickled)."""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from publisher.content.normalise import Normalised
from publisher.errors import Problem, Severity
from publisher.model import Author, Entry, Image, Removal, Tag, pickled_as_arguments


def _entry() -> Entry:
    berlin = ZoneInfo("Europe/Berlin")
    return Entry(
        id="urn:uuid:1",
        title="Größer „besser“",
        slug="groesser-besser",
        path="posts/groesser-besser.html",
        url="https://example.org/posts/groesser-besser.html",
        published=datetime(2024, 3, 31, 2, 30, tzinfo=timezone(timedelta(hours=1))),
        updated=datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=berlin),
        lang="de",
        content_html="",
        summary="Zusammenfassung",
        subtitle="Untertitel",
        authors=(Author("Jürgen Groß", "j@example.org"), Author("Ann Lee", url="https://a.example")),
        tags=(Tag("Künstliche Intelligenz", "kuenstliche-intelligenz"), Tag("Wasserstoff", "wasserstoff")),
        image=Image("https://example.org/a.jpg", "Alt", "Caption", "Credit", 640, 480, "image/jpeg"),
        source_url="https://example.org/original",
        source_path="entries/a.md",
        removed=(Removal("<script>", "script"),),
    )


def test_an_entry_survives_pickling_field_for_field() -> None:
    original = Normalised(
        _entry(),
        (Problem("entries/a.md", "odd", line=3, field="date", hint="fix", severity=Severity.WARNING),),
        draft=False,
        has_explicit_id=False,
    )
    copy = pickle.loads(pickle.dumps(original, pickle.HIGHEST_PROTOCOL))
    assert copy == original
    assert copy.entry is not None and original.entry is not None
    assert copy.entry.updated.fold == 1 and copy.entry.updated.tzinfo == ZoneInfo("Europe/Berlin")
    assert copy.entry.updated.utcoffset() == original.entry.updated.utcoffset() == timedelta(hours=1)


def test_unpickling_still_checks_the_entry() -> None:
    """Pickles are rebuilt through the constructor, so a naive date cannot sneak in from a cache."""
    state = list(_entry().__reduce__()[1])
    state[5] = datetime(2024, 1, 1)  # published, without a zone

    class Tampered:
        def __reduce__(self) -> tuple[type[Entry], tuple[object, ...]]:
            return (Entry, tuple(state))

    with pytest.raises(ValueError, match="published must be timezone-aware"):
        pickle.loads(pickle.dumps(Tampered()))


def test_a_one_field_class_is_refused() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True, slots=True)
    class One:
        value: int

    with pytest.raises(TypeError, match="at least two fields"):
        pickled_as_arguments(One)
