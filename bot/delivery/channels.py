"""Channel settings: defaults from ``config/channels.toml``, changes from chat in the database (they win).

A channel is keyed by (platform, workspace or guild, channel id). A NULL column in ``channels`` means
"use the file"; the file's ``[defaults]`` fill whatever a channel's own table leaves out.

A Slack channel id is one channel in every workspace that sees it (Slack Connect and Enterprise Grid
share a channel under its one id), so Slack channels are *identified* by their id alone: whichever
workspace a key names, it finds the one row (or file entry) of that channel, and the database
refuses a second row (migration 0007). Otherwise one channel could hold two entries and get every
story twice.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.app.errors import UserError
from bot.app.settings import ConfigError, read_toml
from bot.app.timeutil import utc_or_none
from bot.chat.ports import ChannelKey
from bot.newsroom.topics import TopicSet
from bot.store.models import ChannelRow

CHANNELS_FILE = "channels.toml"
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_KEYS = {"topics", "time", "timezone", "enabled", "stories_per_topic", "post_empty"}
MAX_PER_TOPIC = 20


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """A channel's effective settings, plus its delivery state when it has a database row."""

    key: ChannelKey
    topics: tuple[str, ...] = ()
    digest_time: str = "07:30"
    timezone: str = "UTC"
    enabled: bool = True
    per_topic: int = 5
    post_empty: bool = False
    row_id: int | None = None
    covered_until: datetime | None = None
    last_error: str | None = None
    updated_at: datetime | None = None
    created_at: datetime | None = None  # when this service first knew the channel (its row was made)

    @property
    def local_time(self) -> time:
        return parse_time(self.digest_time)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def subscribed(self) -> bool:
        """Gets a scheduled digest: enabled and following at least one topic."""
        return self.enabled and bool(self.topics)

    def schedule_key(self) -> tuple[str, str, bool]:
        """What the cron job depends on: rebuild the job when this changes."""
        return self.digest_time, self.timezone, self.subscribed


def parse_time(text: str) -> time:
    """``HH:MM`` (24-hour, ``7:30`` accepted) or a UserError saying what is expected."""
    match = _TIME_RE.match(text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise UserError(f"time must be HH:MM on a 24-hour clock, e.g. 07:30 or 18:05 (got {text!r})")
    return time(int(match[1]), int(match[2]))


def normalise_time(text: str) -> str:
    t = parse_time(text)
    return f"{t.hour:02d}:{t.minute:02d}"


def validate_timezone(name: str) -> str:
    """The canonical IANA name for ``name`` (case-insensitive), or a UserError suggesting close names."""
    name = name.strip()
    try:
        if name and "/" not in name.strip("/") and name.upper() == "UTC":
            return "UTC"
        if name and ".." not in name:
            zoneinfo.ZoneInfo(name)
            return name
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    names = sorted(zoneinfo.available_timezones())
    folded = {n.casefold(): n for n in names}
    if name.casefold() in folded:
        return folded[name.casefold()]
    city = name.replace(" ", "_").casefold()
    close = [n for n in names if n.rsplit("/", 1)[-1].casefold() == city]
    close += difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(dict.fromkeys(close))}?" if close else ""
    raise UserError(f"unknown timezone {name!r}: use an IANA name such as Europe/London or America/New_York.{hint}")


def resolve_topics(words: Sequence[str], topics: TopicSet) -> tuple[str, ...]:
    """Topic names for what a user typed (names, labels or aliases); unknown ones list the valid choices."""
    found: list[str] = []
    for word in words:
        topic = topics.resolve(word)
        if topic is None:
            close = topics.suggest(word)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise UserError(f"unknown topic {word!r}.{hint} Topics: {', '.join(topics.names)}")
        found.append(topic.name)
    return tuple(dict.fromkeys(found))


