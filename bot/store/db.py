"""Engine creation and migrations for the embedded SQLite default and PostgreSQL."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The two assignments every Alembic revision file starts with (see migrations/versions/).
_REVISION_RE = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(None|"[^"]*"|'[^']*')""", re.MULTILINE)
DEFAULT_BUSY_TIMEOUT = 15.0  # seconds; settings.database_busy_timeout
# Prepared statements each SQLite connection keeps (Python's default is 128). Ingest's IN (...) lists
# and multi-row inserts vary in length, so nearly every batch prepares statements of a new text, each
# up to a few hundred KB with its 2,000 parameters: 128 of them held 20+ MB after 10,000 stories and
# more as the lists lengthened. Fewer keep the memory bounded at little cost (re-preparing a statement
# takes microseconds; the hot fixed ones stay in the cache).
SQLITE_CACHED_STATEMENTS = 16


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, **kwargs: Any) -> Engine:
    """Create an engine; for SQLite, create the file's directory and turn on FKs, WAL and a busy wait.

    ``busy_timeout`` (seconds) bounds how long one statement waits for another process's write lock.
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": busy_timeout,
                                                      "cached_statements": SQLITE_CACHED_STATEMENTS}, **kwargs)
        busy_ms = max(1, round(busy_timeout * 1000))

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (safe to call on every start).

    A database already at the newest revision (every start but the first after an upgrade) is told by
    one query, without importing Alembic: that import is a fifth of a short command's start-up.
    """
    if stored_revisions(engine) == script_heads():
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def stored_revisions(engine: Engine) -> frozenset[str] | None:
    """The revisions in the database's ``alembic_version`` table; None when it has no such table."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect() as conn:
            return frozenset(str(v) for (v,) in conn.execute(text("SELECT version_num FROM alembic_version")))
    except DBAPIError:  # no table yet (a new database): the caller migrates
        return None


@functools.cache
def script_heads() -> frozenset[str]:
    """The head revisions of the migration scripts, read from their files without importing Alembic.

    A head is a revision no other revision names as its ``down_revision`` (a test holds this equal
    to Alembic's own answer).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (_MIGRATIONS / "versions").glob("*.py"):
        found = {m[1]: m[2] for m in _REVISION_RE.finditer(path.read_text(encoding="utf-8"))}
        if "revision" not in found:
            continue
        revisions.add(found["revision"].strip("\"'"))
        if (down := found.get("down_revision", "None")) != "None":
            parents.add(down.strip("\"'"))
    return frozenset(revisions - parents)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    from sqlalchemy.orm import sessionmaker  # the ORM: only for the commands that use it (see bot.app.bootstrap)

    return sessionmaker(engine, expire_on_commit=False)


def reachable(engine: Engine) -> bool:
    """True when the database answers ``SELECT 1`` (``/healthz``)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False


def pending_migrations(engine: Engine) -> bool:
    """True when the database is not at the newest Alembic revision (``/readyz`` says not ready)."""
    return stored_revisions(engine) != script_heads()
