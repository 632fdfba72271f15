import io
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from knowledge_base import CsvError, Entry, Matcher, merge_variants, read_csv, write_csv
from knowledge_base.entries import MAX_VARIANTS
from knowledge_base.model import margins

ROOT = Path(__file__).resolve().parents[1]

KB = [
    Entry("ts-vo", "bhxh", "Lao động nữ nghỉ thai sản khi sinh con được bao nhiêu tháng?",
          "Lao động nữ sinh con được nghỉ 6 tháng (Điều 139 Bộ luật Lao động 2019)."),
    Entry("ts-chong", "bhxh", "Chồng được nghỉ thai sản mấy ngày khi vợ sinh con?",
          "Chồng đóng BHXH được nghỉ 5-14 ngày làm việc khi vợ sinh con."),
    Entry("tnld", "bhxh", "Bị tai nạn lao động thì được hưởng chế độ gì?",
          "Được trợ cấp tai nạn lao động theo Luật An toàn, vệ sinh lao động 2015."),
    Entry("bhtn", "viec-lam", "Hồ sơ hưởng bảo hiểm thất nghiệp nộp ở đâu?",
          "Nộp tại Trung tâm Dịch vụ việc làm trong 3 tháng kể từ ngày chấm dứt hợp đồng."),
    Entry("noxh-thue", "nha-o", "Công nhân khu công nghiệp thuê nhà ở xã hội cần điều kiện gì?",
          "Thuộc đối tượng và chưa có nhà ở thuộc sở hữu (Luật Nhà ở 2023)."),
    Entry("noxh-mua", "nha-o", "Công nhân khu công nghiệp mua nhà ở xã hội cần điều kiện gì?",
          "Thuộc đối tượng, điều kiện thu nhập và nhà ở (Luật Nhà ở 2023)."),
    Entry("bhyt-mat", "bhyt", "Làm mất thẻ bảo hiểm y tế thì xin cấp lại ở đâu?",
          "Đến cơ quan BHXH nơi cấp thẻ hoặc làm trên VssID."),
    Entry("gv-hang", "giao-vien", "Điều kiện thăng hạng giáo viên trung học cơ sở hạng II là gì?",
          "Theo Thông tư 03/2021/TT-BGDĐT và 08/2023/TT-BGDĐT."),
    Entry("hoc-nghe", "dao-tao", "Người lao động có được hỗ trợ học nghề miễn phí không?",
          "Người hưởng trợ cấp thất nghiệp được hỗ trợ học nghề theo Luật Việc làm."),
    Entry("mai-am", "kho-khan", "Đoàn viên khó khăn về nhà ở xin hỗ trợ Mái ấm công đoàn thế nào?",
          "Làm đơn gửi công đoàn cơ sở để được xét hỗ trợ xây, sửa nhà."),
]


@pytest.fixture
def matcher() -> Matcher:
    return Matcher(KB)


def best(matcher: Matcher, query: str, **kwargs: object) -> str | None:
    result = matcher.match(query, **kwargs)  # type: ignore[arg-type]
    return result.matches[0].entry.id if result.matches else None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Chồng được nghỉ thai sản mấy ngày khi vợ sinh con?", "ts-chong"),
        ("nop ho so huong bao hiem that nghiep o dau", "bhtn"),
        ("ho so bhtn nop o dau vay ad", "bhtn"),
        ("lam mat the bhyt thi xin cap lai o dau a", "bhyt-mat"),
        ("cho em hỏi với ạ, em làm ở cty may trong KCN, em muốn thuê nhà ở xã hội thì cần điều kiện gì ạ", "noxh-thue"),
        ("nld co dc ho tro hoc nghe mien phi ko", "hoc-nghe"),
        (unicodedata.normalize("NFD", "Bị tai nạn lao động thì được hưởng chế độ gì"), "tnld"),
        ("bi tai nan lao dongg thi dc huong che do gii", "tnld"),
        ("baohiem that nghiep nop ho so o dau", "bhtn"),
        ("ho so huong bao hiem that nghiep nop o dauu", "bhtn"),
        ("thang hang gv thcs hang 2 can dk gi", "gv-hang"),
    ],
)
def test_finds_the_right_entry_however_it_is_typed(matcher: Matcher, query: str, expected: str) -> None:
    result = matcher.match(query)
    assert result.matches[0].entry.id == expected
    assert 0.0 <= result.matches[0].score <= 1.0


