"""What a data source may reach: the attacks of the security review, each refused.

A lead could once read Pilote's own database (password hashes, session keys) through a
SQL source, any server file through a CSV source, and grow the server without bound
from /dev/zero; errors quoted what they read. Each test here failed before the fix.
"""

from __future__ import annotations

import os
import socket
import sqlite3

import pytest
from django.conf import settings as django_settings

from pilote.errors import Forbidden, Invalid
from pilote.orgs.access import Actor, actor_for
from pilote.orgs.models import Organization, User
from pilote.sources import reach
from pilote.sources.actions import create_source, sync_source, update_source
from pilote.sources.models import DataSource
from tests.loopback import Answer, http_server

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dirs(world, settings, tmp_path):
    settings.PILOTE_SOURCE_DIRS = [str(tmp_path)]


def acme():
    return Organization.objects.get(name="Acme")


def person(role: str) -> Actor:
    return actor_for(User.objects.get(email=f"{role}@acme.example"), acme())


def data(kind: str, params: dict, secrets: dict | None = None, **extra) -> dict:
    return {"key": "s1", "name": "S", "kind": kind, "key_result": "tact-kr", "params": params,
            "secrets": secrets or {}, **extra}  # fmt: skip


def refused(actor: Actor, payload: dict) -> str:
    """The error creating this source gives; nothing is created."""
    with pytest.raises((Forbidden, Invalid)) as exc:
        create_source(actor, payload)
    assert not DataSource.objects.filter(organization=acme(), key=payload["key"]).exists()
    errors = getattr(exc.value, "errors", None) or []
    return " | ".join([str(exc.value), *(m for _, m in errors)])


def sqlite_file(path, rows=(("hunter2",),)):
    with sqlite3.connect(path) as conn:
        conn.execute("create table secrets (v text)")
        conn.executemany("insert into secrets values (?)", rows)
    return path


def test_a_lead_cannot_set_up_a_sql_source_or_a_file_on_the_server(tmp_path):
    db = sqlite_file(tmp_path / "w.sqlite3")
    (tmp_path / "r.csv").write_text("rating\n4\n")
    lead = person("lead")
    assert "only admins" in refused(
        lead, data("sql", {"query": "select 1"}, {"url": f"sqlite:///{db}"})
    )
    assert "only admins" in refused(
        lead, data("csv", {"location": str(tmp_path / "r.csv"), "column": "rating"})
    )
    # The same lead may still read a CSV from an address (checked like every URL).
    create_source(lead, data("csv", {"location": "https://exports.example/r.csv", "column": "x"}))
    source = DataSource.objects.get(organization=acme(), key="s1")
    # ... but not turn it into a file on the server afterwards.
    with pytest.raises(Forbidden):
        update_source(lead, source, {"params": {"location": str(tmp_path / "r.csv"),
                                                "column": "rating"}})  # fmt: skip
    source.refresh_from_db()
    assert source.params["location"].startswith("https://")
    assert person("executive").role == "executive"
    assert "only admins" in refused(
        person("executive"),
        data("sql", {"query": "select 1"}, {"url": f"sqlite:///{db}"}, key="s2"),
    )


def test_pilote_s_own_sqlite_database_is_refused_even_inside_an_opened_directory(
    tmp_path, monkeypatch
):
    # Pilote's database file as production has it (the test database itself is in memory).
    own = sqlite_file(tmp_path / "pilote.sqlite3", rows=(("argon2$hash",),))
    monkeypatch.setitem(
        django_settings.DATABASES["default"], "ENGINE", "django.db.backends.sqlite3"
    )
    monkeypatch.setitem(django_settings.DATABASES["default"], "NAME", str(own))
    admin = person("admin")
    for url in (f"sqlite:///{own}", f"sqlite:///{tmp_path}/./pilote.sqlite3"):
        message = refused(admin, data("sql", {"query": "select v from secrets"}, {"url": url}))
        assert "Pilote's own files" in message
    (tmp_path / "alias.sqlite3").symlink_to(own)
    assert "Pilote's own files" in refused(
        admin, data("sql", {"query": "select 1"}, {"url": f"sqlite:///{tmp_path}/alias.sqlite3"})
    )


