"""The ``pilote`` command: translate argv into actions and queries (rule 4).

Every command has ``--help``. With one organisation in the database, commands
need no ``--org``. Errors go to standard error, one line per field path, and
the exit status is 1 (2 for a usage error).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
from datetime import date
from typing import Any

EPILOG = "Environment: PILOTE_DATA_DIR, PILOTE_DATABASE_URL (see docs/operations.md)."


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pilote",
        description="Pilote: steer a product roadmap by business and user impact with OKRs.",
        epilog=EPILOG,
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def cmd(name: str, help: str, **kw: Any) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, **kw)

    def org_opt(
        parser: argparse.ArgumentParser,
        help: str = "organisation name (needed only when there are several)",
    ) -> None:
        parser.add_argument("--org", help=help)

    s = cmd("serve", "Serve Pilote over HTTP (runs pending migrations first).")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    s.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations")
    s.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run background work in this process (when `pilote worker` runs elsewhere)",
    )
    s.add_argument(
        "--workers",
        type=int,
        default=1,
        help="app processes serving requests (default 1; use PostgreSQL beyond one)",
    )

    d = cmd(
        "demo",
        "Load the bank example (cycles around today, twelve weeks of check-ins), then serve it.",
    )
    d.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    d.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    d.add_argument(
        "--no-serve", action="store_true", help="load the data, print the logins and stop"
    )
    d.add_argument(
        "--reset",
        action="store_true",
        help="delete the demo organisation first and rebuild it around today",
    )
    d.add_argument("--today", type=_date, help="pretend today is this date (YYYY-MM-DD)")

    cmd("migrate", "Create or upgrade the database schema.")

    i = cmd(
        "import",
        "Import a YAML or JSON file, or a spreadsheet (.csv, .xlsx) of OKRs: all or nothing;"
        " every error is reported with its path (a spreadsheet's: Sheet!D7).",
    )
    i.add_argument("file", help="the file to import (.yaml, .yml, .json, .csv, .xlsx)")
    i.add_argument(
        "--dry-run",
        action="store_true",
        help="check and report (a spreadsheet: what would be created or changed), change nothing",
    )
    org_opt(i, "spreadsheet: the organisation its OKRs go to (needed only when there are several)")
    i.add_argument("--cycle", help="spreadsheet: the cycle its objectives go to (its key)")
    i.add_argument(
        "--mapping",
        help='spreadsheet: columns to read otherwise, as JSON {"header": "field" or null}; fields: '
        + ", ".join(("objective", "key_result", "okr", "owner", "baseline", "target",
                     "current", "team", "…")),
    )  # fmt: skip
    i.add_argument(
        "--unit", help="spreadsheet: the unit (key) of objectives whose row names no team"
    )
    i.add_argument(
        "--as-of", type=_date, help="spreadsheet: the date of check-ins from a current column"
    )

    bk = cmd("backup", "Write a backup of the whole database (SQLite online backup, or pg_dump).")
    bk.add_argument("file", help="the backup file to write (owner-only; must not exist)")
    rs = cmd(
        "restore",
        "Replace the whole database with a backup, then apply pending migrations.",
    )
    rs.add_argument("file", help="a file written by `pilote backup` on the same kind of database")
    rs.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    e = cmd(
        "export",
        "Export an organisation as YAML, or as JSON with the computed figures; or its OKRs as a"
        " spreadsheet (xlsx, csv: one row per key result, with the figures).",
    )
    org_opt(e)
    e.add_argument(
        "--format",
        choices=["yaml", "json", "xlsx", "csv"],
        default="yaml",
        help="yaml (default), json, xlsx or csv",
    )
    e.add_argument(
        "--as-of",
        type=_date,
        help="compute figures as of this date (default today; json, xlsx and csv)",
    )
    e.add_argument("--cycle", help="xlsx, csv: only this cycle's OKRs (default: every cycle)")
    e.add_argument("--output", "-o", help="write to this file instead of standard output")

    li = cmd(
        "lint",
        "Check a YAML or JSON file without changing anything (an import that is rolled back),"
        " then coach its OKRs: each finding says its rule, why, and how to fix it.",
    )
    li.add_argument("file", help="the file to check")
    li.add_argument("--format", choices=("text", "json"), default="text",
                    help="json: a list of {path, rule, name, severity, message, why, fix}")  # fmt: skip
    li.add_argument(
        "--blocking",
        default="",
        help="rules (codes, comma-separated) that fail the check (exit 1) when they fire",
    )

    c = cmd("checkin", "Record a check-in on a key result.")
    org_opt(c)
    c.add_argument("key_result", help="the key result's key")
    c.add_argument(
        "value", type=float, help="the measured value (a number; milestones: how many are done)"
    )
    c.add_argument("--confidence", type=int, help="confidence 0-10")
    c.add_argument("--comment", default="", help="what moved, what blocks")
    c.add_argument(
        "--next-step", default="", help="what will be done next (needed under confidence 4)"
    )
    c.add_argument("--date", type=_date, help="effective date (default today)")
    c.add_argument(
        "--as", dest="as_email", help="record as this member (their rights apply); default: the CLI"
    )

    de = cmd(
        "decide",
        "Decide an objective's future at the end of its cycle, with its retrospective.",
    )
    org_opt(de)
    de.add_argument("objective", help="the objective's key")
    de.add_argument(
        "decision",
        choices=["keep", "change", "defer", "drop"],
        help="keep or change: it continues next cycle; defer or drop: it leaves the roll-up",
    )
    de.add_argument("--what-worked", default="", help="what worked")
    de.add_argument("--what-did-not", default="", help="what did not")
    de.add_argument("--learnt", default="", help="what was learnt")
    de.add_argument(
        "--as", dest="as_email", help="decide as this member (their rights apply); default: the CLI"
    )

    cy = cmd("cycle", "End a cycle: close it, read its retrospective, carry objectives over.")
    cysub = cy.add_subparsers(dest="cycle_command", metavar="ACTION", required=True)

    def as_opt(parser: argparse.ArgumentParser, verb: str) -> None:
        parser.add_argument(
            "--as",
            dest="as_email",
            help=f"{verb} as this member (their rights apply); default: the CLI",
        )

    cc = cysub.add_parser(
        "close",
        help="Close a cycle: every KR and objective keeps its grade (progress at its end).",
        description="Close a cycle: every KR and objective keeps its grade (progress at its end).",
    )
    org_opt(cc)
    cc.add_argument("cycle", help="the cycle's key")
    cc.add_argument("--retrospective", default="", help="the cycle's retrospective, in words")
    as_opt(cc, "close")

    cr = cysub.add_parser(
        "retrospective",
        help="Print a cycle's retrospective: hit rate per unit, grades, learnings, impact.",
        description="Print a cycle's retrospective: hit rate per unit, grades, learnings, impact.",
    )
    org_opt(cr)
    cr.add_argument("cycle", help="the cycle's key")
    cr.add_argument("--unit", help="one unit's objectives and initiatives only (its key)")
    cr.add_argument(
        "--format", choices=["text", "json"], default="text", help="text (default) or json"
    )

    co = cysub.add_parser(
        "carry-over",
        help="Carry a cycle's objectives decided keep or change into a later cycle (all or nothing).",
        description="Carry a cycle's objectives decided keep or change into a later cycle "
        "(all or nothing).",
    )
    org_opt(co)
    co.add_argument("cycle", help="the cycle the objectives come from")
    co.add_argument("--to", required=True, help="the later cycle they continue in")
    co.add_argument(
        "--objective",
        action="append",
        dest="objectives",
        help="carry only this one (repeat for several); default: every one decided keep or change",
    )
    co.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="KR=VALUE",
        help="a new target for a key result (its old key), e.g. note-app=4.9",
    )
    as_opt(co, "carry")

    u = cmd("user", "Manage people.")
    usub = u.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    ua = usub.add_parser(
        "add",
        help="Add a person to the organisation.",
        description="Add a person to the organisation.",
    )
    org_opt(ua)
    ua.add_argument("email")
    ua.add_argument("--name", default="", help="full name")
    ua.add_argument(
        "--role", default="viewer", choices=["admin", "executive", "lead", "contributor", "viewer"]
    )
    ua.add_argument("--unit", action="append", default=[], help="unit key (repeat for several)")
    ua.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    ua.add_argument(
        "--no-password", action="store_true", help="create the account without a password"
    )
    ui = usub.add_parser(
        "invite",
        help="Invite someone by e-mail (the link lets them choose their password).",
        description="Invite someone by e-mail: the link lets a new address choose its name and"
        " password, and an existing account accept. Without e-mail set up, the link is printed"
        " for you to pass on.",
    )
    org_opt(ui)
    ui.add_argument("email")
    ui.add_argument("--name", default="", help="full name")
    ui.add_argument(
        "--role", default="viewer", choices=["admin", "executive", "lead", "contributor", "viewer"]
    )
    ui.add_argument("--unit", action="append", default=[], help="unit key (repeat for several)")
    up = usub.add_parser(
        "password",
        help="Set a person's password (the operator's reset).",
        description="Set a person's password; every session of the account ends.",
    )
    org_opt(up)
    up.add_argument("email")
    up.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    ul = usub.add_parser(
        "list",
        help="List the organisation's people.",
        description="List the organisation's people.",
    )
    org_opt(ul)

    t = cmd("token", "Manage personal API tokens and directory (SCIM) tokens.")
    tsub = t.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    tc = tsub.add_parser(
        "create",
        help="Create a token (its secret is shown once).",
        description="Create a token (its secret is shown once).",
    )
    org_opt(tc)
    tc.add_argument("--user", help="the member the token acts as (an API token)")
    tc.add_argument("--name", required=True, help="what the token is for")
    tc.add_argument(
        "--scim",
        action="store_true",
        help="a directory's token for SCIM provisioning at /scim/v2/ (no --user)",
    )
    tc.add_argument("--unit", help="narrow it to recording check-ins on this unit's key results")
    tc.add_argument("--key-result", help="narrow it to recording check-ins on this key result")
    tr = tsub.add_parser(
        "revoke", help="Revoke a token by its prefix.", description="Revoke a token by its prefix."
    )
    org_opt(tr)
    tr.add_argument("prefix")
    tr.add_argument("--scim", action="store_true", help="revoke a SCIM token")
    tl = tsub.add_parser("list", help="List tokens.", description="List tokens.")
    org_opt(tl)

    r = cmd("roadmap", "Show open initiatives ranked by their expected impact on the strategy.")
    org_opt(r)
    r.add_argument(
        "--horizon", choices=["now", "next", "later"], help="only this column of the board"
    )
    r.add_argument(
        "--ledger", action="store_true", help="show the impact ledger of delivered bets instead"
    )
    r.add_argument("--explain", metavar="KEY", help="explain one initiative's score and rank")

    b = cmd("bench", "Synthetic organisations for benchmarks.")
    bsub = b.add_subparsers(dest="bench_command", metavar="ACTION", required=True)
    bg = bsub.add_parser(
        "generate",
        help="Create a synthetic organisation (deterministic for a seed).",
        description="Create a synthetic organisation (deterministic for a seed).",
    )
    bg.add_argument(
        "--employees", type=int, required=True, help="number of people (about one unit per ten)"
    )
    bg.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    bg.add_argument("--name", help="organisation name (default: 'Synthetic N')")
    bg.add_argument(
        "--start",
        type=_date,
        help="first day of the quarter (default: 12 weeks ago, so check-ins run up to today)",
    )
    br = bsub.add_parser(
        "run",
        help="Time the pages and API calls of an organisation over HTTP against a floor.",
        description="Start two `pilote serve` processes on loopback against this database, then "
        "time the pages and API calls of an organisation over HTTP (medians, and ratios to the "
        "same run's GET /healthz floor); it writes check-ins: use a synthetic organisation.",
    )
    br.add_argument(
        "--org", required=True, help="the organisation to measure (e.g. 'Synthetic 10000')"
    )
    br.add_argument("--repeat", type=int, default=5, help="repetitions per scenario (default 5)")
    br.add_argument(
        "--skip",
        action="append",
        metavar="WORD",
        help="leave out the scenarios whose name holds WORD (repeatable; e.g. --skip YAML)",
    )
    br.add_argument(
        "--out",
        metavar="DIR",
        help="also write the results as JSON and Markdown there (e.g. benchmarks/results)",
    )

    o = cmd("org", "Manage organisations.")
    osub = o.add_subparsers(dest="org_command", metavar="ACTION", required=True)
    oc = osub.add_parser(
        "create", help="Create an empty organisation.", description="Create an empty organisation."
    )
    oc.add_argument("name")
    oc.add_argument("--locale", choices=["fr", "en"], default="fr")
    osub.add_parser("list", help="List organisations.", description="List organisations.")
    from pilote.cli_sources import add_parsers

    add_parsers(cmd, org_opt)
    return p


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pilote.settings")
    import django

    django.setup()


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def _organization(name: str | None):
    from pilote.errors import Invalid, NotFound
    from pilote.orgs.models import Organization

    if name:
        org = Organization.objects.filter(name=name).first()
        if org is None:
            raise NotFound(
                f"no organisation named {name!r}", [("--org", f"unknown organisation {name!r}")]
            )
        return org
    orgs = list(Organization.objects.order_by("name")[:2])
    if not orgs:
        raise Invalid(
            "no organisation yet",
            [("", "no organisation yet: run `pilote import FILE` or `pilote org create NAME`")],
        )
    if len(orgs) > 1:
        raise Invalid(
            "several organisations",
            [("--org", "there are several organisations: name one with --org")],
        )
    return orgs[0]


def _system(args: argparse.Namespace):
    from pilote.orgs.access import Actor

    return Actor.system(_organization(getattr(args, "org", None)), "cli")


def cli_language() -> str:
    """The language of the CLI's errors: ``PILOTE_LANGUAGE``, else the locale's
    (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as gettext reads them): French or English."""
    for name in ("PILOTE_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


def _print_errors(exc: Exception) -> None:
    """An error on standard error, each message in the CLI's language (``cli_language``)."""
    from django.utils import translation
    from django.utils.translation import gettext as _

    from pilote.errors import PiloteError
    from pilote.words import message

    with translation.override(cli_language()):
        if isinstance(exc, PiloteError):
            print(_("error: %(what)s") % {"what": message(exc.detail)}, file=sys.stderr)
            for path, english in exc.errors:
                words = message(english)
                print(f"  {path}: {words}" if path else f"  {words}", file=sys.stderr)
        else:  # pragma: no cover
            print(_("error: %(what)s") % {"what": exc}, file=sys.stderr)


