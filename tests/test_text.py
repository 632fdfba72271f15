"""Pure text helpers: cleaning, measuring, splitting, the catalog."""

from __future__ import annotations

import unicodedata

import pytest

from bot.i18n import CATALOGS, Catalog, Raw
from bot.services.text import (clean_text, meaningful_length, plain_length, shorten, split_text,
                               utf16_length)


def test_clean_text_normalizes_and_strips_invisible() -> None:
    nfd = unicodedata.normalize("NFD", "Bảo hiểm xã hội")
    assert clean_text(f"  {nfd}\u200b\u202e  ") == "Bảo hiểm xã hội"
    assert clean_text("a\r\n\r\n\r\n\r\nb   c") == "a\n\nb c"
    assert clean_text("x\ud800y") == "x\ufffdy"  # a lone surrogate cannot break storage


def test_meaningful_length_ignores_punctuation_and_emoji() -> None:
    assert meaningful_length("??? !!! 😭😭") == 0
    assert meaningful_length("Nhà ở 2024") == 8


def test_utf16_and_plain_length() -> None:
    assert utf16_length("😀a") == 3
    assert plain_length("<b>a&amp;b</b>") == 3


@pytest.mark.parametrize("text", [
    "ngắn",
    "từ " * 3000,
    "\n\n".join("đoạn văn bản dài " * 40 for _ in range(20)),
    "😀" * 5000,
    "x" * 9000,
])
def test_split_text_respects_limits_and_loses_nothing(text: str) -> None:
    pieces = split_text(text, 1000, 1500)
    assert utf16_length(pieces[0]) <= 1000
    assert all(utf16_length(p) <= 1500 for p in pieces[1:])
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())


def test_shorten_marks_the_cut() -> None:
    assert shorten("abc", 10) == "abc"
    cut = shorten("một hai ba bốn năm sáu bảy", 12)
    assert cut.endswith("…") and len(cut) <= 12


def test_every_key_has_both_languages() -> None:
    assert set(CATALOGS["vi"]) == set(CATALOGS["en"])


def test_parameters_are_escaped_unless_raw() -> None:
    catalog = Catalog("vi")
    assert "&lt;b&gt;" in catalog.text("vi", "ask.kb_entry", question="<b>", answer="x")
    assert "<i>ok</i>" in catalog.text("vi", "ask.kb_entry", question=Raw("<i>ok</i>"), answer="x")


def test_language_for() -> None:
    catalog = Catalog("vi")
    assert catalog.language_for("en-US") == "en"
    assert catalog.language_for("de") == "vi"
    assert catalog.language_for(None) == "vi"


def test_parse_id_takes_only_short_ascii_numbers() -> None:
    from bot.services.text import parse_id

    assert parse_id("12") == 12 and parse_id("123456789") == 123456789
    for bad in ("", "²", "١٢", "1234567890", "-1", "1.5", " 7", "abc"):
        assert parse_id(bad) is None, bad
