"""The package layout as a rule: every import between subsystem packages points down (no cycles).

From bottom to top: the core modules (config, errors, model, output, addresses), content, render, mail,
digest, then build and importing; the cli package, publish and the public API in __init__ sit on top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "publisher"
LAYERS = {
    "core": 0,
    "content": 1,
    "render": 2,
    "mail": 3,
    "digest": 4,
    "build": 5,
    "importing": 5,
    "preview": 6,
    "top": 9,
}
TOP = {"cli", "__init__", "__main__", "publish"}


def _layer_of(module: str) -> str:
    """'publisher.content.loaders' -> 'content'; 'publisher.config' -> 'core'; 'publisher.cli' -> 'top'."""
    parts = module.split(".")[1:]
    if not parts:
        return "core"
    if parts[0] in LAYERS:
        return parts[0]
    return "top" if parts[0] in TOP else "core"


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "publisher":
                found += [(node.lineno, f"publisher.{alias.name}") for alias in node.names]
            elif node.module.startswith("publisher."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("publisher.")]
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    module = "publisher." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    own = _layer_of(module)
    upward = [
        f"line {line}: {target} ({_layer_of(target)})"
        for line, target in _imports(path)
        if target != "publisher.__version__"
        and _layer_of(target) != own
        and LAYERS[_layer_of(target)] >= LAYERS[own]
    ]
    assert not upward, f"{module} ({own}) imports from its own level or above: {upward}"


def test_only_the_cli_imports_click() -> None:
    users = [p.relative_to(PACKAGE) for p in MODULES if "import click" in p.read_text(encoding="utf-8")]
    assert users and all(p.parts[0] == "cli" for p in users), users


def test_the_public_api_resolves_every_name() -> None:
    import publisher

    assert sorted(publisher.__all__) == sorted(["__version__", *publisher._EXPORTS])
    for name in publisher.__all__:
        assert getattr(publisher, name) is not None, name
    assert publisher.build_site.__module__ == "publisher.build.pipeline"
    assert publisher.BuildReport.__name__ == "BuildReport"


def test_every_package_is_installed() -> None:
    """pyproject.toml lists the packages by name: a new subpackage missing there works in a checkout
    and is absent from a wheel."""
    import tomllib

    listed = set(
        tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(("publisher", *init.parent.relative_to(PACKAGE).parts))
        for init in PACKAGE.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found <= listed, sorted(found - listed)