# --- commands -------------------------------------------------------------------


def do_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if not getattr(args, "no_migrate", False):
        _migrate()
    from django.conf import settings

    if not getattr(args, "no_worker", False) and settings.PILOTE_EMBEDDED_WORKER:
        from pilote import worker

        worker.start_embedded()
    print(f"Pilote is running at http://{args.host}:{args.port}/  (Ctrl+C to stop)", flush=True)
    uvicorn.run(
        "pilote.asgi:application",
        host=args.host,
        port=args.port,
        log_level="warning",
        lifespan="off",
        workers=max(1, getattr(args, "workers", 1)),
        # X-Forwarded-For is judged by pilote.orgs.signin (PILOTE_TRUSTED_PROXIES), not here.
        proxy_headers=False,
        # open pages keep an event stream: do not wait for them forever on Ctrl+C
        timeout_graceful_shutdown=3,
    )
    return 0


def do_demo(args: argparse.Namespace) -> int:
    from pilote import demo

    _migrate()
    logins, loaded = demo.load(today=args.today, reset=args.reset)
    print(
        "Demo data loaded: Banque Exemple"
        if loaded
        else "Demo organisation already present (pilote demo --reset rebuilds it around today)"
    )
    print(
        f"\nSign in at http://{args.host}:{args.port}/login/ with any of these (password: {demo.PASSWORD}):"
    )
    for email, name, role in logins:
        print(f"  {email:32} {role:12} {name}")
    print(f"API docs: http://{args.host}:{args.port}/api/v1/docs", flush=True)
    if args.no_serve:
        return 0
    args.no_migrate = True
    return do_serve(args)