def test_exact_question_is_suggested_with_high_confidence(matcher: Matcher) -> None:
    result = matcher.match("Hồ sơ hưởng bảo hiểm thất nghiệp nộp ở đâu?")
    assert result.suggest
    assert result.matches[0].entry.id == "bhtn"
    assert result.matches[0].score > 0.9
    assert [m.score for m in result.matches] == sorted((m.score for m in result.matches), reverse=True)


@pytest.mark.parametrize(
    ("query", "wrong"),
    [
        # Same words, different meaning: the worker must not get the other answer.
        ("mua nha o xa hoi cong nhan can dieu kien gi", "noxh-thue"),
        ("Công nhân khu công nghiệp thuê nhà ở xã hội cần điều kiện gì?", "noxh-mua"),
        ("lao động nam được nghỉ thai sản bao nhiêu tháng", "ts-vo"),
        ("chồng nghỉ thai sản mấy ngày, không phải vợ", "ts-vo"),
        ("đổi thẻ bảo hiểm y tế ở đâu", "bhyt-mat"),
        ("bị bệnh nghề nghiệp thì được hưởng chế độ gì", "tnld"),
    ],
)
def test_near_miss_never_suggests_the_wrong_entry(matcher: Matcher, query: str, wrong: str) -> None:
    result = matcher.match(query)
    assert not (result.suggest and result.matches[0].entry.id == wrong)


def test_near_miss_pair_picks_the_right_side(matcher: Matcher) -> None:
    assert best(matcher, "mua nha o xa hoi cong nhan kcn can dieu kien gi") == "noxh-mua"
    assert best(matcher, "thue nha o xa hoi cong nhan kcn can dieu kien gi") == "noxh-thue"


def test_out_of_scope_question_is_not_suggested(matcher: Matcher) -> None:
    for query in ["giá vàng hôm nay bao nhiêu", "xe máy bị hỏng sửa ở đâu", "thời tiết ngày mai thế nào"]:
        assert not matcher.match(query).suggest, query


@pytest.mark.parametrize(
    "query",
    ["", "   ", "😀🙏😀", "???", "\u200b\u200d", "a" * 10_000, "bảo hiểm " * 2_000, "Привет 你好 bảo", "\x00"],
)
def test_bad_input_gives_no_suggestion_and_no_error(matcher: Matcher, query: str) -> None:
    result = matcher.match(query)
    assert result.query == query
    assert not result.suggest


def test_empty_matcher_matches_nothing() -> None:
    matcher = Matcher()
    assert len(matcher) == 0
    result = matcher.match("bảo hiểm thất nghiệp")
    assert not result.suggest and result.matches == []


def test_limit_caps_the_matches(matcher: Matcher) -> None:
    assert len(matcher.match("bảo hiểm", limit=1).matches) <= 1
    assert len(matcher.match("công nhân khu công nghiệp nhà ở xã hội", limit=2).matches) == 2


def test_add_makes_an_entry_findable_at_once(matcher: Matcher) -> None:
    query = "luong toi thieu vung nam nay la bao nhieu"
    assert not matcher.match(query).suggest
    matcher.add(Entry("luong-tt", "viec-lam", "Lương tối thiểu vùng năm nay là bao nhiêu?", "Nghị định 74/2024/NĐ-CP."))
    assert len(matcher) == len(KB) + 1
    result = matcher.match(query)
    assert result.suggest and result.matches[0].entry.id == "luong-tt"


def test_add_with_same_id_replaces_the_entry(matcher: Matcher) -> None:
    matcher.add(Entry("bhtn", "viec-lam", "Mức hưởng trợ cấp thất nghiệp hằng tháng là bao nhiêu?", "60% lương."))
    assert len(matcher) == len(KB)
    result = matcher.match("muc huong tro cap that nghiep hang thang bn")
    assert result.matches[0].entry.id == "bhtn"
    assert result.matches[0].entry.answer == "60% lương."
    old = matcher.match("Hồ sơ hưởng bảo hiểm thất nghiệp nộp ở đâu?")
    assert not (old.suggest and old.matches[0].entry.id == "bhtn")


