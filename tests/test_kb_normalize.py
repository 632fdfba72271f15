import unicodedata

import pytest

from knowledge_base import fold, normalize
from knowledge_base.normalize import Abbreviations, analyze, fold_tokens


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_nfd_input_becomes_nfc() -> None:
    typed = nfd("Bảo hiểm xã hội")
    assert typed != "Bảo hiểm xã hội"
    assert normalize(typed) == "Bảo hiểm xã hội"
    assert unicodedata.is_normalized("NFC", normalize(typed))


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("hoà", "hòa"),
        ("Hoà bình", "Hòa bình"),
        ("thuý", "thúy"),
        ("qúa", "quá"),
        ("QÚA", "QUÁ"),
        ("khoẻ", "khỏe"),
        ("uỷ ban", "ủy ban"),
        ("ngoaì", "ngoài"),
        ("hoàng", "hoàng"),
        ("huỳnh", "huỳnh"),
        ("quý", "quý"),
        ("giường", "giường"),
        ("giưã", "giữa"),
        ("tuôỉ", "tuổi"),
    ],
)
def test_tone_mark_moves_to_canonical_vowel(typed: str, canonical: str) -> None:
    assert normalize(typed) == canonical
    assert normalize(nfd(typed)) == canonical


def test_normalize_keeps_accents_case_and_collapses_whitespace() -> None:
    assert normalize("  Chồng   được\tnghỉ\n thai sản?  ") == "Chồng được nghỉ thai sản?"


def test_normalize_drops_zero_width_characters_but_keeps_emoji() -> None:
    assert normalize("bảo\u200b hiểm 😀\ufeff") == "bảo hiểm 😀"


def test_fold_removes_diacritics_including_d_stroke() -> None:
    assert fold("Đường Đến ĐỒNG Đăng") == "duong den dong dang"
    assert fold("Nguyễn Thị Thúy") == "nguyen thi thuy"


def test_fold_is_the_same_for_old_and_new_tone_placement_and_nfd() -> None:
    assert fold("hoà thuận, thuý") == fold("hòa thuận, thúy") == fold(nfd("hoà thuận, thuý"))


def test_fold_strips_punctuation() -> None:
    assert fold("Lương... tối-thiểu?!! (vùng I)") == "luong toi thieu vung 1"


def test_fold_squeezes_repeated_letters() -> None:
    assert fold("khônggggg đượccc") == "khong duoc"
    assert fold("sao vậyyyy") == "sao vay"


