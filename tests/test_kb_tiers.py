"""The matcher's three tiers, near-miss rejection (data/focus.txt), the question
inside a chatty message, and the cold-start evaluation's split."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from knowledge_base import ANSWER, CHOICES, MAX_CHOICES, NONE, Entry, Matcher
from knowledge_base.bench import load_coldstart, run_coldstart
from knowledge_base.entries import write_csv
from knowledge_base.focus import FocusRules, load_focus, question_part

KB = [
    Entry("bhxh-tn", "procedures",
          "Người tham gia bảo hiểm xã hội tự nguyện được hưởng những chế độ gì?",
          "Người tham gia bảo hiểm xã hội tự nguyện được hưởng chế độ hưu trí, tử tuất và trợ cấp "
          "thai sản. Đăng ký tại cơ quan bảo hiểm xã hội nơi cư trú hoặc trên ứng dụng VssID."),
    Entry("thu-viec", "jobs", "Thời gian thử việc tối đa là bao lâu?",
          "Thời gian thử việc không quá 60 ngày với công việc cần trình độ cao đẳng trở lên, "
          "không quá 30 ngày với công việc cần trình độ trung cấp, "
          "không quá 6 ngày với công việc khác."),
    Entry("tam-tru", "procedures", "Người lao động thuê trọ phải đăng ký tạm trú ở đâu?",
          "Người thuê trọ đăng ký tạm trú tại Công an cấp xã nơi có chỗ ở, hoặc trực tuyến trên "
          "Cổng dịch vụ công. Chủ nhà trọ có trách nhiệm hỗ trợ."),
    Entry("ky-luat", "union", "Khi công ty họp xét kỷ luật, công đoàn cơ sở có vai trò gì?",
          "Công ty phải thông báo cho công đoàn cơ sở và người lao động; công đoàn cơ sở tham dự "
          "cuộc họp xử lý kỷ luật, bảo vệ quyền lợi của người lao động."),
    Entry("nha-o", "housing", "Công nhân khu công nghiệp có được thuê nhà ở xã hội không?",
          "Có. Công nhân đủ điều kiện được thuê nhà ở xã hội; hồ sơ nộp tại chủ đầu tư dự án."),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(KB)


def test_a_clear_question_is_answered_at_once(matcher: Matcher) -> None:
    result = matcher.match("Thời gian thử việc tối đa là bao lâu vậy ạ?")
    assert result.tier == ANSWER and result.suggest
    assert result.matches[0].entry.id == "thu-viec"
    assert result.choices == []  # choices only with the "choices" tier


def test_suggest_is_true_exactly_when_the_tier_is_answer(matcher: Matcher) -> None:
    queries = ["thử việc tối đa bao lâu", "giá vàng hôm nay", "bhxh tự nguyện đóng bao nhiêu tiền",
               "", "🙂", "cong doan co vai tro gi khi ky luat", "nhà ở xã hội"]
    for query in queries:
        result = matcher.match(query)
        assert result.tier in (ANSWER, CHOICES, NONE)
        assert result.suggest == (result.tier == ANSWER), query


def test_an_amount_the_entry_never_gives_is_not_answered_at_once(matcher: Matcher) -> None:
    # The entry says which benefits, not how much is paid: a near-miss.
    result = matcher.match("BHXH tự nguyện mỗi tháng phải đóng bao nhiêu tiền?")
    assert result.matches[0].entry.id == "bhxh-tn"
    assert result.tier != ANSWER
    assert "amount" in result.uncovered


def test_an_amount_the_answer_gives_is_covered(matcher: Matcher) -> None:
    # "bao nhiêu ngày" is answered by "không quá 60 ngày": the focus is covered.
    result = matcher.match("thử việc được tối đa bao nhiêu ngày")
    assert result.matches[0].entry.id == "thu-viec"
    assert "amount" not in result.uncovered


def test_the_penalty_instead_of_the_procedure_is_a_near_miss(matcher: Matcher) -> None:
    result = matcher.match("không đăng ký tạm trú thì bị phạt bao nhiêu")
    assert result.matches[0].entry.id == "tam-tru"
    assert result.tier != ANSWER
    assert "penalty" in result.uncovered


def test_choices_are_the_first_matches_up_to_three(matcher: Matcher) -> None:
    # Close to an entry that does not give the amount: offered, not answered.
    result = matcher.match("bhxh tự nguyện đóng bao nhiêu tiền", limit=5)
    assert result.tier == CHOICES and not result.suggest
    assert 1 <= len(result.choices) <= MAX_CHOICES
    assert result.choices == result.matches[:len(result.choices)]
    assert result.choices[0].entry.id == "bhxh-tn"


def test_the_question_inside_a_chatty_message_is_matched(matcher: Matcher) -> None:
    message = ("Chào anh chị ạ, em làm công nhân may ở khu công nghiệp Tân Tạo được 3 năm, "
               "đang ở trọ với chồng và hai con nhỏ, nhà ở xa quê lắm. Hôm qua em bị quản lý "
               "lập biên bản vì đi trễ, công ty nói sẽ họp xét kỷ luật em. Cho em hỏi công đoàn "
               "cơ sở có vai trò gì trong buổi họp kỷ luật không ạ? Em cảm ơn.")
    question, context = question_part(message, load_focus()) or ("", "")
    assert question.startswith("công đoàn cơ sở có vai trò gì")
    assert "khu công nghiệp" in context
    result = matcher.match(message)
    assert result.matches[0].entry.id == "ky-luat"  # not housing, whatever the story says


def test_a_question_that_points_back_takes_the_sentence_before() -> None:
    message = ("Xin chào, con trai tôi 19 tuổi mới vào làm ở xưởng cơ khí ở Bình Dương. "
               "Đã 2 tháng mà công ty không trả đồng lương nào, còn bắt đóng tiền học nghề. "
               "Như vậy có đúng không?")
    question, _ = question_part(message, load_focus()) or ("", "")
    assert "không trả đồng lương nào" in question and question.endswith("Như vậy có đúng không?")


def test_a_short_message_is_read_whole() -> None:
    assert question_part("Cho em hỏi thử việc tối đa bao lâu?", load_focus()) is None


def test_focus_file_errors_name_the_line() -> None:
    with pytest.raises(ValueError, match="<focus>:2"):
        FocusRules.parse("[asks]\n[nonsense]\n")
    with pytest.raises(ValueError, match="<focus>:2"):
        FocusRules.parse("[aspects]\npenalty phạt\n")


def test_unaccented_single_marked_words_are_not_read_as_an_aspect() -> None:
    rules = load_focus()
    from knowledge_base.normalize import analyze

    # "thue" is thuê (rent) as often as thuế (tax)
    assert "tax" not in rules.focus(*analyze("thue nha cong doan duoc bao lau")).aspects
    assert "tax" in rules.focus(*analyze("tiền thưởng Tết có phải đóng thuế không")).aspects


def _write_queries(path: Path, rows: list[tuple[str, str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["query", "expected_id", "style"])
        writer.writerows(rows)


def test_coldstart_split_is_stable_and_halves_each_style(tmp_path: Path) -> None:
    rows = [(f"câu hỏi số {i} về thử việc", "thu-viec", "accented") for i in range(9)]
    rows += [(f"giá vàng hôm nay lần {i}", "", "off_topic") for i in range(6)]
    path = tmp_path / "q.csv"
    _write_queries(path, rows)
    first, again = load_coldstart(path), load_coldstart(path)
    assert [q.split for q in first] == [q.split for q in again]
    for style, n in (("accented", 9), ("off_topic", 6)):
        dev = sum(q.split == "dev" for q in first if q.kind == style)
        assert dev == (n + 1) // 2
    # the split depends on the text, not on the row order
    _write_queries(path, list(reversed(rows)))
    by_text = {q.query: q.split for q in load_coldstart(path)}
    assert all(by_text[q.query] == q.split for q in first)


def test_coldstart_bench_reports_tiers_per_style(tmp_path: Path) -> None:
    kb, queries = tmp_path / "kb.csv", tmp_path / "q.csv"
    write_csv(KB, kb)
    _write_queries(queries, [
        ("thử việc tối đa bao lâu", "thu-viec", "accented"),
        ("thu viec toi da bao lau", "thu-viec", "no_accent"),
        ("giá vàng hôm nay bao nhiêu", "", "off_topic"),
        ("không đăng ký tạm trú bị phạt bao nhiêu", "", "near_miss"),
    ])
    printed: list[str] = []
    results = run_coldstart(str(kb), str(queries), splits=("dev", "test"), out=printed.append)
    text = "\n".join(printed)
    assert "COLD START" in text and "near_miss" in text and "reach" in text
    tallies = [t for split in results.values() for t in split.values()]
    total = {name: sum(getattr(t, name) for t in tallies) for name in ("n_in", "n_out")}
    assert total["n_in"] >= 2 and total["n_out"] >= 2  # "all" and the styles both count them
    near = [split["near_miss"] for split in results.values() if "near_miss" in split]
    assert near and all(t.wrong_out == 0 for t in near)  # the penalty near-miss is never answered
