"""`publisher subscribers …` as a user types it: lookups, status, tabular output that is safe to open."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from publisher.cli import cli
from tests.mail.fixtures import SECRET, write_csv, write_project


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args], env={"PUBLISHER_SECRET": SECRET, **(env or {})})


def project(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    write_project(root, 25)
    return root


def test_remove_finds_an_address_written_with_its_international_domain(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert run(root, "subscribers", "add", "anna@münchen.de").stdout == "added anna@xn--mnchen-3ya.de\n"
    removed = run(root, "subscribers", "remove", "Anna@MÜNCHEN.de")
    assert removed.exit_code == 0, removed.output
    assert removed.stdout == "removed anna@xn--mnchen-3ya.de\n"
    assert run(root, "subscribers", "list").stdout == ""


def test_a_weak_secret_is_refused_before_anything_happens(tmp_path: Path) -> None:
    root = project(tmp_path)
    for weak in (" " * 16, "1234567890123456"):
        result = run(root, "subscribers", "unsubscribe", "1." + "a" * 43, env={"PUBLISHER_SECRET": weak})
        assert result.exit_code == 1
        assert "PUBLISHER_SECRET" in result.stderr and "long random value" in result.stderr
        assert weak not in result.stderr.replace("PUBLISHER_SECRET", "")


def test_list_neutralises_spreadsheet_formulas(tmp_path: Path) -> None:
    root = project(tmp_path)
    csv = write_csv(
        tmp_path / "list.csv",
        "email,name,tags\n"
        'calc@example.org,"=cmd|\' /C calc\'!A0","@SUM(1+1), +presse"\n'
        "minus@example.org,-2+3,\n"
        "plain@example.org,Anna Müller,presse\n",
    )
    assert run(root, "subscribers", "import", str(csv)).exit_code == 0
    lines = run(root, "subscribers", "list").stdout.splitlines()
    cells = {line.split("\t")[0]: line.split("\t") for line in lines}
    assert cells["calc@example.org"][1] == "'=cmd|' /C calc'!A0"
    assert cells["calc@example.org"][4] == "'@SUM(1+1),+presse"
    assert cells["minus@example.org"][1] == "'-2+3"
    assert cells["plain@example.org"][1] == "Anna Müller"
    for line in lines:
        address, name, _lang, _status, topics = line.split("\t")  # lang "-" means none
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in (address, name, topics))
    # JSON is data, not a spreadsheet: the name stays as it was given.
    assert "=cmd|' /C calc'!A0" in run(root, "subscribers", "list", "--json").stdout