def do_migrate(args: argparse.Namespace) -> int:
    _migrate(verbosity=1)
    return 0


SHEETS = (".csv", ".tsv", ".xlsx", ".xlsm")


def do_import(args: argparse.Namespace) -> int:
    from pilote.interchange.importer import import_file

    if args.file.lower().endswith(SHEETS):
        return _import_sheet(args)
    report = import_file(args.file, dry_run=args.dry_run)
    print(report.summary())
    return 0


def _import_sheet(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pilote.errors import Invalid
    from pilote.interchange import sheet_import, sheets
    from pilote.interchange.importer import ImportFailed

    if not args.cycle:
        raise Invalid("a spreadsheet needs --cycle", [("--cycle", "required for a spreadsheet")])
    mapping = None
    if args.mapping:
        try:
            mapping = json.loads(args.mapping)
            if not isinstance(mapping, dict):
                raise ValueError
        except ValueError:
            raise Invalid(
                "--mapping is not a JSON object",
                [("--mapping", 'a JSON object: {"Header": "field", "Other": null}')],
            ) from None
    try:
        data = Path(args.file).read_bytes()
        book = sheets.read(data, args.file)
    except OSError as exc:
        raise Invalid(f"cannot read {args.file}", [("", str(exc))]) from None
    except sheets.SheetError as exc:
        raise Invalid(exc.message, [(exc.where, exc.message)]) from None
    plan = sheet_import.run(
        _system(args), book, args.cycle, mapping=mapping, unit=args.unit, as_of=args.as_of,
        dry_run=args.dry_run,
    )  # fmt: skip
    for sheet in plan.sheets:
        read = ", ".join(f"{letter} {header} → {field or '—'}"
                         for letter, header, field in sheet["columns"])  # fmt: skip
        print(f"{sheet['name']} ({sheet['layout']}, headers on row {sheet['header_row']}): {read}")
    if not plan.ok:
        raise ImportFailed("the file has errors; nothing was changed", plan.errors)
    if args.dry_run:
        for line in plan.diff_lines():
            print(line)
    for where, why in plan.skipped:
        if why != "blank row":
            print(f"skipped {where}: {why}")
    print(plan.summary())
    return 0


def do_lint(args: argparse.Namespace) -> int:
    """Exit 0: valid, no blocking finding; 1: a blocking rule fired; errors as for import."""
    import json

    import yaml
    from django.utils.translation import gettext

    from pilote.errors import Invalid
    from pilote.interchange.importer import import_file
    from pilote.okr import coach
    from pilote.words import number

    blocking = frozenset(r.strip() for r in args.blocking.split(",") if r.strip())
    unknown = sorted(blocking - set(coach.RULES))
    if unknown:
        raise Invalid("unknown rules", [("--blocking", f"unknown rule {r} (one of: "
                                         + ", ".join(coach.RULES) + ")") for r in unknown])  # fmt: skip
    import_file(args.file, dry_run=True)
    with open(args.file, encoding="utf-8") as fh:
        document = json.load(fh) if args.file.endswith(".json") else yaml.safe_load(fh)
    # The file's own policy (its thresholds and blocking rules, as the organisation would
    # have them once imported), plus --blocking.
    from dataclasses import fields, replace

    from pilote.okr.types import Policy

    known = {f.name for f in fields(Policy)}
    overrides = {k: tuple(v) if isinstance(v, list) else v
                 for k, v in (document.get("policy") or {}).items() if k in known}  # fmt: skip
    policy = coach.coach_policy(Policy(**overrides))
    policy = replace(policy, blocking=policy.blocking | blocking)
    findings = coach.check(document, policy)
    shown = [f.as_dict(gettext, number) for f in findings]
    if args.format == "json":
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        print(f"{args.file}: no errors" + ("" if shown else ", nothing to coach"))
        for f in shown:
            print(f"{args.file}: {f['path']}: [{f['rule']}] {f['message']}"
                  + (" (blocking)" if f["severity"] == "blocking" else ""))  # fmt: skip
            print(f"    {f['why']}; {f['fix']}")
    return 1 if any(f.severity == "blocking" for f in findings) else 0


def do_export(args: argparse.Namespace) -> int:
    from pilote.interchange import exporter

    actor = _system(args)
    if args.format in ("xlsx", "csv"):
        return _export_sheet(args, actor)
    if args.format == "json":
        text = exporter.to_json(exporter.build(actor, computed=True, as_of=args.as_of))
    else:
        text = exporter.to_yaml(exporter.build(actor, as_of=args.as_of))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text if text.endswith("\n") else text + "\n")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _export_sheet(args: argparse.Namespace, actor) -> int:
    from pilote.goals import queries
    from pilote.interchange import sheet_export

    cycle = queries.get_cycle(actor, args.cycle) if args.cycle else None
    language = actor.organization.locale
    header, body, day = sheet_export.rows(
        actor, cycle=cycle.key if cycle else None, as_of=args.as_of, language=language
    )
    if args.format == "csv":
        data = sheet_export.to_csv(header, body, language).encode("utf-8-sig")
    else:
        title = (cycle.name or cycle.key) if cycle else actor.organization.name
        data = sheet_export.to_xlsx(header, body, title, day)
    if args.output:
        with open(args.output, "wb") as fh:
            fh.write(data)
    elif args.format == "xlsx" and sys.stdout.isatty():
        raise SystemExit("error: an xlsx export is binary: give --output FILE")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def do_checkin(args: argparse.Namespace) -> int:
    from pilote.goals import queries
    from pilote.goals.keyresults import record_check_in

    actor = _acting(args)
    kr = queries.get_key_result(actor, args.key_result)
    ci, _ = record_check_in(
        actor, kr, args.value, args.confidence, args.comment, args.date, next_step=args.next_step
    )
    f = queries.KeyResultFiguresOnly(actor, [kr]).kr(kr)
    progress = "no data" if f.progress is None else f"{f.progress:.0%}"
    print(
        f"{kr.key}: {ci.value:g} on {ci.effective.isoformat()} -> progress {progress}, {f.status.value}"
    )
    return 0


