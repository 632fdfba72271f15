"""Knowledge base: normalize Vietnamese questions, index answered ones, match new ones.

A standalone library (no telegram, nothing from bot/ or handlers/) with its own
CLI: `python -m knowledge_base match|bench`.
"""

from .entries import CsvError, Entry, has_variants_column, merge_variants, read_csv, split_variants, write_csv
from .matcher import DEFAULT_THRESHOLD, Match, Matcher, Result
from .normalize import fold, normalize

__all__ = [
    "DEFAULT_THRESHOLD",
    "CsvError",
    "Entry",
    "Match",
    "Matcher",
    "Result",
    "fold",
    "has_variants_column",
    "merge_variants",
    "normalize",
    "read_csv",
    "split_variants",
    "write_csv",
]
