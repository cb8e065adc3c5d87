"""Compiled templates on disk: reused by the next process, never stale, never a reason to fail."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from jinja2 import Environment
from jinja2.bccache import bc_magic

from publisher.config import Settings
from publisher.render.templatecache import PREFIX, TemplateCache, fingerprint
from publisher.render.templating import _environment, make_environment
from tests.digest.fixtures import make_project

TEMPLATE = "greeting.txt.j2"


def project(tmp_path: Path, text: str = "Hallo {{ name|upper }}!\n") -> Settings:
    settings = make_project(tmp_path)
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / TEMPLATE).write_text(text, encoding="utf-8")
    return settings


def fresh_environment(settings: Settings) -> Environment:
    """As a new process would make it: nothing compiled in memory."""
    _environment.cache_clear()
    return make_environment(settings)


def cache_files(settings: Settings) -> list[Path]:
    return sorted(settings.cache_dir.glob(f"{PREFIX}*/*"))


def refuse_to_compile(monkeypatch: pytest.MonkeyPatch, env: Environment) -> None:
    def compile_(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(env, "compile", compile_)


def test_the_next_process_renders_without_compiling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = project(tmp_path)
    first = fresh_environment(settings).get_template(TEMPLATE).render(name="Anna")
    assert first == "Hallo ANNA!\n"
    assert len(cache_files(settings)) == 1
    assert cache_files(settings)[0].parent.name == PREFIX + fingerprint()
    env = fresh_environment(settings)
    refuse_to_compile(monkeypatch, env)
    assert env.get_template(TEMPLATE).render(name="Anna") == first


def test_an_edited_template_is_compiled_again(tmp_path: Path) -> None:
    settings = project(tmp_path)
    fresh_environment(settings).get_template(TEMPLATE).render(name="Anna")
    project(tmp_path, "Guten Tag, {{ name }}.\n")
    assert fresh_environment(settings).get_template(TEMPLATE).render(name="Anna") == "Guten Tag, Anna.\n"


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(bc_magic) + 3],  # cut inside the source checksum
        lambda data: data[: len(bc_magic)] + b"\x80garbage",  # no pickle
        lambda data: data[:-20],  # cut inside the code
    ],
)
def test_a_damaged_cache_file_means_compiling_again(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    settings = project(tmp_path)
    fresh_environment(settings).get_template(TEMPLATE).render(name="Anna")
    (cached,) = cache_files(settings)
    cached.write_bytes(damage(cached.read_bytes()))
    assert fresh_environment(settings).get_template(TEMPLATE).render(name="Bo") == "Hallo BO!\n"


def test_an_unwritable_cache_folder_is_no_error(tmp_path: Path) -> None:
    settings = project(tmp_path)
    settings.cache_dir.parent.mkdir(parents=True)
    settings.cache_dir.write_text("not a folder")  # nothing can be created below it
    assert fresh_environment(settings).get_template(TEMPLATE).render(name="Anna") == "Hallo ANNA!\n"


def test_folders_of_other_fingerprints_are_removed(tmp_path: Path) -> None:
    settings = project(tmp_path)
    old = settings.cache_dir / f"{PREFIX}0123456789abcdef"
    old.mkdir(parents=True)
    (old / "__jinja2_x.cache").write_bytes(b"old")
    unrelated = settings.cache_dir / "build.sqlite"
    unrelated.write_bytes(b"kept")
    fresh_environment(settings).get_template(TEMPLATE).render(name="Anna")
    assert not old.exists()
    assert unrelated.read_bytes() == b"kept"
    assert [p.parent.name for p in cache_files(settings)] == [PREFIX + fingerprint()]


def test_the_cache_is_keyed_by_the_code_that_configures_the_environment(tmp_path: Path) -> None:
    cache = TemplateCache(tmp_path)
    assert cache.folder == tmp_path / f"{PREFIX}{fingerprint()}"
    assert not os.path.exists(cache.folder)  # created when the first template is stored


def test_a_cache_folder_deleted_while_running_is_made_again(tmp_path: Path) -> None:
    settings = project(tmp_path)
    (tmp_path / "templates" / "other.txt.j2").write_text("{{ 1 + 1 }}\n", encoding="utf-8")
    env = fresh_environment(settings)
    env.get_template(TEMPLATE).render(name="Anna")
    shutil.rmtree(settings.cache_dir)  # "safe to delete", also while a process runs
    assert env.get_template("other.txt.j2").render() == "2\n"
    assert len(cache_files(settings)) == 1
