"""The strategy tree, computed figures, explanations and the audit trail over HTTP."""

import pytest


def _find(nodes, key):
    for n in nodes:
        if n["key"] == key:
            return n
        found = _find(n["children"], key)
        if found:
            return found
    return None


def test_the_tree_nests_tactical_objectives_under_their_strategic_parent(api):
    tree = api("viewer").get("/cycles/q/tree?as_of=2027-04-01").json()
    assert tree["vision"] == "Acme vision"
    roots = [n["key"] for n in tree["objectives"]]
    assert "strat" in roots and "tact" not in roots
    strat = _find(tree["objectives"], "strat")
    assert {c["key"] for c in strat["children"]} == {"tact", "submitted-obj"}
    tact = _find(tree["objectives"], "tact")
    assert tact["parents"] == [{"objective": "strat", "weight": 1.0}]
    kr = tact["key_results"][0]
    assert (
        kr["key"] == "tact-kr"
        and kr["progress"] == pytest.approx(0.5)
        and kr["expected"] == pytest.approx(0.5)
    )
    assert kr["status"] == "on_track"


def test_the_strategic_objective_pools_its_krs_and_approved_children(api):
    strat = api("viewer").get("/objectives/strat?as_of=2027-04-01").json()
    # progress_from both: strat-kr 0.40 (weight 1) and tact 0.50 (weight 1); submitted-obj is not approved
    assert strat["progress"] == pytest.approx(0.45)
    assert strat["expected"] == pytest.approx(0.5)


def test_tree_filters_keep_matching_nodes_and_their_ancestors(api):
    client = api("viewer")
    by_unit = client.get("/cycles/q/tree?unit=ventes").json()["objectives"]
    assert [n["key"] for n in by_unit] == ["sales-obj"]
    by_owner = client.get("/cycles/q/tree?owner=lead@acme.example").json()["objectives"]
    strat = _find(by_owner, "strat")
    assert strat is not None and {c["key"] for c in strat["children"]} == {"tact", "submitted-obj"}
    assert _find(by_owner, "draft-obj") is not None
    only_strategic = client.get("/cycles/q/tree?level=strategic").json()["objectives"]
    assert [n["key"] for n in only_strategic] == ["strat"] and only_strategic[0]["children"] == []
    no_data = client.get("/cycles/q/tree?status=no_data&as_of=2027-04-01").json()["objectives"]
    assert _find(no_data, "tact") is None and _find(no_data, "draft-obj") is not None


def test_the_tree_is_read_a_part_at_a_time_with_root_depth_and_page_size(api):
    client = api("viewer")
    whole = client.get("/cycles/q/tree?as_of=2027-04-01").json()
    strat = _find(whole["objectives"], "strat")
    assert strat["loaded"] and strat["hidden"] == 0 and len(strat["children"]) == 2
    # depth 0: the top objectives in full, each child a summary saying there is more
    top = client.get("/cycles/q/tree?as_of=2027-04-01&depth=0").json()
    summary = _find(top["objectives"], "strat")["children"]
    assert {c["key"] for c in summary} == {"tact", "submitted-obj"}
    assert all(not c["loaded"] and c["more"] and c["key_results"] == [] for c in summary)
    # a summary's figures are those of the whole tree
    tact_whole, tact_top = _find(whole["objectives"], "tact"), _find(summary, "tact")
    assert (tact_top["progress"], tact_top["status"]) == (
        tact_whole["progress"],
        tact_whole["status"],
    )
    # root: the subtree under one objective; page_size: its children a page at a time
    first = client.get("/cycles/q/tree?root=strat&page_size=1").json()["objectives"]
    assert [n["key"] for n in first] == ["strat"]
    assert len(first[0]["children"]) == 1 and first[0]["hidden"] == 1
    rest = client.get(
        f"/cycles/q/tree?root=strat&page_size=1&offset={first[0]['next_offset']}"
    ).json()["objectives"]
    assert len(rest[0]["children"]) == 1 and rest[0]["hidden"] == 0
    seen = {first[0]["children"][0]["key"], rest[0]["children"][0]["key"]}
    assert seen == {"tact", "submitted-obj"}
    # bad paging: a clear 422; a root of another organisation or cycle: 404
    for bad in ("depth=-1", "page_size=0", "page_size=5000", "offset=-3", "depth=x"):
        r = client.get(f"/cycles/q/tree?{bad}")
        assert r.status_code == 422, (bad, r.status_code)
    assert client.get("/cycles/q/tree?root=g-strat").status_code == 404
    assert client.get("/cycles/q/tree?root=nowhere").status_code == 404