def _acting(args: argparse.Namespace):
    """The CLI's actor, or the member named by ``--as`` (their rights apply)."""
    from pilote.errors import NotFound
    from pilote.orgs.access import actor_for
    from pilote.orgs.models import User

    actor = _system(args)
    if getattr(args, "as_email", None):
        user = User.objects.filter(email=args.as_email.lower()).first()
        if user is None:
            raise NotFound("unknown person", [("--as", f"no member {args.as_email}")])
        actor = actor_for(user, actor.organization)
    return actor


def do_decide(args: argparse.Namespace) -> int:
    from pilote.goals import carrying, queries

    actor = _acting(args)
    o = carrying.decide(
        actor,
        queries.get_objective(actor, args.objective),
        {"decision": args.decision, "what_worked": args.what_worked,
         "what_did_not": args.what_did_not, "learnt": args.learnt},
    )  # fmt: skip
    print(f"{o.key}: {o.decision} ({o.status})")
    return 0


def do_cycle(args: argparse.Namespace) -> int:
    return {
        "close": _cycle_close,
        "retrospective": _cycle_retrospective,
        "carry-over": _carry_over,
    }[args.cycle_command](args)


def _cycle_close(args: argparse.Namespace) -> int:
    from pilote.goals import queries
    from pilote.goals.closing import close_cycle

    actor = _acting(args)
    cycle = close_cycle(actor, queries.get_cycle(actor, args.cycle), args.retrospective.strip())
    print(f"{cycle.key}: closed; every key result and objective keeps its grade")
    return 0


