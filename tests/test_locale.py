"""Every message of django-import-export the admin can show is Japanese: the project's catalogue
(locale/ja) fills in what the library's Japanese catalogue leaves empty, and its compiled .mo is
the one Django reads."""

import ast
from pathlib import Path

import import_export
import pytest
from django.conf import settings
from django.utils import translation

LIBRARY_PO = Path(import_export.__file__).parent / "locale/ja/LC_MESSAGES/django.po"
PROJECT_PO = Path(settings.BASE_DIR) / "locale/ja/LC_MESSAGES/django.po"


def entries(path):
    """(msgid, msgid_plural, [msgstr…], fuzzy) of a .po file."""
    found, current, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current and current["msgid"]:
                found.append(current)
            current, key = None, None
            continue
        current = current or {"msgid": "", "plural": None, "msgstr": {}, "fuzzy": False}
        if line.startswith("#,"):
            current["fuzzy"] |= "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural "):
            key, current["plural"] = "plural", ast.literal_eval(line[13:])
        elif line.startswith("msgid "):
            key, current["msgid"] = "msgid", ast.literal_eval(line[6:])
        elif line.startswith("msgstr"):
            index = int(line[7]) if line.startswith("msgstr[") else 0
            key = ("msgstr", index)
            current["msgstr"][index] = ast.literal_eval(line.split(" ", 1)[1])
        elif line.startswith('"'):
            if isinstance(key, tuple):
                current["msgstr"][key[1]] += ast.literal_eval(line)
            else:
                current[key] += ast.literal_eval(line)
    return found


def japanese(text):
    return any("\u3040" <= char <= "\u9fff" for char in text)


@pytest.mark.parametrize("entry", entries(PROJECT_PO), ids=lambda e: e["msgid"][:40])
def test_the_compiled_catalogue_matches_its_source(entry):
    with translation.override("ja"):
        if entry["plural"]:
            shown = translation.ngettext(entry["msgid"], entry["plural"], 1)
        else:
            shown = translation.gettext(entry["msgid"])
    assert shown == entry["msgstr"][0]


@pytest.mark.parametrize("entry", entries(LIBRARY_PO), ids=lambda e: e["msgid"][:40])
def test_every_message_of_the_library_is_japanese(entry):
    with translation.override("ja"):
        if entry["plural"]:
            shown = translation.ngettext(entry["msgid"], entry["plural"], 2)
        else:
            shown = translation.gettext(entry["msgid"])
    assert japanese(shown), shown
