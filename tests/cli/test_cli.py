"""The `pilote` command, through its stable interface: argv in, text and exit status out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pilote.cli import build_parser, main
from pilote.clidoc import _walk, reference
from pilote.goals.models import CheckIn
from pilote.orgs.models import ApiToken, Membership

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "banque-exemple.yaml"
ORG = ["--org", "Banque Exemple"]


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """The CLI speaks the locale's language: these tests read its English."""
    monkeypatch.setenv("PILOTE_LANGUAGE", "en")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_reference_in_docs_is_in_step_with_help():
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == reference(), (
        "docs/cli.md is stale: python -m pilote.clidoc > docs/cli.md"
    )


@pytest.mark.parametrize(
    "path", [p for p, _ in _walk(build_parser(), [])], ids=lambda p: " ".join(p) or "pilote"
)
def test_every_command_has_help(capsys, path):
    with pytest.raises(SystemExit) as exc:
        main([*path, "--help"])
    assert exc.value.code == 0
    assert "usage: pilote" in capsys.readouterr().out


@pytest.mark.django_db
def test_import_then_json_export_gives_the_predicted_figures(capsys, tmp_path):
    code, out, _ = run(capsys, "import", str(EXAMPLE))
    assert code == 0 and "Banque Exemple: imported" in out
    target = tmp_path / "out.json"
    code, _, _ = run(
        capsys, "export", *ORG, "--format", "json", "--as-of", "2027-04-01", "--output", str(target)
    )
    assert code == 0
    doc = json.loads(target.read_text())
    kr = doc["objectives"][1]["key_results"][0]
    assert (kr["current"], round(kr["progress"], 4), kr["expected"], kr["status"]) == (
        4.3,
        0.2857,
        0.5,
        "outdated",
    )


@pytest.mark.django_db
def test_yaml_export_to_standard_output(capsys):
    run(capsys, "import", str(EXAMPLE))
    code, out, _ = run(capsys, "export", *ORG)
    assert code == 0 and out.startswith("organization: Banque Exemple")


@pytest.mark.django_db
def test_lint_reports_every_error_with_its_path_and_changes_nothing(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE.read_text(encoding="utf-8")
        .replace("target: 4.8", "target: 4.1")
        .replace("aligns_to: [{objective: satisfaction", "aligns_to: [{objective: nowhere")
    )
    code, out, err = run(capsys, "lint", str(bad))
    assert code == 1
    assert "objectives[1].key_results[0].target: must differ from baseline" in err
    assert "objectives[1].aligns_to[0].objective: unknown objective 'nowhere'" in err
    code, _, err = run(capsys, "import", str(bad))
    assert code == 1 and "nothing was changed" in err
    assert not Membership.objects.filter(organization__name="Banque Exemple").exists()
    code, out, _ = run(capsys, "lint", str(EXAMPLE))
    assert code == 0 and "no errors" in out
    assert not Membership.objects.filter(organization__name="Banque Exemple").exists()


@pytest.mark.django_db
def test_lint_speaks_the_locale_language(capsys, tmp_path, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE.read_text(encoding="utf-8")
        .replace("target: 4.8", "target: 4.1")
        .replace("aligns_to: [{objective: satisfaction", "aligns_to: [{objective: nowhere")
    )
    monkeypatch.delenv("PILOTE_LANGUAGE")
    monkeypatch.setenv("LC_ALL", "")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    code, _, err = run(capsys, "lint", str(bad))
    assert code == 1
    assert err.startswith("erreur : ")
    assert "objectives[1].key_results[0].target: doit différer de la valeur de départ" in err
    assert "objectives[1].aligns_to[0].objective: objectif « nowhere » inconnu(e)" in err, err
    monkeypatch.setenv("PILOTE_LANGUAGE", "en")  # the operator's choice wins over the locale
    _, _, err = run(capsys, "lint", str(bad))
    assert "error: " in err and "must differ from baseline" in err


@pytest.mark.django_db
def test_import_dry_run_changes_nothing(capsys):
    code, out, _ = run(capsys, "import", "--dry-run", str(EXAMPLE))
    assert code == 0 and "would change" in out
    assert not Membership.objects.filter(organization__name="Banque Exemple").exists()


@pytest.mark.django_db
def test_a_missing_file_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(capsys, "import", str(tmp_path / "nope.yaml"))
    assert code == 1 and "cannot read" in err


@pytest.mark.django_db
def test_checkin_records_and_prints_the_new_figures(capsys):
    run(capsys, "import", str(EXAMPLE))
    code, out, _ = run(
        capsys,
        "checkin",
        *ORG,
        "note-espace-client",
        "4.5",
        "--confidence",
        "7",
        "--date",
        "2027-03-30",
    )
    assert code == 0 and out.startswith("note-espace-client: 4.5 on 2027-03-30")
    ci = CheckIn.objects.filter(key_result__key="note-espace-client").latest("id")
    assert ci.source == "cli" and ci.confidence == 7