def test_fold_keeps_u_of_huu_apart_from_hu() -> None:
    assert fold("lương hưu, ưu đãi") == "luong huu uu dai"
    assert fold("hư hỏng") == "hu hong"


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("luong huu", "luong huu"),  # hưu typed without its horn is not "hù"
        ("nghi huu", "nghi huu"),
        ("cuu tro", "cuu tro"),
        ("uu dai", "uu dai"),
        ("LUONG HUU", "luong huu"),
        ("xoong nồi", "xoong noi"),  # not "xong" (done)
        ("boong tàu", "boong tau"),
        ("khoong", "khong"),  # a stretched "không" is still squeezed
        ("lưuuu", "luu"),
        ("đâuuu", "dau"),
        ("nghi huuu", "nghi huu"),  # hưu stretched stays hưu, not "hu"
        ("luong HUUUU", "luong huu"),
        ("cuuu tro", "cuu tro"),
        ("uuu dai", "uu dai"),
        ("mua thuuu", "mua thu"),  # no syllable "thưu": a stretched "thu"
    ],
)
def test_squeeze_keeps_real_syllables_with_a_double_letter(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_unaccented_huu_matches_the_accented_form() -> None:
    assert fold("luong huu") == fold("lương hưu")
    assert fold("luong huu") != fold("lương hù")


def test_fold_reads_ranks_in_roman_numerals_digits_or_words() -> None:
    assert fold("hạng II") == fold("hạng 2") == fold("hang hai") == "hang 2"
    assert fold("vùng III, bậc IV") == "vung 3 bac 4"
    assert fold("II") == "i"  # no rank word before it: just letters


def test_fold_does_not_squeeze_abbreviations_into_other_ones() -> None:
    assert fold("cccd") == "can cuoc cong dan"
    assert fold("cđ") == "cd"  # not "căn cước công dân"


def test_fold_keeps_numbers_whole() -> None:
    assert fold("1000 đồng, năm 2025") == "1000 dong nam 2025"


@pytest.mark.parametrize(
    ("typed", "expanded"),
    [
        ("BHXH", "bao hiem xa hoi"),
        ("bhyt", "bao hiem y te"),
        ("BHTN", "bao hiem that nghiep"),
        ("KCN", "khu cong nghiep"),
        ("NLĐ", "nguoi lao dong"),
        ("nld", "nguoi lao dong"),
        ("CNVCLĐ", "cong nhan vien chuc lao dong"),
        ("LĐLĐ", "lien doan lao dong"),
        ("CĐCS", "cong doan co so"),
        ("UBND", "uy ban nhan dan"),
        ("HĐLĐ", "hop dong lao dong"),
        ("TNLĐ", "tai nan lao dong"),
        ("GV", "giao vien"),
        ("cty", "cong ti"),  # "ty"/"ti" fold alike, see below
    ],
)
def test_fold_expands_abbreviations(typed: str, expanded: str) -> None:
    assert fold(typed) == expanded


def test_fold_unifies_i_and_y_spellings() -> None:
    assert fold("kỹ sư, lý do, đăng ký") == fold("kĩ sư, lí do, đăng kí")
    assert fold("y tế") == "y te"  # a lone y is a word of its own


def test_accented_teencode_keys_do_not_swallow_real_words() -> None:
    assert fold("hỗ trợ") == "ho tro"  # "hở" is a particle, "hỗ" is not
    assert fold("nhà ở") == "nha o"
    assert fold("nld hdld") == "nguoi lao dong hop dong lao dong"  # keys whose only mark is đ


def test_fold_expands_teencode_and_drops_particles() -> None:
    assert fold("ko dc ak") == "khong duoc"
    assert fold("k đc ạ") == "khong duoc"
    assert fold("hok khg") == "khong khong"
    assert fold("bn ntn j vs") == "bao nhieu nhu the nao gi voi"
    assert fold("kooo đcccc") == "khong duoc"


def test_abbreviation_only_expands_whole_words() -> None:
    assert fold("kho") == "kho"  # not "không" + "o"
    assert fold("bhxhh") == "bao hiem xa hoi"  # repeated letter squeezed, then expanded


def test_abbreviation_table_parses_comments_and_prefers_plain_keys() -> None:
    table = Abbreviations.parse(
        "# comment\nđk = điều kiện  # accented key\ndk = được\nxx, yy = a b\n"
    )
    assert fold_tokens("đk", table) == ["dieu", "kien"]
    assert fold_tokens("dk", table) == ["duoc"]
    assert fold_tokens("DK", table) == ["duoc"]
    assert fold_tokens("yy", table) == ["a", "b"]
    with pytest.raises(ValueError, match="line|:2:"):
        Abbreviations.parse("ok = fine\nno equals sign here\n")


def test_analyze_reports_whether_accents_were_typed() -> None:
    assert analyze("nghỉ phép năm")[1] is True
    assert analyze("nghi phep nam")[1] is False
    assert analyze("BHXH")[1] is False  # an expansion is not the worker typing accents
    syllables, _ = analyze("Chồng nghỉ")
    assert syllables == [("chong", "chồng"), ("nghi", "nghỉ")]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀😀😀", "\u200b\u200d\ufeff", "👨\u200d👩\u200d👧", "Привет 你好 مرحبا", "\x00\x07", "a" * 10_000],
)
def test_odd_input_does_not_crash(text: str) -> None:
    assert isinstance(normalize(text), str)
    assert isinstance(fold(text), str)


def test_emoji_and_other_scripts_fold_without_latin_noise() -> None:
    assert fold("😀 bảo hiểm 🙏") == "bao hiem"
    assert fold("\u200bbảo\u200bhiểm") == "baohiem"


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("hổng biết", "khong biet"),  # Southern "không"
        ("sao dzậy", "sao vay"),
        ("mần công nhân", "lam cong nhan"),
        ("thẻ còn xài được", "the con dung duoc"),
        ("sanh con", "sinh con"),
        ("dìa quê", "ve que"),
    ],
)
def test_fold_reads_regional_words(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_unaccented_huu_finds_the_pension_entry() -> None:
    from knowledge_base import Entry, Matcher

    matcher = Matcher([
        Entry("pension", "procedures", "Điều kiện hưởng lương hưu là gì?",
              "Đủ tuổi nghỉ hưu và đủ năm đóng."),
        Entry("hurt", "procedures", "Bị hư hỏng đồ đạc của công ty có phải đền không?",
              "Theo nội quy."),
    ])
    for typed in ("dieu kien huong luong huu", "dieu kien huong luong huuu"):
        assert matcher.match(typed).matches[0].entry.id == "pension"
