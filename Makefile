# `make run` and `make test` set up .venv themselves on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CONFIG ?= config.toml
SANDBOX_ARGS ?=

.PHONY: run sandbox test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Exit status 0 when a bot token is configured: BOT_TOKEN, or a non-empty
# [telegram] token in $(CONFIG). A file that is not valid TOML counts as
# configured, so that `bot run` explains what is wrong with it.
define HAS_TOKEN
import os, sys, tomllib
if os.environ.get("BOT_TOKEN", "").strip():
    sys.exit(0)
try:
    with open(sys.argv[1], "rb") as handle:
        data = tomllib.load(handle)
except FileNotFoundError:
    sys.exit(1)
except tomllib.TOMLDecodeError:
    sys.exit(0)
telegram = data.get("telegram")
token = telegram.get("token", "") if isinstance(telegram, dict) else ""
sys.exit(0 if isinstance(token, str) and token.strip() else 1)
endef
export HAS_TOKEN

# With a token: the real bot. Without one: the browser sandbox (no Telegram needed).
run: $(VENV)/.installed
	@if $(PY) -c "$$HAS_TOKEN" "$(CONFIG)"; then \
		$(PY) -m bot run --config $(CONFIG); \
	else \
		echo "Chưa cấu hình token bot ($(CONFIG) / BOT_TOKEN): mở hộp thử nghiệm trong trình duyệt."; \
		echo "No bot token configured ($(CONFIG) / BOT_TOKEN): starting the browser sandbox."; \
		$(PY) -m bot sandbox $(SANDBOX_ARGS); \
	fi

sandbox: $(VENV)/.installed
	$(PY) -m bot sandbox $(SANDBOX_ARGS)

# -rs lists every skipped test with its reason (e.g. no Chromium for the browser test).
test: $(VENV)/.installed
	$(PY) -m pytest -q -rs

# Long benchmarks, run by hand: the matcher, how long a match holds the event loop, a 10,000-worker broadcast with a
# SIGKILL midway, 200 SIGKILLs while workers ask and officials answer, and 200 strangers sending officials' commands.
bench: $(VENV)/.installed
	$(PY) -m knowledge_base bench
	$(PY) bench/kb_loop.py
	$(PY) bench/broadcast.py --users 10000
	$(PY) bench/chaos.py --kills 200
	$(PY) bench/dos.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
