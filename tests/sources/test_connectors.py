"""Each connector against a real server on loopback; every bad source leaves a clear error."""

from __future__ import annotations

import json
import sqlite3

import pytest

from pilote.goals.models import CheckIn
from pilote.orgs.access import Actor
from pilote.orgs.models import Organization
from pilote.sources.actions import create_source, sync_source
from pilote.sources.models import DataSource, SyncRun
from tests.loopback import Answer, http_server

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _world(world, settings, tmp_path):
    """Acme's tact-kr (baseline 10, target 20, one check-in at 15) is what the sources feed.

    The operator opened the test's own folder to file sources (PILOTE_SOURCE_DIRS)."""
    settings.PILOTE_SOURCE_DIRS = [str(tmp_path)]


def org():
    return Organization.objects.get(name="Acme")


def source(kind: str, params: dict, secrets: dict | None = None, allow_private=True, key="s1"):
    return create_source(
        Actor.system(org()),
        {
            "key": key,
            "name": key,
            "kind": kind,
            "key_result": "tact-kr",
            "params": params,
            "secrets": secrets or {},
            "allow_private": allow_private,
        },
    )


def check_ins():
    return CheckIn.objects.filter(key_result__key="tact-kr", organization=org()).count()


def assert_failed(src: DataSource, run: SyncRun, words: str, before: int):
    src.refresh_from_db()
    assert run.outcome == "failed"
    assert words in run.error, run.error
    assert src.last_error == run.error
    assert check_ins() == before  # nothing lost, nothing added


def test_an_http_json_source_reads_the_number_at_its_path_and_records_its_provenance():
    body = json.dumps({"data": {"rating": "16,5", "count": 812}}).encode()
    with http_server({"/stats": Answer(body=body)}) as srv:
        src = source("http_json", {"url": f"{srv.url}/stats", "path": "data.rating"},
                     {"headers": {"Authorization": "Bearer s3cret"}})  # fmt: skip
        run = sync_source(src)
    assert run.outcome == "applied", run.error
    assert run.value == 16.5 and run.raw_value == '"16,5"'
    assert srv.received[0].headers["Authorization"] == "Bearer s3cret"
    ci = run.check_in
    assert ci.value == 16.5 and ci.source == "source:s1" and ci.raw_value == '"16,5"'
    assert ci.fetched_at is not None
    src.refresh_from_db()
    assert src.last_success_at is not None and src.last_error == ""


@pytest.mark.parametrize(
    ("answer", "path", "words"),
    [
        (Answer(status=500, body=b"boom"), "value", "answered HTTP 500"),
        (Answer(body=b"<html>"), "value", "did not answer JSON"),
        (Answer(body=b'{"value": "n/a"}'), "value", "a text of 3 character(s), not a number"),
        (Answer(body=b'{"other": 1}'), "value", "found nothing"),
        (Answer(body=b'{"value": true}'), "value", "not a number"),
        (Answer(body=b'{"value": 1}', delay=3), "value", "did not answer within 1 s"),
    ],
    ids=["http-500", "not-json", "non-numeric", "wrong-schema", "boolean", "time-out"],
)
def test_a_bad_http_source_leaves_a_clear_error_and_loses_nothing(answer, path, words):
    before = check_ins()
    with http_server({"/v": answer}) as srv:
        src = source("http_json", {"url": f"{srv.url}/v", "path": path, "timeout": 1})
        run = sync_source(src)
    assert_failed(src, run, words, before)


def test_a_source_error_never_quotes_what_the_source_read():
    secret = b"<html>salary of the CEO: 1234567</html>"
    for answer, path in ((Answer(body=secret), "value"),
                         (Answer(body=b'{"v": ["salary 1234567"]}'), "sum(v)")):  # fmt: skip
        with http_server({"/v": answer}) as srv:
            src = source("http_json", {"url": f"{srv.url}/v", "path": path, "timeout": 1})
            run = sync_source(src)
        assert run.outcome == "failed" and run.error
        assert "1234567" not in run.error and "salary" not in run.error, run.error
        DataSource.objects.filter(pk=src.pk).delete()


