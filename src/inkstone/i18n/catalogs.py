"""The message catalogs: extract the strings, keep every catalog in step, compile, check.

The source is the truth: ``extract`` reads every ``_()``, ``_l()``, ``gettext`` and
``ngettext`` in the package and its templates (the mapping is ``babel.cfg``). Every locale has
a catalog — English too, translated to itself — and ``check`` reports any string a catalog
lacks, any it keeps that the source no longer has, any left fuzzy or untranslated, and any
compiled ``.mo`` older than its ``.po``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[3]  # the checkout: babel.cfg sits there
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LOCALES = ("en", "zh_CN")
DOMAIN = "messages"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}


def po_path(locale: str) -> Path:
    """Return the ``.po`` file of ``locale``."""
    # Flask-Babel looks a catalog up under Babel's full name of the locale: ``zh_CN`` parses
    # to ``zh_Hans_CN`` (the likely script added), so a ``zh_CN`` folder would never be read.
    folder = str(Locale.parse(locale))
    return TRANSLATIONS / folder / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """Return a template catalog of every translatable string in the source."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config, str(ROOT / "babel.cfg"))  # type: ignore[no-untyped-call]
    template = Catalog(project="Inkstone", domain=DOMAIN, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    ):
        template.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def _load(locale: str) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, domain=DOMAIN, charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def _save(catalog: Catalog, locale: str) -> None:
    path = po_path(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = BytesIO()
    # file names without line numbers: a line added above a string does not churn the catalog
    write_po(buffer, catalog, width=100, sort_output=False, omit_header=False, include_lineno=False)
    path.write_bytes(buffer.getvalue())


def _translate_to_itself(message: Message) -> None:
    """English is the source language: its translation is the message itself."""
    if isinstance(message.id, tuple | list):
        message.string = tuple(message.id)
    else:
        message.string = message.id
    message.flags.discard("fuzzy")


def update() -> dict[str, int]:
    """Bring every catalog in step with the source; return each one's untranslated count."""
    template = extract()
    untranslated: dict[str, int] = {}
    for locale in LOCALES:
        catalog = _load(locale)
        # Babel inserts the template's own Message objects for new strings: give each locale
        # a copy, or English filling them with itself would fill every other locale too.
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True, update_creation_date=False)
        catalog.obsolete.clear()
        for message in _messages(catalog):
            if locale == "en":
                _translate_to_itself(message)
        _save(catalog, locale)
        untranslated[locale] = sum(1 for m in _messages(catalog) if not _translated(m))
    return untranslated


def compile_all() -> None:
    """Write each catalog's ``.mo`` next to its ``.po``."""
    for locale in LOCALES:
        catalog = _load(locale)
        with po_path(locale).with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)


def _messages(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def _translated(message: Message) -> bool:
    if "fuzzy" in message.flags:
        return False
    strings = message.string if isinstance(message.string, tuple | list) else [message.string]
    return bool(strings) and all(strings)


def _strings(message: Message) -> tuple[str | None, ...]:
    # a .po gives plural forms as a tuple, a .mo as a list: compare them alike
    string = message.string
    return tuple(string) if isinstance(string, tuple | list) else (string,)


def _key(message: Message) -> tuple[object, str | None]:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return msgid, message.context


def check() -> list[str]:
    """Return every problem with the catalogs (empty when all are complete and current)."""
    wanted = {_key(m) for m in _messages(extract())}
    problems: list[str] = []
    for locale in LOCALES:
        path = po_path(locale)
        if not path.exists():
            problems.append(f"{locale}: no catalog at {path}")
            continue
        catalog = _load(locale)
        have = {_key(m) for m in _messages(catalog)}
        problems += [f"{locale}: missing msgid {k[0]!r}" for k in sorted(wanted - have, key=str)]
        problems += [f"{locale}: stale msgid {k[0]!r}" for k in sorted(have - wanted, key=str)]
        problems += [
            f"{locale}: untranslated msgid {m.id!r}"
            for m in _messages(catalog)
            if not _translated(m)
        ]
        mo = path.with_suffix(".mo")
        if not mo.exists():
            problems.append(f"{locale}: not compiled ({mo.name} missing)")
            continue
        with mo.open("rb") as handle:
            compiled = read_mo(handle)
        expected = {_key(m): _strings(m) for m in _messages(catalog) if _translated(m)}
        actual = {_key(m): _strings(m) for m in _messages(compiled)}
        if expected != actual:
            problems.append(f"{locale}: {mo.name} is out of date with {path.name}")
    return problems