def test_an_objective_with_several_parents_shows_under_each(api):
    api("executive").post(
        "/objectives",
        {"key": "strat2", "title": "Second", "level": "strategic", "cycle": "q", "unit": "dg"},
    )
    lead = api("lead")
    etag = lead.get("/objectives/tact")["ETag"]
    lead.patch(
        "/objectives/tact",
        {
            "aligns_to": [
                {"objective": "strat", "weight": 1},
                {"objective": "strat2", "weight": 0.5},
            ]
        },
        headers={"If-Match": etag},
    )
    tree = api("viewer").get("/cycles/q/tree").json()["objectives"]
    assert _find([n for n in tree if n["key"] == "strat"], "tact") and _find(
        [n for n in tree if n["key"] == "strat2"], "tact"
    )


def test_why_this_number_lists_terms_weights_and_values(api):
    ex = api("viewer").get("/objectives/strat/explain?as_of=2027-04-01").json()
    terms = {t["label"]: (t["weight"], t["value"]) for t in ex["progress"]["terms"]}
    assert terms == {
        "key result strat-kr": (1.0, pytest.approx(0.4)),
        "objective tact": (1.0, pytest.approx(0.5)),
    }
    assert ex["progress"]["value"] == pytest.approx(0.45)
    kr = api("viewer").get("/key-results/tact-kr/explain?as_of=2027-04-01").json()
    assert kr["progress"]["formula"] == "clamp((15 − 10) ÷ (20 − 10), 0, 1)"
    assert kr["current"]["terms"][0]["label"] == "check-in of 2027-03-28"
    assert kr["status"]["value"] == "on_track"


def test_closing_a_cycle_grades_and_an_override_keeps_both(api):
    api("executive").post("/cycles/q/close", {"retrospective": "Good half"})
    kr = api("viewer").get("/key-results/tact-kr").json()
    assert kr["grade"] == pytest.approx(0.5)
    # The lead proposes; nothing counts until an executive confirms.
    r = api("lead").post("/key-results/tact-kr/grade", {"grade": 0.7, "reason": "store lagged"})
    assert r.status_code == 200, r.content
    assert r.json()["grade"] == pytest.approx(0.5)
    assert r.json()["grade_proposal"] == {"grade": 0.7, "reason": "store lagged"}
    assert api("lead").post("/key-results/tact-kr/grade/confirm").status_code == 403
    r = api("executive").post("/key-results/tact-kr/grade/confirm")
    assert r.status_code == 200 and r.json()["grade_proposal"] is None
    ex = api("viewer").get("/key-results/tact-kr/explain").json()["grade"]
    assert ex["computed"] == pytest.approx(0.5) and ex["override"] == 0.7 and ex["color"] == "green"
    assert api("executive").post("/cycles/q/close", {}).status_code == 409


def test_a_proposed_grade_is_confirmed_or_dismissed_by_an_executive_and_audited(api):
    api("executive").post("/cycles/q/close", {})
    lead, exe = api("lead"), api("executive")
    assert exe.post("/objectives/tact/grade/confirm").status_code == 409  # nothing proposed
    assert lead.post("/objectives/tact/grade", {"grade": 0.9, "reason": "late data"}).json()[
        "grade_proposal"
    ] == {"grade": 0.9, "reason": "late data"}
    assert lead.post("/objectives/tact/grade/dismiss").status_code == 403
    r = exe.post("/objectives/tact/grade/dismiss")
    assert r.status_code == 200 and r.json()["grade_proposal"] is None
    assert r.json()["grade"] == pytest.approx(0.5)  # the computed grade still counts
    assert exe.post("/objectives/tact/grade/dismiss").status_code == 409
    # An executive's own grade is the override at once, and clears a pending proposal.
    lead.post("/objectives/tact/grade", {"grade": 0.9, "reason": "late data"})
    r = exe.post("/objectives/tact/grade", {"grade": 0.6, "reason": "agreed in review"})
    assert r.json()["grade"] == 0.6 and r.json()["grade_proposal"] is None
    actions = [
        e["action"]
        for e in api("viewer").get("/audit?object_type=objective&object_key=tact").json()["items"]
    ]
    assert actions[:4] == ["grade_override", "grade_proposal", "grade_dismiss", "grade_proposal"]
    assert (
        api("contributor")
        .post("/objectives/tact/grade", {"grade": 0.1, "reason": "no"})
        .status_code
        == 403
    )


def test_every_write_leaves_an_audit_entry_with_before_and_after(api):
    lead = api("lead")
    etag = lead.get("/objectives/tact")["ETag"]
    lead.patch("/objectives/tact", {"title": "Renamed"}, headers={"If-Match": etag})
    entry = api("viewer").get("/audit?object_type=objective&object_key=tact").json()["items"][0]
    assert entry["action"] == "update"
    assert entry["before"] == {"title": "Ship a better app"} and entry["after"] == {
        "title": "Renamed"
    }
    assert entry["actor"].startswith("lead@acme.example")


def test_the_openapi_document_and_docs_are_served(api):
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200 and "/api/v1/cycles/{key}/tree" in schema.json()["paths"]
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