def _file_values(raw: Any, where: str, topics: TopicSet | None) -> dict[str, Any]:
    """Validate one table of channels.toml into ChannelConfig field values."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = set(raw) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_KEYS))}")
    out: dict[str, Any] = {}
    try:
        if "topics" in raw:
            if not isinstance(raw["topics"], list) or not all(isinstance(t, str) for t in raw["topics"]):
                raise ConfigError(f"{where}.topics must be a list of topic names")
            out["topics"] = resolve_topics(raw["topics"], topics) if topics else tuple(raw["topics"])
        if "time" in raw:
            out["digest_time"] = normalise_time(str(raw["time"]))
        if "timezone" in raw:
            out["timezone"] = validate_timezone(str(raw["timezone"]))
    except UserError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    for key in ("enabled", "post_empty"):
        if key in raw:
            if not isinstance(raw[key], bool):
                raise ConfigError(f"{where}.{key} must be true or false")
            out[key] = raw[key]
    if "stories_per_topic" in raw:
        n = raw["stories_per_topic"]
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_PER_TOPIC:
            raise ConfigError(f"{where}.stories_per_topic must be a whole number from 1 to {MAX_PER_TOPIC}")
        out["per_topic"] = n
    return out


@dataclass(frozen=True, slots=True)
class ChannelDefaults:
    """The parsed channels.toml: defaults for every channel, and the channels it configures."""

    defaults: dict[str, Any]
    channels: dict[ChannelKey, dict[str, Any]]

    def config_for(self, key: ChannelKey) -> ChannelConfig:
        return ChannelConfig(key=key, **{**self.defaults, **self.channels.get(self.file_key(key), {})})

    def file_key(self, key: ChannelKey) -> ChannelKey:
        """The key this file gives ``key``'s channel (for Slack it may name another workspace)."""
        if key in self.channels or key.platform != "slack":
            return key
        return next((k for k in self.channels if identity(k) == identity(key)), key)


def identity(key: ChannelKey) -> tuple[str, ...]:
    """What makes two keys one channel: a Slack channel id alone, elsewhere the whole key."""
    return (key.platform, key.channel) if key.platform == "slack" else (key.platform, key.workspace, key.channel)


def load_channel_defaults(config_dir: Path, topics: TopicSet | None = None) -> ChannelDefaults:
    """Read ``<config_dir>/channels.toml`` (absent file: built-in defaults, no channels)."""
    path = config_dir / CHANNELS_FILE
    if not path.is_file():
        return ChannelDefaults({}, {})
    data = read_toml(path)
    unknown = set(data) - {"defaults", "channels"}
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}; expected [defaults], [channels]")
    defaults = _file_values(data.get("defaults", {}), f"{path}: defaults", topics)
    channels: dict[ChannelKey, dict[str, Any]] = {}
    seen: dict[tuple[str, ...], str] = {}
    tables = data.get("channels", {})
    if not isinstance(tables, dict):
        raise ConfigError(f'{path}: channels must be tables, e.g. [channels."console:local:newsroom"], '
                          f"not {type(tables).__name__} {str(tables)[:40]}")
    for name, table in tables.items():
        try:
            key = ChannelKey.parse(name)
        except ValueError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        if identity(key) in seen:
            raise ConfigError(f'{path}: channels."{name}" and channels."{seen[identity(key)]}" are the same '
                              "Slack channel (a channel id is the same in every workspace); keep one")
        seen[identity(key)] = name
        channels[key] = _file_values(table, f'{path}: channels."{name}"', topics)
    return ChannelDefaults(defaults, channels)


# ChannelConfig fields stored in ChannelRow columns of the same name (NULL: use the file's value).
_STORED = frozenset({"topics", "digest_time", "timezone", "enabled", "per_topic", "post_empty"})


