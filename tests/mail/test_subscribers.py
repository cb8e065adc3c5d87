"""The subscriber store on a real SQLite file: schema, add, import, list, remove, unsubscribe."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from publisher.errors import PublisherError
from publisher.mail import subscribers, tokens

SECRET = b"s" * 32
NOW = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)


def test_add_normalises_and_stores_all_fields(conn: sqlite3.Connection) -> None:
    added = subscribers.add_subscriber(
        conn,
        "  Juergen@Example.ORG ",
        name=" Jürgen „Jo“ Müller ",
        lang="de",
        tags="presse; rathaus, presse",
        now=NOW,
    )
    assert added.email == "Juergen@example.org"
    assert added.name == "Jürgen „Jo“ Müller"
    assert added.tags == ("presse", "rathaus")
    assert (added.status, added.created, added.confirmed_at, added.unsubscribed_at) == (
        "confirmed",
        "2024-05-14T07:00:00+00:00",
        "2024-05-14T07:00:00+00:00",
        None,
    )


def test_international_domain_is_stored_as_ascii_and_local_part_must_be_ascii(
    conn: sqlite3.Connection,
) -> None:
    assert subscribers.add_subscriber(conn, "anna@münchen.de").email == "anna@xn--mnchen-3ya.de"
    with pytest.raises(PublisherError, match="already in the list"):
        subscribers.add_subscriber(conn, "ANNA@xn--mnchen-3ya.de")
    with pytest.raises(PublisherError, match="Internationalized characters before the @-sign"):
        subscribers.add_subscriber(conn, "jürgen@example.org")


def test_duplicate_address_is_refused_case_insensitively(conn: sqlite3.Connection) -> None:
    subscribers.add_subscriber(conn, "anna@example.org")
    with pytest.raises(PublisherError, match="already in the list"):
        subscribers.add_subscriber(conn, "ANNA@EXAMPLE.ORG")
    assert len(subscribers.list_subscribers(conn)) == 1


def test_invalid_fields_are_all_reported(conn: sqlite3.Connection) -> None:
    with pytest.raises(PublisherError) as caught:
        subscribers.add_subscriber(conn, "anna(at)example.org", lang="fr", name="x\ny")
    fields = {p.field for p in caught.value.problems}
    assert fields == {"EMAIL", "--lang", "--name"}
    assert "use one of de, en" in str(caught.value)
    assert "--name: contains a line break or another control character -> write the name on one line" in str(
        caught.value
    )
    assert subscribers.list_subscribers(conn) == []


def test_every_field_problem_says_what_to_do() -> None:
    problems = subscribers.check_fields("", "N" * 201 + "\x07", "fr", ["a\nb"])
    assert [field for field, _, _ in problems] == ["email", "name", "name", "lang", "tags"]
    assert all(hint for _, _, hint in problems)
    assert ("name", "is 202 characters long, at most 200 fit", "shorten it") in problems


def test_list_is_ordered_by_address_and_filters_by_status(conn: sqlite3.Connection) -> None:
    for address in ("zoe@example.org", "Bob@example.org", "anna@example.org"):
        subscribers.add_subscriber(conn, address)
    bob = subscribers.existing_subscriber(conn, "bob@example.org")
    assert bob is not None
    subscribers.unsubscribe(conn, bob.id, now=NOW)
    assert [s.email for s in subscribers.list_subscribers(conn)] == [
        "anna@example.org",
        "Bob@example.org",
        "zoe@example.org",
    ]
    assert [s.email for s in subscribers.list_subscribers(conn, subscribers.ACTIVE)] == [
        "anna@example.org",
        "zoe@example.org",
    ]


def test_remove_deletes_and_unknown_address_is_an_error(conn: sqlite3.Connection) -> None:
    subscribers.add_subscriber(conn, "anna@example.org")
    assert subscribers.remove_subscriber(conn, "ANNA@example.org").email == "anna@example.org"
    assert subscribers.list_subscribers(conn) == []
    with pytest.raises(PublisherError, match="not in the list"):
        subscribers.remove_subscriber(conn, "anna@example.org")


def test_unsubscribe_is_idempotent_and_keeps_the_first_time(conn: sqlite3.Connection) -> None:
    anna = subscribers.add_subscriber(conn, "anna@example.org")
    first = subscribers.unsubscribe(conn, anna.id, now=NOW)
    again = subscribers.unsubscribe(conn, anna.id, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert first.status == again.status == "unsubscribed"
    assert again.unsubscribed_at == "2024-05-14T07:00:00+00:00"


def test_re_adding_an_unsubscribed_address_is_refused_with_a_hint(conn: sqlite3.Connection) -> None:
    anna = subscribers.add_subscriber(conn, "anna@example.org")
    subscribers.unsubscribe(conn, anna.id, now=NOW)
    with pytest.raises(PublisherError, match=r"unsubscribed on 2024-05-14.*remove"):
        subscribers.add_subscriber(conn, "anna@example.org")


def test_token_unsubscribes_its_subscriber_only(conn: sqlite3.Connection) -> None:
    anna = subscribers.add_subscriber(conn, "anna@example.org")
    bob = subscribers.add_subscriber(conn, "bob@example.org")
    token = tokens.make_token(SECRET, anna.id, anna.key)
    done = subscribers.unsubscribe_by_token(conn, SECRET, token)
    assert done is not None and done.email == "anna@example.org" and done.status == "unsubscribed"
    assert subscribers.get_subscriber(conn, bob.id).status == "confirmed"


@pytest.mark.parametrize(
    "make_bad",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character of the MAC changed
        lambda t: "2" + t[1:],  # Anna's MAC with Bob's id
        lambda t: tokens.make_token(b"another secret that is long", 1, "anna@example.org"),
        lambda t: "",
        lambda t: "1.",
        lambda t: "1;DROP TABLE subscribers",
    ],
    ids=["flipped", "other-id", "other-secret", "empty", "no-mac", "garbage"],
)
def test_forged_token_changes_nothing(conn: sqlite3.Connection, make_bad: object) -> None:
    anna = subscribers.add_subscriber(conn, "anna@example.org")
    subscribers.add_subscriber(conn, "bob@example.org")
    bad = make_bad(tokens.make_token(SECRET, anna.id, anna.key))  # type: ignore[operator]
    assert subscribers.unsubscribe_by_token(conn, SECRET, bad) is None
    assert [s.status for s in subscribers.list_subscribers(conn)] == ["confirmed", "confirmed"]


def test_token_of_a_removed_and_re_added_subscriber_is_stale(conn: sqlite3.Connection) -> None:
    anna = subscribers.add_subscriber(conn, "anna@example.org")
    old_token = tokens.make_token(SECRET, anna.id, anna.key)
    subscribers.remove_subscriber(conn, "anna@example.org")
    subscribers.add_subscriber(conn, "anna@example.org")
    assert subscribers.unsubscribe_by_token(conn, SECRET, old_token) is None
    assert subscribers.list_subscribers(conn)[0].status == "confirmed"
