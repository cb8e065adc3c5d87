"""Email HTML from templates: render Jinja2 strictly, compile MJML with mjml-python, inline the CSS.

Every failure becomes a PublisherError that names the template file and line: Jinja errors carry
their location, and mjml-python (which reports neither file nor line, and passes unknown ``<mj-*>``
tags through as garbage) is backed by a small tag checker over the template sources.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publisher.errors import Problem, PublisherError

if TYPE_CHECKING:
    from jinja2 import Environment

logger = logging.getLogger(__name__)

# The elements mjml-python 1.4 knows; anything else named <mj-…> ends up verbatim in the HTML.
MJML_TAGS = frozenset(
    (
        "mjml",
        "mj-head",
        "mj-body",
        "mj-attributes",
        "mj-all",
        "mj-class",
        "mj-breakpoint",
        "mj-font",
        "mj-preview",
        "mj-style",
        "mj-title",
        "mj-raw",
        "mj-include",
        "mj-accordion",
        "mj-accordion-element",
        "mj-accordion-title",
        "mj-accordion-text",
        "mj-button",
        "mj-carousel",
        "mj-carousel-image",
        "mj-column",
        "mj-divider",
        "mj-group",
        "mj-hero",
        "mj-image",
        "mj-navbar",
        "mj-navbar-link",
        "mj-section",
        "mj-social",
        "mj-social-element",
        "mj-spacer",
        "mj-table",
        "mj-text",
        "mj-wrapper",
    )
)
_JINJA_SYNTAX = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_MJML_TAG = re.compile(r"<(/?)(mjml|mj-[a-z-]+)\b(?:\"[^\"]*\"|'[^']*'|[^'\">])*?(/?)>")
_LEFTOVER = re.compile(r"<(mj-[a-z-]+)")
# mjml-python's hidden preheader is white text. SpamAssassin scores white on a light page as hidden
# low-contrast text (HTML_FONT_LOW_CONTRAST), and text without a colour as invisible (FONT_INVIS_MSGID);
# the preheader stays hidden in any colour (display:none, opacity:0), so it gets one that contrasts.
_PREVIEW_STYLE = '<div style="display:none;font-size:1px;color:#ffffff;line-height:1px;'
_BODY_BACKGROUND = re.compile(r'<body style="[^"]*background-color:#([0-9a-fA-F]{6})')


def display_path(filename: str | None, root: Path | None = None) -> str:
    """A template's file name as the user should see it: relative to the project when inside it."""
    if not filename:
        return "<template>"
    path = Path(filename)
    if root is not None:
        try:
            return str(path.resolve().relative_to(root))
        except ValueError:
            pass
    return str(path)


def render_template(env: Environment, name: str, context: Mapping[str, Any], root: Path | None = None) -> str:
    """Render ``name`` with ``context``; Jinja errors become PublisherErrors naming file and line."""
    from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError, UndefinedError

    from publisher.render.templating import (
        template_location,  # loaded already: the environment comes from there
    )

    try:
        return env.get_template(name).render(context)
    except TemplateNotFound as exc:
        where = template_location(exc)
        origin = f"{display_path(where[0], root)}:{where[1]}: " if where else ""
        raise PublisherError(
            f"{origin}template {exc.name!r} not found (looked in {_search_path(env)}) -> "
            "create it in your templates/ directory or fix the name"
        ) from None
    except TemplateSyntaxError as exc:
        syntax_at = display_path(exc.filename, root)
        raise PublisherError(
            f"{syntax_at}:{exc.lineno}: template syntax error: {exc.message} -> fix the template "
            "(or delete your copy to use the bundled one)"
        ) from None
    except UndefinedError as exc:
        found = template_location(exc)
        undefined_at = f"{display_path(found[0], root)}:{found[1]}" if found else name
        raise PublisherError(
            f"{undefined_at}: {exc.message} -> the template uses a variable the digest does not provide; "
            "see 'Templates and how to override them' in docs/digest.md for the variables each template "
            "receives"
        ) from None
    except TemplateError as exc:
        found = template_location(exc)
        error_at = f"{display_path(found[0], root)}:{found[1]}" if found else name
        raise PublisherError(f"{error_at}: template error: {exc}") from None
    except PublisherError:
        raise
    except Exception as exc:  # an expression in a template failed: {{ title + 1 }}, {{ 1/0 }}
        found = template_location(exc)
        if found is None:
            raise  # not from a template: a bug in publisher, keep its traceback
        raise PublisherError(
            f"{display_path(found[0], root)}:{found[1]}: {type(exc).__name__}: {exc} -> fix the expression "
            "(or delete your copy to use the bundled template)"
        ) from None


def _search_path(env: Environment) -> str:
    loaders = getattr(env.loader, "loaders", [env.loader])
    dirs = [d for loader in loaders for d in getattr(loader, "searchpath", [])]
    return ", ".join(dirs) or "the template loader"


# --- MJML ---------------------------------------------------------------------------------------


