"""YAML interchange: PRODUCT.md's example, computed figures, round trips, all-or-nothing errors."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from pilote.goals.models import CheckIn, KeyResult, Objective
from pilote.interchange import exporter
from pilote.interchange.importer import ImportFailed, import_data, import_file
from pilote.orgs.access import Actor
from pilote.orgs.actions import delete_organization
from pilote.orgs.models import AuditEntry, Organization

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "banque-exemple.yaml"


def example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def export(name: str = "Banque Exemple", **kw) -> dict:
    return exporter.build(Actor.system(Organization.objects.get(name=name)), **kw)


def test_the_example_file_is_the_one_in_product_md():
    product = Path(__file__).resolve().parents[3] / "shared" / "PRODUCT.md"
    if not product.exists():
        pytest.skip("shared/PRODUCT.md is not beside the project")
    text = product.read_text(encoding="utf-8")
    block = text[text.index("```yaml\n") + 8 :]
    assert yaml.safe_load(block[: block.index("```")]) == example()


@pytest.mark.django_db
def test_the_json_export_gives_the_figures_the_rules_predict():
    import_file(EXAMPLE)
    doc = json.loads(exporter.to_json(export(computed=True, as_of=date(2027, 4, 1))))
    assert doc["as_of"] == "2027-04-01"
    satisfaction, espace = doc["objectives"]
    # Strategic: its only KR has no check-in -> no data, never 0 or green.
    assert satisfaction["progress"] is None and satisfaction["status"] == "no_data"
    kr = satisfaction["key_results"][0]
    assert (kr["current"], kr["progress"], kr["expected"], kr["status"]) == (
        None,
        None,
        0.5,
        "no_data",
    )
    # Tactical: 4.3 on a 4.1 -> 4.8 KR = 0.2/0.7; expected on Apr 1 = 90/180 days; last check-in 59 days old.
    kr = espace["key_results"][0]
    assert kr["current"] == 4.3
    assert kr["progress"] == pytest.approx(2 / 7)
    assert kr["expected"] == pytest.approx(0.5)
    assert kr["status"] == "outdated"
    assert espace["progress"] == pytest.approx(2 / 7) and espace["status"] == "outdated"
    assert espace["workflow_status"] == "approved" and satisfaction["workflow_status"] == "approved"


@pytest.mark.django_db
def test_the_json_export_can_be_imported_back():
    import_file(EXAMPLE)
    doc = json.loads(exporter.to_json(export(computed=True, as_of=date(2027, 4, 1))))
    before = CheckIn.objects.count()
    report = import_data(doc)
    assert report.counts.total() == 0, report.counts
    assert CheckIn.objects.count() == before


def _normalise(doc: dict) -> dict:
    """The example as the export writes it: defaults made explicit, dates kept as dates."""
    d = copy.deepcopy(doc)
    for o in d["objectives"]:
        o.setdefault("status", "approved" if o["level"] == "strategic" else "draft")
        for kr in o["key_results"]:
            kr.setdefault("weight", 1)
    return d


@pytest.mark.django_db
def test_import_of_the_export_gives_back_the_same_data():
    import_file(EXAMPLE)
    first = export()
    x = _normalise(example())
    for section in ("units", "people", "cycles", "initiatives", "vision"):
        assert first[section] == x[section], section
    for got, want in zip(first["objectives"], x["objectives"], strict=True):
        assert {k: v for k, v in got.items() if k != "key_results"} == {
            k: v for k, v in want.items() if k != "key_results"
        }
        for gkr, wkr in zip(got["key_results"], want["key_results"], strict=True):
            assert gkr == wkr
    # And through YAML text, into an empty database: the same again.
    text = exporter.to_yaml(first)
    org = Organization.objects.get(name="Banque Exemple")
    delete_organization(Actor.system(org), org)
    import_data(yaml.safe_load(text))
    assert export() == first


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing():
    import_file(EXAMPLE)
    counts = (Objective.objects.count(), KeyResult.objects.count(), CheckIn.objects.count())
    report = import_file(EXAMPLE)
    assert report.counts.total() == 0
    assert (Objective.objects.count(), KeyResult.objects.count(), CheckIn.objects.count()) == counts


@pytest.mark.django_db
def test_an_import_updates_what_changed():
    import_file(EXAMPLE)
    doc = example()
    doc["objectives"][1]["key_results"][0]["target"] = 4.9
    doc["objectives"][1]["key_results"][0]["check_ins"].append(
        {"date": date(2027, 3, 1), "value": 4.5}
    )
    report = import_data(doc)
    assert report.counts["key results"] == 1 and report.counts["check-ins"] == 1
    assert KeyResult.objects.get(key="note-espace-client").target == 4.9


def _errors(doc) -> list[tuple[str, str]]:
    with pytest.raises(ImportFailed) as exc:
        import_data(doc)
    return exc.value.errors


@pytest.mark.django_db
def test_a_file_with_errors_changes_nothing_and_reports_every_error_with_its_path():
    doc = example()
    doc["objectives"][1]["key_results"][0]["target"] = 4.1  # = baseline
    doc["objectives"][1]["aligns_to"] = [{"objective": "nope"}]
    doc["objectives"][0]["owner"] = "ghost@banque.example"
    doc["people"][1]["units"] = ["digital", "marketing"]
    doc["initiatives"][0]["impacts"][0]["key_result"] = "unknown-kr"
    audit_before = AuditEntry.objects.count()
    errors = dict(_errors(doc))
    assert errors["objectives[1].key_results[0].target"] == "must differ from baseline"
    assert errors["objectives[1].aligns_to[0].objective"] == "unknown objective 'nope'"
    assert "ghost@banque.example" in errors["objectives[0].owner"]
    assert errors["people[1].units[1]"] == "unknown unit 'marketing'"
    assert errors["initiatives[0].impacts[0].key_result"] == "unknown key result 'unknown-kr'"
    assert not Organization.objects.filter(name="Banque Exemple").exists()
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.django_db
def test_an_error_in_an_existing_organisation_leaves_it_as_it_was():
    import_file(EXAMPLE)
    snapshot = export()
    doc = example()
    doc["vision"]["statement"] = "A changed vision"
    doc["units"].append({"key": "new", "name": "New unit"})
    doc["objectives"][1]["key_results"][0]["check_ins"].append(
        {"date": "2027-02-08", "value": "high"}
    )
    errors = _errors(doc)
    assert errors[0][0] == "objectives[1].key_results[0].check_ins[1].value"
    assert export() == snapshot


@pytest.mark.django_db
def test_shape_errors_name_their_paths():
    doc = example()
    doc["objectives"][1]["key_results"][0]["kind"] = "grow"
    doc["objectives"][1]["key_results"][0]["baseline"] = "low"
    doc["cycles"][0]["start"] = "someday"
    doc["units"][0]["colour"] = "blue"
    del doc["objectives"][0]["title"]
    paths = {p for p, _ in _errors(doc)}
    assert {
        "objectives[1].key_results[0].kind",
        "objectives[1].key_results[0].baseline",
        "cycles[0].start",
        "units[0].colour",
        "objectives[0].title",
    } <= paths


@pytest.mark.django_db
def test_duplicate_keys_are_reported():
    doc = example()
    doc["units"].append({"key": "dg", "name": "Again"})
    doc["objectives"][0]["key_results"].append(
        dict(doc["objectives"][1]["key_results"][0], check_ins=[])
    )
    paths = [p for p, _ in _errors(doc)]
    assert "units[2].key" in paths and "objectives[1].key_results[0].key" in paths


@pytest.mark.django_db
def test_a_yaml_syntax_error_names_its_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("organization: X\nunits:\n  - {key: a, name: [unclosed\n")
    with pytest.raises(ImportFailed) as exc:
        import_file(bad)
    assert exc.value.errors[0][0].startswith("line ")


@pytest.mark.django_db
def test_a_file_that_is_not_a_mapping_is_refused(tmp_path):
    f = tmp_path / "list.yaml"
    f.write_text("- 1\n- 2\n")
    with pytest.raises(ImportFailed):
        import_file(f)


@pytest.mark.django_db
def test_the_demo_document_imports_and_shows_every_status():
    from pilote import demo

    import_data(demo.document(date(2027, 3, 15)))
    doc = export(demo.ORGANIZATION, computed=True, as_of=date(2027, 3, 15))
    statuses = {kr["status"] for o in doc["objectives"] for kr in o["key_results"]}
    assert statuses == {"on_track", "at_risk", "off_track", "outdated", "no_data"}
    workflow = {o["workflow_status"] for o in doc["objectives"]}
    assert workflow == {"draft", "submitted", "approved", "changes_requested"}
    check_ins = sum(
        len(kr.get("check_ins", [])) for o in doc["objectives"] for kr in o["key_results"]
    )
    assert check_ins >= 12 * 10


@pytest.mark.django_db
def test_the_policy_is_imported_checked_and_exported():
    doc = example()
    doc["policy"] = {"rhythm_days": 14, "prioritisation": "rice"}
    import_data(doc)
    org = Organization.objects.get(name="Banque Exemple")
    assert org.policy.rhythm_days == 14 and org.policy.prioritisation == "rice"
    assert export()["policy"] == {"rhythm_days": 14, "prioritisation": "rice"}
    import_data(example())  # a file without policy leaves it alone
    org.refresh_from_db()
    assert org.policy_overrides == {"rhythm_days": 14, "prioritisation": "rice"}
    bad = example()
    bad["policy"] = {
        "rhythm_days": 0,
        "prioritisation": "gut feeling",
        "colour": "blue",
        "at_risk_gap": 0.5,
    }
    errors = dict(_errors(bad))
    assert errors["policy.rhythm_days"] == "must be between 1 and 365"
    assert "must be one of impact, rice, value_effort" in errors["policy.prioritisation"]
    assert "unknown setting" in errors["policy.colour"]
    org.refresh_from_db()
    assert org.policy_overrides == {"rhythm_days": 14, "prioritisation": "rice"}


def test_policy_rules_check_their_relations():
    from pilote.okr.types import policy_errors

    assert policy_errors({"at_risk_gap": 0.3, "off_track_gap": 0.2}) == [
        ("at_risk_gap", "must not exceed off_track_gap")
    ]
    assert policy_errors({"rhythm_days": 7.5}) == [("rhythm_days", "must be a whole number")]
    assert policy_errors({}) == []


@pytest.mark.django_db
def test_decisions_and_lineage_go_out_and_come_back_with_the_file():
    """A decision, its retrospective and the lineage of what was carried over (issue 14) are
    in the export, and an import of it into an empty database gives them back."""
    from pilote.goals import actions, carrying
    from pilote.goals.models import Cycle

    import_file(EXAMPLE)
    org = Organization.objects.get(name="Banque Exemple")
    system = Actor.system(org)
    actions.create_cycle(system, "2027-S2", date(2027, 7, 1), date(2027, 12, 31), parent="2027")
    sat = Objective.objects.get(organization=org, key="satisfaction")
    carrying.decide(system, sat, {"decision": "keep", "learnt": "Mesurer chaque semaine"})
    espace = Objective.objects.get(organization=org, key="espace-client")
    carrying.decide(system, espace, {"decision": "drop", "what_did_not": "Trop large"})
    s1, s2 = (Cycle.objects.get(organization=org, key=k) for k in ("2027-S1", "2027-S2"))
    ((new, plan),) = carrying.carry_over(system, s1, s2, ["satisfaction"])
    first = export()
    by_key = {o["key"]: o for o in first["objectives"]}
    assert by_key["satisfaction"]["decision"] == {
        "decision": "keep", "learnt": "Mesurer chaque semaine"
    }  # fmt: skip
    assert by_key["espace-client"]["status"] == "dropped"
    assert by_key[new.key]["carried_from"] == "satisfaction"
    assert [k.get("carried_from") for k in by_key[new.key]["key_results"]] == [
        k.came_from for k in plan.key_results
    ]
    # Into an empty database through YAML text: the same again; and again: nothing changes.
    text = exporter.to_yaml(first)
    delete_organization(system, org)
    import_data(yaml.safe_load(text))
    assert export() == first
    assert import_data(yaml.safe_load(text)).counts.total() == 0
    assert export() == first
    # A file may list the carried objective before the one it came from.
    reversed_doc = yaml.safe_load(text)
    reversed_doc["objectives"].reverse()
    delete_organization(system, Organization.objects.get(name="Banque Exemple"))
    import_data(reversed_doc)
    org = Organization.objects.get(name="Banque Exemple")
    carried = Objective.objects.get(organization=org, key=new.key)
    assert carried.carried_from.key == "satisfaction"
    assert sorted(k.carried_from.key for k in carried.key_results.all()) == sorted(
        k.came_from for k in plan.key_results
    )
