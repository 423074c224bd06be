"""The tour's translations: every marked message has its Chinese, the committed catalogs are
what `invoke catalog` makes of the sources, and the language is chosen as the README says."""

from __future__ import annotations

import gettext
import string
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

pytest.importorskip("babel", reason="Babel is in the test extra: pip install -e '.[test]'")

import tasks  # noqa: E402
from workshop.catalog import compiled, extracted, po_bytes, po_path, read, untranslated, updated  # noqa: E402
from workshop.config import Settings  # noqa: E402
from workshop.errors import ConfigError  # noqa: E402
from workshop.i18n import LANGUAGES, N_, catalog_path, from_locale, language, speaking, tr  # noqa: E402

LOCALES = [locale for locale in LANGUAGES.values() if locale]
SHIPPED = [name for name, locale in LANGUAGES.items() if locale]


def fields(text: str) -> list[str]:
    """The ``{name!conversion}`` fields of a format string, in order."""
    return sorted(
        f"{name}!{conversion}" if conversion else name
        for _, name, _, conversion in string.Formatter().parse(text)
        if name is not None
    )


@pytest.fixture(scope="module")
def template():
    return extracted(ROOT)


def test_the_sources_mark_the_tour_messages(template):
    ids = {message.id for message in template if message.id}
    assert len(ids) >= 40, sorted(ids)
    assert {"tour complete: {steps} steps, {checks} checks passed", "your first container"} <= ids
    assert "{services} are running and healthy" in ids  # a check's ✓ line, in an example


@pytest.mark.parametrize("locale", LOCALES)
def test_every_tour_message_has_a_translation(template, locale):
    catalog = updated(locale, template)
    assert untranslated(catalog) == [], f"translate these in {po_path(locale).relative_to(ROOT)}"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_po_is_what_invoke_catalog_writes(template, locale):
    # a message added, changed or removed in the sources and not merged makes this fail
    path = po_path(locale)
    assert path.read_bytes() == po_bytes(updated(locale, template)), f"run `invoke catalog`, then commit {path.name}"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_mo_is_the_po_compiled(tmp_path, locale):
    fresh = tmp_path / "workshop.mo"
    fresh.write_bytes(compiled(read(locale)))
    committed = po_path(locale).with_suffix(".mo")
    assert committed.read_bytes() == fresh.read_bytes(), f"stale {committed.name}: run `invoke catalog`"


@pytest.mark.parametrize("locale", LOCALES)
def test_a_translation_keeps_the_placeholders_of_its_message(locale):
    for message in read(locale):
        if message.id:
            assert fields(message.string) == fields(message.id), message.id


@pytest.mark.parametrize("name", SHIPPED)
def test_the_tour_reads_the_compiled_catalog_with_stdlib_gettext(name):
    with catalog_path(name).open("rb") as file:
        catalog = gettext.GNUTranslations(file)
    assert catalog.gettext("your first container") == "你的第一个容器"
    with speaking(name):
        assert tr("tour complete: {steps} steps, {checks} checks passed").format(steps=5, checks=14) == (
            "导览完成：共 5 步，14 项检查全部通过"
        )
    assert tr("your first container") == "your first container"  # English again after the block


def test_english_is_the_source_language_and_unmarked_text_passes_through():
    with speaking("en"):
        assert tr("your first container") == "your first container"
    with speaking("zh-CN"):
        assert tr("docker run ubuntu /bin/echo 'Hello world'") == "docker run ubuntu /bin/echo 'Hello world'"
    assert N_("your first container") == "your first container"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh-CN"),
        ({"LANG": "zh_CN"}, "zh-CN"),
        ({"LANG": "zh_CN.GB18030"}, "zh-CN"),
        ({"LC_ALL": "zh_CN.utf8", "LANG": "en_US.UTF-8"}, "zh-CN"),
        ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins, as in POSIX
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "C"}, "zh-CN"),
        ({"LANG": "zh_TW.UTF-8"}, "en"),  # traditional Chinese: no catalog yet
        ({"LANG": "de_DE.UTF-8"}, "en"),
    ],
)
def test_the_locale_picks_the_language(environ, expected):
    assert from_locale(environ) == expected


def settings_with(tmp_path: Path, local: str = "", **environ: str) -> Settings:
    """The repository's declared settings over the committed defaults, with ``local`` as .env."""
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "defaults.env").write_text((ROOT / "envs" / "defaults.env").read_text(encoding="utf-8"))
    (tmp_path / ".env").write_text(local)
    return Settings.load(tmp_path, environ, tasks.shop.registry)


def test_workshop_lang_left_at_its_default_follows_the_locale(tmp_path):
    settings = settings_with(tmp_path, LANG="zh_CN.UTF-8")
    assert language(settings, {"LANG": "zh_CN.UTF-8"}) == "zh-CN"
    assert language(settings, {"LANG": "en_GB.UTF-8"}) == "en"


def test_workshop_lang_set_anywhere_wins_over_the_locale(tmp_path):
    settings = settings_with(tmp_path, "WORKSHOP_LANG=en\n")
    assert language(settings, {"LC_ALL": "zh_CN.UTF-8"}) == "en"
    settings = Settings.load(tmp_path, {"WORKSHOP_LANG": "zh-CN"}, tasks.shop.registry)
    assert language(settings, {"LANG": "C"}) == "zh-CN"


def test_an_unknown_language_is_one_line_naming_the_languages(tmp_path):
    settings = settings_with(tmp_path, "WORKSHOP_LANG=fr\n")
    with pytest.raises(ConfigError) as failed:
        language(settings, {})
    assert str(failed.value) == (
        "WORKSHOP_LANG='fr' (from .env) is not a language of the tour; set WORKSHOP_LANG to one of: en, zh-CN"
    )


def test_invoke_catalog_without_babel_is_one_line_saying_how_to_install_it(monkeypatch):
    from workshop.catalog import babel_messages
    from workshop.errors import WorkshopError

    for name in [module for module in sys.modules if module == "babel" or module.startswith("babel.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "babel", None)  # as if it were not installed
    with pytest.raises(WorkshopError, match=r"^Babel is not installed; run `python3 -m pip install -e '\.\[test\]'`$"):
        babel_messages()
