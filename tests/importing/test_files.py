"""publisher.importing.files: reading inputs, and writing imported entries once, atomically, keeping ids."""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

import frontmatter
import pytest

from publisher.content.loaders import parse_entry
from publisher.errors import PublisherError
from publisher.importing.files import (
    EntryIndex,
    read_entry_id,
    read_source,
    read_stream,
    render_entry,
    write_entry,
)
from publisher.importing.importer import ImportedEntry, ImportOptions, import_bytes, import_text
from tests.importing.fixtures import SAMPLES

RELEASE = (
    "Meldung\n14.05.2024\n\nRückblick auf die Clusterkonferenz\nNeue Impulse für Netzwerke\n\n"
    "Die Konferenz fand in Brüssel statt. Mehr als 200 Gäste kamen.\n\n"
    "Das Bild zeigt das Podium\n© ECCP\nPodiumsdiskussion\n\nText: Eva Kühn\n"
    "Quelle: https://www.example.org/presse/1\n"
)


def entry(text: str = RELEASE, **options: object) -> ImportedEntry:
    return import_text(text, "release.txt", ImportOptions(**options))  # type: ignore[arg-type]


def test_rendered_entry_has_front_matter_in_order_and_the_body() -> None:
    data = render_entry(entry(tags=("Cluster", "Europa")))
    text = data.decode("utf-8")
    assert "Rückblick" in text and "\\u" not in text  # allow_unicode: umlauts stay readable
    keys = [
        line.split(":")[0] for line in text.split("---\n")[1].splitlines() if not line.startswith((" ", "- "))
    ]
    assert keys == ["id", "title", "subtitle", "date", "authors", "tags", "lang", "source", "image"]
    post = frontmatter.loads(text)
    assert post.metadata["date"] == date(2024, 5, 14)
    assert post.metadata["image"] == {
        "alt": "Das Bild zeigt das Podium",
        "caption": "Podiumsdiskussion",
        "credit": "ECCP",
    }
    assert (
        post.metadata["authors"] == ["Eva Kühn"]
        and post.metadata["source"] == "https://www.example.org/presse/1"
    )
    assert post.content == "Die Konferenz fand in Brüssel statt. Mehr als 200 Gäste kamen."
    assert text.endswith("kamen.\n")


def test_optional_keys_are_left_out_and_the_project_loader_reads_the_file() -> None:
    data = render_entry(
        entry("Kurze Meldung\n\nDie Konferenz fand statt. Sie war gut.", date=date(2024, 1, 2))
    )
    assert data.decode().split("---\n")[1].splitlines()[2:] == ["date: 2024-01-02", "lang: de"]
    source, problems = parse_entry(data, "entries/x.md")
    assert problems == [] and source is not None
    assert (
        source.metadata["title"] == "Kurze Meldung"
        and source.body.strip() == "Die Konferenz fand statt. Sie war gut."
    )


def test_render_needs_a_date() -> None:
    with pytest.raises(PublisherError, match=r"release.txt: no date.*pass --date YYYY-MM-DD"):
        write_entry(entry("Titel\n\nText ohne Datum. Zweiter Satz."), EntryIndex(Path("/nonexistent")))


def test_same_text_again_is_found_and_nothing_changes(tmp_path: Path) -> None:
    first = write_entry(entry(), EntryIndex.scan(tmp_path))
    assert first.status == "written"
    assert first.path == tmp_path / "2024-05-14-rueckblick-auf-die-clusterkonferenz.md"
    before = first.path.read_bytes(), first.path.stat().st_mtime_ns
    again = write_entry(entry(tags=("Neu",)), EntryIndex.scan(tmp_path))
    assert (again.status, again.path, again.id) == ("unchanged", first.path, first.id)
    assert (first.path.read_bytes(), first.path.stat().st_mtime_ns) == before


def test_existing_entry_is_found_by_id_anywhere_below_entries(tmp_path: Path) -> None:
    first = write_entry(entry(), EntryIndex.scan(tmp_path))
    moved = tmp_path / "2024" / "umbenannt.md"
    moved.parent.mkdir()
    first.path.rename(moved)
    again = write_entry(entry(), EntryIndex.scan(tmp_path))
    assert (again.status, again.path) == ("unchanged", moved)
    assert not first.path.exists()


def test_force_rewrites_but_keeps_the_id(tmp_path: Path) -> None:
    first = write_entry(entry(), EntryIndex.scan(tmp_path))
    same = write_entry(entry(), EntryIndex.scan(tmp_path), force=True)
    assert (same.status, same.id) == ("unchanged", first.id)
    tagged = write_entry(entry(tags=("Europa",)), EntryIndex.scan(tmp_path), force=True)
    assert (tagged.status, tagged.path, tagged.id) == ("updated", first.path, first.id)
    assert frontmatter.loads(first.path.read_text())["tags"] == ["Europa"]


def test_different_text_on_a_taken_file_name_needs_force_and_keeps_the_old_id(tmp_path: Path) -> None:
    first = write_entry(entry(), EntryIndex.scan(tmp_path))
    corrected = entry(RELEASE.replace("200 Gäste", "250 Gäste"))
    assert corrected.id != first.id
    with pytest.raises(PublisherError) as info:
        write_entry(corrected, EntryIndex.scan(tmp_path))
    message = str(info.value)
    assert message.startswith(str(first.path)) and "--force" in message and "id is kept" in message
    assert "200 Gäste" in first.path.read_text()
    result = write_entry(corrected, EntryIndex.scan(tmp_path), force=True)
    assert (result.status, result.path, result.id) == ("updated", first.path, first.id)
    assert read_entry_id(first.path) == first.id and "250 Gäste" in first.path.read_text()