def test_the_secret_key_and_a_hard_link_to_the_database_are_refused(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    (tmp_path / "secret_key").write_text("s3cr3t")
    linked = tmp_path / "copy.csv"
    os.link(tmp_path / "secret_key", linked)
    admin = person("admin")
    assert "Pilote's own files" in refused(
        admin, data("csv", {"location": str(tmp_path / "secret_key"), "column": "x"})
    )
    assert "Pilote's own files" in refused(
        admin, data("csv", {"location": str(linked), "column": "x"})
    )


def test_files_outside_the_opened_directories_are_refused_symlinks_resolved(tmp_path, settings):
    admin = person("admin")
    message = refused(admin, data("csv", {"location": "/etc/passwd", "column": "root"}))
    assert "outside the directories" in message and "root:x" not in message
    (tmp_path / "passwd").symlink_to("/etc/passwd")
    assert "outside the directories" in refused(
        admin, data("csv", {"location": str(tmp_path / "passwd"), "column": "root"})
    )
    assert "outside the directories" in refused(
        admin, data("csv", {"location": f"{tmp_path}/../../etc/passwd", "column": "root"})
    )
    assert "outside the directories" in refused(
        admin, data("sql", {"query": "select 1"}, {"url": "sqlite:////etc/passwd"})
    )
    settings.PILOTE_SOURCE_DIRS = []
    assert "PILOTE_SOURCE_DIRS" in refused(
        admin, data("csv", {"location": str(tmp_path / "x.csv"), "column": "x"})
    )


def test_dev_zero_a_fifo_and_an_oversized_file_are_refused_without_reading_them(
    tmp_path, settings, monkeypatch
):
    admin = person("admin")
    settings.PILOTE_SOURCE_DIRS = [str(tmp_path), "/dev"]
    create_source(admin, data("csv", {"location": "/dev/zero", "column": "x"}))
    source = DataSource.objects.get(organization=acme(), key="s1")
    assert "not a regular file" in sync_source(source).error
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    DataSource.objects.filter(pk=source.pk).update(params={"location": str(fifo), "column": "x"})
    source.refresh_from_db()
    assert "not a regular file" in sync_source(source).error  # and did not hang
    big = tmp_path / "big.csv"
    big.write_text("x\n" + "1\n" * 1000)
    monkeypatch.setattr(reach, "MAX_BYTES", 100)
    DataSource.objects.filter(pk=source.pk).update(params={"location": str(big), "column": "x"})
    source.refresh_from_db()
    assert "larger than" in sync_source(source).error


def test_run_errors_never_quote_the_data_they_read(tmp_path):
    admin = person("admin")
    (tmp_path / "a.csv").write_text("hunter2-header,other\nx,y\n")
    (tmp_path / "b.csv").write_text("rating\nhunter2-cell\n")
    db = sqlite_file(tmp_path / "w.sqlite3")
    cases = [
        data("csv", {"location": str(tmp_path / "a.csv"), "column": "rating"}, key="a"),
        data("csv", {"location": str(tmp_path / "b.csv"), "column": "rating"}, key="b"),
        data("sql", {"query": "select v from secrets"}, {"url": f"sqlite:///{db}"}, key="c"),
    ]
    for payload in cases:
        run = sync_source(create_source(admin, payload))
        assert run.outcome == "failed"
        assert "hunter2" not in run.error and "hunter2" not in run.raw_value, run.error
    with http_server({"/v": Answer(body=b'{"value": "hunter2-json"}')}) as srv:
        src = create_source(
            Actor.system(acme()),
            data(
                "http_json", {"url": f"{srv.url}/v", "path": "value"}, key="d", allow_private=True
            ),
        )
        run = sync_source(src)
    assert run.outcome == "failed" and "hunter2" not in run.error, run.error


@pytest.mark.parametrize(
    "query",
    [
        "select length(pg_read_file('/etc/passwd'))",
        "select length(pg_read_binary_file('/etc/shadow'))",
        "select count(*) from pg_ls_dir('/')",
        "select lo_import('/etc/passwd')",
        "select length(query_to_xml('select 1', true, true, ''))",
        "select count(*) from dblink('dbname=x', 'select 1') as t(a int)",
        "SELECT LENGTH(PG_READ_FILE('/etc/passwd'))",
    ],
)
def test_server_file_and_program_functions_are_refused_in_a_query(query, tmp_path):
    db = sqlite_file(tmp_path / "w.sqlite3")
    message = refused(person("admin"), data("sql", {"query": query}, {"url": f"sqlite:///{db}"}))
    assert "may not call" in message


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql+psycopg://u@public.example/db?host=127.0.0.1", "may not set host"),
        ("postgresql+psycopg://u@public.example/db?hostaddr=127.0.0.1", "may not set hostaddr"),
        ("postgresql+psycopg://u@public.example/db?service=pilote", "may not set service"),
        ("postgresql+psycopg:///db", "names no host"),
        ("postgresql+psycopg://u@127.0.0.1/db", "private or loopback address"),
        ("postgresql+psycopg://u@[::1]/db", "private or loopback address"),
        ("postgresql+psycopg://u@10.0.0.5/db", "private or loopback address"),
        ("sqlite://", "needs a database file"),
        ("sqlite:///:memory:", "needs a database file"),
        ("gopher://x/y", "not supported"),
        ("not a url", "not usable"),
    ],
)
def test_database_urls_that_reach_inside_are_refused(url, words):
    message = refused(person("admin"), data("sql", {"query": "select 1"}, {"url": url}))
    assert words in message, message