def _cycle_retrospective(args: argparse.Namespace) -> int:
    from pilote.api.serialize import retrospective_out
    from pilote.goals import queries
    from pilote.goals.retrospective import retrospective

    actor = _system(args)
    r = retrospective(actor, queries.get_cycle(actor, args.cycle), unit=args.unit)
    if args.format == "json":
        print(json.dumps(retrospective_out(r), ensure_ascii=False, indent=2, default=str))
        return 0

    def rate(h) -> str:
        if h.hit_rate is None:
            return "no grade"
        return f"{h.hits}/{h.graded} hit ({h.hit_rate:.0%}), mean grade {h.mean:.2f}"

    state = f"provisional, as of {r.as_of.isoformat()}" if r.provisional else "closed"
    print(f"{r.cycle.key} ({state}): {rate(r.total)}")
    for u in r.units:
        apart = f"; deferred {u.deferred}, dropped {u.dropped}" if u.deferred or u.dropped else ""
        print(f"  {u.name}: {rate(u.hits)}{apart}")
    for g in r.learnings:
        o = g.objective
        print(f"- {o.key} [{o.decision or 'no decision'}]")
        for label, text in (("worked", o.what_worked), ("did not", o.what_did_not),
                            ("learnt", o.learnt)):  # fmt: skip
            if text:
                print(f"    {label}: {text}")
    for d in r.delivered:
        moved = ", ".join(
            f"{v.key_result} {v.measured:g} of {v.expected:g}"
            if v.measured is not None
            else f"{v.key_result} not measured yet"
            for v in d.reviews
        )
        print(f"* {d.key} delivered {d.delivered_on.isoformat()}: {moved or 'no impact declared'}")
    return 0


