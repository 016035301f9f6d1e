"""Optimistic concurrency: ETag on reads, If-Match required on updates."""

import pytest

UPDATES = [
    ("/units/ventes", {"name": "Sales EMEA"}, "admin"),
    ("/people/viewer@acme.example", {"role": "contributor"}, "admin"),
    ("/cycles/q", {"name": "H1"}, "admin"),
    ("/objectives/tact", {"title": "Better app"}, "lead"),
    ("/key-results/tact-kr", {"title": "Store rating"}, "lead"),
    ("/initiatives/ini1", {"status": "in_progress"}, "lead"),
]


@pytest.mark.parametrize(("path", "body", "role"), UPDATES)
def test_an_update_without_if_match_is_428(api, path, body, role):
    r = api(role).patch(path, body)
    assert r.status_code == 428
    assert r.json()["errors"][0]["path"] == "If-Match"


@pytest.mark.parametrize(("path", "body", "role"), UPDATES)
def test_an_update_with_the_read_etag_succeeds_and_a_stale_one_is_412(api, path, body, role):
    client = api(role)
    etag = client.get(path)["ETag"]
    assert etag
    first = client.patch(path, body, headers={"If-Match": etag})
    assert first.status_code == 200, first.content
    assert first["ETag"] != etag
    stale = client.patch(path, body, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"


def test_a_stale_update_changes_nothing(api):
    lead = api("lead")
    etag = lead.get("/objectives/tact")["ETag"]
    lead.patch("/objectives/tact", {"title": "First"}, headers={"If-Match": etag})
    lead.patch("/objectives/tact", {"title": "Second"}, headers={"If-Match": etag})
    assert lead.get("/objectives/tact").json()["title"] == "First"
