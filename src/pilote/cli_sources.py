"""`pilote worker`, `source …`, `feedback …`, `notify …`, `check` (rule 4: translate only)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _pairs(items: list[str] | None, what: str) -> dict[str, Any]:
    """``name=value`` pairs; a value that reads as JSON (numbers, lists, mappings) is parsed."""
    from pilote.errors import Invalid

    out: dict[str, Any] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise Invalid(f"bad {what}", [(f"--{what}", f"{item!r} is not NAME=VALUE")])
        try:
            out[name] = json.loads(value)
        except ValueError:
            out[name] = value
    return out


def add_parsers(cmd, org_opt) -> None:
    w = cmd(
        "worker",
        "Run background work: scheduled syncs, reminders, digests, e-mails, webhooks.",
    )
    w.add_argument(
        "--interval", type=float, default=1.0, help="seconds between two looks (default 1)"
    )
    w.add_argument(
        "--seconds", type=float, help="stop after this many seconds (default: run until stopped)"
    )

    s = cmd("source", "Data sources that feed key results: list, add, sync, runs.")
    ssub = s.add_subparsers(dest="source_command", metavar="ACTION", required=True)
    sl = ssub.add_parser("list", help="List data sources.", description="List data sources.")
    org_opt(sl)
    sa = ssub.add_parser("add", help="Add a data source.", description="Add a data source.")
    org_opt(sa)
    sa.add_argument("--key", required=True)
    sa.add_argument("--name", required=True)
    sa.add_argument(
        "--kind", required=True, help="sql, http_json, csv, feedback, webhook, feedback_inbox"
    )
    sa.add_argument("--key-result", help="the key result it feeds")
    sa.add_argument("--param", action="append", metavar="NAME=VALUE", help="a parameter (repeat)")
    sa.add_argument(
        "--secret", action="append", metavar="NAME=VALUE", help="a secret parameter (repeat)"
    )
    sa.add_argument("--every", type=int, metavar="MINUTES", help="pull on this schedule")
    sa.add_argument(
        "--allow-private", action="store_true", help="may reach private/loopback addresses"
    )
    ss = ssub.add_parser("sync", help="Sync a source now.", description="Sync a source now.")
    org_opt(ss)
    ss.add_argument("key")
    sr = ssub.add_parser("runs", help="A source's last runs.", description="A source's last runs.")
    org_opt(sr)
    sr.add_argument("key")

    f = cmd("feedback", "Market and user feedback: import a CSV export, search.")
    fsub = f.add_subparsers(dest="feedback_command", metavar="ACTION", required=True)
    fi = fsub.add_parser(
        "import",
        help="Import feedback from a CSV file (all or nothing).",
        description="Import feedback from a CSV file (all or nothing). Columns: channel, date, "
        "text, rating, nps, segment, tags, link, external_id.",
    )
    org_opt(fi)
    fi.add_argument("file")
    fi.add_argument("--channel", help="the channel of rows that name none")
    fl = fsub.add_parser("list", help="Search feedback.", description="Search feedback.")
    org_opt(fl)
    fl.add_argument("--q", default="", help="words to find")
    fl.add_argument("--limit", type=int, default=20)

    n = cmd("notify", "Run a notification job now (reminders or the weekly digest).")
    org_opt(n)
    n.add_argument("job", choices=["reminders", "digest"])

    c = cmd(
        "check",
        "Check that the figures stored by the actions equal a full recomputation (exit 1 if not).",
    )
    org_opt(c)
    c.add_argument(
        "--fix", action="store_true", help="store the recomputed figures where they differ"
    )


def do_worker(args: argparse.Namespace) -> int:
    from pilote import worker

    print(f"Pilote worker {worker.worker_id()} running (Ctrl+C to stop)", flush=True)
    try:
        worker.run(interval=args.interval, seconds=args.seconds)
    except KeyboardInterrupt:
        pass
    return 0


def do_source(args: argparse.Namespace) -> int:
    from pilote.cli import _system
    from pilote.sources import actions, queries

    actor = _system(args)
    if args.source_command == "list":
        for s in queries.sources(actor):
            state = "stale" if queries.stale(s) else ("error" if s.last_error else "ok")
            feeds = s.key_result.key if s.key_result_id else "-"
            every = f"every {s.interval_minutes} min" if s.interval_minutes else "on demand/push"
            print(f"{s.key:24} {s.kind:14} {feeds:24} {every:18} {state}")
    elif args.source_command == "add":
        data = {
            "key": args.key, "name": args.name, "kind": args.kind, "key_result": args.key_result,
            "params": _pairs(args.param, "param"), "secrets": _pairs(args.secret, "secret"),
            "interval_minutes": args.every, "allow_private": args.allow_private,
        }  # fmt: skip
        source = actions.create_source(actor, data)
        print(f"source {source.key} added")
        if source.kind in actions.PUSH_KINDS:
            print(f"webhook: POST /api/v1/hooks/{source.hook_id}")
            print(f"signing secret (shown once): {source.webhook_secret}")
    elif args.source_command == "sync":
        run = actions.sync_source(queries.get_source(actor, args.key), "cli", worker="cli")
        print(
            f"{run.outcome}: value {run.value if run.value is not None else '-'}  {run.error}".rstrip()
        )
        return 1 if run.outcome == "failed" else 0
    else:
        for r in queries.runs(actor, queries.get_source(actor, args.key))[:20]:
            value = "-" if r.value is None else f"{r.value:g}"
            print(
                f"{r.started_at:%Y-%m-%d %H:%M:%S}  {r.trigger:9} {r.outcome:9} {value:>10}  {r.error}"
            )
    return 0


def do_feedback(args: argparse.Namespace) -> int:
    from pilote.cli import _system
    from pilote.errors import Invalid
    from pilote.sources import feedback

    actor = _system(args)
    if args.feedback_command == "import":
        try:
            text = Path(args.file).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise Invalid("cannot read the file", [(args.file, exc.strerror or str(exc))]) from None
        rows = feedback.items_from_csv(text)
        if args.channel:
            rows = [{"channel": args.channel, **r} for r in rows]
        created = feedback.record_feedback(actor, rows, path="rows")
        print(f"{len(created)} feedback items recorded, {len(rows) - len(created)} already known")
    else:
        items = feedback.search(actor, args.q)
        for item in items[: args.limit]:
            score = (
                f"★{item.rating:g}"
                if item.rating is not None
                else (f"NPS {item.nps}" if item.nps is not None else "")
            )
            print(f"{item.received}  {item.channel:16} {score:8} {item.text[:80]}")
        print(f"{items.count()} item(s)")
    return 0


def do_notify(args: argparse.Namespace) -> int:
    from django.db import transaction

    from pilote.cli import _system
    from pilote.notify import jobs

    actor = _system(args)
    with transaction.atomic():
        made = {"reminders": jobs.weekly_reminders, "digest": jobs.digest}[args.job](
            actor.organization
        )
    print(f"{made} notification(s) sent")
    return 0


def do_check(args: argparse.Namespace) -> int:
    from pilote.cli import _system
    from pilote.goals import figures, latest

    actor = _system(args)
    org = actor.organization
    wrong = latest.mismatches(org.pk)
    for key, have, want in wrong[:50]:
        print(f"key result {key}: stored current reading {have}, recomputed {want}")
    if wrong and args.fix:
        print(f"fixed {latest.refresh(org.pk)} key result(s)")
        return 0
    # The figures stored on every KR and objective row (goals/figures.py) against a rebuild.
    kept = [] if wrong else figures.mismatches(org)
    if kept and args.fix:
        print(f"fixed {figures.rebuild(org)} stored figure(s)")
        return 0
    for line in kept[:50]:
        print(line)
    total = len(wrong) + len(kept)
    print(f"{org.name}: {total} difference(s) between stored and recomputed figures")
    return 1 if total else 0


COMMANDS = {
    "worker": do_worker,
    "source": do_source,
    "feedback": do_feedback,
    "notify": do_notify,
    "check": do_check,
}
