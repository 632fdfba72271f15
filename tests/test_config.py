"""Config errors name the key and the file, and never print the token."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_BASE_URL, ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAHsecretsecretsecretsecretsecret123"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = f"""
[telegram]
token = "{TOKEN}"
[officials]
chat_id = -100123
[storage]
path = "db.sqlite3"
[[topics]]
key = "housing"
title = "Nhà ở"
"""


def test_example_config_parses_with_a_token(tmp_path: Path) -> None:
    config = load_config(ROOT / "config.example.toml", env={"BOT_TOKEN": TOKEN})
    assert config.telegram.token == TOKEN
    assert config.telegram.base_url == DEFAULT_BASE_URL
    assert [t.key for t in config.topics] == [
        "training", "jobs", "teacher_promotion", "housing", "union", "procedures"]
    assert config.bot.timezone == "Asia/Ho_Chi_Minh"


def test_defaults_and_relative_storage(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), env={})
    assert config.storage.path == tmp_path / "db.sqlite3"
    assert config.topics[0].title_en == "Nhà ở"
    assert config.bot.default_language == "vi"
    assert TOKEN not in repr(config)


def test_env_token_overrides(tmp_path: Path) -> None:
    other = "42:BBBotherotherotherotherother"
    config = load_config(write(tmp_path, GOOD), env={"BOT_TOKEN": other})
    assert config.telegram.token == other


@pytest.mark.parametrize(("change", "key"), [
    (("chat_id = -100123", 'chat_id = "abc"'), "officials.chat_id"),
    (("chat_id = -100123", ""), "officials.chat_id"),
    (('key = "housing"', 'key = "nhà ở"'), "topics #1.key"),
    (('title = "Nhà ở"', ""), "topics #1.title"),
    (("[storage]", "[storage]\nfoo = 1"), "storage.foo"),
    (("[storage]", "[storgae]"), "storgae"),
    (("[storage]", '[bot]\ntimezone = "Mars/Olympus"\n[storage]'), "bot.timezone"),
    (("[storage]", '[bot]\ndefault_language = "fr"\n[storage]'), "bot.default_language"),
    (("[storage]", '[organizers]\nuser_ids = ["me"]\n[storage]'), "organizers.user_ids"),
    ((f'token = "{TOKEN}"', 'token = ""'), "telegram.token"),
    ((f'token = "{TOKEN}"', f'token = "{TOKEN} x"'), "telegram.token"),
])
def test_errors_name_key_and_file(tmp_path: Path, change: tuple[str, str], key: str) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert caught.value.key == key
    assert str(path) in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[telegram\n"), env={})
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", env={})


def run_bot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=ROOT, env={"PATH": "/usr/bin:/bin", **(env or {})}, timeout=60)


def test_run_without_config_explains_how_to_configure(tmp_path: Path) -> None:
    result = run_bot("run", "--config", str(tmp_path / "config.toml"))
    assert result.returncode == 2
    assert "@BotFather" in result.stderr and "config.example.toml" in result.stderr


def test_run_with_empty_token_explains_and_hides_nothing_secret(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace(f'token = "{TOKEN}"', 'token = ""'))
    result = run_bot("run", "--config", str(path))
    assert result.returncode == 2
    assert "@BotFather" in result.stderr and "telegram.token" in result.stderr


def test_run_with_bad_key_names_it_and_never_prints_token(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("chat_id = -100123", "chat_id = -100123\nchatid = 5"))
    result = run_bot("run", "--config", str(path))
    assert result.returncode == 2
    assert "officials.chatid" in result.stderr and str(path) in result.stderr
    assert TOKEN not in result.stderr + result.stdout