@pytest.mark.django_db
def test_checkin_as_a_person_applies_their_rights(capsys):
    run(capsys, "import", str(EXAMPLE))
    code, _, err = run(
        capsys, "checkin", *ORG, "satisfaction-digitale", "65", "--as", "digital@banque.example"
    )
    assert code == 1 and "only on key results you or your unit own" in err
    code, _, _ = run(
        capsys, "checkin", *ORG, "note-espace-client", "4.4", "--as", "digital@banque.example"
    )
    assert code == 0
    # A person's low confidence asks for a next step; the CLI's own (system) check-in does not.
    low = ("checkin", *ORG, "note-espace-client", "4.3", "--confidence", "2")
    code, _, err = run(capsys, *low, "--as", "digital@banque.example")
    assert code == 1 and "next_step" in err and "under 4 needs a next step" in err
    code, _, _ = run(capsys, *low, "--as", "digital@banque.example", "--next-step", "Fix the app")
    assert code == 0
    assert run(capsys, *low)[0] == 0


@pytest.mark.django_db
def test_checkin_bad_input(capsys):
    run(capsys, "import", str(EXAMPLE))
    code, _, err = run(capsys, "checkin", *ORG, "ghost", "1")
    assert code == 1 and "ghost" in err
    code, _, err = run(capsys, "checkin", *ORG, "note-espace-client", "4.5", "--confidence", "12")
    assert code == 1 and "confidence" in err
    with pytest.raises(SystemExit) as exc:
        main(["checkin", *ORG, "note-espace-client", "high"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["checkin", *ORG, "note-espace-client", "1", "--date", "tomorrow"])
    assert exc.value.code == 2


@pytest.mark.django_db
def test_commands_ask_for_org_only_when_there_are_several(capsys):
    from pilote.orgs.access import Actor
    from pilote.orgs.actions import delete_organization
    from pilote.orgs.models import Organization

    for org in Organization.objects.all():  # the test database may hold the fixture organisations
        delete_organization(Actor.system(org), org)
    run(capsys, "import", str(EXAMPLE))
    code, out, _ = run(capsys, "export")
    assert code == 0 and out.startswith("organization: Banque Exemple")
    run(capsys, "org", "create", "Second Org")
    code, _, err = run(capsys, "export")
    assert code == 1 and "--org" in err
    code, _, err = run(capsys, "export", "--org", "Nowhere Inc")
    assert code == 1 and "unknown organisation" in err


@pytest.mark.django_db
def test_user_add_with_a_password_from_stdin(capsys, monkeypatch):
    import io

    run(capsys, "import", str(EXAMPLE))
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-enough-passphrase\n"))
    code, out, _ = run(
        capsys,
        "user",
        "add",
        *ORG,
        "new@banque.example",
        "--name",
        "Nina",
        "--role",
        "lead",
        "--unit",
        "digital",
        "--password-stdin",
    )
    assert code == 0 and "added new@banque.example as lead" in out
    m = Membership.objects.get(user__email="new@banque.example")
    assert m.user.check_password("a-long-enough-passphrase")
    code, _, err = run(capsys, "user", "add", *ORG, "new@banque.example", "--no-password")
    assert code == 1 and "already a member" in err
    code, _, err = run(
        capsys, "user", "add", *ORG, "x@banque.example", "--unit", "ghost", "--no-password"
    )
    assert code == 1 and "units[0]: unknown unit 'ghost'" in err
    code, out, _ = run(capsys, "user", "list", *ORG)
    assert "new@banque.example" in out


@pytest.mark.django_db
def test_user_add_generates_a_password_when_none_is_given(capsys, monkeypatch):
    import io

    run(capsys, "import", str(EXAMPLE))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, out, _ = run(capsys, "user", "add", *ORG, "gen@banque.example")
    password = out.strip().splitlines()[-1].removeprefix("password: ")
    assert code == 0 and Membership.objects.get(
        user__email="gen@banque.example"
    ).user.check_password(password)


@pytest.mark.django_db
def test_user_invite_prints_the_link_without_e_mail_and_it_opens_the_join_page(capsys, settings):
    from django.test import Client

    settings.EMAIL_ENABLED = False
    run(capsys, "import", str(EXAMPLE))
    code, out, _ = run(
        capsys, "user", "invite", *ORG, "nina@banque.example", "--role", "contributor",
        "--unit", "digital",
    )  # fmt: skip
    assert code == 0 and "e-mail is not set up" in out
    link = out.strip().splitlines()[-1]
    page = Client().get(link.removeprefix(settings.PILOTE_BASE_URL))
    assert page.status_code == 200 and "Banque Exemple" in page.text
    code, _, err = run(capsys, "user", "invite", *ORG, "not-an-address", "--unit", "ghost")
    assert code == 1 and "email: must be an e-mail address" in err and "unknown unit" in err


@pytest.mark.django_db
def test_user_password_sets_a_password_the_operator_chose(capsys, monkeypatch):
    import io

    run(capsys, "import", str(EXAMPLE))
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    code, _, err = run(
        capsys, "user", "password", *ORG, "digital@banque.example", "--password-stdin"
    )
    assert code == 1 and "password:" in err
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-brand-new-passphrase\n"))
    code, out, _ = run(
        capsys, "user", "password", *ORG, "digital@banque.example", "--password-stdin"
    )
    assert code == 0 and "password set for digital@banque.example" in out
    user = Membership.objects.get(user__email="digital@banque.example").user
    assert user.check_password("a-brand-new-passphrase")


@pytest.mark.django_db
def test_tokens_are_created_once_listed_and_revoked(capsys):
    run(capsys, "import", str(EXAMPLE))
    code, out, _ = run(
        capsys, "token", "create", *ORG, "--user", "digital@banque.example", "--name", "dashboards"
    )
    assert code == 0
    secret = out.strip().splitlines()[-1]
    token = ApiToken.objects.get(name="dashboards")
    assert secret.startswith("plt_") and secret not in token.digest and token.digest != secret
    code, out, _ = run(capsys, "token", "list", *ORG)
    assert token.prefix in out and "active" in out
    code, out, _ = run(capsys, "token", "revoke", *ORG, token.prefix)
    assert code == 0
    token.refresh_from_db()
    assert token.revoked_at is not None
    code, _, err = run(capsys, "token", "revoke", *ORG, "nope")
    assert code == 1
    code, _, err = run(
        capsys, "token", "create", *ORG, "--user", "ghost@banque.example", "--name", "x"
    )
    assert code == 1


@pytest.mark.django_db
def test_org_create_and_list(capsys):
    code, out, _ = run(capsys, "org", "create", "Initech", "--locale", "en")
    assert code == 0
    code, _, err = run(capsys, "org", "create", "Initech")
    assert code == 1 and "already exists" in err
    code, out, _ = run(capsys, "org", "list")
    assert "Initech" in out


def test_the_installed_command_imports_and_exports_on_a_fresh_sqlite_file(tmp_path):
    """End to end through the real entry point, migrations included, in a fresh data folder."""
    env = {**os.environ, "PILOTE_DATA_DIR": str(tmp_path), "PILOTE_DATABASE_URL": ""}
    env.pop("PILOTE_DATABASE_URL")
    pilote = [sys.executable, "-m", "pilote.cli"]
    subprocess.run(
        [*pilote, "import", str(EXAMPLE)], env=env, check=True, capture_output=True, timeout=120
    )
    out = subprocess.run(
        [*pilote, "export", "--format", "json", "--as-of", "2027-04-01"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert json.loads(out)["objectives"][1]["status"] == "outdated"
    assert (tmp_path / "pilote.sqlite3").exists()
    mode = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("
            "'pragma journal_mode').fetchone()[0])",
            str(tmp_path / "pilote.sqlite3"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert mode == "wal"


@pytest.mark.django_db
def test_decide_then_carry_over_from_the_cli(capsys):
    from pilote.goals import actions
    from pilote.goals.models import Objective
    from pilote.orgs.access import Actor
    from pilote.orgs.models import Organization

    run(capsys, "import", str(EXAMPLE))
    org = Organization.objects.get(name="Banque Exemple")
    from datetime import date

    actions.create_cycle(Actor.system(org), "2027-S2", date(2027, 7, 1), date(2027, 12, 31))
    code, out, _ = run(capsys, "decide", *ORG, "satisfaction", "keep", "--learnt", "Weekly")
    assert code == 0 and out.strip() == "satisfaction: keep (approved)"
    code, _, err = run(
        capsys, "decide", *ORG, "satisfaction", "drop", "--as", "digital@banque.example"
    )
    assert code == 1 and "decide its future" in err
    code, _, err = run(
        capsys, "cycle", "carry-over", *ORG, "2027-S1", "--to", "2027-S2", "--target", "x"
    )
    assert code == 1 and "--target[0]" in err and "KEY=NUMBER" in err
    code, out, _ = run(capsys, "cycle", "carry-over", *ORG, "2027-S1", "--to", "2027-S2")
    assert code == 0 and out.startswith("satisfaction -> satisfaction-2027-S2 (approved; key")
    assert out.strip().endswith("1 objective(s) carried over to 2027-S2")
    new = Objective.objects.get(organization=org, key="satisfaction-2027-S2")
    assert new.carried_from.key == "satisfaction" and new.cycle.key == "2027-S2"
    # The retrospective, then the close, then the kept grades.
    code, out, _ = run(capsys, "cycle", "retrospective", *ORG, "2027-S1")
    assert code == 0 and out.startswith("2027-S1 (provisional, as of ")
    assert "- satisfaction [keep]" in out and "learnt: Weekly" in out
    code, _, err = run(capsys, "cycle", "close", *ORG, "2027-S1", "--as", "digital@banque.example")
    assert code == 1 and "only executives" in err
    code, out, _ = run(capsys, "cycle", "close", *ORG, "2027-S1", "--retrospective", "Done")
    assert code == 0 and out.strip().startswith("2027-S1: closed")
    code, out, _ = run(capsys, "cycle", "retrospective", *ORG, "2027-S1", "--format", "json")
    body = json.loads(out)
    assert code == 0 and body["closed"] and not body["provisional"]
    assert body["retrospective"] == "Done" and body["total"]["graded"] >= 1
    code, _, err = run(capsys, "cycle", "close", *ORG, "2027-S1")
    assert code == 1 and "already closed" in err