def _carry_over(args: argparse.Namespace) -> int:
    from pilote.errors import Invalid
    from pilote.goals import carrying, queries
    from pilote.okr.text import N_

    actor = _acting(args)
    targets, errors = {}, []
    for i, pair in enumerate(args.target):
        key, _, value = pair.partition("=")
        try:
            targets[key.strip()] = float(value)
        except ValueError:
            errors.append((f"--target[{i}]", N_("must be KEY=NUMBER")))
    if errors:
        raise Invalid("invalid targets: nothing was carried", errors)
    made = carrying.carry_over(
        actor,
        queries.get_cycle(actor, args.cycle),
        queries.get_cycle(actor, args.to),
        args.objectives,
        targets,
    )
    for o, c in made:
        left = f"  (no longer aligned to {', '.join(c.unaligned)})" if c.unaligned else ""
        print(f"{c.came_from} -> {o.key} ({o.status}; key results: {len(c.key_results)}){left}")
    print(f"{len(made)} objective(s) carried over to {args.to}")
    return 0


def do_user(args: argparse.Namespace) -> int:
    from pilote.orgs import actions, queries

    actor = _system(args)
    if args.user_command == "list":
        for m in queries.people(actor).order_by("user__email"):
            units = ",".join(sorted(u.key for u in m.units.all()))
            print(f"{m.user.email:32} {m.role:12} {units:20} {m.user.name}")
        return 0
    if args.user_command == "invite":
        from django.conf import settings

        from pilote.orgs import accounts

        invitation = accounts.invite(actor, args.email, args.name, args.role, args.unit)
        until = invitation.expires_at.date().isoformat()
        if settings.EMAIL_ENABLED:
            print(f"invitation e-mailed to {invitation.email} (the link works until {until})")
        else:
            print(f"e-mail is not set up: pass this link on to {invitation.email} (until {until})")
            print(accounts.invitation_link(invitation))
        return 0
    if args.user_command == "password":
        m = queries.get_person(actor, args.email)
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("New password: ")
        actions.set_password(actor, m.user, password)
        print(f"password set for {m.user.email}; its sessions have ended")
        return 0
    password = None
    generated = False
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif not args.no_password:
        if sys.stdin.isatty():
            password = getpass.getpass("Password (empty: generate one): ") or None
        if password is None:
            password = secrets.token_urlsafe(12)
            generated = True
    m = actions.add_person(actor, args.email, args.name, args.role, args.unit, password)
    print(f"added {m.user.email} as {m.role} in {actor.organization.name}")
    if generated:
        print(f"password: {password}")
    return 0


