"""The tour's languages: English, and Simplified Chinese from a gettext catalog.

Only ``invoke tour``'s narrative is translated: what each step teaches, the line naming the
tutorial's command, the checks' ``✓`` lines, the cleanup and the closing message. Tasks print
English (the READMEs' expected output is byte for byte the same in both languages), and so do
one-line errors and hints.

Two markers, both extracted by Babel (``invoke catalog``):

- ``tr("text {name}")`` translates now, into the language of the running tour; format the
  result afterwards (``tr("{name} is gone").format(name=name)``), never an f-string inside;
- ``N_("text")`` only marks a text defined at import time (a ``Step``'s title, a ``Move``'s
  note): the tour passes it through ``tr`` when it shows it.

(Not ``_``: the examples use ``_`` as a throwaway name, which would shadow it.)

At run time the standard library's ``gettext`` reads the compiled, committed catalog
``workshop/locale/<locale>/LC_MESSAGES/workshop.mo``; Babel is needed only to rebuild it.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from workshop.config import DEFAULTS_NAME, ENVS_DIR_NAME, Settings
from workshop.errors import ConfigError

DOMAIN = "workshop"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SETTING = "WORKSHOP_LANG"
DEFAULT = "en"
#: WORKSHOP_LANG's values and their gettext locale (None: the source language, no catalog)
LANGUAGES: dict[str, str | None] = {"en": None, "zh-CN": "zh_CN"}
#: the POSIX variables naming the messages' locale, strongest first
LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")

#: the running tour's translations (None: English)
_CURRENT: ContextVar[gettext.NullTranslations | None] = ContextVar("workshop_translation", default=None)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown, with ``tr``."""
    return message


def tr(message: str) -> str:
    """``message`` in the language of the running tour (unchanged in English or when not listed)."""
    current = _CURRENT.get()
    return message if current is None else current.gettext(message)


def catalog_path(language: str) -> Path:
    """The compiled catalog of ``language`` (one of LANGUAGES, not the source language)."""
    return LOCALE_DIR / str(LANGUAGES[language]) / "LC_MESSAGES" / f"{DOMAIN}.mo"


def translations(language: str) -> gettext.NullTranslations:
    """The translations of ``language``: none for English, else its compiled catalog."""
    if LANGUAGES[language] is None:
        return gettext.NullTranslations()
    path = catalog_path(language)
    if not path.is_file():
        raise ConfigError(
            f"{path.relative_to(LOCALE_DIR.parent.parent)} is missing; restore it with "
            f"`git checkout -- workshop/locale` (or set {SETTING}=en)"
        )
    with path.open("rb") as catalog:
        return gettext.GNUTranslations(catalog)


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Within the block, ``tr`` translates into ``language``."""
    token = _CURRENT.set(translations(language))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def from_locale(environ: Mapping[str, str]) -> str:
    """The language the POSIX locale asks for: ``zh-CN`` for ``zh_CN`` (any encoding), else English."""
    for name in LOCALE_VARS:
        value = environ.get(name, "")
        if value:
            return "zh-CN" if value.split(".")[0].split("@")[0] == "zh_CN" else DEFAULT
    return DEFAULT


def check_language(settings: Settings, name: str) -> str:
    """WORKSHOP_LANG's check: one of LANGUAGES, exactly."""
    value = settings.raw(name)
    if value.value not in LANGUAGES:
        raise value.fail("is not a language of the tour", f"set {name} to one of: {', '.join(LANGUAGES)}")
    return value.value


def language(settings: Settings, environ: Mapping[str, str] | None = None) -> str:
    """The tour's language: WORKSHOP_LANG if set anywhere but the committed defaults, else the locale's."""
    chosen = settings.get(SETTING)
    if settings.raw(SETTING).source != f"{ENVS_DIR_NAME}/{DEFAULTS_NAME}":
        return chosen
    return from_locale(os.environ if environ is None else environ)
