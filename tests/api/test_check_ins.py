"""Check-ins: figures, idempotency, history, bulk all-or-nothing."""

from pilote.goals.models import CheckIn


def test_a_check_in_moves_the_key_result_and_answers_its_new_figures(api):
    r = api("contributor").post(
        "/key-results/tact-kr/check-ins",
        {"value": 18, "confidence": 8, "comment": "Nice", "date": "2027-04-01"},
    )
    assert r.status_code == 201
    body = r.json()
    assert body["check_in"]["value"] == 18
    assert body["check_in"]["source"].startswith("token:")
    assert body["check_in"]["author"] == "contributor@acme.example"
    kr = api("viewer").get("/key-results/tact-kr?as_of=2027-04-01").json()
    assert kr["current"] == 18 and abs(kr["progress"] - 0.8) < 1e-9


def test_the_same_idempotency_key_and_body_answer_the_same_and_create_nothing(api):
    client = api("contributor")
    body = {"value": 19, "confidence": 7, "date": "2027-04-02"}
    headers = {"Idempotency-Key": "abc-123"}
    first = client.post("/key-results/tact-kr/check-ins", body, headers=headers)
    count = CheckIn.objects.count()
    second = client.post("/key-results/tact-kr/check-ins", body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["check_in"] == second.json()["check_in"]
    assert second["Idempotent-Replayed"] == "true"
    assert CheckIn.objects.count() == count


def test_the_same_idempotency_key_with_another_body_is_422_and_changes_nothing(api):
    client = api("contributor")
    headers = {"Idempotency-Key": "abc-456"}
    assert (
        client.post("/key-results/tact-kr/check-ins", {"value": 19}, headers=headers).status_code
        == 201
    )
    count = CheckIn.objects.count()
    r = client.post("/key-results/tact-kr/check-ins", {"value": 20}, headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["path"] == "Idempotency-Key"
    assert CheckIn.objects.count() == count


def test_idempotency_keys_belong_to_their_sender(api):
    headers = {"Idempotency-Key": "shared-key"}
    assert (
        api("contributor")
        .post("/key-results/tact-kr/check-ins", {"value": 11}, headers=headers)
        .status_code
        == 201
    )
    r = api("lead").post("/key-results/tact-kr/check-ins", {"value": 12}, headers=headers)
    assert r.status_code == 201 and r.json()["check_in"]["value"] == 12


def test_history_is_oldest_first_and_append_only(api):
    client = api("lead")
    client.post("/key-results/tact-kr/check-ins", {"value": 12, "date": "2027-01-15"})
    history = api("viewer").get("/key-results/tact-kr/check-ins").json()
    dates = [c["date"] for c in history["items"]]
    assert dates == sorted(dates) and "2027-01-15" in dates and "2027-03-28" in dates


def test_an_older_dated_check_in_does_not_replace_the_current_value(api):
    api("lead").post("/key-results/tact-kr/check-ins", {"value": 11, "date": "2027-01-15"})
    kr = api("viewer").get("/key-results/tact-kr?as_of=2027-04-01").json()
    assert kr["current"] == 15  # the 2027-03-28 check-in stays current


def test_bulk_check_ins_are_all_or_nothing_with_paths(api):
    count = CheckIn.objects.count()
    r = api("lead").post(
        "/check-ins/bulk",
        {
            "check_ins": [
                {"key_result": "tact-kr", "value": 12},
                {"key_result": "tact-kr", "value": 13, "confidence": 11},
                {"key_result": "draft-kr", "value": 1.5, "date": "2027-02-01"},
            ]
        },
    )
    assert r.status_code == 422
    paths = {e["path"] for e in r.json()["errors"]}
    assert "check_ins[1].confidence" in paths
    assert CheckIn.objects.count() == count


def test_bulk_check_ins_name_unknown_key_results(api):
    r = api("lead").post("/check-ins/bulk", {"check_ins": [{"key_result": "nope", "value": 1}]})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "path": "check_ins[0].key_result",
            "message": "unknown key result 'nope'",
            "code": "unknown",
            "params": {"what": "key result", "ref": "nope"},
        }
    ]


