"""``publisher preview`` as an editor uses it, in headless Chromium: a saved title shows in the open
page by itself; a broken template shows the problem page, and the fix brings the page back."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import MakeProject
from tests.preview.fixtures import preview_process, small_project

pytestmark = pytest.mark.browser

WAIT_MS = 20_000  # a generous bound for a loaded CI machine; the speed is measured in benchmarks/preview.py


def test_a_saved_edit_reloads_the_page_and_a_template_error_shows_until_fixed(
    browser: Any, make_project: MakeProject
) -> None:
    from playwright.sync_api import expect

    root = small_project(make_project)
    entry = root / "entries" / "2024" / "wasserwerk.md"
    with preview_process(root) as (process, url, log):
        assert url.startswith("http://127.0.0.1:")  # this machine only, unless --host says otherwise
        page = browser.new_page()
        page.goto(url + "posts/wasserwerk.html")
        expect(page.locator("h1.entry-title")).to_have_text("Neues Wasserwerk eröffnet")

        entry.write_text(
            entry.read_text(encoding="utf-8").replace(
                "Neues Wasserwerk eröffnet", "Wasserwerk lädt zum „Tag der offenen Tür“"
            ),
            encoding="utf-8",
        )
        expect(page.locator("h1.entry-title")).to_have_text(
            "Wasserwerk lädt zum „Tag der offenen Tür“", timeout=WAIT_MS
        )

        templates = root / "templates"
        templates.mkdir()
        (templates / "entry.html.j2").write_text(
            '{% extends "base.html.j2" %}\n{% block content %}\n<h1>{{ entry.title }</h1>\n{% endblock %}\n',
            encoding="utf-8",
        )
        problem = page.locator("li code").first
        expect(problem).to_contain_text("entry.html.j2:3", timeout=WAIT_MS)
        assert page.locator("h1.entry-title").count() == 0
        assert process.poll() is None  # the preview keeps running

        (templates / "entry.html.j2").write_text(
            '{% extends "base.html.j2" %}\n{% block content %}\n'
            '<h1 class="entry-title">{{ entry.title }}</h1>\n{% endblock %}\n',
            encoding="utf-8",
        )
        expect(page.locator("h1.entry-title")).to_have_text(
            "Wasserwerk lädt zum „Tag der offenen Tür“", timeout=WAIT_MS
        )
        page.close()
    assert any("entry.html.j2:3" in line for line in log)  # the problem was on stderr as well
