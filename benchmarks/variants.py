"""Build every subscriber's digest message: 10,000 subscribers over 20 variants (2 languages x 10 topic sets).

Run from the repository root:  python -m benchmarks.variants [SUBSCRIBERS] [REPEATS]

What is timed is what `publisher send` does before it talks to the server: load the digest's entries,
render each (language, topics) variant once, and personalise every subscriber's copy by substitution.
No SMTP, no database writes (`benchmarks/send_throughput.py` measures those).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from publisher.config import load_settings
from publisher.digest.variants import for_sending
from publisher.mail import message, outbox, tokens
from publisher.mail.subscribers import Subscriber

TOPICS = ("Energie", "Verkehr", "Wasser", "Bäder", "Netze", "Kunden", "Wärme", "Digitales", "Umwelt", "Jobs")
NOW = datetime(2024, 5, 20, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
SECRET = b"benchmark-secret-4c1d9e7f2a"


def write_project(root: Path, entries: int = 20) -> None:
    """A project with ``entries`` entries of the last week, each tagged with one of the ten topics."""
    (root / "entries").mkdir(parents=True)
    (root / "publisher.toml").write_text(
        'title = "Stadtwerke Neustadt"\nbase_url = "https://news.example.org/"\nlanguage = "de"\n\n'
        '[digest]\nmax_entries = 50\n\n[smtp]\nfrom_address = "news@example.org"\n\n'
        '[legal]\nimprint = "Stadtwerke Neustadt GmbH, Am Wasserturm 1, 12345 Neustadt"\n',
        encoding="utf-8",
    )
    for n in range(entries):
        when = NOW - timedelta(hours=3 * n + 1)
        tags = TOPICS[n % 10]
        paragraph = "Absatz {} der Meldung {}: Die Stadtwerke bauen das Netz aus."
        body = "\n\n".join(paragraph.format(p, n) for p in range(6))
        (root / "entries" / f"{when:%Y-%m-%d}-meldung-{n:02d}.md").write_text(
            f"---\nid: tag:news.example.org,2024:m{n}\ntitle: Meldung {n} über {tags}\n"
            f"date: {when.isoformat()}\ntags: [{tags}]\n---\n{body}\n",
            encoding="utf-8",
        )


def subscribers(count: int) -> list[Subscriber]:
    """``count`` subscribers over 20 variants: de/en times ten topic sets (one topic each)."""
    return [
        Subscriber(
            id=i + 1,
            email=f"user{i:05d}@example.org",
            name="" if i % 7 == 0 else f"Person {i}",
            lang="de" if i % 2 else "en",
            tags=(TOPICS[(i // 2) % 10],),
            status="confirmed",
            created="2024-01-01T00:00:00+00:00",
            unsubscribed_at=None,
        )
        for i in range(count)
    ]


def one_run(root: Path, people: list[Subscriber]) -> tuple[float, int, int]:
    settings = load_settings(root / "publisher.toml")
    digest = outbox.load_digest(outbox.latest_digest(settings.out_dir))
    start = time.perf_counter()
    template = message.parse_template(digest.message, str(digest.message_path))
    mail_settings = message.mail_settings(settings, template, digest.digest_id, digest.lang)
    template_for = for_sending(settings)(digest, template)
    built = 0
    variants = set()
    for person in people:
        chosen = template_for(person)
        if chosen is None:
            continue
        variants.add(id(chosen))
        token = tokens.make_token(SECRET, person.id, person.key)
        recipient = message.Recipient(person.email, person.name, person.lang, token)
        built += len(message.personalise(chosen, mail_settings, recipient).data) > 0
    return time.perf_counter() - start, built, len(variants)


def measure(count: int, repeats: int) -> list[tuple[float, int, int]]:
    """(seconds, messages built, variants used) per run."""
    from click.testing import CliRunner

    from publisher.cli import cli

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "project"
        write_project(root)
        result = CliRunner().invoke(cli, ["-q", "-C", str(root), "digest", "--now", NOW.isoformat()])
        assert result.exit_code == 0, result.output
        people = subscribers(count)
        return [one_run(root, people) for _ in range(repeats)]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    runs = measure(count, repeats)
    times = [t for t, _, _ in runs]
    _, built, variants = runs[0]
    median = statistics.median(times)
    print(
        f"{built:,} messages over {variants} variants, x {repeats} runs: median {median:.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}); {built / median:,.0f} messages/s"
    )


if __name__ == "__main__":
    main()
