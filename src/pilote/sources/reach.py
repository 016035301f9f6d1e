"""What a data source may reach outside Pilote: files, databases and addresses (rule 12).

Who may set up a source that reaches the server is decided by the access gate
(``orgs.access.can_manage_source``); this module decides *what* it may reach, at save
time (for a clear error at once) and again at every fetch (the operator's settings
and DNS answers may have changed since):

- a local file only under a directory the operator listed in ``PILOTE_SOURCE_DIRS``
  (resolved, symlinks followed), only a regular file, never one of Pilote's own files
  (its database, its secret key), read up to ``MAX_BYTES``;
- a database URL never to Pilote's own database; a SQLite file under the same rule as a
  local file; any other database only on a public address unless an admin allowed
  private addresses for that source (checked after DNS resolution, and the connection
  is pinned to the address checked);
- an HTTP address likewise (``net.py``), on every redirect.

Errors say what is refused and why, never what a file or a database holds.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import stat
from pathlib import Path

from django.conf import settings

from pilote.messages import say
from pilote.okr.text import N_

from .connectors.base import SourceError

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 200_000

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


def refused_address(ip: IP) -> bool:
    """Loopback, private, link-local, reserved, multicast or unspecified: inside the network."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def resolve(host: str, port: int | None, allow_private: bool) -> list[str]:
    """The host's addresses, each checked; SourceError if any is refused (or none resolves)."""
    try:
        infos = socket.getaddrinfo(host, port or 0, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not a host name"
        raise SourceError(say("unresolved_because", host=host, detail=reason)) from None
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if refused_address(ip) and not allow_private:
            raise SourceError(say("private_address", host=host, ip=str(ip)))
        addresses.append(str(ip))
    if not addresses:
        raise SourceError(say("unresolved", host=host))
    return addresses


# --- local files ---------------------------------------------------------------------


def source_dirs() -> list[Path]:
    """The directories the operator opened to file sources (none by default)."""
    return [Path(d).resolve() for d in settings.PILOTE_SOURCE_DIRS]


def _own_files() -> list[Path]:
    """Pilote's own files: never readable through a source, whatever the directories."""
    own = [Path(settings.DATA_DIR) / "secret_key"]
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and db.get("NAME"):
        name = Path(str(db["NAME"]))
        own += [name, Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal")]
    return own


def _is_own(path: Path) -> bool:
    for own in _own_files():
        try:
            if os.path.samefile(path, own):  # also catches hard links and symlinks
                return True
        except OSError:
            continue
    return False


def local_path(location: str) -> Path:
    """The resolved path of a local file a source may read; SourceError otherwise."""
    text = str(location or "")
    if text.startswith("file:"):
        text = text.removeprefix("file://").removeprefix("file:")
    if not text or "\x00" in text:
        raise SourceError(N_("a file path is required"))
    path = Path(text)
    if not path.is_absolute():
        raise SourceError(say("not_absolute", location=location))
    dirs = source_dirs()
    if not dirs:
        raise SourceError(
            N_(
                "this server reads no local files for sources: the operator lists the directories "
                "that may be read in PILOTE_SOURCE_DIRS"
            )
        )
    resolved = path.resolve()
    if not any(resolved.is_relative_to(d) for d in dirs):
        raise SourceError(say("outside_dirs", location=location))
    if _is_own(resolved):
        raise SourceError(say("own_file", location=location))
    return resolved


def read_local(location: str) -> bytes:
    """A local file's bytes, if it may be read, is a regular file, and is not too large."""
    path = local_path(location)
    try:
        # O_NONBLOCK: opening a FIFO must not hang; the type is checked on the open file.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise SourceError(say("cannot_read", location=location, detail=exc.strerror)) from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(say("not_regular_file", location=location))
        if info.st_size > MAX_BYTES:
            raise SourceError(say("file_too_big", location=location, mb=MAX_BYTES // 1024 // 1024))
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SourceError(say("file_too_big", location=location, mb=MAX_BYTES // 1024 // 1024))
    return data


# --- database URLs -------------------------------------------------------------------

# libpq and SQLAlchemy options a source URL may carry; any other (host=, hostaddr=,
# service=, passfile=, sslrootcert=…) could point the connection elsewhere or at a file.
SAFE_URL_OPTIONS = {"sslmode", "connect_timeout", "application_name", "charset"}
NETWORK_DIALECTS = {"postgresql", "mysql", "mariadb", "mssql", "oracle"}


def database_url(url: str, allow_private: bool):
    """The SQLAlchemy URL a SQL source may open, pinned to the addresses checked.

    Refused: Pilote's own database, a SQLite file outside ``PILOTE_SOURCE_DIRS`` (or an
    in-memory one), a private or loopback server without an admin's permission, options
    that redirect the connection. Returns ``(url, connect_args)``.
    """
    import sqlalchemy as sa

    try:
        parsed = sa.make_url(str(url or ""))
    except Exception:  # noqa: BLE001 — any malformed URL is the user's to fix
        raise SourceError(
            N_("the database URL is not usable: expected e.g. postgresql+psycopg://user@host/db")
        ) from None
    dialect = parsed.get_backend_name()
    unknown = sorted(set(parsed.query) - SAFE_URL_OPTIONS)
    if unknown:
        raise SourceError(say("url_may_not_set", names=", ".join(unknown)))
    if dialect == "sqlite":
        if not parsed.database or parsed.database.startswith(":memory:"):
            raise SourceError(N_("a SQLite source needs a database file"))
        path = local_path(parsed.database)
        # Read-only at the file level too: SQLite opens it with mode=ro.
        return parsed.set(database=f"file:{path}?mode=ro", query={"uri": "true"}), {}
    if dialect not in NETWORK_DIALECTS:
        raise SourceError(say("dialect_unsupported", dialect=dialect))
    hosts = [h for h in (parsed.host or "").split(",") if h]
    if not hosts or any(h.startswith("/") for h in hosts):
        # No host: a local socket, i.e. this server.
        if not allow_private:
            raise SourceError(
                N_(
                    "the database URL names no host (a local socket): refused "
                    "(an admin may allow private addresses for this source)"
                )
            )
        hosts = hosts or ["localhost"]
    if len(hosts) > 1:
        raise SourceError(N_("the database URL must name one host"))
    addresses = resolve(hosts[0], parsed.port, allow_private)
    if _is_pilote_database(dialect, addresses, parsed.port, parsed.database):
        raise SourceError(N_("this URL is Pilote's own database: refused"))
    connect_args = {}
    if dialect == "postgresql":
        # Connect to the address that was checked, not to a second DNS answer.
        connect_args["hostaddr"] = addresses[0]
        connect_args.setdefault("connect_timeout", 10)
    return parsed, connect_args


def _is_pilote_database(dialect: str, addresses: list[str], port, name) -> bool:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql") or dialect != "postgresql":
        return False
    if (name or "") != (db.get("NAME") or ""):
        return False
    if int(port or 5432) != int(db.get("PORT") or 5432):
        return False
    own_host = db.get("HOST") or "localhost"
    try:
        own = resolve(own_host, None, allow_private=True) if not own_host.startswith("/") else []
    except SourceError:
        own = []
    local = {a for a in addresses if ipaddress.ip_address(a).is_loopback}
    return bool(set(addresses) & set(own)) or bool(local and (not own or own_host.startswith("/")))
