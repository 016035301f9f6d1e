"""Each role's weekly pages, read in Chromium as people see them, in French and in English:
no English word in the French pages and no key where a name exists, in either language.

Each line of French text is checked twice: against English words French never uses, and
against the catalogue (a line equal to one of its English strings was not translated).
The text is what the browser shows (``innerText``: hidden parts left out, parts loaded by
htmx after the page — the strategy tree's children — included) and the words assistive tools
read (aria-label, title, placeholder, alt). ``tests/web/test_french_demo.py`` reads more
pages through the test client; this reads them after their scripts ran.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.web.test_french_demo import ENGLISH

ROOT = Path(__file__).resolve().parents[2]

# What each role opens in a week: home, their check-ins, the strategy (a branch opened),
# an objective, the roadmap, the validation inbox, the notifications.
WEEK = ["/", "/my/", "/strategy/", "/objectives/espace-client/", "/roadmap/", "/inbox/",
        "/notifications/"]  # fmt: skip
ROLES = ["admin@banque.example", "ceo@banque.example", "digital@banque.example",
         "mobile@banque.example"]  # fmt: skip

VISIBLE_WORDS = """() => {
  const parts = [document.body.innerText];
  for (const el of document.querySelectorAll("[aria-label], [title], [placeholder], img[alt]")) {
    if (el.closest("[hidden]") || !(el.offsetWidth || el.offsetHeight || el.getClientRects().length)) continue;
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      const value = el.getAttribute(name);
      if (value) parts.push(value);
    }
  }
  return parts;
}"""


def _demo_keys() -> set[str]:
    """The demo bank's keys that could not pass for words (they hold a hyphen)."""
    doc = yaml.safe_load((ROOT / "examples" / "banque-exemple.yaml").read_text(encoding="utf-8"))
    keys = {u["key"] for u in doc.get("units", [])}
    for o in doc.get("objectives", []):
        keys.add(o["key"])
        keys |= {kr["key"] for kr in o.get("key_results", [])}
    keys |= {i["key"] for i in doc.get("initiatives", [])}
    return {k for k in keys if "-" in k}


def _catalogue_english() -> set[str]:
    """The catalogue's English strings that French writes otherwise (a page string shown
    as one of these in a French page was not translated)."""
    import polib

    po = polib.pofile(str(ROOT / "src" / "pilote" / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    return {
        " ".join(e.msgid.split())
        for e in po
        if e.msgstr and e.msgstr != e.msgid and "%" not in e.msgid and "{" not in e.msgid
        and len(e.msgid) > 3
    }  # fmt: skip


def _read(page) -> list[str]:
    return page.evaluate(VISIBLE_WORDS)


def _walk(page, base: str) -> dict[str, list[str]]:
    texts = {}
    for path in WEEK:
        response = page.goto(f"{base}{path}")
        if response.status != 200:
            assert response.status in (403, 404), (path, response.status)
            continue
        if path == "/strategy/":
            toggle = page.locator(".node-toggle[aria-expanded=false]").first
            if toggle.count():
                toggle.click()
                page.wait_for_load_state("networkidle")
        texts[path] = _read(page)
    return texts


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("email", ROLES)
def test_the_weekly_pages_speak_the_reader_language_and_name_things(
    open_as, server, email, language
):
    page = open_as(email, language=language)
    texts = _walk(page, server.url)
    assert len(texts) >= 5, sorted(texts)  # the pages were read, not refused
    keys = _demo_keys()
    catalogue = _catalogue_english() if language == "fr" else set()
    english, shown_keys = {}, {}
    for path, parts in texts.items():
        for part in parts:
            if language == "fr":
                words = {w.lower() for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)?", part)}
                for line in part.splitlines():
                    line_words = {w.lower() for w in re.findall(r"[A-Za-z]+", line)}
                    if line_words & ENGLISH & words:
                        english.setdefault(" ".join(line.split())[:120], path)
                    if " ".join(line.split()) in catalogue:  # a catalogue string left as is
                        english.setdefault(" ".join(line.split())[:120], path)
            for key in keys & set(re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", part)):
                shown_keys.setdefault(key, path)
    assert english == {}, english
    assert shown_keys == {}, shown_keys
    # a page the role may not open answers 403, which the console reports; nothing else
    assert [e for e in page.errors if "status of 403" not in e] == []