def test_loopback_and_private_addresses_are_refused_unless_an_admin_allows_them():
    before = check_ins()
    with http_server({"/v": Answer(body=b'{"value": 15}')}) as srv:
        src = source("http_json", {"url": f"{srv.url}/v", "path": "value"}, allow_private=False)
        run = sync_source(src)
        assert_failed(src, run, "private or loopback address: refused", before)
        assert srv.received == []  # refused before any connection
    for url in (
        "http://10.1.2.3/x",
        "http://192.168.0.1/x",
        "http://[::1]/x",
        "http://169.254.169.254/",
    ):
        src.params["url"] = url
        src.save()
        assert "refused" in sync_source(src).error


def test_a_redirect_without_a_location_is_refused():
    with http_server({"/v": Answer(status=302, body=b"")}) as srv:
        src = source("http_json", {"url": f"{srv.url}/v", "path": "value"})
        run = sync_source(src)
    assert run.outcome == "failed" and "redirects" in run.error


def test_a_sql_source_reads_one_number_from_a_sqlite_database(tmp_path):
    db = tmp_path / "warehouse.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("create table sales (amount real)")
        conn.executemany("insert into sales values (?)", [(14.0,), (16.0,), (18.0,)])
    src = source("sql", {"query": "select avg(amount) from sales"}, {"url": f"sqlite:///{db}"})
    run = sync_source(src)
    assert run.outcome == "applied", run.error
    assert run.value == 16.0 and run.check_in.raw_value == "16.0"


def test_a_sql_source_is_read_only_and_refuses_more_than_one_statement(tmp_path):
    db = tmp_path / "w.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("create table t (x real)")
    before = check_ins()
    src = source("sql", {"query": "select 1"}, {"url": f"sqlite:///{db}"})
    for query, words in (
        ("delete from t", "must be one SELECT"),
        ("select 1; drop table t", "single statement"),
        # A write hidden in a WITH: refused (it cannot stand inside the bounded read).
        ("with x as (select 1) insert into t select * from x", "the database refused"),
        ("select x from t", "one row with one column; it returned 0 row(s)"),
        ("select 1, 2", "one row with one column; it returns 2 columns"),
        ("select printf('%.*c', 1000000, 'x')", "a text of 101 character(s), not a number"),
        ("select 'n/a'", "not a number"),
        ("select nope from t", "the database refused: no such column"),
    ):
        DataSource.objects.filter(pk=src.pk).update(params={"query": query})
        src.refresh_from_db()
        assert_failed(src, sync_source(src), words, before)
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from t").fetchone() == (0,)


def test_a_sql_query_running_past_its_time_limit_is_stopped(tmp_path):
    db = tmp_path / "slow.sqlite3"
    sqlite3.connect(db).close()
    slow = (
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000000) "
        "select count(*) from n"
    )
    src = source("sql", {"query": slow, "timeout": 0.5}, {"url": f"sqlite:///{db}"})
    run = sync_source(src)
    assert run.outcome == "failed" and "longer than its limit of 0.5 s" in run.error


def test_a_sql_source_with_a_bad_database_url_says_so():
    from pilote.errors import Invalid

    with pytest.raises(Invalid) as exc:
        source("sql", {"query": "select 1"}, {"url": "nosuchdb://x"})
    assert "not supported" in dict(exc.value.errors)["secrets.url"]


