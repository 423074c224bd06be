"""``invoke catalog``: the tour's messages, extracted with Babel into each language's catalog.

The sources mark messages with ``tr(...)`` and ``N_(...)`` (workshop/i18n.py). This task
extracts them from ``workshop/`` and ``examples/`` (every module of each example), merges them into
``workshop/locale/<locale>/LC_MESSAGES/workshop.po`` (a new message comes in untranslated, a
removed one goes) and compiles the ``.mo`` the tour reads. Both files are committed; a unit
test fails when a message lacks its translation or the ``.mo`` is not the compiled ``.po``.

Babel is a development dependency (the ``test`` extra): the tour itself needs only the
standard library's ``gettext``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workshop.cli import Ctx, say, task
from workshop.config import ROOT
from workshop.errors import WorkshopError
from workshop.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

if TYPE_CHECKING:  # pragma: no cover - typing only
    from babel.messages.catalog import Catalog

#: where the marked messages are: the workshop's code and each example's modules
SOURCES = [("workshop/**.py", "python"), ("examples/**.py", "python")]
KEYWORDS: dict[str, Any] = {"tr": None, "N_": None}
PROJECT = "docker-workshop"


def babel_messages() -> Any:
    """Babel's ``babel.messages`` package, or one line saying how to install it."""
    try:
        import babel.messages  # noqa: F401 - imported for its submodules
    except ImportError:
        raise WorkshopError("Babel is not installed; run `python3 -m pip install -e '.[test]'`") from None
    import babel.messages.catalog
    import babel.messages.extract
    import babel.messages.mofile
    import babel.messages.pofile

    return babel.messages


def extracted(root: Path = ROOT) -> Catalog:
    """A template catalog of every marked message in the sources (file names, no line numbers)."""
    messages = babel_messages()
    template = messages.catalog.Catalog(project=PROJECT, domain=DOMAIN, fuzzy=False)
    found = messages.extract.extract_from_dir(root, SOURCES, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",))
    for filename, _lineno, message, comments, context in found:
        template.add(message, locations=[(filename, None)], auto_comments=comments, context=context)
    return template


def po_path(locale: str) -> Path:
    """The editable catalog of ``locale``."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(locale: str) -> Catalog:
    """The catalog of ``locale`` as committed (an empty one if there is none yet)."""
    messages = babel_messages()
    path = po_path(locale)
    if not path.is_file():
        return messages.catalog.Catalog(locale=locale, project=PROJECT, domain=DOMAIN, fuzzy=False)
    with path.open("rb") as file:
        return messages.pofile.read_po(file, locale=locale, domain=DOMAIN)


def po_bytes(catalog: Catalog) -> bytes:
    """The .po text of ``catalog``: sorted, file names without line numbers (edits elsewhere in a
    file do not change it), no obsolete messages."""
    out = io.BytesIO()
    babel_messages().pofile.write_po(
        out, catalog, width=100, sort_output=True, ignore_obsolete=True, include_lineno=False
    )
    return out.getvalue()


def compiled(catalog: Catalog) -> bytes:
    """The .mo of ``catalog`` (fuzzy translations left out)."""
    out = io.BytesIO()
    babel_messages().mofile.write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def untranslated(catalog: Catalog) -> list[str]:
    """The messages of ``catalog`` with no translation, or only a fuzzy one."""
    return [str(m.id) for m in catalog if m.id and (not m.string or m.fuzzy)]


def updated(locale: str, template: Catalog) -> Catalog:
    """``locale``'s catalog merged with ``template``; its dates kept, so an update that changes no
    message changes no byte."""
    catalog = read(locale)
    created, revised = catalog.creation_date, catalog.revision_date
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    catalog.creation_date, catalog.revision_date = created, revised
    return catalog


@task
def catalog(c: Ctx):
    """Extract the tour's messages with Babel, merge them into each language's .po and compile its .mo."""
    template = extracted(c.settings.root)
    missing: list[str] = []
    for locale in filter(None, LANGUAGES.values()):
        merged = updated(locale, template)
        po, mo = po_path(locale), po_path(locale).with_suffix(".mo")
        po.parent.mkdir(parents=True, exist_ok=True)
        for path, data in ((po, po_bytes(merged)), (mo, compiled(merged))):
            if not path.is_file() or path.read_bytes() != data:
                path.write_bytes(data)
                say(f"rewrote {c.settings.shown(path)}")
        missing += [f"{locale}: {message!r}" for message in untranslated(merged)]
    if missing:
        raise WorkshopError(
            f"{len(missing)} message(s) have no translation yet ({missing[0]}, ...); "
            f"translate them in {c.settings.shown(po_path('zh_CN'))}, then run `invoke catalog` again"
        )
    say(f"every catalog is up to date: {len(template)} messages, each translated")