def test_remove_forgets_the_entry_and_its_words(matcher: Matcher) -> None:
    matcher.remove("bhtn")
    matcher.remove("no-such-id")  # unknown ids are ignored
    assert len(matcher) == len(KB) - 1
    result = matcher.match("Hồ sơ hưởng bảo hiểm thất nghiệp nộp ở đâu?")
    assert all(m.entry.id != "bhtn" for m in result.matches)
    assert not result.suggest


def test_slots_are_reused_after_remove(matcher: Matcher) -> None:
    for i in range(3):
        matcher.remove("mai-am")
        matcher.add(Entry("mai-am", "kho-khan", f"Mái ấm công đoàn hỗ trợ bao nhiêu tiền lần {i}?", "..."))
    assert len(matcher) == len(KB)
    assert best(matcher, "mai am cong doan ho tro bao nhieu tien") == "mai-am"


def test_topic_hint_breaks_a_tie_but_does_not_hide_a_better_entry() -> None:
    twins = [
        Entry("a", "bhxh", "Thủ tục đăng ký cho người lao động như thế nào?", "A"),
        Entry("b", "viec-lam", "Thủ tục đăng ký cho người lao động như thế nào?", "B"),
        Entry("c", "bhxh", "Hồ sơ hưởng bảo hiểm thất nghiệp nộp ở đâu?", "C"),
    ]
    matcher = Matcher(twins)
    query = "thu tuc dang ky cho nguoi lao dong nhu the nao"
    assert best(matcher, query, topic="bhxh") == "a"
    assert best(matcher, query, topic="viec-lam") == "b"
    # The chosen topic has only a poor match: the better entry elsewhere still comes first.
    result = matcher.match("ho so huong bao hiem that nghiep nop o dau", topic="viec-lam")
    assert result.matches[0].entry.id == "c"


def test_margins_are_each_ones_lead_over_the_best_of_the_others() -> None:
    assert margins([3.0, 1.0, 0.5]) == [2.0, -2.0, -2.5]
    # Ordered by the topic, not by score: the first is behind, its margin says so.
    assert margins([1.0, 3.0, 0.5]) == [-2.0, 2.0, -2.5]
    assert margins([2.0]) == [5.0] and margins([]) == []


def test_topic_hint_orders_but_does_not_make_the_matcher_surer(matcher: Matcher) -> None:
    # A near-miss in the worker's topic: first either way, and no likelier to be suggested.
    query = "lam mat so bao hiem xa hoi thi xin cap lai o dau"
    plain = matcher.match(query)
    hinted = matcher.match(query, topic="bhyt")
    assert hinted.matches[0].entry.id == plain.matches[0].entry.id == "bhyt-mat"
    assert hinted.matches[0].score == plain.matches[0].score
    assert hinted.suggest == plain.suggest


# -- CSV ---------------------------------------------------------------------

HEADER = "id,topic,question,answer\n"


