"""Feed sources from ``config/sources.toml``: defaults for every source, and the sources it lists.

The file is the default; ``newsdigest sources add/remove/import`` change the database, which wins
(like channels.toml and ``/digest``). A source is identified by the URL it was configured with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.app.errors import UserError
from bot.app.settings import ConfigError, read_toml

SOURCES_FILE = "sources.toml"
DEFAULT_EVERY = 15 * 60
MIN_EVERY = 60  # politeness: nobody needs a feed more often than once a minute
MAX_EVERY = 7 * 24 * 3600
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*$")
_PART = r"(\d+(?:\.\d+)?)\s*(sec|s|min|m|h|d)\s*"
_DURATION = re.compile(rf"^\s*(?:{_PART})+$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_SOURCE_KEYS = {"url", "name", "every", "full_text"}
_DEFAULT_KEYS = {"every", "full_text"}


def parse_duration(text: str | int | float) -> int:
    """Seconds for ``90s``, ``10m``, ``1h30m``, ``1d`` or a bare number of seconds; UserError otherwise."""
    if isinstance(text, bool):
        raise UserError(f"not a duration: {text!r}")
    if isinstance(text, int | float):
        return int(text)
    if number := _NUMBER.match(text):
        return round(float(number[1]))
    if not _DURATION.match(text):
        raise UserError(f"invalid duration {text!r}: use e.g. 90s, 10m, 1h30m or 1d")
    return round(sum(float(n) * _UNIT_SECONDS[unit.lower()] for n, unit in re.findall(_PART, text, re.IGNORECASE)))


def parse_every(text: str | int | float) -> int:
    """A poll interval in seconds, between one minute and one week."""
    seconds = parse_duration(text)
    if not MIN_EVERY <= seconds <= MAX_EVERY:
        raise UserError(f"poll interval must be between 1m and 7d (got {text!r})")
    return seconds


def format_duration(seconds: float) -> str:
    """``45s``, ``10m``, ``1h30m``, ``2d``: the short form the CLI accepts."""
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if s >= size:
            parts.append(f"{s // size}{unit}")
            s %= size
    return "".join(parts[:2])


def validate_url(url: str) -> str:
    """An absolute http(s) URL, stripped; UserError naming what is wrong otherwise."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UserError(f"not a feed URL: {url!r} (expected http:// or https:// with a host)")
    return url


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One source's settings as the file gives them (``None``: the file's defaults)."""

    url: str
    name: str | None = None
    every: int | None = None
    full_text: bool | None = None


@dataclass(frozen=True, slots=True)
class SourceDefaults:
    """The parsed sources.toml."""

    every: int = DEFAULT_EVERY
    full_text: bool = False
    sources: dict[str, SourceConfig] = field(default_factory=dict)


def _values(raw: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = set(raw) - allowed
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
                          f"allowed: {', '.join(sorted(allowed))}")
    out: dict[str, Any] = {}
    try:
        if "url" in raw:
            out["url"] = validate_url(str(raw["url"]))
        if "every" in raw:
            out["every"] = parse_every(raw["every"])
    except UserError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    if "full_text" in raw:
        if not isinstance(raw["full_text"], bool):
            raise ConfigError(f"{where}.full_text must be true or false")
        out["full_text"] = raw["full_text"]
    if "name" in raw:
        out["name"] = str(raw["name"]).strip() or None
    return out


def load_source_defaults(config_dir: Path) -> SourceDefaults:
    """Read ``<config_dir>/sources.toml`` (absent file: no sources, built-in defaults)."""
    path = config_dir / SOURCES_FILE
    if not path.is_file():
        return SourceDefaults()
    data = read_toml(path)
    unknown = set(data) - {"defaults", "sources"}
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}; expected [defaults], [[sources]]")
    defaults = _values(data.get("defaults", {}), f"{path}: [defaults]", _DEFAULT_KEYS)
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        raise ConfigError(f"{path}: sources must be an array of tables ([[sources]])")
    sources: dict[str, SourceConfig] = {}
    for n, raw in enumerate(raw_sources, 1):
        values = _values(raw, f"{path}: source #{n}", _SOURCE_KEYS)
        if "url" not in values:
            raise ConfigError(f"{path}: source #{n} has no url")
        if values["url"] in sources:
            raise ConfigError(f"{path}: source #{n}: {values['url']} is listed twice")
        sources[values["url"]] = SourceConfig(**values)
    return SourceDefaults(every=defaults.get("every", DEFAULT_EVERY), full_text=defaults.get("full_text", False),
                          sources=sources)
