"""The English catalog is complete, compiled, and used when the language is English.

Bahasa Indonesia is the source language; English comes from locale/en/LC_MESSAGES/django.po, compiled to django.mo
(both are committed). Workflow: `make messages`, translate the new entries, `make messages` again, commit both files.
"""

from __future__ import annotations

import ast
import gettext as stdlib_gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

PLACEHOLDER = re.compile(r"%\([^)]+\)[sdfr]|%[sdf]|%%")


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (a list: one item, or one per plural form), flags.

    Obsolete entries (#~) are ignored. Enough of the PO syntax for files written by makemessages/msgmerge.
    """
    entries: list[dict] = []
    current: dict = {}
    key: str | None = None
    flags: set[str] = set()

    def finish() -> None:
        nonlocal current, key, flags
        if "msgid" in current:
            current["flags"] = flags
            entries.append(current)
        current, key, flags = {}, None, set()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            if "msgid" in current:
                finish()
            flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if key and key.startswith("msgstr"):  # msgstr and msgstr[n] are kept as lists
                current["msgstr"][-1] += value
            elif key:
                current[key] += value
        else:
            word, _, rest = line.partition(" ")
            if word in ("msgctxt", "msgid") and "msgstr" in current:
                finish()
            value = ast.literal_eval(rest)
            if word.startswith("msgstr["):
                current.setdefault("msgstr", []).append(value)
            elif word == "msgstr":
                current["msgstr"] = [value]
            else:
                current[word] = value
            key = word
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[dict]:
    assert PO.exists(), f"{PO} is missing: run `make messages`"
    return parse_po(PO)


def test_key_strings_are_english_when_english_is_active():
    with translation.override("en"):
        assert translation.gettext("Rumah tangga") == "Household"
        assert translation.gettext("Pendamping lapangan") == "Field facilitator"
        assert translation.gettext("Desil kesejahteraan") == "Welfare decile"
        assert translation.gettext("Kelompok tani (poktan)") == "Farmer group (poktan)"
        assert translation.gettext("Masuk ke Berdaya") == "Log in to Berdaya"
        assert translation.gettext("Impor: %(label)s") % {"label": "x"} == "Import: x"
        assert translation.ngettext("%(n)s sesi dihadiri", "%(n)s sesi dihadiri", 1) % {"n": 1} == "1 session attended"
        assert translation.ngettext("%(n)s sesi dihadiri", "%(n)s sesi dihadiri", 3) % {"n": 3} == "3 sessions attended"


def test_indonesian_is_the_untranslated_source():
    assert settings.LANGUAGE_CODE == "id"
    with translation.override("id"):
        assert translation.gettext("Rumah tangga") == "Rumah tangga"


def test_every_message_is_translated(po_entries):
    messages = [e for e in po_entries if e["msgid"]]  # the header has an empty msgid
    assert len(messages) > 1000
    untranslated = [e["msgid"] for e in messages if not all(e.get("msgstr") or [""])]
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert not untranslated, f"{len(untranslated)} untranslated in {PO.name}, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (unchecked) translations in {PO.name}, e.g. {fuzzy[:5]}"
    header = next(e for e in po_entries if not e["msgid"])
    assert "fuzzy" not in header["flags"], "the header is fuzzy: msgfmt would drop its Plural-Forms"


def test_translations_keep_their_placeholders(po_entries):
    wrong = []
    for e in po_entries:
        if not e["msgid"] or "fuzzy" in e["flags"]:  # fuzzy entries are not compiled; the test above reports them
            continue
        sources = [e["msgid"]] if "msgid_plural" not in e else [e["msgid"], e["msgid_plural"]]
        for i, msgstr in enumerate(e.get("msgstr", [])):
            source = sources[min(i, len(sources) - 1)]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(msgstr)):
                wrong.append((source, msgstr))
    assert not wrong, f"placeholders differ: {wrong[:5]}"


def test_compiled_catalog_matches_the_po(tmp_path):
    assert MO.exists(), f"{MO} is missing: run `make messages` (compilemessages)"
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        pytest.skip("GNU gettext (msgfmt) is not installed: cannot check that django.mo is up to date with django.po")
    fresh = tmp_path / "django.mo"
    command = [msgfmt, "--check", "-o", str(fresh), str(PO)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603
    with MO.open("rb") as committed, fresh.open("rb") as compiled:
        committed_catalog = stdlib_gettext.GNUTranslations(committed)._catalog
        compiled_catalog = stdlib_gettext.GNUTranslations(compiled)._catalog
    stale = {k for k in compiled_catalog.keys() | committed_catalog.keys() if k != ""}
    stale = {k for k in stale if committed_catalog.get(k) != compiled_catalog.get(k)}
    assert not stale, (
        f"django.mo is older than django.po ({len(stale)} messages differ, e.g. {sorted(map(str, stale))[:3]}): "
        "run `make messages` and commit the .mo"
    )
