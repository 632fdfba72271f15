"""The incremental pieces: an index (and a matcher) updated entry by entry must
answer exactly as one built from scratch; the rule files behave as documented."""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge_base import Entry, Matcher, write_csv
from knowledge_base.contrasts import ContrastGroups
from knowledge_base.index import BM25Index
from knowledge_base.normalize import analyze
from knowledge_base.related import RelatedTerms
from knowledge_base.synonyms import Thesaurus, load_thesaurus

ROOT = Path(__file__).resolve().parents[1]


def _change_at_random(rng: random.Random, index: BM25Index, live: dict[int, list[str]],
                      slots: int, most_terms: int) -> None:
    """Remove a live slot or add one, as an official's publishes and removals would."""
    slot = rng.randrange(slots)
    if slot in live and rng.random() < 0.5:
        index.remove(slot, live.pop(slot))
    elif slot not in live:
        terms = [rng.choice("abcdefghij") for _ in range(rng.randint(1, most_terms))]
        index.add(slot, terms, len(terms))
        live[slot] = terms


def _rebuilt(live: dict[int, list[str]]) -> BM25Index:
    rebuilt = BM25Index()
    for slot, terms in live.items():
        rebuilt.add(slot, terms, len(terms))
    return rebuilt


def _assert_same_top(index: BM25Index, rebuilt: BM25Index, weights: dict[str, float], k: int) -> None:
    ours, theirs = dict(index.top(weights, k)), dict(rebuilt.top(weights, k))
    assert ours.keys() == theirs.keys()
    assert [ours[s] for s in sorted(ours)] == pytest.approx([theirs[s] for s in sorted(theirs)])


def test_index_after_adds_and_removes_equals_a_rebuild() -> None:
    rng = random.Random(7)
    index, live = BM25Index(), dict[int, list[str]]()
    for _ in range(2000):
        _change_at_random(rng, index, live, 60, 5)
    rebuilt = _rebuilt(live)
    assert len(index) == len(rebuilt) == len(live)
    for term in "abcdefghijk":
        assert index.df(term) == rebuilt.df(term) == sum(term in t for t in live.values())
    _assert_same_top(index, rebuilt, {"a": 1.0, "c": 1.0, "j": 0.5}, 100)


def test_index_queried_between_changes_matches_a_rebuild_each_time() -> None:
    # Scores cached for one state of the index (length norms) must not outlive it,
    # and capacity must grow past its first size.
    rng = random.Random(11)
    index, live = BM25Index(), dict[int, list[str]]()
    for step in range(600):
        _change_at_random(rng, index, live, 200, 8)
        if step % 7 == 0 and live:
            _assert_same_top(index, _rebuilt(live), {"a": 1.0, "c": 1.0, "j": 0.5}, 300)
    assert index.capacity > 64


def test_matcher_updated_in_place_answers_like_a_fresh_one() -> None:
    questions = [
        "Nghỉ thai sản được bao lâu?", "Chồng nghỉ thai sản mấy ngày?", "Rút bảo hiểm xã hội một lần",
        "Thuê nhà ở xã hội cần gì?", "Mua nhà ở xã hội cần gì?", "Đoàn phí đóng bao nhiêu?",
        "Làm thêm giờ tối đa bao nhiêu giờ?", "Thẻ bảo hiểm y tế bị mất", "Lương tối thiểu vùng",
        "Bị tai nạn lao động được hưởng gì?", "Mắc bệnh nghề nghiệp được hưởng gì?",  # with related words
    ]
    rng = random.Random(3)
    matcher, current = Matcher(), dict[str, Entry]()
    for step in range(300):
        key = f"e{rng.randrange(12)}"
        if key in current and rng.random() < 0.4:
            matcher.remove(key)
            del current[key]
        else:
            entry = Entry(key, rng.choice(["a", "b"]), rng.choice(questions), f"answer {step}")
            matcher.add(entry)
            current[key] = entry
        if step % 25 == 0:  # match between changes: nothing cached may outlive them
            matcher.match("nghi thai san bao lau")
    fresh = Matcher(current.values())
    assert len(matcher) == len(fresh) == len(current)
    for query in ["nghi thai san bao lau", "rút bhxh 1 lần", "thue nha o xa hoi", "lương",
                  "bị máy cán dập tay, tiền viện phí ai trả", "làm xưởng hóa chất lâu năm bị bụi phổi"]:
        ours, theirs = matcher.match(query, limit=5), fresh.match(query, limit=5)
        # entries with the same question tie: either may come first
        assert [(m.entry.question, round(m.score, 6)) for m in ours.matches] == [
            (m.entry.question, round(m.score, 6)) for m in theirs.matches
        ]
        assert {m.entry for m in ours.matches[:1]} <= {m.entry for m in theirs.matches
                                                     if m.entry.question == ours.matches[0].entry.question}
        assert ours.suggest == theirs.suggest


