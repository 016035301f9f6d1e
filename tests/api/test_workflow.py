"""Validation of tactical OKRs through the API."""

from pilote.orgs.models import AuditEntry


def test_a_lead_submits_and_an_executive_approves(api):
    assert api("lead").post("/objectives/draft-obj/submit").json()["workflow_status"] == "submitted"
    r = api("executive").post("/objectives/draft-obj/approve", {})
    assert r.status_code == 200 and r.json()["workflow_status"] == "approved"
    actions = list(
        AuditEntry.objects.filter(object_key="draft-obj").values_list("action", flat=True)
    )
    assert actions[-2:] == ["submit", "approve"]


def test_requesting_changes_needs_a_comment_and_the_author_sees_it(api):
    r = api("executive").post("/objectives/submitted-obj/request-changes", {"comment": "  "})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "comment"
    r = api("executive").post(
        "/objectives/submitted-obj/request-changes", {"comment": "Make the KR measurable"}
    )
    assert r.json()["workflow_status"] == "changes_requested"
    seen = api("lead").get("/objectives/submitted-obj").json()
    assert seen["review_comment"] == "Make the KR measurable"
    assert (
        api("lead").post("/objectives/submitted-obj/back-to-draft").json()["workflow_status"]
        == "draft"
    )


def test_nobody_approves_an_objective_they_own(api):
    lead = api("lead")
    etag = lead.get("/objectives/submitted-obj")["ETag"]
    assert (
        api("admin")
        .patch(
            "/objectives/submitted-obj",
            {"owner": "executive@acme.example"},
            headers={"If-Match": etag},
        )
        .status_code
        == 200
    )
    r = api("executive").post("/objectives/submitted-obj/approve", {})
    assert r.status_code == 403 and "own" in r.json()["detail"]


def test_an_invalid_transition_is_a_409(api):
    r = api("executive").post("/objectives/draft-obj/approve", {})
    assert r.status_code == 409
    assert (
        api("executive").post("/objectives/strat/submit").status_code == 409
    )  # strategic: no validation


def test_changing_an_approved_krs_target_sends_it_back_with_the_diff(api):
    lead = api("lead")
    etag = lead.get("/key-results/tact-kr")["ETag"]
    r = lead.patch(
        "/key-results/tact-kr",
        {"target": 25, "title": "Rating (harder)"},
        headers={"If-Match": etag},
    )
    assert r.status_code == 200
    objective = api("executive").get("/objectives/tact").json()
    assert objective["workflow_status"] == "submitted"
    change = objective["pending_changes"][0]
    assert (change["key_result"], change["field"], change["before"], change["after"]) == (
        "tact-kr",
        "target",
        20,
        25,
    )
    approved = api("executive").post("/objectives/tact/approve", {}).json()
    assert approved["workflow_status"] == "approved" and approved["pending_changes"] == []


def test_other_edits_of_an_approved_kr_keep_it_approved(api):
    lead = api("lead")
    etag = lead.get("/key-results/tact-kr")["ETag"]
    lead.patch("/key-results/tact-kr", {"title": "Store rating"}, headers={"If-Match": etag})
    assert lead.get("/objectives/tact").json()["workflow_status"] == "approved"


def test_a_new_tactical_objective_starts_as_a_draft_and_a_strategic_one_as_approved(api):
    r = api("lead").post(
        "/objectives",
        {"key": "n1", "title": "T", "level": "tactical", "cycle": "q", "unit": "produit"},
    )
    assert r.json()["workflow_status"] == "draft"
    r = api("executive").post(
        "/objectives", {"key": "n2", "title": "S", "level": "strategic", "cycle": "q", "unit": "dg"}
    )
    assert r.json()["workflow_status"] == "approved"


def test_only_approved_children_count_in_the_parents_progress(api):
    viewer = api("viewer")
    before = viewer.get("/objectives/strat/explain?as_of=2027-04-01").json()
    labels = [t["label"] for t in before["progress"]["terms"]]
    assert "objective tact" in labels and "objective submitted-obj" not in labels
    api("executive").post("/objectives/submitted-obj/approve", {})
    after = viewer.get("/objectives/strat/explain?as_of=2027-04-01").json()
    assert "objective submitted-obj" in [t["label"] for t in after["progress"]["terms"]]


def _set_owner(api, who: str, key: str, owner: str) -> None:
    client = api(who)
    etag = client.get(f"/objectives/{key}")["ETag"]
    r = client.patch(f"/objectives/{key}", {"owner": owner}, headers={"If-Match": etag})
    assert r.status_code == 200, r.content


def test_an_executive_cannot_approve_what_they_submitted_by_changing_its_owner_first(api):
    """Found in review: submit as executive, hand the objective to someone else, approve it."""
    exec_ = api("executive")
    assert exec_.post("/objectives/draft-obj/submit").json()["workflow_status"] == "submitted"
    _set_owner(api, "executive", "draft-obj", "lead@acme.example")
    r = exec_.post("/objectives/draft-obj/approve", {})
    assert r.status_code == 403 and "own" in r.json()["detail"]
    assert api("executive").get("/objectives/draft-obj").json()["workflow_status"] == "submitted"
    # Another executive, who neither submitted nor owned it, may.
    assert api("executive2").post("/objectives/draft-obj/approve", {}).status_code == 200


def test_nobody_approves_an_objective_they_owned_at_any_point_since_it_was_submitted(api):
    assert api("lead").post("/objectives/draft-obj/submit").status_code == 200
    _set_owner(api, "admin", "draft-obj", "executive2@acme.example")
    _set_owner(api, "admin", "draft-obj", "lead@acme.example")
    r = api("executive2").post("/objectives/draft-obj/request-changes", {"comment": "Sharper KR"})
    assert r.status_code == 403
    assert api("executive").post("/objectives/draft-obj/approve", {}).status_code == 200
