"""URLs as feeds carry them: percent-encoding what a URI cannot hold, and telling a URI from other text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.urls import encode_url, is_absolute_uri


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://news.example.org/media/Foto Konferenz.jpg",
            "https://news.example.org/media/Foto%20Konferenz.jpg",
        ),
        ("media/Foto Konferenz.jpg", "media/Foto%20Konferenz.jpg"),
        (
            "https://news.example.org/Straße?q=Köln#Überblick",
            "https://news.example.org/Stra%C3%9Fe?q=K%C3%B6ln#%C3%9Cberblick",
        ),
        ("https://münchen.example/a", "https://xn--mnchen-3ya.example/a"),
        ("https://news.example.org/a%20b", "https://news.example.org/a%20b"),  # escapes stay
        ("https://news.example.org/100%", "https://news.example.org/100%25"),  # a lone % is escaped
        ("https://news.example.org/a?x=1&y=<2>", "https://news.example.org/a?x=1&y=%3C2%3E"),
        ("mailto:redaktion@example.org", "mailto:redaktion@example.org"),
        ('https://example.org/"quoted"', "https://example.org/%22quoted%22"),
        ("https://news.example.org/a\n", "https://news.example.org/a"),  # line breaks go, as in browsers
    ],
)
def test_encode_url(url: str, expected: str) -> None:
    assert encode_url(url) == expected
    assert encode_url(expected) == expected  # encoding twice changes nothing


@given(st.text(max_size=40))
def test_an_encoded_url_holds_only_uri_characters(text: str) -> None:
    encoded = encode_url("https://news.example.org/" + text)
    assert encoded.isascii()
    assert not any(c in encoded for c in ' "<>\\^`{|}') and not any(ord(c) < 33 for c in encoded)
    assert encode_url(encoded) == encoded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("urn:uuid:3f0c5a52-8a2e-4c41-9a57-1b1f0c0d0a01", True),
        ("tag:example.org,2024:1", True),
        ("https://example.org/x", True),
        ("https:/x", False),
        ("<script>alert(1)</script>", False),
        ("meldung-1", False),
        ("urn:a b", False),
        ("urn:%zz", False),
        ("urn:", False),
    ],
)
def test_is_absolute_uri(text: str, expected: bool) -> None:
    assert is_absolute_uri(text) is expected
