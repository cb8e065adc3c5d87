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


def test_every_module_the_normalising_code_imports_is_a_rule_source() -> None:
    """A module that shapes a cached row but is missing from the sources would let the cache serve
    rows of its old code (front matter of other generators once was): follow the imports."""
    import ast

    package = Path(workers.__file__).resolve().parent.parent
    sources = {p.resolve() for p in workers.RULE_SOURCES}
    todo, seen = [package / "content" / "workers.py"], set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("publisher"):
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                for name in names:
                    parts = name.split(".")[1:]
                    candidate = package.joinpath(*parts).with_suffix(".py")
                    if parts and candidate.is_file():
                        todo.append(candidate)
    # Not rules: the settings are in the key by value (NormaliseContext), output names the folders a
    # build wrote (which are not scanned), processes ends workers with their parent.
    shaping_nothing = {package / "output.py", package / "processes.py", *(package / "config").glob("*.py")}
    imported = {p for p in seen if p.name != "__init__.py"} - shaping_nothing
    assert imported <= sources, sorted(str(p.relative_to(package)) for p in imported - sources)
