"""Options and helpers the foundation subcommands share: database URL, --since, --format, opening the app."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from bot.app.errors import UserError
from bot.app.settings import ConfigError, load_settings
from bot.app.timeutil import utc

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}

if TYPE_CHECKING:
    from bot.app.bootstrap import App


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """``90m``, ``24h``, ``7d``, ``2w`` ago, or an ISO date/datetime (naive means UTC), as aware UTC."""
    match = _RELATIVE.match(text)
    if match:
        amount, unit = float(match.group(1)), _UNITS[match.group(2).lower()]
        return (now or datetime.now(UTC)) - timedelta(**{unit: amount})
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid --since {text!r}: use 90m, 24h, 7d, 2w or an ISO date like 2026-01-28") from None
    return utc(value)


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", metavar="URL",
                        help="database to use (default: NEWSDIGEST_DATABASE_URL, else SQLite in the data dir)")


def add_since_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=parse_since, metavar="WHEN",
                        help="only stories ingested since then: 90m, 24h, 7d, 2w or an ISO date")


def add_format_option(parser: argparse.ArgumentParser, choices: Sequence[str] = ("text", "json")) -> None:
    parser.add_argument("--format", choices=tuple(choices), default="text", help="output format (default: text)")


@contextmanager
def open_app(args: argparse.Namespace) -> Iterator[App]:
    """Settings plus a migrated database, closed afterwards; config and database problems become UserError."""
    from bot.app.bootstrap import bootstrap

    try:
        app = bootstrap(load_settings(), database_url=getattr(args, "database_url", None))
    except ConfigError:
        raise  # already one clear line; keep it from the generic ValueError branch below
    except SQLAlchemyError as exc:
        raise UserError(f"cannot open the database: {getattr(exc, 'orig', None) or exc}") from exc
    except ValueError as exc:  # a malformed URL, a bad setting value
        raise UserError(f"bad configuration: {str(exc).splitlines()[0]}") from exc
    try:
        yield app
    finally:
        app.close()
