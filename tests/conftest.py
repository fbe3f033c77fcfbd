"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when configured)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.store.db import make_engine, migrate, normalise_url

# ../shared beside the checkout; NEWSDIGEST_SHARED points elsewhere (a git worktree has no ../shared).
SHARED = Path(os.environ.get("NEWSDIGEST_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")
SAMPLE_DUMP = Path(__file__).resolve().parents[1] / "bot" / "samples" / "world-news-2026-01-28.txt"
POSTGRES_ENV = "NEWSDIGEST_TEST_POSTGRES_URL"


# The suite must not read the developer's environment: settings, data and config directories,
# database URL, chat credentials. Only the test controls below are left for the fixtures that need them.
KEPT_ENV = frozenset({POSTGRES_ENV, "NEWSDIGEST_REQUIRE_POSTGRES", "NEWSDIGEST_SCREENSHOT_DIR"})
ISOLATED_PREFIXES = ("NEWSDIGEST_", "SLACK_", "DISCORD_")
ISOLATED_NAMES = frozenset({"PORT"})


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts without the user's NEWSDIGEST_*, SLACK_*, DISCORD_* and PORT variables."""
    for name in list(os.environ):
        if (name.startswith(ISOLATED_PREFIXES) or name in ISOLATED_NAMES) and name not in KEPT_ENV:
            monkeypatch.delenv(name)


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or a clean skip when the shared folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is only on development machines)")
    return path


def postgres_url_or_skip() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("NEWSDIGEST_REQUIRE_POSTGRES"):
            pytest.fail(f"{POSTGRES_ENV} must be set when NEWSDIGEST_REQUIRE_POSTGRES is")
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    return url


@pytest.fixture(scope="session")
def _postgres_base_url() -> str:
    url = postgres_url_or_skip()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(f"cannot connect to PostgreSQL at {url}: {exc}")
    finally:
        engine.dispose()
    return url


def _postgres_schema_engine(base_url: str) -> tuple[Engine, str, Engine]:
    """A fresh schema per test so tests never see each other's rows."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base_url else "?"
    url = f"{normalise_url(base_url)}{sep}options=-csearch_path%3D{schema}"
    return make_engine(url), schema, admin


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty, migrated database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        yield url
        return
    base = request.getfixturevalue("_postgres_base_url")
    engine, schema, admin = _postgres_schema_engine(base)
    migrate(engine)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated engine on each backend."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()
