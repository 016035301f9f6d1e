"""@mentions (pilote/okr/mentions.py): which addresses a comment mentions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pilote.okr.mentions import body_errors, mentioned

LOCAL = st.from_regex(r"[a-z][a-z0-9._+-]{0,10}[a-z0-9]", fullmatch=True)
DOMAIN = st.from_regex(r"[a-z][a-z0-9-]{0,8}\.[a-z]{2,6}", fullmatch=True)
EMAILS = st.builds(lambda a, b: f"{a}@{b}", LOCAL, DOMAIN)
WORDS = st.lists(st.sampled_from(["bonjour", "merci,", "voir", "l'objectif", "—", "é", "100 %"]))


def test_examples():
    assert mentioned("Hi @Ada@Acme.Example, and @bob@x.io.") == ["ada@acme.example", "bob@x.io"]
    assert mentioned("mail ada@acme.example without an at sign") == []
    assert mentioned("@ada@acme.example @ada@acme.example") == ["ada@acme.example"]
    assert mentioned("(@ada@acme.example)") == ["ada@acme.example"]
    assert body_errors("  ") and body_errors("x" * 5001) and not body_errors("ok")


@given(st.lists(EMAILS, max_size=6), WORDS)
def test_every_address_written_after_an_at_sign_is_found_once_in_order(emails, words):
    body = " ".join(
        words[: len(words) // 2] + [f"@{e}," for e in emails] + words[len(words) // 2 :]
    )
    found = mentioned(body)
    expected = list(dict.fromkeys(e.lower() for e in emails))
    assert found == expected


@given(st.lists(EMAILS, max_size=6))
def test_an_address_without_an_at_sign_before_it_is_not_a_mention(emails):
    assert mentioned(" ".join(emails)) == []