def test_the_forced_text_again_finds_its_entry_even_after_edits(tmp_path: Path) -> None:
    first = write_entry(entry(), EntryIndex.scan(tmp_path))
    corrected = entry(RELEASE.replace("200 Gäste", "250 Gäste"))
    forced = write_entry(corrected, EntryIndex.scan(tmp_path), force=True)
    text = first.path.read_text(encoding="utf-8")
    assert text.splitlines()[1:3] == [
        f"id: {first.id}",
        f"# text id: {corrected.id} (publisher import finds this entry by it)",
    ]
    source, problems = parse_entry(first.path.read_bytes(), "entries/x.md")
    assert source is not None and not problems
    assert set(source.metadata) == {"id", "title", "subtitle", "date", "authors", "lang", "source", "image"}
    assert source.metadata["id"] == first.id  # the comment is not part of the entry's data
    edited = text.replace("lang: de\n", "lang: de\nsummary: Von Hand ergänzt\n")
    first.path.write_text(edited, encoding="utf-8")
    again = write_entry(corrected, EntryIndex.scan(tmp_path))
    assert (again.status, again.path, again.id) == ("unchanged", first.path, first.id)
    assert first.path.read_text(encoding="utf-8") == edited
    rewritten = write_entry(corrected, EntryIndex.scan(tmp_path), force=True)
    assert (rewritten.status, rewritten.id) == ("updated", first.id)
    assert first.path.read_text(encoding="utf-8") == text
    assert forced.id == first.id


def test_an_entry_own_id_wins_over_another_files_text_id(tmp_path: Path) -> None:
    first = write_entry(entry(), EntryIndex.scan(tmp_path))
    other = entry(RELEASE.replace("Rückblick auf", "Ausblick auf"))
    text = first.path.read_text(encoding="utf-8").replace(f"id: {first.id}", f"id: x\n# text id: {other.id}")
    (tmp_path / "copy.md").write_text(text, encoding="utf-8")
    index = EntryIndex.scan(tmp_path)
    assert index.paths[first.id] == first.path and index.paths[other.id] == tmp_path / "copy.md"


def test_two_inputs_of_one_run_never_overwrite_each_other(tmp_path: Path) -> None:
    index = EntryIndex.scan(tmp_path)
    write_entry(entry(), index)
    with pytest.raises(PublisherError, match="same file as another input of this run"):
        write_entry(entry(RELEASE.replace("200 Gäste", "250 Gäste")), index, force=True)


def test_hand_written_entries_without_id_or_with_broken_yaml_are_tolerated(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: [kaputt\n---\nText\n")
    (tmp_path / "b.md").write_text("kein front matter\n")
    (tmp_path / "2024-05-14-rueckblick-auf-die-clusterkonferenz.md").write_text("---\ntitle: alt\n---\n")
    with pytest.raises(PublisherError, match=r"another entry \(id none\)"):
        write_entry(entry(), EntryIndex.scan(tmp_path))
    result = write_entry(entry(), EntryIndex.scan(tmp_path), force=True)
    assert result.id == entry().id and read_entry_id(result.path) == result.id


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    for sample in SAMPLES:
        imported = import_bytes(sample.read_bytes(), sample.name, ImportOptions(date=date(2025, 4, 8)))
        write_entry(imported, EntryIndex.scan(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2025-04-08-clusterallianz-nrw-stellt-zukunftspapier-vor-innovation-staerken.md",
        "2025-04-08-eccp-rueckblick-auf-europaeische-clusterkonferenz-2024-in-bruessel.md",
        "2025-04-08-ergebnisse-der-european-cluster-conference-2020-veroeffentlicht.md",
    ]


def test_read_source_errors_name_the_path(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(int(5.7 * 1024 * 1024))
    cases = {
        tmp_path / "missing.txt": "no such file",
        tmp_path: "is a directory",
        big: "the file is 5.7 MB; press releases over 5 MB are refused",
        tmp_path / "big.txt" / "below-a-file.txt": "cannot read it",
    }
    for path, message in cases.items():
        with pytest.raises(PublisherError) as info:
            read_source(path)
        assert str(info.value).startswith(str(path)) and message in str(info.value)


def test_read_source_names_the_file_as_given(tmp_path: Path) -> None:
    with pytest.raises(PublisherError, match=r"^incoming/x\.txt: no such file"):
        read_source(tmp_path / "x.txt", "incoming/x.txt")


def test_read_stream_refuses_more_than_5_mb_without_a_fake_size() -> None:
    assert read_stream(io.BytesIO(b"Titel\n"), "<stdin>") == b"Titel\n"
    with pytest.raises(
        PublisherError, match=r"^<stdin>: the file is more than 5 MB; press releases over 5 MB"
    ):
        read_stream(io.BytesIO(b"x" * (6 * 1024 * 1024)), "<stdin>")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_read_source_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("Titel\n")
    path.chmod(0)
    with pytest.raises(PublisherError, match="cannot read it"):
        read_source(path)