def test_synonyms_rewrite_longest_phrase_first_and_respect_accents() -> None:
    thesaurus = Thesaurus.parse("làm thêm giờ | tăng ca | làm thêm\nsinh con | đẻ\n# comment\n")

    def rewrite(text: str) -> list[str]:
        syllables, accented = analyze(text)
        return [f for f, _ in thesaurus.rewrite(syllables, accented)]

    assert rewrite("lương tăng ca") == ["luong", "lam", "them", "gio"]
    assert rewrite("luong tang ca") == ["luong", "lam", "them", "gio"]  # two syllables: folded is safe
    assert rewrite("làm thêm giờ") == ["lam", "them", "gio"]  # the canonical form stays whole
    assert rewrite("vợ đẻ") == ["vo", "sinh", "con"]
    assert rewrite("de lam gi") == ["de", "lam", "gi"]  # "de" without accents may be "để"
    with pytest.raises(ValueError):
        Thesaurus.parse("only one phrase\n")


def test_contrast_groups_conflict_and_negation() -> None:
    groups = ContrastGroups.parse("vợ | chồng\nmua | thuê\n")

    def sides(text: str) -> tuple[tuple[int, int], ...]:
        return groups.sides(*analyze(text))

    assert groups.conflict(sides("chồng nghỉ thai sản"), sides("nghỉ thai sản của vợ"))
    assert not groups.conflict(sides("vợ sinh con, chồng nghỉ"), sides("nghỉ thai sản của vợ"))
    assert not groups.conflict(sides("nghỉ thai sản"), sides("nghỉ thai sản của vợ"))
    assert groups.conflict(sides("mua nha o xa hoi"), sides("Thuê nhà ở xã hội"))  # folded when unaccented
    syllables, accented = analyze("tôi hỏi về thuê, không phải mua nhà")
    negated = groups.negated(syllables, accented)
    # inside a clause, "không phải" (4-5) negates the alternative "mua" (6) of group 1 only
    assert negated.spans == ((4, 7),)
    assert negated.ruled_out == ((1, 0b01),)
    with pytest.raises(ValueError):
        ContrastGroups.parse("only one side\n")