def do_token(args: argparse.Namespace) -> int:
    from pilote.errors import Invalid, NotFound
    from pilote.orgs import actions, queries
    from pilote.orgs.models import ScimToken, User

    actor = _system(args)
    if args.token_command in ("create", "revoke") and args.scim:
        return _scim_token(actor, args)
    if args.token_command == "create":
        if not args.user:
            raise Invalid("missing user", [("--user", "the member the token acts as (or --scim)")])
        user = User.objects.filter(
            email=args.user.lower(), memberships__organization=actor.organization
        ).first()
        if user is None:
            raise NotFound(
                "unknown person",
                [("--user", f"{args.user} is not a member of {actor.organization}")],
            )
        unit = queries.get_unit(actor, args.unit) if args.unit else None
        kr = None
        if args.key_result:
            from pilote.goals.queries import get_key_result

            kr = get_key_result(actor, args.key_result)
        token, secret = actions.create_token(actor, user, args.name, unit=unit, key_result=kr)
        print(
            f"token {token.prefix} for {user.email} ({token.name}); keep this secret, it is not shown again:"
        )
        print(secret)
    elif args.token_command == "revoke":
        token = queries.get_token(actor, args.prefix)
        actions.revoke_token(actor, token)
        print(f"token {token.prefix} revoked")
    else:
        for t in queries.tokens(actor).order_by("id"):
            state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
            print(f"{t.prefix}  {t.user.email:32} {state:18} {t.name}")
        for t in ScimToken.objects.filter(organization=actor.organization).order_by("id"):
            state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
            print(f"{t.prefix}  {'(SCIM)':32} {state:18} {t.name}")
    return 0


def _scim_token(actor, args: argparse.Namespace) -> int:
    from django.conf import settings

    from pilote.errors import NotFound
    from pilote.orgs import scim
    from pilote.orgs.models import ScimToken

    if args.token_command == "create":
        token, secret = scim.create_token(actor, args.name)
        print(
            f"SCIM token {token.prefix} for {actor.organization} ({token.name}); its base URL"
            f" is {settings.PILOTE_BASE_URL}/scim/v2 — keep this secret, it is not shown again:"
        )
        print(secret)
        return 0
    token = ScimToken.objects.filter(organization=actor.organization, prefix=args.prefix).first()
    if token is None:
        raise NotFound("unknown token", [("prefix", f"no SCIM token {args.prefix}")])
    scim.revoke_token(actor, token)
    print(f"SCIM token {token.prefix} revoked")
    return 0