def check_mjml_source(source: str, path: str) -> list[Problem]:
    """Unknown ``<mj-*>`` tags and unbalanced MJML tags in one template file, with line numbers.

    Jinja syntax is blanked out first (keeping its newlines), so the lines are the template's lines.
    Each file is checked on its own: a partial should open and close what it starts.
    """
    text = _JINJA_SYNTAX.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    problems: list[Problem] = []
    stack: list[tuple[str, int]] = []
    for match in _MJML_TAG.finditer(text):
        closing, name, self_closing = match.group(1), match.group(2), match.group(3)
        line = text.count("\n", 0, match.start()) + 1
        if name not in MJML_TAGS:
            if closing:  # reported at its opening tag
                continue
            problems.append(
                Problem(
                    path,
                    f"<{name}> is not an MJML element",
                    line=line,
                    hint="check the spelling against the MJML elements",
                )
            )
            continue
        if self_closing:
            continue
        if not closing:
            stack.append((name, line))
        elif stack and stack[-1][0] == name:
            stack.pop()
        elif stack:
            opened, opened_line = stack[-1]
            problems.append(
                Problem(
                    path,
                    f"</{name}> closes <{opened}> opened on line {opened_line}",
                    line=line,
                    hint=f"close <{opened}> first",
                )
            )
            if any(n == name for n, _ in stack):
                while stack and stack.pop()[0] != name:
                    pass
        else:
            problems.append(Problem(path, f"</{name}> has no opening tag", line=line))
    for name, line in stack:
        problems.append(Problem(path, f"<{name}> is never closed", line=line, hint=f"add </{name}>"))
    return problems


def _template_sources(env: Environment, name: str, root: Path | None) -> list[tuple[str, str]]:
    """(display path, source) of a template and every template it includes, found statically."""
    from jinja2 import TemplateNotFound, TemplateSyntaxError, meta

    seen: dict[str, tuple[str, str]] = {}
    todo = [name]
    while todo:
        current = todo.pop(0)
        if current in seen or env.loader is None:
            continue
        try:
            source, filename, _ = env.loader.get_source(env, current)
        except TemplateNotFound:
            continue
        seen[current] = (display_path(filename, root), source)
        try:
            todo.extend(n for n in meta.find_referenced_templates(env.parse(source)) if n)
        except TemplateSyntaxError:  # reported when rendering; nothing more to find here
            logger.debug("could not parse %s for includes", current)
    return list(seen.values())


def _rendered_excerpt(mjml: str, needle: str | None) -> str:
    """Line number and text of the first rendered MJML line containing ``needle`` (or the last line)."""
    lines = mjml.splitlines() or [""]
    index = next((i for i, line in enumerate(lines) if needle and needle in line), len(lines) - 1)
    return f"line {index + 1} of the rendered MJML: {lines[index].strip()[:120]!r}"


def _contrasting_preview(html: str) -> str:
    background = _BODY_BACKGROUND.search(html)
    red, green, blue = (
        int((background.group(1) if background else "ffffff")[i : i + 2], 16) for i in (0, 2, 4)
    )
    colour = "#000000" if 0.299 * red + 0.587 * green + 0.114 * blue > 128 else "#ffffff"
    return html.replace(_PREVIEW_STYLE, _PREVIEW_STYLE.replace("#ffffff", colour), 1)


def compile_mjml(
    mjml: str, env: Environment, template: str, root: Path | None = None, *, check: bool = False
) -> str:
    """MJML -> HTML with mjml-python. Raises PublisherError naming the template file and line.

    mjml-python raises ValueError (without a location) on broken markup and copies unknown
    ``<mj-*>`` elements into the HTML; both are caught here and located in the template sources.
    ``check=True`` runs the source check even when mjml-python succeeds.
    """
    from mjml import mjml2html

    error = None
    html = ""
    try:
        html = mjml2html(mjml)
    except ValueError as exc:
        error = f"mjml-python: {exc}"
    leftover = _LEFTOVER.search(html) if error is None else None
    if leftover:
        error = f"<{leftover.group(1)}> is not an MJML element and was copied into the HTML"
    if error is None and not check:
        return _contrasting_preview(html)
    sources = _template_sources(env, template, root)
    problems = [p for path, source in sources for p in check_mjml_source(source, path)]
    if error is None and not problems:
        return _contrasting_preview(html)
    if not problems:
        needle = f"<{leftover.group(1)}" if leftover else None
        problems = [Problem(template, error or "invalid MJML", hint=_rendered_excerpt(mjml, needle))]
    first = problems[0]
    raise PublisherError(
        f"{first.path}:{first.line or '?'}: invalid MJML ({error or first.message}) -> fix the template",
        problems,
    )


@lru_cache(maxsize=1)
def _inliner() -> Any:
    import css_inline

    # Keep the <style> blocks: media queries (responsive, dark mode) cannot be inlined.
    return css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)


def inline_css(html: str, template: str) -> str:
    """Copy the remaining stylesheet rules into style attributes for clients that strip ``<style>``."""
    import css_inline

    try:
        return str(_inliner().inline(html))
    except css_inline.InlineError as exc:
        raise PublisherError(
            f"{template}: could not inline the CSS ({exc}) -> check the mj-style blocks"
        ) from None


def render_email_html(
    env: Environment,
    template: str,
    context: Mapping[str, Any],
    root: Path | None = None,
    *,
    inline: bool = True,
) -> str:
    """The whole pipeline for one HTML variant: Jinja2 -> MJML -> HTML -> inlined CSS.

    ``inline=False`` keeps the CSS in ``<style>`` only: right for a page shown in a browser.
    """
    mjml = render_template(env, template, context, root)
    html = compile_mjml(mjml, env, template, root)
    return inline_css(html, template) if inline else html
