"""Options and helpers the foundation subcommands share: database URL, --since, --format, opening the app."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.app.errors import UserError
from bot.app.settings import load_settings
from bot.app.timeutil import utc
from bot.store.location import describe_os_error

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}

if TYPE_CHECKING:
    from bot.app.bootstrap import App


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """``90m``, ``24h``, ``7d``, ``2w`` ago, or an ISO date/datetime (naive means UTC), as aware UTC."""
    match = _RELATIVE.match(text)
    if match:
        amount, unit = float(match.group(1)), _UNITS[match.group(2).lower()]
        try:
            return (now or datetime.now(UTC)) - timedelta(**{unit: amount})
        except OverflowError:  # more than ~2.7 million years (timedelta's limit) or before year 1
            raise argparse.ArgumentTypeError(f"invalid --since {text!r}: that is before the year 1") from None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid --since {text!r}: use 90m, 24h, 7d, 2w or an ISO date like 2026-01-28") from None
    return utc(value)


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer from ``low`` to ``high`` (huge values would overflow the database driver)."""
    def parse(text: str) -> int:
        try:
            value = int(text.strip()) if len(text) <= 20 else None
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}, got {text[:40]!r}")
        return value
    parse.__name__ = "number"  # argparse names the type in some messages
    return parse


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", metavar="URL",
                        help="database to use (default: NEWSDIGEST_DATABASE_URL, else SQLite in the data dir)")


def add_since_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=parse_since, metavar="WHEN",
                        help="only stories ingested since then: 90m, 24h, 7d, 2w or an ISO date")


def add_format_option(parser: argparse.ArgumentParser, choices: Sequence[str] = ("text", "json")) -> None:
    parser.add_argument("--format", choices=tuple(choices), default="text", help="output format (default: text)")


def database_problem(exc: BaseException) -> str:
    """A driver error in words an operator can act on (locked, read-only), on one line."""
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    lowered = reason.lower()
    if "locked" in lowered:
        return f"{reason}: another process is writing to the SQLite database; try again when it is done"
    if "readonly" in lowered or "read-only" in lowered or "unable to open database file" in lowered:
        return f"{reason} (the database file or its directory is read-only for this user, or missing)"
    return reason


@contextmanager
def open_app(args: argparse.Namespace) -> Iterator[App]:
    """Settings plus a migrated database, closed afterwards; config and database problems become UserError."""
    from bot.app.bootstrap import bootstrap

    settings = load_settings()  # a ConfigError is already one clear line
    url = getattr(args, "database_url", None)
    try:
        app = bootstrap(settings, database_url=url)
    except UserError:
        raise
    except SQLAlchemyError as exc:
        where = make_url(url or settings.resolved_database_url).render_as_string(hide_password=True)
        raise UserError(f"cannot open the database {where}: {database_problem(exc)}") from exc
    except OSError as exc:  # e.g. the data directory's parent is not writable
        where = f" {exc.filename}" if exc.filename else ""
        raise UserError(f"cannot open the database{where}: {describe_os_error(exc)}") from exc
    except ValueError as exc:  # a bad setting value
        raise UserError(f"bad configuration: {str(exc).splitlines()[0]}") from exc
    try:
        yield app
    finally:
        app.close()
