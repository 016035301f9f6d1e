"""OKRs in and out of spreadsheets: the layouts teams really use, real-world-shaped files
(merged cells, blank lines, a total row, percent cells, French decimals, Excel serial
dates), bad files named by cell with nothing written, the rights of the person importing,
and exports that import back unchanged.

Files are made here as spreadsheets make them: CSV text as a French or English Excel saves
it, XLSX through openpyxl (merges, number formats, indentation set on the cells).
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment

from pilote.goals.models import CheckIn, KeyResult, Objective
from pilote.interchange import sheet_export, sheet_import, sheets
from pilote.orgs.access import Actor, actor_for
from pilote.orgs.models import AuditEntry, Organization, User

pytestmark = pytest.mark.django_db
DAY = dt.date(2027, 3, 1)


@pytest.fixture
def acme(world):
    return Organization.objects.get(name="Acme")


def person(org, role: str) -> Actor:
    return actor_for(User.objects.get(email=f"{role}@acme.example"), org)


def csv_sheet(text: str, name: str = "Feuil1") -> list[sheets.Sheet]:
    return sheets.read(text.encode("utf-8-sig"), f"{name}.csv")


def xlsx(build) -> bytes:
    book = Workbook()
    build(book.active)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(actor, book, dry_run=False, **kw) -> sheet_import.Plan:
    return sheet_import.run(actor, book, "q", as_of=DAY, dry_run=dry_run, **kw)


def state(org) -> tuple:
    """Everything an import could write, to prove a failed or dry one wrote nothing."""
    return (
        Objective.objects.filter(organization=org).count(),
        KeyResult.objects.filter(organization=org).count(),
        CheckIn.objects.filter(key_result__organization=org).count(),
        AuditEntry.objects.filter(organization=org).count(),
    )


FRENCH = (
    "Objectif;Résultat clé;Responsable;Départ;Cible;Actuel;Équipe\r\n"
    "Rendre l'appli indispensable;Note sur les stores;Cleo Contrib;3,9;4,5;4,1;Product\r\n"
    ";Taux de crash;contributor@acme.example;2 %;0,5 %;1,5 %;\r\n"
    ";Paiement sans contact lancé;;non;oui;;\r\n"
    ";;;;;;\r\n"
    "Total;;;;;;\r\n"
)


def test_a_french_csv_previews_then_imports_all_with_kinds_inferred(acme):
    lead = person(acme, "lead")
    before = state(acme)
    preview = run(lead, csv_sheet(FRENCH), dry_run=True)
    assert preview.ok, preview.errors
    assert state(acme) == before  # a preview writes nothing
    assert [(i.what, i.title, i.action, i.kind, i.kind_inferred) for i in preview.items] == [
        ("objective", "Rendre l'appli indispensable", "create", None, False),
        ("key_result", "Note sur les stores", "create", "increase", True),
        ("key_result", "Taux de crash", "create", "decrease", True),
        ("key_result", "Paiement sans contact lancé", "create", "boolean", True),
    ]
    assert ("Feuil1!6", "a total row") in preview.skipped
    assert preview.sheets[0]["columns"][0] == ("A", "Objectif", "objective")

    done = run(lead, csv_sheet(FRENCH))
    assert done.ok and dict(done.counts) == {"objectives": 1, "key results": 3, "check-ins": 2}
    objective = Objective.objects.get(organization=acme, title="Rendre l'appli indispensable")
    assert (objective.unit.key, objective.level, objective.status) == (
        "produit",
        "tactical",
        "draft",
    )
    rating, crash, payment = objective.key_results.order_by("position", "id")
    assert (rating.baseline, rating.target, rating.owner.email) == (
        3.9,
        4.5,
        "contributor@acme.example",
    )
    assert (crash.kind, crash.baseline, crash.target, crash.unit_label) == ("decrease", 2, 0.5, "%")
    assert payment.kind == "boolean"
    assert [(c.value, c.effective) for c in CheckIn.objects.filter(key_result=crash)] == [
        (1.5, DAY)
    ]
    # Again: everything is already there.
    again = run(lead, csv_sheet(FRENCH))
    assert again.ok and not again.counts
    assert {i.action for i in again.items} == {"same"} and all(
        i.check_in is None for i in again.items
    )


def test_an_xlsx_with_merged_cells_percent_cells_and_excel_dates(acme):
    def build(ws):
        ws.title = "OKR T1"
        ws.append(["OKR of the quarter"])  # a title above the headers
        ws.append([])
        ws.append(["Objective", "Key result", "Owner", "Start", "Target", "Current", "Due", "Team"])
        ws.append(["Win the mobile market", "Share of transfers in the app", "Cleo Contrib",
                   0.35, 0.5, 0.41, 46203, "equipe-app"])  # fmt: skip
        ws.append([None, "Store rating", "", 3.9, 4.5, None, dt.datetime(2027, 5, 31), None])
        ws.append([None, None, None, None, None, None, None, None])
        ws.append(
            ["Sell more", "Deals closed", "lead-ventes@acme.example", 10, 25, 12, None, "Sales"]
        )
        for col in "DEF":
            ws[f"{col}4"].number_format = "0%"
        ws.merge_cells("A4:A5")
        ws.merge_cells("H4:H5")

    plan = run(person(acme, "executive"), sheets.read(xlsx(build), "okr.xlsx"))
    assert plan.ok, plan.errors
    share = KeyResult.objects.get(organization=acme, title="Share of transfers in the app")
    assert (share.baseline, share.target, share.unit_label) == (35, 50, "%")
    assert share.due == dt.date(2026, 6, 30)  # 46203 as Excel counts days
    assert share.last_value == 41
    rating = KeyResult.objects.get(organization=acme, title="Store rating")
    assert rating.objective_id == share.objective_id  # merged: the same objective
    assert rating.objective.unit.key == "equipe-app" and rating.due == dt.date(2027, 5, 31)
    deals = KeyResult.objects.get(organization=acme, title="Deals closed")
    assert deals.objective.unit.key == "ventes" and deals.owner.email == "lead-ventes@acme.example"


def test_an_outline_of_objectives_followed_by_indented_key_results(acme):
    def build(ws):
        ws.append(["OKR", "Responsable", "Départ", "Cible"])
        ws.append(["O1 : Rendre l'appli indispensable", "Leo Lead"])
        ws.append(["Note sur les stores", "Cleo Contrib", "3,9", "4,5"])
        ws.append(["Taux de crash (%)", None, 2, 0.5])
        ws.append(["O2 : Fidéliser", None])
        ws.append(["Clients actifs par mois", None, 1000, 1500])
        for row in (3, 4, 6):
            ws[f"A{row}"].alignment = Alignment(indent=1)

    plan = run(person(acme, "lead"), sheets.read(xlsx(build), "plan.xlsx"), unit="produit")
    assert plan.ok, plan.errors
    assert plan.sheets[0]["layout"] == "outline"
    first = Objective.objects.get(organization=acme, title="Rendre l'appli indispensable")
    assert first.owner.email == "lead@acme.example"
    assert [k.title for k in first.key_results.all()] == [
        "Note sur les stores",
        "Taux de crash (%)",
    ]
    assert Objective.objects.get(organization=acme, title="Fidéliser").key_results.count() == 1

    # Marked with "KR" instead of indented, in pasted cells (tab-separated)
    pasted = "OKR\tCible\nObjectif 3 : Simplifier\t\nKR3.1 : Étapes d'ouverture de compte\t3\n"
    plan = run(person(acme, "lead"), [sheets.read_text(pasted, "Collage")], unit="produit")
    assert plan.ok, plan.errors
    (kr,) = Objective.objects.get(organization=acme, title="Simplifier").key_results.all()
    assert kr.title == "Étapes d'ouverture de compte" and kr.target == 3


def test_an_existing_objective_changes_only_where_the_sheet_differs(acme):
    text = "Objective,Key result,Target,Owner\nShip a better app,Rating,25,\n"
    tact = Objective.objects.get(organization=acme, key="tact")
    description = tact.description
    plan = run(person(acme, "lead"), csv_sheet(text, "Sheet1"), dry_run=True)
    assert plan.ok
    objective, rating = plan.items
    assert (objective.action, objective.key) == ("same", "tact")
    assert (rating.action, rating.key, rating.changes) == (
        "update",
        "tact-kr",
        {"target": (20, 25)},
    )
    assert rating.kind_inferred is False  # an existing KR keeps its kind
    run(person(acme, "lead"), csv_sheet(text, "Sheet1"))
    kr = KeyResult.objects.get(organization=acme, key="tact-kr")
    assert (kr.target, kr.baseline, kr.owner_id is not None) == (25, 10, True)
    tact.refresh_from_db()
    assert tact.description == description


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Objectif;Résultat clé;Responsable;Cible\nGrandir;Ventes;nobody@acme.example;10\n",
         [("Feuil1!C2", "no member of the organisation has this e-mail")]),
        ("Objectif;Résultat clé;Cible\n;Ventes;10\nGrandir;Marge;5\n",
         [("Feuil1!B2", "a key result without an objective")]),
        ("Objectif;Résultat clé;Cible;Départ\nGrandir;Ventes;dix;1\n",
         [("Feuil1!C2", "not a number")]),
        ("Objectif;Résultat clé;Cible;Sens\nGrandir;Coûts;10;baisse\n",
         [("Feuil1!B2", "a baseline is needed for a key result that decreases")]),
        ("Objectif;Résultat clé;Cible\nGrandir;Ventes;\n",
         [("Feuil1!C2", "a target is needed for this key result")]),
        ("Objectif;Résultat clé;Cible;Équipe\nGrandir;Ventes;3;Nowhere\n",
         [("Feuil1!D2", "no unit has this name or key")]),
        ("Nom;Prénom\nDupont;Marie\n", [("", sheet_import.N_(
            "no header row was recognised: name the columns (Objectif / Objective, Résultat clé"
            " / Key result, Responsable / Owner, Départ / Baseline, Cible / Target…) or give a"
            " mapping"))]),
    ],
)  # fmt: skip
def test_bad_sheets_name_each_cell_and_write_nothing(acme, text, expected):
    before = state(acme)
    plan = run(person(acme, "executive"), csv_sheet(text))
    assert plan.errors == expected
    assert state(acme) == before and not plan.counts


def test_every_error_of_a_sheet_is_named_at_once(acme):
    text = (
        "Objective,Key result,Owner,Target,Confidence\n"
        "Grow,Sales,ghost@acme.example,ten,7\n"
        ",Margin,,5,11\n"
    )
    plan = run(person(acme, "executive"), csv_sheet(text, "Sheet1"))
    assert plan.errors == [
        ("Sheet1!C2", "no member of the organisation has this e-mail"),
        ("Sheet1!D2", "not a number"),
        ("Sheet1!E3", "a confidence is a whole number from 0 to 10"),
    ]


def test_the_person_importing_keeps_their_rights(acme):
    before = state(acme)
    text = "Objectif;Résultat clé;Cible;Équipe\nVendre plus;Contrats;10;Sales\n"
    plan = run(person(acme, "lead"), csv_sheet(text))  # leads Product, not Sales
    assert [where for where, _ in plan.errors] == ["Feuil1!A2"]
    assert "lead" in plan.errors[0][1]
    assert state(acme) == before
    # A strategic objective needs an executive: a lead's sheet saying so is refused too.
    text = "Objectif;Niveau;Résultat clé;Cible\nDominer;Stratégique;Parts de marché;30\n"
    assert not run(person(acme, "lead"), csv_sheet(text), unit="produit").ok


def test_a_mapping_reads_columns_the_headers_did_not_name(acme):
    text = "Ambition;Intitulé du KR;Valeur visée;Commentaire interne\nGrandir;Ventes;10;secret\n"
    assert not run(person(acme, "executive"), csv_sheet(text)).ok
    mapping = {"Ambition": "objective", "Intitulé du KR": "key_result", "Valeur visée": "target",
               "Commentaire interne": None}  # fmt: skip
    plan = run(person(acme, "executive"), csv_sheet(text), mapping=mapping, unit="dg")
    assert plan.ok, plan.errors
    kr = KeyResult.objects.get(organization=acme, title="Ventes")
    assert kr.target == 10 and kr.objective.level == "strategic"  # the root unit
    bad = run(person(acme, "executive"), csv_sheet(text), mapping={"Ambition": "ambition"})
    assert ("mapping.Ambition", "not a field Pilote reads from a column") in bad.errors


def test_kinds_the_preview_inferred_are_corrected_by_the_person(acme):
    text = "Objective,Key result,Start,Target\nGrow,New markets opened,0,1\n"
    preview = run(person(acme, "executive"), csv_sheet(text, "S"), dry_run=True)
    (kr_item,) = [i for i in preview.items if i.what == "key_result"]
    assert (kr_item.kind, kr_item.kind_inferred) == ("boolean", True)
    run(person(acme, "executive"), csv_sheet(text, "S"), kinds={kr_item.ref: "increase"})
    kr = KeyResult.objects.get(organization=acme, title="New markets opened")
    assert (kr.kind, kr.baseline, kr.target) == ("increase", 0, 1)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(acme, language, fmt):
    system = Actor.system(acme)
    header, body, day = sheet_export.rows(system, cycle="q", as_of=DAY, language=language)
    assert len(body) == KeyResult.objects.filter(
        organization=acme, objective__cycle__key="q"
    ).count() + (
        Objective.objects.filter(
            organization=acme, cycle__key="q", key_results__isnull=True
        ).count()
    )
    if fmt == "csv":
        data, name = sheet_export.to_csv(header, body, language).encode(), "q.csv"
    else:
        data, name = sheet_export.to_xlsx(header, body, "Q1", day), "q.xlsx"
    before = state(acme)
    plan = sheet_import.run(system, sheets.read(data, name), "q", as_of=DAY, dry_run=False)
    assert plan.ok, plan.errors
    assert not plan.counts, plan.diff_lines()
    assert state(acme) == before


def test_the_xlsx_export_holds_the_figures_as_numbers(acme):
    header, body, day = sheet_export.rows(
        Actor.system(acme), cycle="q", as_of=dt.date(2027, 4, 1), language="fr"
    )
    ws = load_workbook(io.BytesIO(sheet_export.to_xlsx(header, body, "T1", day))).active
    headers = [c.value for c in ws[1]]
    assert headers[:7] == ["Clé de l'objectif", "Objectif", "Niveau", "Équipe",
                           "Responsable de l'objectif", "Clé", "Résultat clé"]  # fmt: skip
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[5] == "tact-kr")
    values = dict(zip(headers, row, strict=True))
    assert (values["Départ"], values["Cible"], values["Actuel"]) == (10, 20, 15)
    assert values["Progression"] == pytest.approx(0.5) and values["Type"] == "Augmenter"


# --- the API, the CLI and the pages ---------------------------------------------------


def upload(api, text: str, **form):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api.client.post(
        "/api/v1/cycles/q/import",
        {"file": SimpleUploadedFile("okr.csv", text.encode()), **form},
        headers={"Authorization": f"Bearer {api.token}"},
    )


def test_the_api_previews_imports_and_refuses_like_the_pages(api, acme):
    r = upload(api("lead"), FRENCH, dry_run="true")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["dry_run"] and [i["action"] for i in body["items"]] == ["create"] * 4
    assert not Objective.objects.filter(title="Rendre l'appli indispensable").exists()
    r = upload(api("lead"), FRENCH)
    assert r.status_code == 200 and r.json()["counts"]["key results"] == 3
    bad = upload(api("lead"), "Objectif;Résultat clé;Cible\n;Ventes;10\n")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"] == "okr!B2"
    assert upload(api("viewer"), FRENCH).status_code == 403
    assert upload(api("contributor"), FRENCH).status_code == 403
    r = upload(api("lead"), FRENCH, mapping="not json")
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "mapping"
    other = api("admin", "Globex").client.post(
        "/api/v1/cycles/q/import",
        {},
        headers={"Authorization": f"Bearer {api('admin', 'Globex').token}"},
    )
    assert other.status_code in (404, 422)


def test_the_api_exports_csv_and_xlsx(api):
    r = api("viewer").get("/cycles/q/export?format=csv&as_of=2027-03-01")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Objective key,Objective,Level,Team")  # Acme: English
    r = api("viewer").get("/cycles/q/export")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert api("viewer", "Globex").get("/cycles/q/export").status_code == 404


def test_the_cli_imports_a_spreadsheet_with_a_dry_run_diff(capsys, tmp_path, monkeypatch, world):
    from pilote.cli import main

    monkeypatch.setenv("PILOTE_LANGUAGE", "en")
    path = tmp_path / "okr.csv"
    path.write_text(FRENCH, encoding="utf-8")
    args = ["import", str(path), "--org", "Acme", "--cycle", "q", "--as-of", "2027-03-01"]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert '+ objective "Rendre l\'appli indispensable" (okr!2)' in out
    assert "[kind decrease, inferred] [check-in 1.5 on 2027-03-01]" in out
    assert not Objective.objects.filter(title="Rendre l'appli indispensable").exists()
    assert main([*args, "--mapping", "[1]"]) == 1
    assert "--mapping" in capsys.readouterr().err
    assert main(args) == 0
    assert "Acme" not in capsys.readouterr().err
    assert Objective.objects.filter(title="Rendre l'appli indispensable").exists()


def test_the_page_previews_then_imports_a_paste(acme):
    client = Client()
    client.force_login(User.objects.get(email="lead@acme.example"))
    page = client.get("/import/")
    assert page.status_code == 200 and 'name="file"' in page.text
    paste = FRENCH.replace(";", "\t")
    preview = client.post("/import/", {"paste": paste, "cycle": "q", "action": "preview",
                                       "as_of": "2027-03-01"})  # fmt: skip
    assert preview.status_code == 200
    assert "Rendre l&#x27;appli indispensable" in preview.text and 'value="import"' in preview.text
    assert not Objective.objects.filter(title="Rendre l'appli indispensable").exists()
    content = preview.context["content"]
    headers = preview.context["columns"]
    form = {"content": content, "filename": "paste.tsv", "cycle": "q", "as_of": "2027-03-01",
            "action": "import", "mapping": json.dumps([c["header"] for c in headers]),
            **{f"map-{c['i']}": c["field"] for c in headers}}  # fmt: skip
    done = client.post("/import/", form)
    assert done.status_code == 302 and done["Location"] == "/strategy/?cycle=q"
    assert Objective.objects.get(title="Rendre l'appli indispensable").key_results.count() == 3


def test_the_page_says_each_problem_by_cell_in_french(acme):
    client = Client()
    client.force_login(User.objects.get(email="lead@acme.example"))
    client.cookies["django_language"] = "fr"
    r = client.post("/import/", {"paste": "Objectif\tRésultat clé\tCible\n\tVentes\t10\n",
                                 "cycle": "q", "action": "import"})  # fmt: skip
    assert r.status_code == 422
    assert "un résultat clé sans objectif" in r.text and "Feuil1" not in r.text
    assert "paste!B2" in r.text
    viewer = Client()
    viewer.force_login(User.objects.get(email="viewer@acme.example"))
    assert viewer.post("/import/", {"paste": FRENCH, "cycle": "q"}).status_code == 403
    assert viewer.get("/export/?format=yaml").status_code == 403
    assert viewer.get("/export/?format=xlsx&cycle=q").status_code == 200


def test_the_demo_sample_spreadsheet_imports_into_the_demo_bank(db):
    """The sample the import page offers (XLSX) and the one in examples/ (CSV)."""
    from pathlib import Path

    from pilote import demo
    from pilote.interchange import samples
    from pilote.interchange.importer import import_data

    import_data(demo.document())
    bank = Organization.objects.get(name=demo.ORGANIZATION)
    lead = actor_for(User.objects.get(email="digital@banque.example"), bank)
    csv_file = Path(__file__).resolve().parents[2] / "examples" / "okr-tableur-exemple.csv"
    assert csv_file.read_bytes().decode("utf-8-sig") == samples.csv_text()
    for book in (sheets.read(samples.xlsx(), "okr.xlsx"),
                 sheets.read(csv_file.read_bytes(), csv_file.name)):  # fmt: skip
        plan = sheet_import.run(lead, book, "trimestre", dry_run=True)
        assert plan.ok, plan.errors
        assert dict(plan.counts) == {"objectives": 2, "key results": 5, "check-ins": 5}
        kinds = [i.kind for i in plan.items if i.what == "key_result"]
        assert kinds == ["increase", "increase", "decrease", "boolean", "decrease"]
    plan = sheet_import.run(lead, book, "trimestre", dry_run=False)
    assert plan.ok and plan.counts["key results"] == 5, (plan.errors, plan.counts)
    share = KeyResult.objects.get(
        organization=bank, title="Part des virements faits dans l'application"
    )
    assert (share.baseline, share.target, share.last_value, share.unit_label) == (35, 50, 41, "%")
    assert share.objective.unit.key == "digital" and share.due == dt.date(2027, 3, 31)


def test_hostile_files_are_refused_before_they_cost_anything(monkeypatch):
    with pytest.raises(sheets.SheetError, match="not a readable XLSX file"):
        sheets.read(b"PK\x03\x04 not really a zip", "bad.xlsx")
    with pytest.raises(sheets.SheetError, match=r"\.csv or \.xlsx"):
        sheets.read(b"x", "okr.pdf")
    with pytest.raises(sheets.SheetError, match="10 MB"):
        sheets.read(b"x" * (sheets.MAX_BYTES + 1), "big.csv")
    # What an archive unpacks to is read from its directory, before unpacking: a file whose
    # parts add up to more than the limit is refused (the limit lowered to this file's size).
    data = xlsx(lambda ws: ws.append(["Objective", "Key result"]))
    import zipfile

    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(sheets, "MAX_UNPACKED", unpacked - 1)
    with pytest.raises(sheets.SheetError, match="100 MB"):
        sheets.read(data, "bomb.xlsx")
    monkeypatch.setattr(sheets, "MAX_UNPACKED", unpacked)
    assert sheets.read(data, "fine.xlsx")[0].rows[0][0].value == "Objective"


def test_a_title_that_looks_like_a_formula_is_exported_as_text_and_reads_back(acme):
    system = Actor.system(acme)
    tact = Objective.objects.get(organization=acme, key="tact")
    from pilote.goals import actions as goals

    goals.update_objective(system, tact, {"title": '=HYPERLINK("http://evil.example","x")'})
    header, body, day = sheet_export.rows(system, cycle="q", as_of=DAY, language="en")
    text = sheet_export.to_csv(header, body, "en")
    assert "'=HYPERLINK" in text
    ws = load_workbook(io.BytesIO(sheet_export.to_xlsx(header, body, "Q", day))).active
    cell = next(c for (c,) in ws.iter_rows(min_col=2, max_col=2) if "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"
    for data, name in (
        (text.encode(), "q.csv"),
        (sheet_export.to_xlsx(header, body, "Q", day), "q.xlsx"),
    ):
        plan = sheet_import.run(system, sheets.read(data, name), "q", as_of=DAY, dry_run=False)
        assert plan.ok and not plan.counts, plan.diff_lines()


def test_the_cli_exports_a_spreadsheet_that_imports_back(capsys, tmp_path, monkeypatch, world):
    from pilote.cli import main

    monkeypatch.setenv("PILOTE_LANGUAGE", "en")
    out = tmp_path / "q.xlsx"
    assert (
        main(["export", "--org", "Acme", "--format", "xlsx", "--cycle", "q", "-o", str(out)]) == 0
    )
    assert out.read_bytes()[:2] == b"PK"
    assert main(["export", "--org", "Acme", "--format", "csv", "--cycle", "q"]) == 0
    assert capsys.readouterr().out.lstrip("\ufeff").startswith("Objective key,Objective,")
    assert main(["import", str(out), "--org", "Acme", "--cycle", "q", "--dry-run"]) == 0
    assert "q: would change nothing" in capsys.readouterr().out


def test_bad_uploads_are_422_problems_naming_the_field(api, acme):
    from django.core.files.uploadedfile import SimpleUploadedFile

    lead = api("lead")
    headers = {"Authorization": f"Bearer {lead.token}"}
    before = state(acme)
    cases = [
        ({}, "file"),
        ({"file": SimpleUploadedFile("okr.pdf", b"%PDF")}, "file"),
        ({"file": SimpleUploadedFile("okr.csv", FRENCH.encode()), "dry_run": "perhaps"}, "dry_run"),
        ({"file": SimpleUploadedFile("okr.csv", FRENCH.encode()), "as_of": "yesterday"}, "as_of"),
        ({"file": SimpleUploadedFile("okr.csv", FRENCH.encode()), "kinds": '{"a": 1}'}, "kinds"),
        ({"file": SimpleUploadedFile("okr.xlsx", b"PK\x03\x04broken")}, "file"),
    ]
    for form, field in cases:
        r = lead.client.post("/api/v1/cycles/q/import", form, headers=headers)
        assert r.status_code == 422, (form, r.content)
        assert r["Content-Type"] == "application/problem+json"
        assert field in {e["path"].split(".")[0] for e in r.json()["errors"]}, r.json()
    assert state(acme) == before


def test_a_key_column_names_new_key_results_and_never_moves_one(acme):
    text = "Objective,Key,Key result,Target\nFresh start,fresh-kr,New one,5\n"
    plan = run(person(acme, "executive"), csv_sheet(text, "S"), unit="produit")
    assert plan.ok, plan.errors
    assert KeyResult.objects.get(organization=acme, key="fresh-kr").title == "New one"
    moved = "Objective,Key,Key result,Target\nAnother,tact-kr,Rating,5\n"
    plan = run(person(acme, "executive"), csv_sheet(moved, "S"), unit="produit")
    assert plan.errors == [("S!B2", "this key belongs to a key result of another objective")]
