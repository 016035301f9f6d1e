"""A data source's errors are codes with values (pilote.messages): stored with the run, worded
in the reader's language on the pages, the notifications and the API; English kept for the
API's ``english``, the CLI and the logs."""

from __future__ import annotations

import pytest
from django.utils import translation

from pilote.messages import TEMPLATES, plain, said, say
from pilote.notify.messages import render
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization
from pilote.sources.actions import create_source, sync_source
from pilote.sources.models import DataSource, SyncRun
from pilote.words import message
from tests.loopback import Answer, http_server
from tests.web.test_pages import browser  # noqa: F401  (the fixture)


def test_every_template_is_translated_and_fills_with_its_values_in_both_languages():
    import re

    for code, template in TEMPLATES.items():
        names = set(re.findall(r"{(\w+)}", template))
        words = say(code, **{n: 1234.5 for n in names})
        assert words.code == code and str(words) == template.format(**{n: "1234.5" for n in names})
        with translation.override("fr"):
            french = message(words)
        # Every template has its French (a missing one would come back in English) and every
        # value reaches the French words, in the French number format.
        if template not in {"nps"}:
            assert french != str(words), code
        for _ in names:
            assert "1 234,5" in french.replace("\u202f", " ").replace("\xa0", " "), (code, french)


def test_a_nested_message_is_kept_as_data_and_worded_in_turn():
    words = say("not_a_number", what=say("value_at", path="data.x"), found=say("a_list", n=3))
    assert str(words) == "the value at 'data.x' is a list of 3 item(s), not a number"
    assert words.params["what"] == {
        "code": "value_at",
        "params": {"path": "data.x"},
        "english": "value at 'data.x'",
    }
    code, params = "not_a_number", plain(words.params)
    with translation.override("fr"):
        assert message(said(str(words), code, params)) == (
            "valeur au chemin « data.x » : une liste de 3 élément(s), pas un nombre"
        )
    # read back without its code (an older row): the English as it is
    assert said("older words", "", {}) == "older words"


def test_a_source_value_refused_by_the_rules_says_why_in_french(world, db):
    from pilote.goals.keyresults import check_in_errors
    from pilote.goals.models import KeyResult

    kr = KeyResult.objects.get(organization__name="Acme", key="tact-kr")
    reason = check_in_errors(kr, float("nan"), None, None)[0][1]
    refused = say("value_refused", value=1.5, key_result=kr.title, reason=reason)
    with translation.override("fr"):
        french = message(said(str(refused), *stored_parts(refused)))
    assert french.startswith("la valeur 1,5 n’est pas valable pour « Rating » : ")
    with translation.override("fr"):  # the reason itself in its French words
        assert french.endswith(message(reason)) and message(reason) != str(reason)


def stored_parts(words):
    from pilote.messages import stored

    return stored(words)


@pytest.fixture
def failing_source(world, db):
    org = Organization.objects.get(name="Acme")
    with http_server({"/v": Answer(404, b"no")}) as server:
        base = server.url
        src = create_source(
            Actor.system(org),
            {"key": "gone", "name": "Gone", "kind": "http_json", "key_result": "tact-kr",
             "params": {"url": f"{base}/v", "path": "value"}, "allow_private": True},
        )  # fmt: skip
        run = sync_source(src)
    return DataSource.objects.get(pk=src.pk), run, base


def test_a_failed_run_keeps_its_code_and_the_source_page_words_it_in_french(
    failing_source,
    browser,  # noqa: F811
):
    src, run, base = failing_source
    run = SyncRun.objects.get(pk=run.pk)
    assert run.outcome == "failed" and run.error == f"{base}/v answered HTTP 404"
    assert run.error_code == "http_status" and run.error_params == {
        "url": f"{base}/v",
        "status": 404,
    }
    assert src.last_error_code == "http_status"
    french = browser("admin", language="fr").get("/sources/gone/").content.decode()
    assert f"{base}/v a répondu HTTP 404" in french and "answered HTTP" not in french
    english = browser("admin", language="en").get("/sources/gone/").content.decode()
    assert f"{base}/v answered HTTP 404" in english
    # the notification of the failure, in each reader's language
    params = {"source": src.name, "error": src.last_error, "error_code": src.last_error_code,
              "error_params": src.last_error_params}  # fmt: skip
    assert render("source_failed", params, "fr")[1] == f"{base}/v a répondu HTTP 404"
    assert render("source_failed", params, "en")[1] == f"{base}/v answered HTTP 404"


def test_the_api_words_a_connector_error_in_the_request_language_with_its_code(api):
    admin = api("admin")
    body = {"key": "s2", "name": "S2", "kind": "csv", "key_result": "tact-kr",
            "params": {"column": "x", "nonsense": 1}}  # fmt: skip
    r = admin.post("/sources", body, headers={"Accept-Language": "fr"})
    assert r.status_code == 422, r.content
    errors = {e["path"]: e for e in r.json()["errors"]}
    unknown = errors["params.nonsense"]
    assert unknown["code"] == "unknown_param" and unknown["params"] == {"kind": "csv"}
    assert unknown["english"] == "unknown parameter for csv"
    assert unknown["message"] == "paramètre inconnu pour ce type de source (csv)"
    required = errors["params.location"]
    assert required["code"] == "required_param"
    assert (
        required["message"].startswith("obligatoire : ") and "required" not in required["message"]
    )
    assert not DataSource.objects.filter(key="s2").exists()
    # English stays the API's default
    r = admin.post("/sources", body)
    assert {e["message"] for e in r.json()["errors"]} >= {"unknown parameter for csv"}