def write(tmp_path: Path, text: str | bytes, name: str = "kb.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def csv_error(tmp_path: Path, text: str | bytes) -> CsvError:
    with pytest.raises(CsvError) as info:
        read_csv(write(tmp_path, text))
    return info.value


def test_csv_round_trip_with_quotes_commas_and_newlines(tmp_path: Path) -> None:
    entries = [
        Entry("1", "bhxh", 'Hỏi "BHXH", một lần?', "Dòng 1\nDòng 2, có dấu phẩy"),
        Entry("x-2", "nha-o", "Nhà ở xã hội", "Luật Nhà ở 2023"),
    ]
    path = tmp_path / "out.csv"
    write_csv(entries, path)
    assert read_csv(path) == entries
    buffer = io.StringIO()
    write_csv(entries, buffer)
    buffer.seek(0)
    assert read_csv(buffer) == entries


def test_csv_with_bom_and_any_column_order(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffquestion,answer,id,topic\r\nHỏi?,Đáp.,q1,bhxh\r\n\r\n")
    assert read_csv(path) == [Entry("q1", "bhxh", "Hỏi?", "Đáp.")]


def test_csv_missing_column_in_a_row_names_the_line(tmp_path: Path) -> None:
    text = HEADER + "a,t,Q?,A\n" * 5 + "g,t,Q?\n"
    error = csv_error(tmp_path, text.replace("a,t", "a1,t", 1).replace("a,t", "a2,t", 1)
                      .replace("a,t", "a3,t", 1).replace("a,t", "a4,t", 1).replace("a,t", "a5,t", 1))
    assert error.line == 7
    assert str(error) == "Dòng 7: thiếu cột 'answer' / Line 7: missing column 'answer'"
    assert error.message == str(error)


def test_csv_line_numbers_count_bom_header_and_multiline_rows(tmp_path: Path) -> None:
    text = "\ufeff" + HEADER + 'a,t,"Hỏi\ntrên hai dòng?",A\n' + "b,t,Q?,\n"
    error = csv_error(tmp_path, text)
    assert error.line == 4
    assert "'answer'" in str(error) and str(error).startswith("Dòng 4:")


def test_csv_duplicate_id(tmp_path: Path) -> None:
    error = csv_error(tmp_path, HEADER + "a,t,Q1?,A\nb,t,Q2?,B\na,t,Q3?,C\n")
    assert error.line == 4
    assert "'a'" in str(error) and "dòng 2" in str(error) and "line 2" in str(error)


def test_csv_header_problems(tmp_path: Path) -> None:
    error = csv_error(tmp_path, "id,topic,question\na,t,Q\n")
    assert error.line == 1 and "answer" in str(error)
    error = csv_error(tmp_path, "id,topic,question,answer,note\na,t,Q,A,n\n")
    assert error.line == 1 and "note" in str(error)
    assert csv_error(tmp_path, "").line == 1


def test_csv_extra_field_and_empty_field(tmp_path: Path) -> None:
    assert csv_error(tmp_path, HEADER + "a,t,Q,A,extra\n").line == 2
    error = csv_error(tmp_path, HEADER + "a,t,Q,A\nb, ,Q,A\n")
    assert error.line == 3 and "'topic'" in str(error)


def test_csv_undecodable_bytes_name_the_line(tmp_path: Path) -> None:
    data = (HEADER + "a,t,Q,A\n").encode() + b"b,t,H\xf4i,\xd0\xe1p\n"  # Latin-1, not UTF-8
    error = csv_error(tmp_path, data)
    assert error.line == 3 and "UTF-8" in str(error)


def test_csv_is_all_or_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "a,t,Q,A\nb,t,Q,A\nb,t,Q,A\n")
    with pytest.raises(CsvError):
        read_csv(path)


def test_csv_variants_column_is_optional_and_round_trips(tmp_path: Path) -> None:
    text = ('id,topic,question,answer,variants\n'
            'a,t,Q?,A,"Hỏi cách khác?\nHỏi kiểu nữa? | Hỏi cách khác?\n\n"\n'
            'b,t,Q2?,B,\n'
            'c,t,Q3?,C\n')
    entries = read_csv(write(tmp_path, text))
    assert entries[0].variants == ("Hỏi cách khác?", "Hỏi kiểu nữa?")
    assert entries[1].variants == () and entries[2].variants == ()
    path = tmp_path / "out.csv"
    write_csv(entries, path)
    assert path.read_text(encoding="utf-8-sig").startswith("id,topic,question,answer,variants\n")
    assert read_csv(path) == entries
    # Without variants the file keeps the four columns other tools read.
    write_csv(entries[1:], path)
    assert path.read_text(encoding="utf-8-sig").splitlines()[0] == "id,topic,question,answer"
    assert csv_error(tmp_path, "id,topic,question,answer,variants\na,t,Q,A,v,extra\n").line == 2


VARIANT = "Em bị máy dập vào tay ở xưởng, công ty có phải lo tiền viện không?"


def test_an_entry_is_found_by_its_variants(matcher: Matcher) -> None:
    assert not matcher.match(VARIANT).suggest
    tnld = next(e for e in KB if e.id == "tnld")
    matcher.add(Entry(tnld.id, tnld.topic, tnld.question, tnld.answer,
                      variants=(VARIANT, "Đi làm bị thương thì ai trả tiền chữa?")))
    result = matcher.match(VARIANT)
    assert result.suggest and result.matches[0].entry.id == "tnld"
    assert best(matcher, "Bị tai nạn lao động thì được hưởng chế độ gì?") == "tnld"
    # One entry, however many of its wordings match: listed once.
    ids = [m.entry.id for m in matcher.match("tai nạn lao động bị thương ai trả tiền", limit=10).matches]
    assert len(ids) == len(set(ids))
    assert len(matcher) == len(KB)

    matcher.add(tnld)  # replaced without variants: they are unindexed too
    assert not matcher.match(VARIANT).suggest
    matcher.remove("tnld")
    assert "tnld" not in [m.entry.id for m in matcher.match(VARIANT).matches]
    assert len(matcher) == len(KB) - 1


def test_many_variants_of_one_entry_do_not_crowd_out_other_entries() -> None:
    crowd = Entry("crowd", "bhxh", "Hỏi về bảo hiểm xã hội", "A",
                  variants=tuple(f"bảo hiểm xã hội hỏi lần {i}" for i in range(40)))
    others = [Entry(f"p{i}", "bhxh", f"Bảo hiểm xã hội trường hợp số {i} của người lao động ở công ty", "A")
              for i in range(200)]
    ids = [entry_id for entry_id, _ in Matcher([crowd, *others]).candidates("bảo hiểm xã hội", 30)]
    assert len(ids) == len(set(ids)) == 30 and "crowd" in ids


def test_variant_csv_limits_and_merging(tmp_path: Path) -> None:
    many = "\n".join(f"Cách hỏi {i}?" for i in range(MAX_VARIANTS + 1))
    error = csv_error(tmp_path, f'id,topic,question,answer,variants\na,t,Q?,A,"{many}"\n')
    assert error.line == 2 and str(MAX_VARIANTS) in str(error)
    # Merging keeps the newest past the limit, drops repeats and the question itself.
    merged = merge_variants([f"v{i}" for i in range(MAX_VARIANTS)], ["Q?", "v3", "mới |  nhất"], "Q?")
    assert merged[-1] == "mới nhất" and merged[-2] == "v3"  # asked again: the newest end
    assert len(merged) == MAX_VARIANTS and "v0" not in merged
    assert merge_variants([], ["  Hỏi\n  lại "], "Q") == ("Hỏi lại",)


def test_an_empty_matcher_has_no_candidates() -> None:
    assert Matcher().candidates("bảo hiểm") == []
    assert not Matcher().match("bảo hiểm").matches


# -- CLI ---------------------------------------------------------------------

def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "knowledge_base", *args],
        input=stdin, check=False, capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=60,
    )


