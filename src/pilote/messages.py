"""Messages built with values, as a code and its values: one English template per code.

``say("http_status", url=u, status=404)`` is English words (a ``str``: the API, the CLI
and the logs read them as before) that carry their code and values
(``pilote.okr.explain.Coded``). Where a person reads them, ``pilote.words.message`` fills the
template's translation (``django.po``: every template here is marked ``N_``) with the values
in the reader's formats. A message stored in a row (a source's last error, a run's) keeps
its code and values beside its English (``stored``/``said``), so a page shows it in the
reader's language whenever it is read.

A value may itself be a coded message (``what`` of a number that is not one); it is kept as
``{"code", "params"}`` and worded in turn. This module stays free of Django.
"""

from __future__ import annotations

from typing import Any

from pilote.okr.explain import Coded, coded
from pilote.okr.text import N_

TEMPLATES: dict[str, str] = {
    # things that exist, or do not
    "already_exists": N_("{what} '{key}' already exists"),
    "not_found": N_("{what} '{ref}' not found"),
    "no_such": N_("no {what} '{ref}'"),
    "cycle_in_use": N_("cycle '{key}' still has objectives or nested cycles"),
    "unit_in_use": N_("unit '{key}' still has sub-units, objectives or initiatives"),
    "not_in_cycle": N_("objective '{root}' not found in this cycle"),
    "cycle_closed": N_("cycle '{key}' is already closed"),
    "no_grade_proposal": N_("'{key}' has no proposed grade to confirm or dismiss"),
    "comment_deleted": N_("this comment was deleted"),
    "mentioned_stranger": N_("no member of the organisation has the address {email}"),
    # closing the loop (pilote/okr/carry.py)
    "carry_target_reached": N_(
        "the last value {value} already reaches the target {target}: give a new target"
    ),
    "already_carried": N_("objective '{key}' was already carried over to '{to}'"),
    "not_carried_decision": N_(
        "objective '{key}' is decided '{decision}': only keep and change are carried over"
    ),
    "carry_same_cycle": N_(
        "the objectives are carried over to a cycle that starts and ends after '{key}'"
    ),
    "already_member": N_("{email} is already a member"),
    "already_invited": N_("{email} is already invited"),
    "not_member": N_("{email} is not a member of {organization}"),
    "reading_already": N_("this reading was already {status}"),
    "reading_confirmed": N_("confirmed"),
    "reading_rejected": N_("rejected"),
    "stale_etag": N_("stale: the current ETag is {etag}"),
    "body_too_large": N_("the body is larger than {limit} MB"),
    "unknown_kind": N_("unknown kind; known: {known}"),
    "kinds_among": N_("must be a list among {known} (empty: all)"),
    "unknown_field": N_("unknown field; known: {known}"),
    "at_most_items": N_("at most {n} items per request"),
    # a data source's settings
    "required_param": N_("required: {help}"),
    "unknown_param": N_("unknown parameter for {kind}"),
    "param_one_of": N_("{label} must be one of {values}"),
    "label_aggregation": N_("aggregation"),
    "label_metric": N_("metric"),
    "no_connector": N_("no connector named '{kind}' is installed"),
    "path_invalid": N_("not a valid JMESPath expression: {detail}"),
    "path_failed": N_("the path '{path}' failed: {detail}"),
    "path_found_nothing": N_("the path '{path}' found nothing in the document"),
    "query_calls": N_(
        "may not call {function}: it reaches the database server's files or programs"
    ),  # fmt: skip
    # what a source read
    "value_refused": N_("the value {value} is not valid for {key_result}: {reason}"),
    "not_a_number": N_("the {what} is {found}, not a number"),
    "not_finite": N_("the {what} is not a finite number"),
    "empty": N_("empty"),
    "true_false": N_("a true/false value"),
    "a_list": N_("a list of {n} item(s)"),
    "an_object": N_("an object of {n} field(s)"),
    "a_text": N_("a text of {n} character(s)"),
    "the_value": N_("value"),
    "value_at": N_("value at '{path}'"),
    "value_of_column": N_("value of column '{column}' on row {row}"),
    "query_result": N_("query's result"),
    "not_a_date": N_("the date '{raw}' is not YYYY-MM-DD"),
    "unexpected": N_("unexpected error: {detail}"),
    # the network
    "not_http": N_("'{url}' is not an http(s) URL"),
    "bad_port": N_("'{url}' has an invalid port"),
    "redirects": N_("{url} redirects: give the final address"),
    "http_status": N_("{url} answered HTTP {status}"),
    "too_big": N_("{url} sent more than {mb} MB"),
    "too_many_redirects": N_("{url} redirects more than {n} times"),
    "timed_out": N_("{url} did not answer within {seconds} s"),
    "unreadable": N_("{url} could not be read: {detail}"),
    "not_json": N_("{url} did not answer JSON ({n} bytes)"),
    "unresolved": N_("cannot resolve '{host}'"),
    "unresolved_because": N_("cannot resolve '{host}': {detail}"),
    "private_address": N_(
        "'{host}' resolves to {ip}, a private or loopback address: refused "
        "(an admin may allow private addresses for this source)"
    ),  # fmt: skip
    "not_absolute": N_("'{location}' is not an absolute path"),
    "outside_dirs": N_(
        "'{location}' is outside the directories this server opens to sources (PILOTE_SOURCE_DIRS)"
    ),  # fmt: skip
    "own_file": N_("'{location}' is one of Pilote's own files: refused"),
    "cannot_read": N_("cannot read {location}: {detail}"),
    "not_regular_file": N_("{location} is not a regular file"),
    "file_too_big": N_("{location} is larger than {mb} MB"),
    "url_may_not_set": N_("the database URL may not set {names}"),
    "dialect_unsupported": N_("databases of kind '{dialect}' are not supported"),
    "webhook_status": N_("{url} answered HTTP {status}"),
    # databases
    "url_unusable": N_("the database URL is not usable: {detail}"),
    "one_row_one_column": N_(
        "the query must return one row with one column; it returned {rows} row(s)"
    ),  # fmt: skip
    "one_row_one_column_of": N_(
        "the query must return one row with one column; it returned "
        "{rows} row(s) of {columns} column(s)"
    ),  # fmt: skip
    "columns_returned": N_(
        "the query must return one row with one column; it returns {columns} columns"
    ),  # fmt: skip
    "query_too_long": N_("the query ran longer than its limit of {seconds} s"),
    "database_refused": N_("the database refused: {detail}"),
    # files and feedback
    "no_value_in_column": N_("the column '{column}' has no value"),
    "no_column": N_("no column '{column}' in the header row ({n} columns)"),
    "too_many_rows": N_("the file has more than {n} rows"),
    "not_csv": N_("the file is not valid CSV (line {line})"),
    "no_feedback": N_("no feedback item with a {metric} in the last {days} days"),
    "metric_average_rating": N_("average rating"),
    "metric_nps": N_("nps"),
    "file_too_slow": N_("the file took longer than {seconds} s to read"),
    # the importer
    "cannot_read_file": N_("cannot read the file: {detail}"),
    "yaml_at": N_("not valid YAML at line {line}, column {column}: {detail}"),
    "key_used_by": N_("'{key}' is already used by {where}"),
    "email_listed_at": N_("{email} is already listed at {where}"),
    "unknown_member": N_("unknown person '{ref}' (not a member of this organisation)"),
    "kr_belongs_to": N_("'{key}' belongs to objective '{objective}'"),
}


