"""Email HTML from templates: Jinja and MJML errors name the template file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mjml import mjml2html

from publisher.config import Settings
from publisher.digest.emailhtml import check_mjml_source, compile_mjml, render_template
from publisher.digest.render import render_digest
from publisher.digest.selection import digest_window, select_entries
from publisher.errors import PublisherError
from publisher.mail.state import DigestState
from publisher.render.templating import default_templates_dir, make_environment
from tests.digest.fixtures import NOW, make_entry, make_project, photo

MJML_OK = (
    "<mjml><mj-body><mj-section><mj-column><mj-text>Hallo</mj-text></mj-column></mj-section></mj-body></mjml>"
)


def project_with_templates(root: Path, changes: dict[str, tuple[str, str]] | None = None) -> Settings:
    """A project whose templates/ holds copies of the bundled digest templates, with ``old -> new`` edits."""
    settings = make_project(root)
    bundled = default_templates_dir()
    for name in ("digest.mjml.j2", "digest.txt.j2", "digest/_header.mjml.j2", "digest/_entry.mjml.j2",
                 "digest/_footer.mjml.j2"):  # fmt: skip
        target = settings.templates_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(bundled / name, target)
    for name, (old, new) in (changes or {}).items():
        path = settings.templates_dir / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return settings


def render(settings: Settings) -> None:
    window = digest_window(DigestState(), NOW, window_days=7)
    entries = (make_entry(1, image=photo(1)), make_entry(2))
    render_digest(settings, select_entries(entries, DigestState(), window, 20), NOW)


def line_of(settings: Settings, name: str, needle: str) -> int:
    lines = (settings.templates_dir / name).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


# --- what mjml-python itself does with bad input (the reason for the checks below) ---------------


def test_mjml_python_raises_on_broken_markup_without_a_location() -> None:
    with pytest.raises(ValueError, match="unexpected end of stream") as info:
        mjml2html(MJML_OK.replace("</mj-text>", ""))
    assert "line" not in str(info.value)


def test_mjml_python_copies_unknown_elements_into_the_html() -> None:
    html = mjml2html(MJML_OK.replace("mj-text", "mj-txt"))
    assert "<mj-txt>Hallo</mj-txt>" in html


# --- the source checker -------------------------------------------------------------------------


def test_check_mjml_source_accepts_balanced_templates_with_jinja() -> None:
    source = '{% if x %}\n<mj-section>\n  <mj-column>{{ "<mj-bogus>" }}\n    <mj-image src="a" />\n  </mj-column>\n</mj-section>\n{% endif %}\n'  # noqa: E501
    assert check_mjml_source(source, "t.mjml.j2") == []


def test_check_mjml_source_reports_lines_of_the_template() -> None:
    source = (
        "{#\n a comment\n#}\n<mj-section>\n  <mj-column>\n    <mj-txt>x</mj-txt>\n</mj-section>\n<mj-text>\n"
    )
    problems = check_mjml_source(source, "t.mjml.j2")
    assert [(p.line, p.message) for p in problems] == [
        (6, "<mj-txt> is not an MJML element"),
        (7, "</mj-section> closes <mj-column> opened on line 5"),
        (8, "<mj-text> is never closed"),
    ]
    assert all(p.path == "t.mjml.j2" for p in problems)


def test_bundled_templates_pass_the_check() -> None:
    for path in sorted(default_templates_dir().glob("**/*.mjml.j2")):
        assert check_mjml_source(path.read_text(encoding="utf-8"), str(path)) == [], path


# --- errors from a project's own templates ------------------------------------------------------


def test_unclosed_mjml_tag_names_the_partial_and_line(tmp_path: Path) -> None:
    settings = project_with_templates(tmp_path, {"digest/_entry.mjml.j2": ("        </mj-text>\n", "")})
    opened = line_of(settings, "digest/_entry.mjml.j2", "<mj-text>")
    closing = line_of(settings, "digest/_entry.mjml.j2", "</mj-column>")
    with pytest.raises(PublisherError) as info:
        render(settings)
    where = f"templates/digest/_entry.mjml.j2:{closing}"
    assert str(info.value) == (
        f"{where}: invalid MJML (mjml-python: unexpected end of stream in root template)"
        " -> fix the template\n"
        f"  {where}: </mj-column> closes <mj-text> opened on line {opened} -> close <mj-text> first"
    )


def test_unknown_mjml_element_names_the_template_and_line(tmp_path: Path) -> None:
    settings = project_with_templates(
        tmp_path, {"digest/_footer.mjml.j2": ("<mj-text font-size", "<mj-txt font-size")}
    )
    line = line_of(settings, "digest/_footer.mjml.j2", "<mj-txt")
    with pytest.raises(
        PublisherError, match=rf"templates/digest/_footer.mjml.j2:{line}: .*<mj-txt> is not an MJML"
    ):
        render(settings)


def test_jinja_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    settings = project_with_templates(
        tmp_path, {"digest.mjml.j2": ("{% for item in entries %}", "{% for item in %}")}
    )
    line = line_of(settings, "digest.mjml.j2", "{% for item in %}")
    with pytest.raises(PublisherError, match=rf"^templates/digest.mjml.j2:{line}: template syntax error: "):
        render(settings)


def test_undefined_variable_names_file_and_line(tmp_path: Path) -> None:
    settings = project_with_templates(
        tmp_path, {"digest/_entry.mjml.j2": ("{{ item.summary }}", "{{ item.teaser }}")}
    )
    line = line_of(settings, "digest/_entry.mjml.j2", "item.teaser")
    with pytest.raises(
        PublisherError, match=rf"^templates/digest/_entry.mjml.j2:{line}: .*has no attribute 'teaser'"
    ):
        render(settings)


def test_undefined_variable_in_the_text_template(tmp_path: Path) -> None:
    settings = project_with_templates(tmp_path, {"digest.txt.j2": ("{{ site_title }}", "{{ site_name }}")})
    line = line_of(settings, "digest.txt.j2", "site_name")
    with pytest.raises(PublisherError, match=rf"^templates/digest.txt.j2:{line}: 'site_name' is undefined"):
        render(settings)


def test_missing_partial_names_the_including_template(tmp_path: Path) -> None:
    settings = project_with_templates(
        tmp_path,
        {
            "digest.mjml.j2": (
                '{% include "digest/_footer.mjml.j2" %}',
                '{% include "digest/_fuss.mjml.j2" %}',
            )
        },
    )
    line = line_of(settings, "digest.mjml.j2", "_fuss")
    with pytest.raises(
        PublisherError, match=rf"^templates/digest.mjml.j2:{line}: template 'digest/_fuss.mjml.j2' not found"
    ):
        render(settings)


def test_missing_template(tmp_path: Path) -> None:
    env = make_environment(make_project(tmp_path))
    with pytest.raises(PublisherError, match=r"template 'digest\.html\.j2' not found .*create it"):
        render_template(env, "digest.html.j2", {})


def test_a_template_without_unsubscribe_link_is_refused(tmp_path: Path) -> None:
    settings = project_with_templates(
        tmp_path,
        {"digest/_footer.mjml.j2": ('<a href="{{ unsubscribe_url }}">', '<a href="{{ site_url }}">')},
    )
    with pytest.raises(PublisherError, match=r"digest\.mjml\.j2: the template has no unsubscribe link"):
        render(settings)


def test_project_templates_override_the_bundled_ones(tmp_path: Path) -> None:
    settings = project_with_templates(
        tmp_path, {"digest/_entry.mjml.j2": ("{{ t.read_more }}", "Ganze Meldung lesen")}
    )
    window = digest_window(DigestState(), NOW, window_days=7)
    selection = select_entries((make_entry(1),), DigestState(), window, 20)
    assert "Ganze Meldung lesen" in render_digest(settings, selection, NOW).files["email.html"].decode()


def test_compile_mjml_check_mode_finds_problems_mjml_python_accepts(tmp_path: Path) -> None:
    env = make_environment(make_project(tmp_path))
    assert "<mj-" not in compile_mjml(MJML_OK, env, "digest.mjml.j2", check=True)