def test_a_sql_source_reads_postgresql(settings):
    import os

    url = os.environ.get("PILOTE_DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("runs in the PostgreSQL pass of scripts/test (PILOTE_DATABASE_URL=postgres…)")
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop table if exists pilote_src_test")
        conn.execute("create table pilote_src_test (v numeric)")
        conn.execute("insert into pilote_src_test values (7.5), (8.5)")
        # Sources connect with a read-only role (docs/sources.md): a superuser is refused.
        conn.execute(
            "do $$ begin if not exists (select from pg_roles where rolname = 'pilote_reader')"
            " then create role pilote_reader login; end if; end $$"
        )
        conn.execute("grant select on pilote_src_test to pilote_reader")
        conn.execute("drop sequence if exists pilote_src_seq")
        conn.execute("create sequence pilote_src_seq")
        conn.execute("grant usage on sequence pilote_src_seq to pilote_reader")
    sa_url = url.replace("postgres://", "postgresql+psycopg://", 1)
    reader_url = sa_url.replace("//postgres@", "//pilote_reader@", 1)
    src = source("sql", {"query": "select sum(v) from pilote_src_test"}, {"url": reader_url})
    run = sync_source(src)
    assert run.outcome == "applied" and run.value == 16.0, run.error
    DataSource.objects.filter(pk=src.pk).update(
        params={"query": "select pg_sleep(3)", "timeout": 0.3}
    )
    src.refresh_from_db()
    assert "longer than its limit" in sync_source(src).error
    DataSource.objects.filter(pk=src.pk).update(
        params={
            "query": "with d as (delete from pilote_src_test returning 1) select count(*) from d"
        }
    )
    src.refresh_from_db()
    assert "the database refused" in sync_source(src).error
    # A write inside a SELECT (a sequence moved) meets the read-only transaction.
    DataSource.objects.filter(pk=src.pk).update(
        params={"query": "select nextval('pilote_src_seq')"}
    )
    src.refresh_from_db()
    assert "read only sql transaction (SQLSTATE 25006)" in sync_source(src).error
    DataSource.objects.filter(pk=src.pk).update(
        params={"query": "select sum(v) from pilote_src_test"}, secrets={"url": sa_url}
    )
    src.refresh_from_db()
    assert "connect with a read-only role" in sync_source(src).error
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("select count(*) from pilote_src_test").fetchone() == (2,)
        conn.execute("drop table pilote_src_test")
        conn.execute("drop sequence pilote_src_seq")


def test_a_csv_source_aggregates_a_column_from_a_file_or_a_url(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text(
        "date;rating\n2027-01-01;14,2\n2027-02-01;15,4\n2027-03-01;16,9\n", encoding="utf-8"
    )
    src = source("csv", {"location": str(path), "column": "rating", "aggregation": "average"})
    run = sync_source(src)
    assert run.outcome == "applied" and run.value == pytest.approx(15.5)
    with http_server({"/r.csv": Answer(body=path.read_bytes(), content_type="text/csv")}) as srv:
        src2 = source("csv", {"location": f"{srv.url}/r.csv", "column": "rating"}, key="s2")
        run2 = sync_source(src2)
    # 16.9 moves from 15.5 by less than half the KR's range (10 -> 20): applied
    assert run2.outcome == "applied" and run2.value == 16.9 and run2.raw_value == "16,9"


@pytest.mark.parametrize(
    ("content", "params", "words"),
    [
        ("a,b\n1,2\n", {"column": "rating"}, "no column 'rating' in the header row (2 columns)"),
        ("rating\nabc\n", {"column": "rating"}, "value of column 'rating' on row 2 is a text"),
        ("rating\n", {"column": "rating"}, "has no value"),
        (
            "rating\n1\n",
            {"column": "rating", "aggregation": "median"},
            "aggregation must be one of",
        ),
    ],
)
def test_a_bad_csv_leaves_a_clear_error(tmp_path, content, params, words):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    before = check_ins()
    src = source("csv", {"location": str(path), **params})
    assert_failed(src, sync_source(src), words, before)


def test_a_missing_csv_file_says_which(tmp_path):
    missing = tmp_path / "no-such-file.csv"
    src = source("csv", {"location": str(missing), "column": "x"})
    assert f"cannot read {missing}" in sync_source(src).error


def test_setting_up_a_source_checks_its_parameters_with_their_paths():
    from pilote.errors import Invalid

    with pytest.raises(Invalid) as exc:
        create_source(
            Actor.system(org()),
            {"key": "bad", "name": "Bad", "kind": "http_json", "key_result": "tact-kr",
             "params": {"path": "data.[", "colour": "red"}},
        )  # fmt: skip
    paths = dict(exc.value.errors)
    assert "params.url" in paths and "params.colour" in paths and "params.path" in paths
    with pytest.raises(Invalid) as exc:
        create_source(
            Actor.system(org()), {"key": "bad", "name": "B", "kind": "ftp", "key_result": "tact-kr"}
        )
    assert exc.value.errors[0][0] == "kind"
    assert not DataSource.objects.filter(key="bad").exists()


def test_a_source_s_numbers_and_switches_are_checked_with_their_paths():
    from pilote.errors import Invalid

    base = {
        "key": "n",
        "name": "N",
        "kind": "webhook",
        "key_result": "tact-kr",
        "params": {"path": "v"},
    }
    for field, value in (("interval_minutes", 0), ("interval_minutes", True), ("jump_factor", True),
                         ("jump_factor", -1), ("enabled", "yes")):  # fmt: skip
        with pytest.raises(Invalid) as exc:
            create_source(Actor.system(org()), {**base, field: value})
        assert [p for p, _ in exc.value.errors] == [field]
    assert not DataSource.objects.filter(key="n").exists()