def say(code: str, **params: Any) -> Coded:
    """The English of ``TEMPLATES[code]`` filled with ``params``, carrying both."""
    english = TEMPLATES[code].format(**{k: _english(v) for k, v in params.items()})
    return coded(code, english, **{k: plain(v) for k, v in params.items()})


def _english(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def plain(value: Any) -> Any:
    """A value fit for JSON: a coded message becomes ``{"code", "params", "english"}``."""
    code = getattr(value, "code", "")
    if code and isinstance(value, str):
        return {"code": code, "params": plain(dict(getattr(value, "params", {}))),
                "english": str(value)}  # fmt: skip
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return str(value)  # a lazy translation, a date: as text


def stored(message: str) -> tuple[str, dict]:
    """What a row keeps of a message beside its English: its code and values ("" and {})."""
    code = getattr(message, "code", "")
    return (code, plain(getattr(message, "params", {}))) if code else ("", {})


def said(english: str, code: str, params: dict | None) -> str:
    """A message read back from a row: its English carrying its code and values again."""
    if not code:
        return english or ""
    return coded(code, english or "", **(params or {}))


def rebuilt(value: dict) -> Coded | None:
    """A nested coded value (``plain``) as a message again (its English and code: the
    wording knows the codes of ``pilote.okr.text`` too); None when it is not one."""
    if isinstance(value, dict) and value.get("code"):
        return coded(value["code"], str(value.get("english", "")), **(value.get("params") or {}))
    return None
