"""Knowledge-base entries and their CSV form: id,topic,question,answer and an
optional variants column (other ways workers ask the same question, one per
line of the cell or separated by "|")."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .cells import csv_cell, read_csv_cell

__all__ = [
    "COLUMNS", "MAX_VARIANTS", "OPTIONAL_COLUMNS", "CsvError", "Entry", "has_variants_column", "merge_variants",
    "read_csv", "split_variants", "write_csv",
]

COLUMNS = ("id", "topic", "question", "answer")
OPTIONAL_COLUMNS = ("variants",)
MAX_VARIANTS = 50  # per entry: each is matched like a question of its own
_VARIANT_BREAK = re.compile(r"[|\n]")


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    question: str
    answer: str
    # Other ways workers ask what `answer` answers: matched like the question.
    variants: tuple[str, ...] = ()


def split_variants(cell: str) -> tuple[str, ...]:
    """The variants of one CSV cell or stored value: one per line or per "|",
    blanks and repeats dropped, order kept."""
    seen: dict[str, None] = {}
    for part in _VARIANT_BREAK.split(cell):
        part = " ".join(part.split())
        if part:
            seen.setdefault(part, None)
    return tuple(seen)


def merge_variants(kept: Iterable[str], added: Iterable[str], question: str) -> tuple[str, ...]:
    """`kept` then `added` (each made one line without "|"), the question itself
    left out; a wording added again moves to the end. Past MAX_VARIANTS the
    oldest go, so what workers asked last is always matched."""
    asked = " ".join(question.split())
    merged: dict[str, None] = {}
    for text in (*kept, *added):
        line = " ".join(text.replace("|", " ").split())
        if line and line != asked:
            merged.pop(line, None)
            merged[line] = None
    return tuple(merged)[-MAX_VARIANTS:]


def has_variants_column(path: str | os.PathLike[str]) -> bool:
    """Whether a KB CSV file's header names the optional variants column (a
    file without it leaves the variants already stored alone)."""
    header = next(csv.reader(io.StringIO(_read_text(path).removeprefix("\ufeff"), newline="")), [])
    return any(name.strip().lower() in OPTIONAL_COLUMNS for name in header)


class CsvError(ValueError):
    """A knowledge-base CSV that cannot be loaded. `line` is the 1-based physical
    line (the header is line 1); `message` reads Vietnamese first, then English."""

    def __init__(self, line: int, vi: str, en: str) -> None:
        self.line = line
        self.message = f"Dòng {line}: {vi} / Line {line}: {en}"
        super().__init__(self.message)


def read_csv(source: str | os.PathLike[str] | TextIO) -> list[Entry]:
    """Read every entry or none: the first broken row raises `CsvError`."""
    text = _read_text(source)
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header, entries = None, []
    first_line: dict[str, int] = {}
    line = 1
    try:
        for row in reader:
            if header is None:
                header = _read_header(row)
            elif row:
                entry = _read_row(row, header, line)
                if entry.id in first_line:
                    raise CsvError(
                        line,
                        f"trùng id '{entry.id}' (đã có ở dòng {first_line[entry.id]})",
                        f"duplicate id '{entry.id}' (first on line {first_line[entry.id]})",
                    )
                first_line[entry.id] = line
                entries.append(entry)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CsvError(line, f"CSV hỏng ({exc})", f"malformed CSV ({exc})") from None
    if header is None:
        raise CsvError(1, "tệp trống, thiếu dòng tiêu đề", "empty file, no header line")
    return entries


def write_csv(entries: Iterable[Entry], target: str | os.PathLike[str] | TextIO) -> None:
    """Write entries with a header. Files get a UTF-8 BOM so that Excel, which
    officials edit the knowledge base with, shows Vietnamese correctly. Cells
    that start like a formula get a leading "'" (`read_csv` takes it off)."""
    if isinstance(target, (str, os.PathLike)):
        with open(target, "w", encoding="utf-8-sig", newline="") as stream:
            _write(entries, stream)
    else:
        _write(entries, target)


def _write(entries: Iterable[Entry], stream: TextIO) -> None:
    """The variants column only when some entry has variants: a plain KB keeps
    the four columns other tools expect."""
    entries = list(entries)
    with_variants = any(entry.variants for entry in entries)
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS + OPTIONAL_COLUMNS if with_variants else COLUMNS)
    for entry in entries:
        row = [entry.id, entry.topic, entry.question, entry.answer]
        if with_variants:
            row.append("\n".join(entry.variants))
        writer.writerow([csv_cell(value) for value in row])


def _read_text(source: str | os.PathLike[str] | TextIO) -> str:
    if isinstance(source, (str, os.PathLike)):
        data = Path(source).read_bytes()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise CsvError(
                line, "có byte không phải UTF-8 (hãy lưu tệp dạng UTF-8)",
                "bytes that are not UTF-8 (save the file as UTF-8)",
            ) from None
    chunks: list[str] = []
    line = 1
    try:
        for chunk in iter(source.readline, ""):
            chunks.append(chunk)
            line += 1
    except UnicodeDecodeError:
        raise CsvError(
            line, "có byte không phải UTF-8 (hãy lưu tệp dạng UTF-8)",
            "bytes that are not UTF-8 (save the file as UTF-8)",
        ) from None
    return "".join(chunks)


def _read_header(row: list[str]) -> dict[str, int]:
    names = [name.strip().lower() for name in row]
    if names:
        names[0] = names[0].lstrip("\ufeff")
    for name in names:
        if names.count(name) > 1:
            raise CsvError(1, f"cột '{name}' lặp lại", f"column '{name}' appears twice")
        if name not in COLUMNS + OPTIONAL_COLUMNS:
            known = ", ".join(COLUMNS + OPTIONAL_COLUMNS)
            raise CsvError(
                1, f"cột thừa '{name}' (chỉ dùng {known})",
                f"unexpected column '{name}' (only {known})",
            )
    for column in COLUMNS:
        if column not in names:
            raise CsvError(1, f"thiếu cột '{column}' ở dòng tiêu đề", f"header lacks column '{column}'")
    return {name: names.index(name) for name in COLUMNS + OPTIONAL_COLUMNS if name in names}


def _read_row(row: list[str], header: dict[str, int], line: int) -> Entry:
    if len(row) > len(header):
        raise CsvError(
            line, f"có {len(row)} cột, chỉ cần {len(header)}",
            f"has {len(row)} columns, expected {len(header)}",
        )
    values: dict[str, str] = {}
    for column, index in header.items():
        if column in OPTIONAL_COLUMNS:
            values[column] = read_csv_cell(row[index]) if index < len(row) else ""
            continue
        if index >= len(row):
            raise CsvError(line, f"thiếu cột '{column}'", f"missing column '{column}'")
        value = read_csv_cell(row[index].strip())
        if not value:
            raise CsvError(line, f"cột '{column}' để trống", f"column '{column}' is empty")
        values[column] = value
    variants = split_variants(values.pop("variants", ""))
    if len(variants) > MAX_VARIANTS:
        raise CsvError(
            line, f"có {len(variants)} cách hỏi khác, nhiều nhất {MAX_VARIANTS}",
            f"has {len(variants)} variants, at most {MAX_VARIANTS}",
        )
    return Entry(**values, variants=variants)