class ChannelRegistry:
    """Reads and changes channel settings (sync: async callers use ``asyncio.to_thread``)."""

    def __init__(self, sessions: sessionmaker[Session], defaults: ChannelDefaults) -> None:
        self.sessions = sessions
        self.defaults = defaults

    def _merge(self, key: ChannelKey, row: ChannelRow | None) -> ChannelConfig:
        if row is not None:  # the stored key: for Slack it may name another workspace than the caller's
            key = ChannelKey(row.platform, row.workspace, row.channel)
        config = self.defaults.config_for(key)
        if row is None:
            return replace(config, key=self.defaults.file_key(key))
        changes: dict[str, Any] = {f: v for f in _STORED if (v := getattr(row, f)) is not None}
        if "topics" in changes:
            changes["topics"] = tuple(changes["topics"])
        return replace(config, **changes, row_id=row.id, covered_until=utc_or_none(row.covered_until),
                       last_error=row.last_error, updated_at=utc_or_none(row.updated_at),
                       created_at=utc_or_none(row.created_at))

    def get(self, key: ChannelKey) -> ChannelConfig:
        with self.sessions() as session:
            return self._merge(key, _find(session, key))

    def by_row_ids(self, row_ids: Collection[int]) -> dict[int, ChannelConfig]:
        """The stored channels with these row ids, in one read (a digest pass re-reads what it claimed)."""
        if not row_ids:
            return {}
        with self.sessions() as session:
            rows = session.scalars(select(ChannelRow).where(ChannelRow.id.in_(sorted(row_ids)))).all()
            return {r.id: self._merge(ChannelKey(r.platform, r.workspace, r.channel), r) for r in rows}

    def canonical(self, key: ChannelKey) -> ChannelKey:
        """The key the channel is stored (or configured) under, which for Slack may name another workspace."""
        return self.get(key).key

    def all(self) -> list[ChannelConfig]:
        """Every channel the file configures or the database knows, once each, sorted by key."""
        with self.sessions() as session:
            rows = {ChannelKey(r.platform, r.workspace, r.channel): r for r in session.scalars(select(ChannelRow))}
        stored = {identity(k) for k in rows}
        keys: Iterable[ChannelKey] = sorted(
            set(rows) | {k for k in self.defaults.channels if identity(k) not in stored})
        return [self._merge(k, rows.get(k)) for k in keys]

    def ensure_row(self, key: ChannelKey) -> int:
        """The channel's row id, creating the row (all columns NULL: "use the file") when missing."""
        key = self.defaults.file_key(key)
        for _ in range(3):
            with self.sessions() as session:
                row = _find(session, key)
                if row is not None:
                    return row.id
            try:
                with self.sessions.begin() as session:
                    row = ChannelRow(platform=key.platform, workspace=key.workspace, channel=key.channel,
                                     created_at=datetime.now(UTC))
                    session.add(row)
                    session.flush()
                    return row.id
            except IntegrityError:  # another process created it first: read theirs
                continue
        raise RuntimeError(f"could not create channel row for {key}")  # pragma: no cover

    def update(self, key: ChannelKey, *, by: str, **changes: Any) -> ChannelConfig:
        """Store changed settings (field names of ChannelConfig) for ``key``; the database now wins."""
        unknown = set(changes) - _STORED
        if unknown:
            raise ValueError(f"not a channel setting: {', '.join(sorted(unknown))}")
        row_id = self.ensure_row(key)
        values: dict[str, Any] = {f: (list(v) if f == "topics" else v) for f, v in changes.items()}
        # A plain UPDATE (no read first) so SQLite takes the write lock at once.
        with self.sessions.begin() as session:
            session.execute(update(ChannelRow).where(ChannelRow.id == row_id)
                            .values(**values, updated_at=datetime.now(UTC), updated_by=by))
        return self.get(key)


def _find(session: Session, key: ChannelKey) -> ChannelRow | None:
    query = select(ChannelRow).where(ChannelRow.platform == key.platform, ChannelRow.channel == key.channel)
    if key.platform != "slack":  # a Slack channel has one row whatever workspace asks (see the module doc)
        query = query.where(ChannelRow.workspace == key.workspace)
    return session.scalars(query).one_or_none()


