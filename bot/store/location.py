"""Where the database lives: refuse a URL newsdigest cannot use, in one line, before any driver is loaded.

A typo in ``--database-url`` must not create directories, load a driver we do not ship, or surface
as a driver's traceback. Only the data directory (the default SQLite file's home) is created.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.app.errors import UserError

EXAMPLES = "sqlite:////absolute/path/newsdigest.sqlite3 or postgresql://user@host:5432/dbname"
_DRIVERS = {"sqlite": {"pysqlite"}, "postgresql": {"psycopg"}}  # what the package ships


def check_database_url(url: str, *, create_dir: bool = False) -> URL:
    """The parsed URL, or a UserError saying what is wrong and what would work.

    ``create_dir`` creates a SQLite file's missing directory (the data directory); otherwise a missing
    directory is an error, so a mistyped path is reported instead of built.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        if "://" not in url:  # a bare path: say exactly which URL means that file
            suggestion = f"sqlite:///{Path(url).expanduser().resolve()}"
            raise UserError(f"{url!r} is a path, not a database URL: use {suggestion}") from None
        raise UserError(f"not a database URL: {url!r}; use {EXAMPLES}") from None
    backend = parsed.get_backend_name()
    shown = parsed.render_as_string(hide_password=True)
    if backend == "postgres":
        backend = "postgresql"
    if backend not in _DRIVERS:
        raise UserError(f"unsupported database {backend!r} in {shown}: newsdigest works with SQLite and "
                        f"PostgreSQL ({EXAMPLES})")
    driver = parsed.get_driver_name() if "+" in parsed.drivername else None
    if driver is not None and driver not in _DRIVERS[backend]:
        raise UserError(f"database driver {driver!r} in {shown} is not installed with newsdigest: use "
                        f"{backend}+{sorted(_DRIVERS[backend])[0]}:// or just {backend}://")
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        _check_sqlite_dir(Path(parsed.database).expanduser(), create_dir=create_dir)
    return parsed


def _check_sqlite_dir(path: Path, *, create_dir: bool) -> None:
    folder = path.parent
    if not folder.is_dir():
        if not create_dir:
            raise UserError(f"cannot open the database {path}: directory {folder} does not exist "
                            "(create it first, or check the URL)")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create the data directory {folder}: {describe_os_error(exc)}") from exc
    if not path.exists() and not os.access(folder, os.W_OK):
        raise UserError(f"cannot create the database {path}: directory {folder} is read-only for this user")


def describe_os_error(exc: OSError) -> str:
    """``read-only file system``, ``permission denied (read-only for this user)``, ``no space left``..."""
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (read-only for this user)"
    return (exc.strerror or str(exc)).lower()
