"""Every string of the pages exists in French, and the compiled catalogue is the current one."""

import gettext
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "src" / "pilote" / "locale" / "fr" / "LC_MESSAGES"


def test_every_message_has_a_french_translation():
    po = polib.pofile(str(LOCALE / "django.po"))
    missing = [e.msgid for e in po if not e.obsolete and not (e.msgstr or e.msgstr_plural.get(0))]
    assert missing == [], "translate them in django.po, then run scripts/translations"
    assert not [e.msgid for e in po if "fuzzy" in e.flags]


def test_the_compiled_catalogue_matches_the_po_file():
    po = polib.pofile(str(LOCALE / "django.po"))
    with open(LOCALE / "django.mo", "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    for entry in po:
        if entry.obsolete or entry.msgid_plural:
            continue
        found = (
            mo.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else mo.gettext(entry.msgid)
        )
        assert found == entry.msgstr, (
            f"django.mo is stale for {entry.msgid!r}: run django-admin compilemessages"
        )


def test_the_po_file_lists_every_string_of_the_code(tmp_path, settings):
    """makemessages on a copy of the sources finds no string that django.po lacks."""
    import shutil
    import subprocess
    import sys

    src = Path(__file__).resolve().parents[2] / "src" / "pilote"
    copy = tmp_path / "pilote"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
        timeout=120,
        env={
            "DJANGO_SETTINGS_MODULE": "pilote.settings",
            "PATH": "/usr/bin:/bin",
            "PILOTE_DATA_DIR": str(tmp_path / "data"),
            "PYTHONPATH": str(src.parent),
        },
    )
    fresh = {
        e.msgid for e in polib.pofile(str(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    }
    known = {e.msgid for e in polib.pofile(str(LOCALE / "django.po"))}
    assert fresh - known == set(), (
        "run scripts/translations, then translate the new entries in django.po"
    )
