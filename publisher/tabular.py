"""Tab-separated output that is safe to open in a spreadsheet: would-be formulas are defused."""

from __future__ import annotations

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """The cell as text: a leading apostrophe makes Excel and LibreOffice show it instead of running it;
    tabs and line breaks inside would split the row, so they become spaces."""
    value = " ".join(value.replace("\t", " ").splitlines()) if "\t" in value or "\n" in value else value
    return "'" + value if value.startswith(FORMULA_STARTS) else value