def test_cli_match_prints_one_json_line_per_query(tmp_path: Path) -> None:
    kb = tmp_path / "kb.csv"
    write_csv(KB, kb)
    queries = "ho so bhtn nop o dau\n\ngiá vàng hôm nay\nlàm mất thẻ BHYT xin cấp lại ở đâu\n"
    done = run_cli("match", "--kb", str(kb), "--limit", "2", stdin=queries)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["query"] for line in lines] == queries.splitlines()
    assert lines[0]["suggest"] is True and lines[0]["matches"][0]["id"] == "bhtn"
    assert lines[0]["tier"] == "answer"
    assert lines[1] == {"query": "", "tier": "none", "suggest": False, "matches": []}
    assert lines[2]["suggest"] is False and lines[2]["tier"] != "answer"
    assert all(line["suggest"] == (line["tier"] == "answer") for line in lines)
    assert lines[3]["matches"][0]["id"] == "bhyt-mat"
    assert all(len(line["matches"]) <= 2 for line in lines)
    score = lines[0]["matches"][0]["score"]
    assert score == round(score, 4) and 0 <= score <= 1
    assert "giá vàng" in done.stdout  # ensure_ascii=False


def test_cli_threshold_above_one_never_suggests(tmp_path: Path) -> None:
    kb = tmp_path / "kb.csv"
    write_csv(KB, kb)
    done = run_cli("match", "--kb", str(kb), "--threshold", "1.01", stdin="ho so bhtn nop o dau\n")
    assert json.loads(done.stdout)["suggest"] is False


