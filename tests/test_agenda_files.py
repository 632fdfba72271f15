"""The agenda as organizers open it: an XLSX workbook and a CSV file."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import astuple
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.services.agenda_files import COLUMNS_VI, AgendaRow, write_csv, write_xlsx

TITLE = "Hội nghị đối thoại Công ty May Việt Tiến 2026"
LONG_QUESTION = (
    "Công ty có kế hoạch tăng lương tối thiểu vùng từ ngày 1/7 không, và nếu có thì "
    "người lao động làm ca đêm có được tính phụ cấp theo mức lương mới hay không ạ?"
)
ROWS = [
    AgendaRow(12, "Tiền lương", LONG_QUESTION, 41, "Đã trả lời", "Phòng Nhân sự",
              "Có, từ 1/7 theo Nghị định."),
    AgendaRow(7, "Nhà ở", "Khi nào có nhà ở xã hội cho công nhân?", 23, "Đang xử lý",
              "Công đoàn cơ sở", ""),
    AgendaRow(3, "Tiền lương", "=HYPERLINK(\"http://x\",\"bấm\")", 9, "Mới", "Phòng Nhân sự",
              "-"),
    AgendaRow(5, "Bảo hiểm", "@SUM(A1:A9) +1 -2", 4, "Mới", "BHXH", "+84 là mã nước"),
    AgendaRow(9, "Nhà ở", "Tiền thuê trọ có được hỗ trợ?", 2, "Mới", "Công đoàn cơ sở", ""),
]


def sheet_rows(sheet: Worksheet) -> list[tuple[object, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def open_sheet(path: Path) -> Worksheet:
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Chương trình"]
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    return sheet


def test_xlsx_grouped_by_topic(tmp_path: Path) -> None:
    path = tmp_path / "agenda.xlsx"
    write_xlsx(ROWS, path, title=TITLE)
    sheet = open_sheet(path)

    assert sheet["A1"].value == TITLE and sheet["A1"].font.b
    assert [str(merged) for merged in sheet.merged_cells.ranges] == ["A1:G1"]
    assert [cell.value for cell in sheet[2]] == list(COLUMNS_VI)
    assert all(cell.font.b for cell in sheet[2])
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:G10"

    blank = (None,) * 6
    assert sheet_rows(sheet)[2:] == [
        ("Tiền lương", *blank),             # groups in order of first appearance,
        astuple(ROWS[0]),                   # rows in the given order within each
        astuple(ROWS[2]),
        ("Nhà ở", *blank),
        (7, "Nhà ở", ROWS[1].question, 23, "Đang xử lý", "Công đoàn cơ sở", None),
        (9, "Nhà ở", ROWS[4].question, 2, "Mới", "Công đoàn cơ sở", None),
        ("Bảo hiểm", *blank),
        astuple(ROWS[3]),
    ]
    for row in (3, 6, 9):
        assert sheet.cell(row=row, column=1).font.b
    assert not sheet["A4"].font.b


def test_xlsx_ungrouped_keeps_the_given_order(tmp_path: Path) -> None:
    path = tmp_path / "agenda.xlsx"
    write_xlsx(ROWS, path, title=TITLE, group_by_topic=False)
    rows = sheet_rows(open_sheet(path))[2:]
    assert [row[0] for row in rows] == [12, 7, 3, 5, 9]


def test_xlsx_formulas_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "agenda.xlsx"
    write_xlsx(ROWS, path, title="=1+1", group_by_topic=False)
    sheet = open_sheet(path)
    assert sheet["A1"].value == "=1+1" and sheet["A1"].data_type == "s"
    cells = [sheet["C5"], sheet["G5"], sheet["C6"], sheet["G6"]]
    assert [cell.value for cell in cells] == [ROWS[2].question, "-", ROWS[3].question,
                                             "+84 là mã nước"]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    # No formula reached the file itself.
    with zipfile.ZipFile(path) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_xlsx_numbers_text_and_layout(tmp_path: Path) -> None:
    nfd_row = AgendaRow(1, unicodedata.normalize("NFD", "Tiền lương"),
                        unicodedata.normalize("NFD", LONG_QUESTION) + "\x07", 3, "Mới", "", "")
    path = tmp_path / "agenda.xlsx"
    write_xlsx([nfd_row], path, title=TITLE, group_by_topic=False)
    sheet = open_sheet(path)
    assert sheet["A3"].value == 1 and sheet["A3"].number_format == "0"
    assert sheet["D3"].value == 3 and sheet["D3"].number_format == "0"
    assert sheet["B3"].value == "Tiền lương"             # NFC, as typed on a Vietnamese keyboard
    assert sheet["C3"].value == LONG_QUESTION            # the control character is gone
    assert sheet["C3"].alignment.wrap_text
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFG"}
    assert widths["C"] == 62                             # capped, wrapped
    assert widths["A"] < widths["B"] < widths["C"]


def test_xlsx_without_rows_is_a_valid_workbook() -> None:
    buffer = io.BytesIO()
    write_xlsx([], buffer, title=TITLE)
    buffer.seek(0)
    workbook = load_workbook(buffer)
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    assert sheet_rows(sheet) == [(TITLE, *(None,) * 6), COLUMNS_VI]
    assert sheet.auto_filter.ref == "A2:G2"


def test_xlsx_with_english_headers(tmp_path: Path) -> None:
    headers = ("ID", "Topic", "Question", "Votes", "Status", "Department", "Answer")
    path = tmp_path / "agenda.xlsx"
    write_xlsx(ROWS[:1], path, title="Dialogue", headers=headers)
    assert sheet_rows(open_sheet(path))[1] == headers
    with pytest.raises(ValueError, match="7 headers"):
        write_xlsx(ROWS, path, title="Dialogue", headers=headers[:3])


def test_csv_round_trips() -> None:
    buffer = io.StringIO(newline="")
    write_csv(ROWS, buffer)
    lines = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert lines[0] == list(COLUMNS_VI)
    assert lines[1] == ["12", "Tiền lương", LONG_QUESTION, "41", "Đã trả lời", "Phòng Nhân sự",
                        "Có, từ 1/7 theo Nghị định."]
    assert [line[0] for line in lines[1:]] == ["12", "7", "3", "5", "9"]
    # Formula-looking text is prefixed so a spreadsheet shows it rather than runs it.
    assert lines[3][2] == "'" + ROWS[2].question and lines[3][6] == "'-"
    assert lines[4][2] == "'@SUM(A1:A9) +1 -2" and lines[4][6] == "'+84 là mã nước"
    assert lines[2][6] == ""


def test_csv_file_opens_in_excel_encoding(tmp_path: Path) -> None:
    path = tmp_path / "agenda.csv"
    row = AgendaRow(1, unicodedata.normalize("NFD", "Nhà ở"), "Câu hỏi\ncó hai dòng", 1,
                    "Mới", "", "")
    with path.open("w", encoding="utf-8-sig", newline="") as target:
        write_csv([row], target)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                 # the BOM Excel looks for
    with path.open(encoding="utf-8-sig", newline="") as source:
        lines = list(csv.reader(source))
    assert lines == [list(COLUMNS_VI), ["1", "Nhà ở", "Câu hỏi\ncó hai dòng", "1", "Mới", "", ""]]
    assert unicodedata.is_normalized("NFC", lines[1][1])


def test_csv_without_rows_has_the_header() -> None:
    buffer = io.StringIO()
    write_csv([], buffer)
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [list(COLUMNS_VI)]


@pytest.mark.parametrize("text", ["=1+1", "'=1+1", "''@x", "-", "+84", "\tx", "'tên", "Lương", ""])
def test_csv_cells_never_start_like_a_formula_and_read_back(text: str) -> None:
    from knowledge_base.cells import FORMULA_STARTS, csv_cell, read_csv_cell

    cell = csv_cell(text)
    assert not cell.startswith(FORMULA_STARTS)
    assert read_csv_cell(cell) == text