def test_negation_covers_its_clause_after_chu_khong_or_an_opening_khong_phai() -> None:
    from knowledge_base.contrasts import CLAUSE_BREAK

    groups = ContrastGroups.parse("mất | đổi\n")

    def clauses(*parts: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for part in parts:
            out += ([CLAUSE_BREAK] if out else []) + analyze(part)[0]
        return out

    words = clauses("có 2 sổ chứ không phải mới chuyển công ty", "giờ gộp thế nào")
    negated = groups.negated(words, True)
    assert [" ".join(a for _, a in words[s:e]) for s, e in negated.spans] == ["chứ không phải mới chuyển công ty"]
    words = clauses("không phải chốt sổ", "tôi muốn rút một lần")
    assert groups.negated(words, True).spans == ((0, 4),)
    # a "không phải" clause that ends the message may be the question itself
    words = clauses("nghỉ việc rồi", "không phải đóng nữa à")
    assert groups.negated(words, True).spans == ()
    # the clause-long negation stops at "thì"
    words = clauses("muốn mua chứ không thuê nhà thì cần gì")
    assert [" ".join(a for _, a in words[s:e]) for s, e in groups.negated(words, True).spans] == [
        "chứ không thuê nhà"
    ]


def test_ruled_out_alternative_that_is_also_named_does_not_conflict() -> None:
    groups = ContrastGroups.parse("mất | đổi\n")
    named = groups.sides(*analyze("mất sổ làm lại thế nào"))
    ruled_out = groups.negated(*analyze("không phải mất thẻ")).ruled_out
    assert not groups.conflict(named, groups.sides(*analyze("sổ bị mất")), ruled_out)
    assert groups.conflict((), groups.sides(*analyze("sổ bị mất")), ruled_out)


def test_default_alternative_marks_entries_about_a_special_case() -> None:
    groups = ContrastGroups.parse("con | *bản thân\nvợ | chồng\n")
    child = groups.sides(*analyze("con bị ốm bố mẹ nghỉ chăm con"))
    self_ = groups.sides(*analyze("người lao động nghỉ ốm"))
    query = groups.sides(*analyze("nghỉ ốm có được bảo hiểm trả không"))
    assert groups.special_case(query, child)
    assert not groups.special_case(query, self_)
    assert not groups.special_case(groups.sides(*analyze("con ốm")), child)  # asked about it
    assert not groups.special_case(query, groups.sides(*analyze("chồng nghỉ")))  # no default in vợ | chồng
    with pytest.raises(ValueError, match="default"):
        ContrastGroups.parse("*mua | *thuê\n")


def test_phrases_match_a_word_typed_bare_among_accented_ones() -> None:
    from knowledge_base.synonyms import Thesaurus

    thesaurus = Thesaurus.parse("tỉnh khác | ngoại tỉnh\nsinh con | đẻ\n")

    def rewrite(text: str) -> str:
        return " ".join(a for _, a in thesaurus.rewrite(*analyze(text)))

    assert rewrite("con công nhân ngoai tỉnh") == "con công nhân tỉnh khác"
    assert rewrite("con công nhân ngoại tỉnh") == "con công nhân tỉnh khác"
    assert rewrite("lúc đi de") == "lúc đi de"  # one bare syllable: "đẻ" or "để"?
    groups = ContrastGroups.parse("công lập | tư thục\n")
    assert groups.sides(*analyze("trường tư thuc")) == ((0, 0b10),)


def test_bench_cli_prints_both_systems_and_latency(tmp_path: Path) -> None:
    entries = [
        Entry("a", "t", "Rút bảo hiểm xã hội một lần cần điều kiện gì?", "..."),
        Entry("b", "t", "Thẻ bảo hiểm y tế bị mất làm lại ở đâu?", "..."),
        Entry("c", "t", "Đoàn viên đóng đoàn phí bao nhiêu?", "..."),
    ]
    kb = tmp_path / "kb.csv"
    write_csv(entries, kb)
    queries = tmp_path / "q.csv"
    queries.write_text(
        "query,expected_id,kind,split\n"
        "rut bhxh 1 lan,a,teencode,dev\nmất thẻ bhyt,b,abbrev,dev\ngiá vàng,,out_of_scope,dev\n"
        "đoàn phí bn,c,teencode,test\nbảo hiểm xe máy,,out_of_scope,test\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "knowledge_base", "bench", "--kb", str(kb), "--queries", str(queries),
         "--sizes", "50"],
        check=False, capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Quality on dev (3 queries)" in out and "Quality on test (2 queries)" in out
    assert "baseline (WRatio)" in out and "teencode" in out
    assert "Latency" in out and "      50 |" in out
    json.dumps(out)  # printable text only


def test_bench_reads_several_query_files_and_reports_each(tmp_path: Path) -> None:
    entries = [
        Entry("a", "t", "Rút bảo hiểm xã hội một lần cần điều kiện gì?", "..."),
        Entry("b", "t", "Thẻ bảo hiểm y tế bị mất làm lại ở đâu?", "..."),
    ]
    kb = tmp_path / "kb.csv"
    write_csv(entries, kb)
    first, second = tmp_path / "one.csv", tmp_path / "two.csv"
    first.write_text("query,expected_id,kind,split\nrut bhxh 1 lan,a,teencode,dev\ngiá vàng,,out_of_scope,test\n",
                     encoding="utf-8")
    second.write_text("query,expected_id,kind,split\nmất thẻ bhyt,b,abbrev,dev\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "knowledge_base", "bench", "--kb", str(kb), "--queries", str(first),
         "--queries", str(second), "--split", "dev", "--sizes", ""],
        check=False, capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Quality on dev (2 queries)" in done.stdout
    assert "one.csv" in done.stdout and "two.csv" in done.stdout and "per query file" in done.stdout


def test_bench_passes_the_worker_topic_as_documented() -> None:
    from knowledge_base.bench import LabelledQuery, evaluate_with_topic, worker_topic

    matcher = Matcher([
        Entry("a", "procedures", "Rút bảo hiểm xã hội một lần cần điều kiện gì?", "..."),
        Entry("b", "housing", "Công nhân muốn thuê nhà ở xã hội cần điều kiện gì?", "..."),
    ])
    assert matcher.entry("b") is not None and matcher.entry("b").topic == "housing"
    assert matcher.entry("zzz") is None
    # in the KB: the expected entry's topic, whatever the query looks like
    assert worker_topic(matcher, LabelledQuery("rut bhxh 1 lan", "b", "teencode", "dev")) == "housing"
    # out of the KB: the topic of the best match found without a topic
    assert worker_topic(matcher, LabelledQuery("thuê nhà ở xã hội", None, "near_miss", "dev")) == "housing"
    assert worker_topic(matcher, LabelledQuery("😀", None, "out_of_scope", "dev")) is None
    # the topic breaks a near-tie towards the expected entry's topic, whichever it is
    tied = [LabelledQuery("điều kiện", expected, "short", "dev") for expected in ("a", "b")]
    assert evaluate_with_topic(matcher, tied)["all"].top1 == 2


def test_bench_prints_figures_with_the_worker_topic_apart(tmp_path: Path) -> None:
    kb = tmp_path / "kb.csv"
    write_csv([Entry("a", "t", "Rút bảo hiểm xã hội một lần cần điều kiện gì?", "...")], kb)
    queries = tmp_path / "q.csv"
    queries.write_text("query,expected_id,kind,split\nrut bhxh 1 lan,a,teencode,dev\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "knowledge_base", "bench", "--kb", str(kb), "--queries", str(queries),
         "--split", "dev", "--sizes", ""],
        check=False, capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    main, _, with_topic = done.stdout.partition("WITH THE WORKER'S TOPIC")
    assert "Quality on dev (1 queries)" in main and with_topic
    assert "expected entry's topic" in with_topic and "all" in with_topic and "top1 1.000" in with_topic


def test_shipped_model_matches_the_features_the_matcher_computes() -> None:
    from importlib import resources

    from knowledge_base.model import FEATURES, MODEL_FILE, Model

    text = resources.files("knowledge_base").joinpath("data", MODEL_FILE).read_text("utf-8")
    model = Model.from_json(text)  # raises if features changed without running bench/kb_train.py
    assert len(model.rank_weights) == len(FEATURES)
    assert 0.0 < model.threshold < 1.0
    assert model.notes.get("trained_on") == "dev split only"


def test_untrained_fallback_still_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    from knowledge_base import matcher as matcher_module
    from knowledge_base.model import FALLBACK

    monkeypatch.setattr(matcher_module, "load_model", lambda: FALLBACK)
    matcher = Matcher([Entry("a", "t", "Thẻ bảo hiểm y tế bị mất làm lại ở đâu?", "...")])
    result = matcher.match("mat the bhyt lam lai o dau")
    assert result.matches[0].entry.id == "a"


def test_fitters_learn_a_separable_choice() -> None:
    import numpy as np

    from knowledge_base.model import fit_choice, fit_logistic

    rng = np.random.default_rng(0)
    groups = []
    for _ in range(40):
        x = rng.normal(size=(5, 2))
        right = int(np.argmax(x[:, 0]))  # the answer is the one with the largest first feature
        groups.append((x, right))
    w = fit_choice(groups, l2=0.1)
    assert w[0] > 1.0 and abs(w[1]) < w[0] / 3
    x = rng.normal(size=(200, 1))
    y = (x[:, 0] > 0).astype(float)
    weights = fit_logistic(np.hstack([x, np.ones((200, 1))]), y, l2=0.1)
    assert weights[0] > 1.0


def test_top_of_zero_is_empty_and_common_terms_can_be_skipped() -> None:
    index = BM25Index()
    for slot in range(10):
        index.add(slot, ["common", f"rare{slot}"], 2)
    assert index.top({"common": 1.0}, 0) == []
    assert len(index.top({"common": 1.0}, 20)) == 10
    # "common" is in every slot: skipped when it is in more than half of them
    assert index.top({"common": 1.0, "rare3": 1.0}, 20, max_share=0.5) == [(3, pytest.approx(index.top(
        {"rare3": 1.0}, 1)[0][1]))]


def test_related_words_attach_to_the_entries_that_name_the_term() -> None:
    related = RelatedTerms.parse("# comment\ntai nạn lao động: máy cán, đứt tay\nthai sản: sinh con\n")
    question = [f for f, _ in analyze("Bị tai nạn lao động thì hưởng gì")[0]]
    assert [" ".join(f for f, _ in p) for p in related.for_text(question)] == ["may can", "dut tay"]
    assert related.for_text([f for f, _ in analyze("tai nạn giao thông")[0]]) == []
    with pytest.raises(ValueError, match=":2:"):
        RelatedTerms.parse("\nno colon here\n")


def test_regional_words_for_receiving_leave_lanh_dao_alone() -> None:
    thesaurus = load_thesaurus()

    def rewritten(text: str) -> str:
        syllables, accents = analyze(text)
        return " ".join(a for _, a in thesaurus.rewrite(syllables, accents))

    assert rewritten("lãnh lương hưu") == rewritten("hưởng lương hưu")
    assert rewritten("lãnh đạo tỉnh") == "lãnh đạo tỉnh"
    assert rewritten("lãnh được nhiêu tiền") == rewritten("hưởng được bao nhiêu tiền")
