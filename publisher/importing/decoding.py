"""Raw press-release bytes -> text (UTF-8, UTF-16 or 8-bit), refusing binaries and oversized input."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes

from publisher.errors import PublisherError

MAX_BYTES = 5 * 1024 * 1024

# Line ends as editors and ``grep -n`` count them: LF, CRLF and CR (not form feed, VT or U+2028).
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def line_of(text: str, offset: int) -> int:
    """The 1-based line number of ``text[offset]``, counted as editors do."""
    return len(LINE_BREAK.findall(text, 0, offset)) + 1


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    # (line, message) for bytes that were not valid in ``encoding`` and were read another way
    repairs: tuple[tuple[int, str], ...] = ()


def size_error(source: str, size: int | None) -> PublisherError:
    """The error for input over MAX_BYTES; ``size`` None when only "more than 5 MB" is known (stdin)."""
    shown = "more than 5 MB" if size is None else f"{size / 1048576:.1f} MB"
    return PublisherError(
        f"{source}: the file is {shown}; press releases over 5 MB are refused "
        "-> check that this is the right file, or split it"
    )


def decode(data: bytes, source: str) -> Decoded:
    """Bytes -> NFC text: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252/Latin-1.

    UTF-8 text with a few stray Windows-1252/Latin-1 bytes is read as UTF-8 with those bytes as
    cp1252, and ``repairs`` says where. Raises PublisherError naming ``source`` for empty, oversized,
    binary (NUL bytes or many control characters) and broken UTF-16 input.
    """
    if len(data) > MAX_BYTES:
        raise size_error(source, len(data))
    repairs: tuple[tuple[int, str], ...] = ()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, encoding = _decode_utf16(data, source), "utf-16"
    elif b"\x00" in data:
        raise _binary(source)
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            mixed = _decode_mostly_utf8(data)
            if mixed is not None:
                text, repairs = mixed
                encoding = "utf-8+cp1252"
            else:
                text, encoding = _decode_legacy(data)
    # Decomposed umlauts (text copied on a Mac) are the same text: the same id, slug and dates.
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    controls = len(CONTROL_CHARS.findall(text))
    if controls > max(2, len(text) // 100):
        raise _binary(source)
    if not text.strip():
        raise PublisherError(f"{source}: the file is empty -> paste the press release text into it")
    return Decoded(text, encoding, repairs)


# C0 and C1 control characters other than tab, line breaks, VT, FF and NEL (white space): text has
# (almost) none, binaries many.
CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def _binary(source: str) -> PublisherError:
    return PublisherError(
        f"{source}: this looks like a binary file, not text -> copy the press release text into a .txt file"
    )


def _decode_utf16(data: bytes, source: str) -> str:
    """UTF-16 with BOM; a file cut mid-character or with a broken surrogate fails naming the line."""
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-16", errors="replace")
        what = (
            "it ends in the middle of a character (cut off?)"
            if exc.reason == "truncated data"
            else f"byte {exc.start} is not valid UTF-16 ({exc.reason})"
        )
        line = line_of(before, len(before))
        raise PublisherError(
            f"{source}:{line}: starts like UTF-16 text (byte-order mark FF FE or FE FF), but {what} "
            "-> save the press release again as UTF-8 text, or copy its text into a new .txt file"
        ) from None


_CP1252_HIGH = {
    i: bytes([i]).decode("cp1252") for i in range(0x80, 0xA0) if i not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def _cp1252(data: bytes) -> str:
    """Windows-1252, with Latin-1 for the five bytes cp1252 leaves undefined (never fails)."""
    return data.decode("latin-1").translate(_CP1252_HIGH)


_MAX_REPAIRS = 20


def _decode_mostly_utf8(data: bytes) -> tuple[str, tuple[tuple[int, str], ...]] | None:
    """UTF-8 with a few invalid bytes: those bytes as cp1252 (``Caf\\xe9`` -> ``Café``), each one reported.

    Only when the rest shows it is UTF-8 (at least one valid non-ASCII character) and there are
    at most _MAX_REPAIRS bad spots; otherwise None: an 8-bit text. Nothing is dropped, not even an
    incomplete character at the very end (a cut-off file).
    """
    parts: list[str] = []
    bad: list[tuple[int, bytes, str]] = []  # (offset in the text, the bytes, why)
    valid = 0  # non-ASCII characters that were valid UTF-8
    pos = 0
    while pos < len(data):
        try:
            chunk, start, end, reason = data[pos:].decode("utf-8"), len(data), len(data), ""
        except UnicodeDecodeError as exc:
            start, end, reason = pos + exc.start, pos + exc.end, exc.reason
            chunk = data[pos:start].decode("utf-8")
        valid += sum(1 for char in chunk if ord(char) > 127)
        parts.append(chunk)
        if start < end:
            if len(bad) == _MAX_REPAIRS:
                return None
            cut = end == len(data) and reason == "unexpected end of data"
            why = "the file ends in the middle of a UTF-8 character (cut off?)" if cut else "not UTF-8"
            bad.append((sum(map(len, parts)), data[start:end], why))
            parts.append(_cp1252(data[start:end]))
        pos = end
    if valid == 0:  # no sign of UTF-8 at all: an 8-bit text
        return None
    text = "".join(parts)
    repairs = [
        (
            line_of(text, offset),
            f"byte(s) {raw.hex(' ').upper()}: {why}; read as Windows-1252 '{_cp1252(raw)}' "
            "-> check that character",
        )
        for offset, raw, why in bad
    ]
    return text, tuple(repairs)


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """An 8-bit text: Windows-1252 or Latin-1 as charset-normalizer judges, else Windows-1252.

    Whether it is binary is decided afterwards by its control characters, as for any text.
    """
    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15"]).best()
    if best is None:
        return _cp1252(data), "cp1252"
    encoding = best.encoding
    # Latin-1 puts C1 controls where cp1252 has „ “ – €; Windows text is far more common.
    if encoding != "cp1252":
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return str(best), encoding
