"""A conference agenda as files organizers open in Excel: CSV and XLSX.

Rows are written in the order given (the caller sorts, usually by votes).
Text is NFC so Vietnamese looks the same in every program. Workers wrote the
questions, so a cell that starts like a formula ("=", "+", "-", "@") must never
run as one: the XLSX stores it as a text cell, the CSV prefixes it with "'"
(the rule of `knowledge_base.cells`, shared by every file the project writes).
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from typing import BinaryIO, TextIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from knowledge_base.cells import csv_cell, looks_like_formula

__all__ = ["COLUMNS_VI", "SHEET_TITLE", "AgendaRow", "write_csv", "write_xlsx"]


@dataclass(frozen=True)
class AgendaRow:
    """One question on the agenda, in the order of the columns."""

    case_id: int
    topic: str
    reading: str      # the wording read aloud in the hall: edited by an official, or cleaned up
    question: str     # the worker's own words
    votes: int        # the asker and everyone who asks it too
    source: str       # sent for the conference, or an open question of its topics
    status: str
    department: str   # the department responsible (or the authority it was forwarded to)
    asked_on: str     # the day and time it was asked
    channel: str      # Telegram, Zalo…
    workplace: str    # the company or industrial park, when the worker gave it
    answer: str


COLUMNS_VI = (
    "Mã câu hỏi", "Chủ đề", "Câu hỏi để đọc tại hội nghị", "Câu hỏi gốc", "Số người cùng hỏi",
    "Nguồn", "Trạng thái", "Đơn vị phụ trách", "Ngày hỏi", "Kênh", "Công ty / KCN", "Trả lời",
)
SHEET_TITLE = "Chương trình"

# Characters XML 1.0 cannot carry; openpyxl refuses a cell that holds one.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Column widths in characters: long enough to read a question, short enough to print.
_WIDTHS = (10, 22, 50, 50, 12, 18, 16, 24, 17, 10, 24, 60)
_MIN_WIDTH = 8
_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_TOPIC_FILL = PatternFill("solid", fgColor="F2F2F2")
_WRAPPED = Alignment(wrap_text=True, vertical="top")
_TITLE_ROW, _HEADER_ROW = 1, 2


def write_csv(
    rows: Sequence[AgendaRow], target: TextIO, headers: Sequence[str] = COLUMNS_VI
) -> None:
    """Write a header line and one line per row to `target`, a text stream.

    Open the file with ``open(path, "w", encoding="utf-8-sig", newline="")``:
    the byte-order mark is what makes Excel read the file as UTF-8 (without it
    Vietnamese letters come out garbled), and ``newline=""`` lets the csv
    module end lines itself. Text that starts like a formula gets a leading
    "'" so a spreadsheet shows it instead of computing it.
    """
    _check_headers(headers)
    writer = csv.writer(target)
    writer.writerow([csv_cell(header) for header in headers])
    for row in rows:
        writer.writerow([csv_cell(value) if isinstance(value, str) else value
                         for value in astuple(row)])


def write_xlsx(
    rows: Sequence[AgendaRow],
    target: BinaryIO | str | os.PathLike[str],
    *,
    title: str,
    headers: Sequence[str] = COLUMNS_VI,
    group_by_topic: bool = True,
) -> None:
    """Save a one-sheet workbook ("Chương trình") to `target`, a path or a binary stream.

    Row 1 is `title`, bold and merged across the columns; row 2 the headers,
    bold, with an autofilter and the panes frozen below them. With
    `group_by_topic`, each topic (in order of first appearance, "—" when
    blank) gets a bold sub-header row before its questions, which keep the
    given order. Sub-header rows are not merged, so sorting with the filter
    still works in Excel.
    """
    _check_headers(headers)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new Workbook always has one sheet
    sheet.title = SHEET_TITLE
    workbook.properties.title = _xml_text(title)
    _write_title(sheet, title, len(headers))
    _write_headers(sheet, headers)
    if group_by_topic:
        for topic, members in _grouped(rows):
            _write_topic(sheet, topic or "—", len(headers))
            for row in members:
                _write_row(sheet, row)
    else:
        for row in rows:
            _write_row(sheet, row)
    last_column = get_column_letter(len(headers))
    sheet.auto_filter.ref = f"A{_HEADER_ROW}:{last_column}{sheet.max_row}"
    sheet.freeze_panes = f"A{_HEADER_ROW + 1}"
    _set_widths(sheet, headers)
    _print_across_one_page(sheet)
    workbook.save(target)


def _check_headers(headers: Sequence[str]) -> None:
    if len(headers) != len(COLUMNS_VI):
        raise ValueError(f"expected {len(COLUMNS_VI)} headers, got {len(headers)}")


def _xml_text(value: str) -> str:
    return _NOT_IN_XML.sub("", unicodedata.normalize("NFC", value))


def _grouped(rows: Sequence[AgendaRow]) -> list[tuple[str, list[AgendaRow]]]:
    groups: dict[str, list[AgendaRow]] = {}
    for row in rows:
        groups.setdefault(row.topic, []).append(row)
    return list(groups.items())


def _set_text(sheet: Worksheet, row: int, column: int, value: str) -> None:
    """A text cell, even when the text looks like a formula."""
    cell = sheet.cell(row=row, column=column)
    text = _xml_text(value)
    cell.value = text or None  # an empty cell, not an empty string
    if looks_like_formula(text):
        cell.data_type = "s"  # openpyxl would store "=..." as a formula
        cell.quotePrefix = True  # and Excel keeps it text when someone edits it


def _write_title(sheet: Worksheet, title: str, columns: int) -> None:
    _set_text(sheet, _TITLE_ROW, 1, title)
    sheet.cell(row=_TITLE_ROW, column=1).font = _TITLE_FONT
    if columns > 1:
        sheet.merge_cells(start_row=_TITLE_ROW, start_column=1, end_row=_TITLE_ROW,
                          end_column=columns)


def _write_headers(sheet: Worksheet, headers: Sequence[str]) -> None:
    for column, header in enumerate(headers, start=1):
        _set_text(sheet, _HEADER_ROW, column, header)
        cell = sheet.cell(row=_HEADER_ROW, column=column)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = _WRAPPED


def _write_topic(sheet: Worksheet, topic: str, columns: int) -> None:
    row = sheet.max_row + 1
    _set_text(sheet, row, 1, topic)
    sheet.cell(row=row, column=1).font = _BOLD
    for column in range(1, columns + 1):  # unwrapped, so the name runs across the row
        sheet.cell(row=row, column=column).fill = _TOPIC_FILL


def _write_row(sheet: Worksheet, agenda_row: AgendaRow) -> None:
    row = sheet.max_row + 1
    for column, value in enumerate(astuple(agenda_row), start=1):
        if isinstance(value, str):
            _set_text(sheet, row, column, value)
        else:
            sheet.cell(row=row, column=column, value=value).number_format = "0"
        sheet.cell(row=row, column=column).alignment = _WRAPPED


def _print_across_one_page(sheet: Worksheet) -> None:
    """Landscape, all columns on one page width, the header row repeated on every page."""
    sheet.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _set_widths(sheet: Worksheet, headers: Sequence[str]) -> None:
    """Each column as wide as its longest line, between the header's word and its cap."""
    for column, (header, cap) in enumerate(zip(headers, _WIDTHS, strict=True), start=1):
        longest = max(
            (len(line) for (value,) in sheet.iter_rows(min_row=_HEADER_ROW + 1, min_col=column,
                                                       max_col=column, values_only=True)
             if isinstance(value, str | int) for line in str(value).splitlines()),
            default=0,
        )
        widest_word = max((len(word) for word in header.split()), default=0)
        width = min(max(longest, widest_word, _MIN_WIDTH), cap) + 2
        sheet.column_dimensions[get_column_letter(column)].width = width
