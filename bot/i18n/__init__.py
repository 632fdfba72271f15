"""The string catalog: every user-facing text, Vietnamese first, English second.

Texts are HTML for Telegram. Parameters are escaped when filled in, so user
text can never inject markup; pass `Raw(...)` for a parameter that is already
HTML built from the catalog.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from bot.i18n import en, vi

CATALOGS: Mapping[str, Mapping[str, str]] = {"vi": vi.STRINGS, "en": en.STRINGS}


class Raw(str):
    """A parameter value that is already safe HTML."""


class Catalog:
    def __init__(self, default_language: str = "vi") -> None:
        if default_language not in CATALOGS:
            raise ValueError(f"unknown language {default_language!r}")
        self.default_language = default_language

    def language_for(self, language_code: str | None) -> str:
        """Map a client's language code (e.g. 'en-US') to a catalog."""
        if language_code:
            base = language_code.split("-")[0].lower()
            if base in CATALOGS:
                return base
        return self.default_language

    def keys(self, language: str) -> frozenset[str]:
        return frozenset(CATALOGS.get(language, CATALOGS[self.default_language]))

    def text(self, language: str, key: str, /, **params: object) -> str:
        catalog = CATALOGS.get(language, CATALOGS[self.default_language])
        template = catalog.get(key) or CATALOGS["vi"][key]
        if not params:
            return template
        safe = {
            name: value if isinstance(value, Raw) else html.escape(str(value), quote=False)
            for name, value in params.items()
        }
        return template.format(**safe)
