"""Requests and responses of the web app: the form body within a size limit, the client's address."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

MAX_BODY = 16 * 1024  # a signup form is well under 1 KB


class HttpError(Exception):
    """Answer with this status and the page named ``page`` (a key of the page texts)."""

    def __init__(self, status: str, page: str) -> None:
        self.status, self.page = status, page
        super().__init__(status)


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    ip: str

    def value(self, name: str) -> str:
        """A field from the form, else from the query string ("" if neither has it)."""
        values = self.form.get(name) or self.query.get(name) or [""]
        return values[0].strip()

    def values(self, name: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in self.form.get(name, []) if v.strip())


@dataclass(frozen=True, slots=True)
class Response:
    status: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = field(default=())


def read_request(environ: Mapping[str, Any]) -> Request:
    """Parse method, path, query and (for POST) the url-encoded form; 413 for a body over MAX_BODY."""
    method = environ.get("REQUEST_METHOD", "GET").upper()
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    form: dict[str, list[str]] = {}
    if method == "POST":
        form = parse_qs(_read_body(environ).decode("utf-8", "replace"), keep_blank_values=True)
    return Request(method, environ.get("PATH_INFO", "") or "", query, form, environ.get("REMOTE_ADDR", ""))


def _read_body(environ: Mapping[str, Any]) -> bytes:
    raw_length = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    if raw_length:
        try:
            length = int(raw_length)
        except ValueError:
            raise HttpError("400 Bad Request", "bad_request") from None
        if length > MAX_BODY:
            raise HttpError("413 Content Too Large", "too_large")
        return stream.read(length) if length > 0 else b""
    # No length given (the server de-chunked the body, or there is none): read one byte past the limit.
    body = stream.read(MAX_BODY + 1) if environ.get("wsgi.input_terminated") else b""
    if len(body) > MAX_BODY:
        raise HttpError("413 Content Too Large", "too_large")
    return bytes(body)