def test_bulk_check_ins_record_every_item(api):
    count = CheckIn.objects.count()
    r = api("lead").post(
        "/check-ins/bulk",
        {
            "check_ins": [
                {"key_result": "tact-kr", "value": 12, "date": "2027-03-01"},
                {"key_result": "draft-kr", "value": 1.5, "date": "2027-03-01"},
            ]
        },
    )
    assert r.status_code == 201 and len(r.json()) == 2
    assert CheckIn.objects.count() == count + 2
    # One audit entry each, with what was recorded and by whom.
    from pilote.orgs.models import AuditEntry

    entries = AuditEntry.objects.filter(action="check_in").order_by("-id")[:2]
    assert {(e.object_type, e.object_key, e.actor.email) for e in entries} == {
        ("key_result", "tact-kr", "lead@acme.example"),
        ("key_result", "draft-kr", "lead@acme.example"),
    }
    assert {e.object_key: e.after for e in entries}["draft-kr"] == {
        "value": 1.5,
        "confidence": None,
        "date": "2027-03-01",
        "comment": "",
    }


def test_a_check_in_with_a_refused_right_writes_nothing(api):
    count = CheckIn.objects.count()
    assert (
        api("contributor")
        .post(
            "/check-ins/bulk",
            {
                "check_ins": [
                    {"key_result": "tact-kr", "value": 12},
                    {"key_result": "sales-kr", "value": 2},
                ]
            },
        )
        .status_code
        == 403
    )
    assert CheckIn.objects.count() == count


def test_boolean_and_milestone_values_are_checked(api):
    lead = api("lead")
    lead.post(
        "/objectives/tact/key-results", {"key": "done-kr", "title": "Done", "kind": "boolean"}
    )
    r = lead.post("/key-results/done-kr/check-ins", {"value": 0.5})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "value"
    lead.post(
        "/objectives/tact/key-results",
        {"key": "ms-kr", "title": "Steps", "kind": "milestone", "milestones": ["a", "b"]},
    )
    assert lead.post("/key-results/ms-kr/check-ins", {"value": 3}).status_code == 422
    assert lead.post("/key-results/ms-kr/check-ins", {"value": 2}).status_code == 201


def test_bulk_check_ins_answer_what_their_schema_would_write(api):
    from pilote.api.schemas import CheckInOut

    r = api("lead").post(
        "/check-ins/bulk",
        {"check_ins": [{"key_result": "tact-kr", "value": 12, "confidence": 7, "comment": "ok"}]},
    )
    assert r.status_code == 201
    body = r.json()
    assert [CheckInOut.model_validate(c).model_dump(mode="json") for c in body] == body
    assert body[0]["key_result"] == "tact-kr" and body[0]["author"] == "lead@acme.example"


def test_bulk_check_ins_take_the_same_number_of_queries_for_2_or_40_items(api):
    """Set-wise: the statements do not grow with the batch (the audit trail still has one
    entry per check-in, and every KR's stored reading is its newest)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pilote.goals import latest
    from pilote.orgs.models import AuditEntry, Organization

    client = api("lead")
    client.get("/me")  # the token's "last used" (written once a minute) is not the bulk's

    def run(n: int) -> int:
        items = [
            {"key_result": key, "value": 10 + i % 7, "date": f"2027-02-{1 + i % 28:02d}"}
            for i in range(n)
            for key in ("tact-kr", "draft-kr")
        ][:n]
        audits = AuditEntry.objects.count()
        with CaptureQueriesContext(connection) as ctx:
            assert client.post("/check-ins/bulk", {"check_ins": items}).status_code == 201
        assert AuditEntry.objects.count() == audits + n
        # No KR read one at a time either (a column left out of ``by_keys``' read).
        one_kr = '"goals_keyresult"."id" = '
        assert not [q["sql"] for q in ctx.captured_queries if one_kr in q["sql"]]
        return len(ctx.captured_queries)

    assert run(2) == run(40)
    assert latest.mismatches(Organization.objects.get(name="Acme").pk) == []


def test_the_bulk_passes_on_every_field_of_an_item():
    # The route copies an item's fields by name: a field added to the item is copied too.
    from pilote.api.routes_goals import BULK_FIELDS
    from pilote.api.schemas import BulkCheckInItem

    assert set(BULK_FIELDS) | {"key_result"} == set(BulkCheckInItem.model_fields)
