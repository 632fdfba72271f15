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
DAY = "01/12/2026 09:15"


def row(case_id: int, topic: str, question: str, votes: int, status: str, department: str,
        answer: str, *, reading: str = "", workplace: str = "", channel: str = "Telegram",
        source: str = "Gửi cho hội nghị") -> AgendaRow:
    """An agenda row; read aloud as asked unless `reading` says otherwise."""
    return AgendaRow(case_id=case_id, topic=topic, reading=reading or question, question=question,
                     votes=votes, source=source, status=status, department=department,
                     asked_on=DAY, channel=channel, workplace=workplace, answer=answer)


ROWS = [
    row(12, "Tiền lương", LONG_QUESTION, 41, "Đã trả lời", "Phòng Nhân sự",
        "Có, từ 1/7 theo Nghị định.", workplace="KCN Tân Bình"),
    row(7, "Nhà ở", "Khi nào có nhà ở xã hội cho công nhân?", 23, "Đang xử lý",
        "Công đoàn cơ sở", "", channel="Zalo", source="Đang chờ trả lời (cùng chủ đề)"),
    row(3, "Tiền lương", "=HYPERLINK(\"http://x\",\"bấm\")", 9, "Mới", "Phòng Nhân sự", "-",
        reading="Liên kết này là gì?"),
    row(5, "Bảo hiểm", "@SUM(A1:A9) +1 -2", 4, "Mới", "BHXH", "+84 là mã nước"),
    row(9, "Nhà ở", "Tiền thuê trọ có được hỗ trợ?", 2, "Mới", "Công đoàn cơ sở", ""),
]


def cells(agenda_row: AgendaRow) -> tuple[object, ...]:
    """The row as openpyxl reads it back: an empty text is an empty cell."""
    return tuple(None if value == "" else value for value in astuple(agenda_row))


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
    assert [str(merged) for merged in sheet.merged_cells.ranges] == ["A1:L1"]
    assert [cell.value for cell in sheet[2]] == list(COLUMNS_VI)
    assert all(cell.font.b for cell in sheet[2])
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:L10"

    blank = (None,) * 11
    assert sheet_rows(sheet)[2:] == [
        ("Tiền lương", *blank),             # groups in order of first appearance,
        cells(ROWS[0]),                     # rows in the given order within each
        cells(ROWS[2]),
        ("Nhà ở", *blank),
        (7, "Nhà ở", ROWS[1].question, ROWS[1].question, 23, "Đang chờ trả lời (cùng chủ đề)",
         "Đang xử lý", "Công đoàn cơ sở", DAY, "Zalo", None, None),
        (9, "Nhà ở", ROWS[4].question, ROWS[4].question, 2, "Gửi cho hội nghị", "Mới",
         "Công đoàn cơ sở", DAY, "Telegram", None, None),
        ("Bảo hiểm", *blank),
        cells(ROWS[3]),
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
    assert sheet["C5"].value == "Liên kết này là gì?"  # read aloud; the worker's words beside it
    cells = [sheet["D5"], sheet["L5"], sheet["C6"], sheet["D6"], sheet["L6"]]
    assert [cell.value for cell in cells] == [ROWS[2].question, "-", ROWS[3].question,
                                             ROWS[3].question, "+84 là mã nước"]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    # No formula reached the file itself.
    with zipfile.ZipFile(path) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_xlsx_numbers_text_and_layout(tmp_path: Path) -> None:
    nfd_row = row(1, unicodedata.normalize("NFD", "Tiền lương"),
                  unicodedata.normalize("NFD", LONG_QUESTION) + "\x07", 3, "Mới", "", "")
    path = tmp_path / "agenda.xlsx"
    write_xlsx([nfd_row], path, title=TITLE, group_by_topic=False)
    sheet = open_sheet(path)
    assert sheet["A3"].value == 1 and sheet["A3"].number_format == "0"
    assert sheet["E3"].value == 3 and sheet["E3"].number_format == "0"
    assert sheet["B3"].value == "Tiền lương"             # NFC, as typed on a Vietnamese keyboard
    assert sheet["D3"].value == LONG_QUESTION            # the control character is gone
    assert sheet["D3"].alignment.wrap_text
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJKL"}
    assert widths["C"] == widths["D"] == 52              # capped, wrapped
    assert widths["A"] < widths["B"] < widths["C"]


def test_xlsx_without_rows_is_a_valid_workbook() -> None:
    buffer = io.BytesIO()
    write_xlsx([], buffer, title=TITLE)
    buffer.seek(0)
    workbook = load_workbook(buffer)
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    assert sheet_rows(sheet) == [(TITLE, *(None,) * 11), COLUMNS_VI]
    assert sheet.auto_filter.ref == "A2:L2"


def test_xlsx_with_english_headers(tmp_path: Path) -> None:
    headers = ("ID", "Topic", "Read aloud", "Question", "Votes", "Source", "Status", "Department",
               "Asked", "Channel", "Company / park", "Answer")
    path = tmp_path / "agenda.xlsx"
    write_xlsx(ROWS[:1], path, title="Dialogue", headers=headers)
    assert sheet_rows(open_sheet(path))[1] == headers
    with pytest.raises(ValueError, match="12 headers"):
        write_xlsx(ROWS, path, title="Dialogue", headers=headers[:3])


def test_csv_round_trips() -> None:
    buffer = io.StringIO(newline="")
    write_csv(ROWS, buffer)
    lines = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert lines[0] == list(COLUMNS_VI)
    assert lines[1] == ["12", "Tiền lương", LONG_QUESTION, LONG_QUESTION, "41", "Gửi cho hội nghị",
                        "Đã trả lời", "Phòng Nhân sự", DAY, "Telegram", "KCN Tân Bình",
                        "Có, từ 1/7 theo Nghị định."]
    assert [line[0] for line in lines[1:]] == ["12", "7", "3", "5", "9"]
    # Formula-looking text is prefixed so a spreadsheet shows it rather than runs it.
    assert lines[3][3] == "'" + ROWS[2].question and lines[3][11] == "'-"
    assert lines[4][3] == "'@SUM(A1:A9) +1 -2" and lines[4][11] == "'+84 là mã nước"
    assert lines[2][11] == "" and lines[2][9] == "Zalo"


def test_csv_file_opens_in_excel_encoding(tmp_path: Path) -> None:
    path = tmp_path / "agenda.csv"
    one = row(1, unicodedata.normalize("NFD", "Nhà ở"), "Câu hỏi\ncó hai dòng", 1, "Mới", "", "")
    with path.open("w", encoding="utf-8-sig", newline="") as target:
        write_csv([one], target)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                 # the BOM Excel looks for
    with path.open(encoding="utf-8-sig", newline="") as source:
        lines = list(csv.reader(source))
    assert lines == [list(COLUMNS_VI), ["1", "Nhà ở", "Câu hỏi\ncó hai dòng", "Câu hỏi\ncó hai dòng",
                                        "1", "Gửi cho hội nghị", "Mới", "", DAY, "Telegram", "", ""]]
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