def test_pilote_s_own_postgresql_database_is_refused_even_when_private_addresses_are_allowed():
    db = django_settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        pytest.skip("runs in the PostgreSQL pass of scripts/test")
    host = db.get("HOST") or "127.0.0.1"
    url = f"postgresql+psycopg://{db.get('USER') or 'postgres'}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"
    message = refused(person("admin"), data("sql", {"query": "select 1"}, {"url": url},
                                            allow_private=True))  # fmt: skip
    assert "Pilote's own database" in message
    localhost = url.replace(f"@{host}:", "@localhost:")
    assert "Pilote's own database" in refused(
        person("admin"), data("sql", {"query": "select 1"}, {"url": localhost}, allow_private=True)
    )


def test_every_redirect_is_checked_and_followed_only_within_its_limit(monkeypatch):
    with http_server({}) as target, http_server({}) as srv:
        target.routes["/v"] = Answer(body=b'{"value": 16}')
        srv.routes["/hop"] = Answer(302, b"", headers={"Location": "/v"})
        srv.routes["/v"] = Answer(body=b'{"value": 16}')
        srv.routes["/out"] = Answer(302, b"", headers={
            "Location": target.url.replace("127.0.0.1", "127.0.0.2") + "/v"})  # fmt: skip
        srv.routes["/loop"] = Answer(302, b"", headers={"Location": "/loop"})
        system = Actor.system(acme())
        ok = create_source(system, data("http_json", {"url": f"{srv.url}/hop", "path": "value"},
                                        allow_private=True))  # fmt: skip
        assert sync_source(ok).outcome == "applied"
        loop = create_source(system, data("http_json", {"url": f"{srv.url}/loop", "path": "value"},
                                          key="s2", allow_private=True))  # fmt: skip
        assert "redirects more than 5 times" in sync_source(loop).error
        # Only 127.0.0.1 counts as public here: the redirect to 127.0.0.2 must be refused.
        monkeypatch.setattr(reach, "refused_address", lambda ip: str(ip) != "127.0.0.1")
        out = create_source(system, data("http_json", {"url": f"{srv.url}/out", "path": "value"},
                                         key="s3"))  # fmt: skip
        run = sync_source(out)
    assert "127.0.0.2" in run.error and "refused" in run.error


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch):
    """A second DNS answer (rebinding) cannot move the request: it goes to the checked IP."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1"] + ["10.9.9.9"] * 10)

    def rebinding(host, *args, **kwargs):
        if host == "rebind.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), 0))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(reach, "refused_address", lambda ip: str(ip) != "127.0.0.1")
    with http_server({"/v": Answer(body=b'{"value": 16}')}) as srv:
        port = srv.url.rsplit(":", 1)[1]
        src = create_source(
            Actor.system(acme()),
            data("http_json", {"url": f"http://rebind.example:{port}/v", "path": "value"}),
        )
        answers = iter(["127.0.0.1"] + ["10.9.9.9"] * 10)  # fresh: save time resolved once
        run = sync_source(src)
    assert run.outcome == "applied", run.error
    assert srv.received[0].headers["Host"] == f"rebind.example:{port}"