def do_org(args: argparse.Namespace) -> int:
    from pilote.orgs.actions import create_organization
    from pilote.orgs.models import Organization

    if args.org_command == "create":
        org = create_organization(args.name, args.locale)
        print(f"created organisation {org.name}")
    else:
        for org in Organization.objects.order_by("name"):
            print(org.name)
    return 0


def do_roadmap(args: argparse.Namespace) -> int:
    import json

    from pilote.roadmap.queries import get_initiative
    from pilote.roadmap.ranking import Roadmap

    actor = _system(args)
    rm = Roadmap(actor)
    if args.explain:
        print(
            json.dumps(
                rm.explain(get_initiative(actor, args.explain)), ensure_ascii=False, indent=2
            )
        )
        return 0
    if args.ledger:
        led = rm.org_ledger

        def fmt(v, pattern):
            return "—" if v is None else pattern.format(v)

        print(
            f"reviewed bets: {led.reviewed}; delivered at least half: {fmt(led.delivered_half, '{:.0%}')}; "
            f"measured/declared: {fmt(led.mean_ratio, '{:.2f}')}; calibration x{led.calibration:.2f}"
        )
        for row in rm.ranked(include_closed=True):
            for rev in row.reviews:
                measured = "—" if rev.measured is None else f"{rev.measured:g}"
                print(
                    f"  {row.bid.key:28} {rev.key_result:28} declared {rev.expected:g}  measured {measured}"
                )
        return 0
    print(f"method: {rm.policy.prioritisation}")
    for row in rm.load(rm.ranked(args.horizon)):
        score = "not scored" if row.value is None else f"{row.value:.5f}"
        rank = f"#{row.rank}" if row.rank else "  -"
        print(
            f"{rank:>4}  {score:>11}  {(row.initiative.horizon or 'later'):6} {row.initiative.key:28} {row.initiative.title}"
        )
    return 0


def do_bench(args: argparse.Namespace) -> int:
    from pilote.bench.generate import generate
    from pilote.errors import Invalid

    if args.bench_command == "run":
        from pathlib import Path

        from pilote.bench.run import as_json, markdown, run

        report = run(args.org, args.repeat, tuple(args.skip or ()))
        print(markdown(report))
        if args.out:
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            slug = args.org.lower().replace(" ", "-")
            stem = out / f"{report.machine['date']}-{slug}-{report.database}"
            stem.with_suffix(".json").write_text(as_json(report) + "\n")
            stem.with_suffix(".md").write_text(markdown(report) + "\n")
            print(f"written: {stem}.json, {stem}.md")
        return 0
    if args.employees < 10:
        raise Invalid("too small", [("--employees", "at least 10")])
    g = generate(args.employees, args.seed, start=args.start, name=args.name)
    print(
        f"{g.organization}: {g.units} units, {g.people} people, {g.objectives} objectives, "
        f"{g.key_results} key results, {g.check_ins} check-ins, {g.initiatives} initiatives "
        f"in {g.seconds:.1f} s"
    )
    return 0


def do_backup(args: argparse.Namespace) -> int:
    from pilote.backup import BackupError, backup

    try:
        kind = backup(args.file)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"backed up the {kind} database to {args.file}")
    return 0


def do_restore(args: argparse.Namespace) -> int:
    from pilote.backup import BackupError, restore

    if not args.yes:
        if not sys.stdin.isatty():
            print("error: restore replaces every organisation's data: pass --yes", file=sys.stderr)
            return 1
        if input(f"Replace the whole database with {args.file}? [y/N] ").strip().lower() != "y":
            return 1
    try:
        kind = restore(args.file)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"restored the {kind} database from {args.file}")
    return 0


COMMANDS = {
    "serve": do_serve,
    "backup": do_backup,
    "restore": do_restore,
    "demo": do_demo,
    "migrate": do_migrate,
    "import": do_import,
    "export": do_export,
    "lint": do_lint,
    "checkin": do_checkin,
    "decide": do_decide,
    "cycle": do_cycle,
    "user": do_user,
    "token": do_token,
    "org": do_org,
    "roadmap": do_roadmap,
    "bench": do_bench,
}
from pilote.cli_sources import COMMANDS as _SOURCE_COMMANDS  # noqa: E402

COMMANDS.update(_SOURCE_COMMANDS)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup()
    from pilote.errors import PiloteError

    try:
        if args.command not in ("serve", "demo", "migrate", "worker", "backup", "restore"):
            _migrate()
        return COMMANDS[args.command](args)
    except PiloteError as exc:
        _print_errors(exc)
        return 1
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