def test_cli_broken_csv_exits_2_with_the_message(tmp_path: Path) -> None:
    kb = write(tmp_path, HEADER + "a,t,Q,A\na,t,Q,A\n")
    done = run_cli("match", "--kb", str(kb), stdin="x\n")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Dòng 3:" in done.stderr and "Line 3:" in done.stderr


# -- negation, partial accents, defaults ----------------------------------------

def test_a_negated_clause_does_not_pull_its_entry_up(matcher: Matcher) -> None:
    query = "mất hồ sơ bhtn chứ không phải mất thẻ bảo hiểm y tế, giờ nộp lại ở đâu"
    result = matcher.match(query)
    assert result.matches[0].entry.id == "bhtn"
    assert not (result.suggest and result.matches[0].entry.id == "bhyt-mat")


def test_unaccented_huu_finds_the_pension_entry() -> None:
    kb = [
        Entry("huu", "bhxh", "Điều kiện để được hưởng lương hưu là gì?", "Đủ tuổi và đủ 15 năm đóng."),
        Entry("hu", "khac", "Đồ dùng bị hư hỏng thì đổi ở đâu?", "Mang ra cửa hàng."),
    ]
    assert best(Matcher(kb), "dieu kien huong luong huu") == "huu"


def test_entry_about_a_special_case_is_marked_for_the_ranker() -> None:
    from knowledge_base.model import FEATURES

    kb = [
        Entry("om", "bhxh", "Người lao động nghỉ ốm thì được hưởng chế độ ốm đau như thế nào?", "..."),
        Entry("con-om", "bhxh", "Con bị ốm, bố mẹ nghỉ làm để chăm con thì có được hưởng chế độ "
              "bảo hiểm xã hội không?", "..."),
    ]
    matcher = Matcher(kb)
    special = FEATURES.index("special_case")

    def feature(query: str, entry_id: str) -> float:
        values = matcher.features(query, entry_id)
        assert values is not None
        return values[special]

    # The worker asks about themselves unless they say otherwise ("*bản thân" in contrasts.txt).
    assert feature("nghỉ ốm có được bhxh trả không", "con-om") == 1.0
    assert feature("nghỉ ốm có được bhxh trả không", "om") == 0.0
    assert feature("con bị ốm nghỉ chăm con có được bhxh trả không", "con-om") == 0.0


def test_a_situation_described_in_the_workers_words_finds_its_entry(
        matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    # No word of "Bị tai nạn lao động thì được hưởng chế độ gì?": found through
    # the related words of "tai nạn lao động" (data/related.txt).
    query = "đang chạy máy cán thì bị dập ngón tay, tiền viện phí ai trả"
    found = matcher.match(query).matches[0]
    assert found.entry.id == "tnld"
    from knowledge_base import matcher as matcher_module
    from knowledge_base.related import RelatedTerms

    monkeypatch.setattr(matcher_module, "load_related", lambda: RelatedTerms(()))
    without = {m.entry.id: m.score for m in Matcher(KB).match(query, limit=10).matches}
    assert without.get("tnld", 0.0) < found.score / 2


def test_a_word_typed_with_other_marks_is_another_word() -> None:
    from knowledge_base.model import FEATURES

    matcher = Matcher([Entry("dem", "viec-lam", "Làm ca đêm thì được trả thêm lương như thế nào?", "Thêm 30%.")])
    coverage, accented = FEATURES.index("query_coverage"), FEATURES.index("accented_coverage")
    own = matcher.features("làm ca đêm trả lương thế nào", "dem")
    other = matcher.features("chó sủa cả đêm thì báo ai", "dem")  # "cả đêm" folds to "ca dem"
    assert own is not None and other is not None
    assert own[accented] == own[coverage]
    assert other[accented] < other[coverage]
    assert not matcher.match("chó sủa cả đêm thì báo ai").suggest
