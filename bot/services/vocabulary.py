"""What workers may type instead of a command, the same on Telegram and Zalo.

"hỏi", "hủy", "câu hỏi của tôi", "hội nghị", "trợ giúp", "xin chào"..., with or
without accents, upper or lower case, with a leading "/" or a polite particle
("hủy ạ"). A greeting of a few words ("chào ad ạ", "alo alo") is a greeting, not
a question too short to send. Nothing here knows a channel.
"""

from __future__ import annotations

import unicodedata

# Whole messages (folded: no accents, no punctuation) that are commands.
COMMAND_WORDS: dict[str, str] = {
    **dict.fromkeys(["hoi", "dat cau hoi", "cau hoi moi", "gui cau hoi", "ask"], "ask"),
    **dict.fromkeys(["cau hoi cua toi", "xem cau hoi", "my", "my questions"], "my"),
    **dict.fromkeys(["huy", "huy bo", "thoi", "cancel"], "cancel"),
    **dict.fromkeys(["tro giup", "huong dan", "giup", "giup do", "help"], "help"),
    **dict.fromkeys(["bat dau", "menu", "start"], "start"),
    **dict.fromkeys(
        ["hoi nghi", "su kien", "lich hoi nghi", "hoi nghi doi thoai", "events"], "events"
    ),
    **dict.fromkeys(["dung tin", "tat thong bao", "stop news", "stop_news"], "stop_news"),
    **dict.fromkeys(["nhan tin", "bat thong bao", "start news", "start_news"], "start_news"),
    **dict.fromkeys(["quyen rieng tu", "privacy"], "privacy"),
    **dict.fromkeys(["du lieu cua toi", "mydata", "my data"], "mydata"),
    **dict.fromkeys(["xoa du lieu", "xoa du lieu cua toi", "forget"], "forget"),
    **dict.fromkeys(
        ["cam on", "cam on nhe", "cam on nhieu", "thank you", "thanks", "tks", "thank"], "thanks"
    ),
}

# A greeting: every word is one of these, and at least one is a greeting word proper.
GREETING_WORDS = frozenset({"chao", "alo", "hi", "hello", "helo", "hey", "xin chao"})
GREETING_FILLERS = frozenset(
    {
        "xin",
        "ad",
        "admin",
        "ban",
        "bot",
        "em",
        "anh",
        "chi",
        "co",
        "chu",
        "bac",
        "moi",
        "nguoi",
        "oi",
        "a",
        "ak",
        "nhe",
        "buoi",
        "sang",
        "trua",
        "chieu",
        "toi",
        "shop",
        "ca",
        "nha",
        "cong",
        "doan",
        "le",
        "alo",
    }
)
# What confirms the last step of a question on Zalo, where there is no button to press.
CONFIRM_WORDS = frozenset({"ok", "oke", "okay", "okie", "oki", "dong y", "gui", "gui di", "yes"})
# Polite particles a command may end with ("hủy ạ", "trợ giúp với").
PARTICLES = ("a", "ak", "nhe", "nha", "voi", "di", "oi")
MAX_GREETING_WORDS = 6


def fold(text: str) -> str:
    """Lower case, no diacritics (đ → d), words separated by single spaces: "Hủy!" → "huy"."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    bare = bare.replace("đ", "d").replace("Đ", "D").lower()
    return " ".join("".join(c if c.isalnum() or c == "_" else " " for c in bare).split())


def command_for(text: str) -> str | None:
    """The command a whole message stands for ("start" for a greeting), or None."""
    folded = fold(text)
    if not folded:
        return None
    words = folded.split()
    while len(words) > 1 and words[-1] in PARTICLES:
        words = words[:-1]
    command = COMMAND_WORDS.get(" ".join(words))
    if command is not None:
        return command
    return "start" if is_greeting(folded) else None


def is_greeting(text: str) -> bool:
    """ "Xin chào", "chào ad ạ", "alo alo", "hi bot": a greeting and nothing more."""
    folded = fold(text)
    words = folded.split()
    if not words or len(words) > MAX_GREETING_WORDS:
        return False
    greets = any(w in GREETING_WORDS for w in words) or "xin chao" in folded
    return greets and all(w in GREETING_WORDS or w in GREETING_FILLERS for w in words)


def is_confirmation(text: str) -> bool:
    """ "ok", "OK ạ", "đồng ý", "gửi đi nhé"."""
    words = fold(text).split()
    while len(words) > 1 and words[-1] in PARTICLES:
        words = words[:-1]
    return " ".join(words) in CONFIRM_WORDS
