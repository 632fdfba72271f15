"""Knowledge base: normalize Vietnamese questions, index answered ones, match new ones.

A standalone library (no telegram, nothing from bot/ or handlers/) with its own
CLI: `python -m knowledge_base match|bench`.
"""

from .entries import (
    CsvError,
    Entry,
    has_variants_column,
    merge_variants,
    read_csv,
    split_variants,
    write_csv,
)
from .matcher import (
    ANSWER,
    CHOICES,
    DEFAULT_CHOICE_THRESHOLD,
    DEFAULT_THRESHOLD,
    MAX_CHOICES,
    NONE,
    Match,
    Matcher,
    Result,
    Tier,
)
from .normalize import fold, normalize

__all__ = [
    "ANSWER",
    "CHOICES",
    "DEFAULT_CHOICE_THRESHOLD",
    "DEFAULT_THRESHOLD",
    "MAX_CHOICES",
    "NONE",
    "CsvError",
    "Entry",
    "Match",
    "Matcher",
    "Result",
    "Tier",
    "fold",
    "has_variants_column",
    "merge_variants",
    "normalize",
    "read_csv",
    "split_variants",
    "write_csv",
]
