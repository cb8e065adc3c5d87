"""Jinja's ``wordwrap`` filter, byte for byte, without textwrap's chunk-by-chunk Python loop."""

from __future__ import annotations

import textwrap
from bisect import bisect_right
from itertools import accumulate

from jinja2 import Environment, pass_environment
from jinja2.filters import do_wordwrap

# textwrap's own chunking, so the chunks are its chunks: words and whitespace runs, words also split
# after hyphens. Without a "-" in the text both give the same chunks, and the simple one is much faster.
_SPLIT_ON_HYPHENS = textwrap.TextWrapper.wordsep_re.split
_SPLIT_ON_WHITESPACE = textwrap.TextWrapper.wordsep_simple_re.split


def wrap_paragraph(line: str, width: int, break_on_hyphens: bool = True) -> list[str]:
    """``textwrap.wrap(line, width, expand_tabs=False, replace_whitespace=False, break_long_words=False,
    break_on_hyphens=...)``, the same list of lines.

    textwrap fills each line greedily, chunk by chunk, in Python; here each line takes a binary search
    over the chunks' running lengths. What textwrap does at the edges is kept: a whitespace chunk is
    dropped from the end of every line and from the start of every line but the first (one chunk each,
    "whitespace" meaning ``str.strip`` leaves nothing), and a word longer than ``width`` gets a line of
    its own.
    """
    if width <= 0:
        raise ValueError(f"invalid width {width!r} (must be > 0)")
    if len(line) <= width and line and not line[-1].isspace():
        return [line]  # fits, and has no trailing whitespace chunk to drop
    hyphens = break_on_hyphens is True and "-" in line  # "is True": as textwrap decides
    split = _SPLIT_ON_HYPHENS if hyphens else _SPLIT_ON_WHITESPACE
    chunks = [chunk for chunk in split(line) if chunk]
    ends = list(accumulate(map(len, chunks), initial=0))  # ends[i]: length of chunks[:i]
    count = len(chunks)
    lines: list[str] = []
    start = 0
    while start < count:
        if lines and not chunks[start].strip():
            start += 1
        # chunks[start:stop] is the longest run that fits in width (chunks are never empty)
        stop = bisect_right(ends, ends[start] + width, lo=start) - 1
        if stop == start and stop < count:
            stop += 1  # a word longer than the width, on its own line
        end = stop
        if end > start and not chunks[end - 1].strip():
            end -= 1
        if end > start:
            lines.append("".join(chunks[start:end]))
        start = stop
    return lines


@pass_environment
def wordwrap(
    environment: Environment,
    s: str,
    width: int = 79,
    break_long_words: bool = True,
    wrapstring: str | None = None,
    break_on_hyphens: bool = True,
) -> str:
    """Drop-in for Jinja's ``wordwrap``: each line of ``s`` wrapped on its own, joined by ``wrapstring``.

    With ``break_long_words`` (Jinja's default) Jinja's own filter does the work; the digest's
    ``wordwrap(72, false)`` takes the fast path.
    """
    if break_long_words:
        return do_wordwrap(environment, s, width, break_long_words, wrapstring, break_on_hyphens)
    if wrapstring is None:
        wrapstring = environment.newline_sequence
    return wrapstring.join(
        [wrapstring.join(wrap_paragraph(line, width, break_on_hyphens)) for line in s.splitlines()]
    )
