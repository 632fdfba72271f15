"""Spreadsheet cells that never run as formulas.

Workers wrote the questions and their wordings reach the knowledge base, so any
text the project writes to a CSV or XLSX file may start like a formula ("=",
"+", "-", "@", a tab or a carriage return) and would run as one when an
official opens the file in Excel or LibreOffice (`=HYPERLINK(...)`, DDE).
One rule for every file: a CSV cell gets a leading "'", which spreadsheets read
as "this is text"; an XLSX cell is stored as a string with the quote prefix.
"""

from __future__ import annotations

import unicodedata

__all__ = ["FORMULA_STARTS", "csv_cell", "looks_like_formula", "read_csv_cell"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would compute `text` instead of showing it."""
    return text.startswith(FORMULA_STARTS)


def csv_cell(text: str) -> str:
    """`text` as a CSV cell: NFC, with a "'" before anything that starts like a formula.

    Text that already starts with quotes before a formula character gets one
    more, so `read_csv_cell` gives back exactly what was written.
    """
    text = unicodedata.normalize("NFC", text)
    return "'" + text if looks_like_formula(text.lstrip("'")) else text


def read_csv_cell(cell: str) -> str:
    """What `csv_cell` was given: the added "'" taken off again."""
    if cell.startswith("'") and looks_like_formula(cell.lstrip("'")):
        return cell[1:]
    return cell
