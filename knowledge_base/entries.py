"""Knowledge-base entries and their CSV form (id,topic,question,answer)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

__all__ = ["COLUMNS", "CsvError", "Entry", "read_csv", "write_csv"]

COLUMNS = ("id", "topic", "question", "answer")


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    question: str
    answer: str


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
    officials edit the knowledge base with, shows Vietnamese correctly."""
    if isinstance(target, (str, os.PathLike)):
        with open(target, "w", encoding="utf-8-sig", newline="") as stream:
            _write(entries, stream)
    else:
        _write(entries, target)


def _write(entries: Iterable[Entry], stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow((entry.id, entry.topic, entry.question, entry.answer))


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
        if name not in COLUMNS:
            raise CsvError(
                1, f"cột thừa '{name}' (chỉ dùng {', '.join(COLUMNS)})",
                f"unexpected column '{name}' (only {', '.join(COLUMNS)})",
            )
    for column in COLUMNS:
        if column not in names:
            raise CsvError(1, f"thiếu cột '{column}' ở dòng tiêu đề", f"header lacks column '{column}'")
    return {name: names.index(name) for name in COLUMNS}


def _read_row(row: list[str], header: dict[str, int], line: int) -> Entry:
    if len(row) > len(COLUMNS):
        raise CsvError(
            line, f"có {len(row)} cột, chỉ cần {len(COLUMNS)}",
            f"has {len(row)} columns, expected {len(COLUMNS)}",
        )
    values: dict[str, str] = {}
    for column, index in header.items():
        if index >= len(row):
            raise CsvError(line, f"thiếu cột '{column}'", f"missing column '{column}'")
        value = row[index].strip()
        if not value:
            raise CsvError(line, f"cột '{column}' để trống", f"column '{column}' is empty")
        values[column] = value
    return Entry(**values)
