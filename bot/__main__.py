"""Command line: `python -m bot run|sandbox|kb|export|backup|restore ...`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.config import TOKEN_ENV, Config, ConfigError, load_config
from bot.logging_setup import configure_logging
from bot.services.knowledge import SWITCH_INTERVAL, KnowledgeService, UnknownTopicError
from bot.storage import Storage
from knowledge_base import CsvError, has_variants_column, read_csv, write_csv

HOW_TO_CONFIGURE = f"""\
Chưa cấu hình bot Telegram / No Telegram bot is configured yet.

Để chạy bot thật / To run the real bot:
  1. Trong Telegram, nhắn @BotFather lệnh /newbot và lấy token.
     In Telegram, send /newbot to @BotFather and copy the token.
  2. cp config.example.toml config.toml
  3. Điền [telegram] token (hoặc đặt biến môi trường {TOKEN_ENV}),
     [officials] chat_id (id nhóm cán bộ) và các chủ đề.
     Fill in [telegram] token (or set {TOKEN_ENV}), [officials] chat_id
     (the officials' group id) and the topics.
  4. make run

Chi tiết: README.md / Details: README.md
"""


def _load(path: str) -> Config:
    try:
        return load_config(path)
    except ConfigError as error:
        not_configured = (error.key == "file" and not Path(path).exists()) or (
            error.key == "telegram.token" and "missing" in error.problem
        )
        if not_configured:
            print(HOW_TO_CONFIGURE, file=sys.stderr)
        print(f"Lỗi cấu hình / Configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import serve

    from bot.logging_setup import log_in_timezone

    config = _load(args.config)
    log_in_timezone(config.bot.timezone)  # the log's times read as the officials' clock
    sys.setswitchinterval(SWITCH_INTERVAL)
    return asyncio.run(serve(config))


def cmd_sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox.server import CannotListen, run_sandbox

    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        asyncio.run(run_sandbox(args.host, args.port, Path(args.data)))
    except KeyboardInterrupt:
        pass
    except CannotListen as error:
        print(f"Không mở được cổng / {error}. Thử / Try: --port {error.port + 1}", file=sys.stderr)
        return 1
    except RuntimeError as error:  # e.g. config.example.toml missing
        print(f"Hộp thử nghiệm / Sandbox: {error}", file=sys.stderr)
        return 1
    print("Đã dừng hộp thử nghiệm / Sandbox stopped.", file=sys.stderr)
    return 0


async def _with_kb(config: Config) -> tuple[Storage, KnowledgeService]:
    storage = await Storage.open(config.storage.path)
    return storage, KnowledgeService(storage, [t.key for t in config.topics])


def cmd_kb_import(args: argparse.Namespace) -> int:
    config = _load(args.config)
    try:
        entries = read_csv(args.file)
        # Without a variants column the file says nothing about them: keep those stored.
        keep_variants = not has_variants_column(args.file)
    except CsvError as error:
        print(f"{args.file}: {error}", file=sys.stderr)
        print("Không nhập mục nào / Nothing was imported.", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{args.file}: {error.strerror}", file=sys.stderr)
        return 1

    async def run() -> int:
        storage, knowledge = await _with_kb(config)
        try:
            return await knowledge.publish(entries, keep_variants=keep_variants)
        finally:
            await storage.close()

    try:
        count = asyncio.run(run())
    except UnknownTopicError as error:
        print(f"{args.file}: {error}", file=sys.stderr)
        print("Không nhập mục nào / Nothing was imported.", file=sys.stderr)
        return 1
    print(f"Đã nhập {count} mục vào kho giải đáp / Imported {count} entries into the knowledge base.")
    return 0


def cmd_kb_export(args: argparse.Namespace) -> int:
    config = _load(args.config)

    async def run() -> list:  # type: ignore[type-arg]
        storage = await Storage.open(config.storage.path)
        try:
            return await storage.kb_entries()
        finally:
            await storage.close()

    entries = asyncio.run(run())
    if args.file in (None, "-"):
        write_csv(entries, sys.stdout)
    else:
        write_csv(entries, args.file)
        print(f"Đã xuất {len(entries)} mục / Exported {len(entries)} entries to {args.file}",
              file=sys.stderr)
    return 0


def cmd_export_agenda(args: argparse.Namespace) -> int:
    from bot.app import agenda_services
    from bot.services.agenda_files import write_csv, write_xlsx

    config = _load(args.config)

    async def rows() -> tuple[str, list]:  # type: ignore[type-arg]
        storage = await Storage.open(config.storage.path)
        try:
            conferences = agenda_services(config, storage)
            conference = await conferences.conference(args.conference)
            if conference is None:
                return "", []
            return conference.title, await conferences.agenda_rows(conference.id, config.bot.default_language)
        finally:
            await storage.close()

    title, agenda = asyncio.run(rows())
    if not title:
        print(f"Không có hội nghị #{args.conference} / No conference #{args.conference}", file=sys.stderr)
        return 1
    if args.format == "csv":
        # utf-8-sig: Excel opens the file with Vietnamese intact.
        with open(args.output, "w", encoding="utf-8-sig", newline="") as handle:
            write_csv(agenda, handle)
    else:
        write_xlsx(agenda, args.output, title=title)
    print(f"Đã xuất {len(agenda)} câu hỏi / Exported {len(agenda)} questions to {args.output}", file=sys.stderr)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.backup import backup

    config = _load(args.config)
    try:
        pages = backup(config.storage.path, Path(args.output))
    except (OSError, ValueError) as error:
        print(f"Sao lưu thất bại / Backup failed: {error}", file=sys.stderr)
        return 1
    print(f"Đã sao lưu / Backed up {config.storage.path} → {args.output} ({pages} pages, integrity ok)",
          file=sys.stderr)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.backup import restore

    config = _load(args.config)
    try:
        kept = restore(Path(args.file), config.storage.path)
    except (OSError, ValueError) as error:
        print(f"Khôi phục thất bại / Restore failed: {error}", file=sys.stderr)
        return 1
    where = f"; the previous database is kept at {kept}" if kept else ""
    print(f"Đã khôi phục / Restored {args.file} → {config.storage.path}{where}", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m bot", description="Đối thoại — dialogue bot")
    top.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = top.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the bot (long polling)")
    run.add_argument("--config", default="config.toml")
    run.set_defaults(func=cmd_run)

    sandbox = commands.add_parser(
        "sandbox", help="the whole product in a browser, on an emulated Telegram (no token needed)")
    sandbox.add_argument("--port", type=int, default=8080, help="web page port (default 8080)")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sandbox.add_argument("--data", default="data/sandbox",
                         help="folder for the sandbox database (default data/sandbox); "
                              "its sandbox.sqlite3 is wiped at each start")
    sandbox.set_defaults(func=cmd_sandbox)

    kb = commands.add_parser("kb", help="knowledge base").add_subparsers(dest="kb_command", required=True)
    kb_import = kb.add_parser("import", help="import FILE.csv (id,topic,question,answer)")
    kb_import.add_argument("file")
    kb_import.add_argument("--config", default="config.toml")
    kb_import.set_defaults(func=cmd_kb_import)
    kb_export = kb.add_parser("export", help="export the knowledge base as CSV")
    kb_export.add_argument("file", nargs="?", help="output file (default: standard output)")
    kb_export.add_argument("--config", default="config.toml")
    kb_export.set_defaults(func=cmd_kb_export)

    backup = commands.add_parser("backup", help="a consistent copy of the database, safe while the bot runs")
    backup.add_argument("--output", required=True, help="file to write")
    backup.add_argument("--config", default="config.toml")
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser("restore", help="replace the database with a backup (stop the bot first)")
    restore.add_argument("file", help="a file made by `backup`")
    restore.add_argument("--config", default="config.toml")
    restore.set_defaults(func=cmd_restore)

    export = commands.add_parser("export", help="export data").add_subparsers(dest="export_command",
                                                                              required=True)
    agenda = export.add_parser("agenda", help="a conference's questions, most shared first")
    agenda.add_argument("--conference", type=int, required=True, help="conference id (see /agenda)")
    agenda.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    agenda.add_argument("--output", required=True, help="file to write")
    agenda.add_argument("--config", default="config.toml")
    agenda.set_defaults(func=cmd_export_agenda)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging(logging.DEBUG if args.verbose else logging.INFO)
    try:
        return int(args.func(args))
    except Exception:
        # Through logging, whose filter masks the bot token: a bare traceback would print it
        # (python-telegram-bot's InvalidToken, for one, quotes the refused token).
        logging.getLogger("bot").exception("python -m bot %s failed", args.command)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
