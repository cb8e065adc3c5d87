"""The web archive: entry pages, paged lists and the tag index, rendered to UTF-8 HTML bytes (no file I/O)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Literal, TypedDict

from jinja2 import Environment, TemplateError, TemplateNotFound, TemplateSyntaxError
from markupsafe import Markup, escape

from publisher.config import Settings
from publisher.errors import Problem, PublisherError
