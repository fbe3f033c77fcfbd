"""One validated, frozen Settings from ``config/settings.toml`` plus the environment.

Secrets (chat tokens, signing secrets) come from the environment only and are ``SecretStr`` so they
never show up in logs or reprs. Environment variables win over the TOML file.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from platformdirs import user_data_dir
from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.app.errors import ConfigError

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # bot/, where samples/ and (in a wheel) _config/ live


def default_config_dir() -> Path:
    """The shipped ``config/``: next to the packages in a checkout, inside ``bot/_config`` in a wheel."""
    for candidate in (_PACKAGE_DIR.parent / "config", _PACKAGE_DIR / "_config"):
        if (candidate / "topics.toml").is_file():
            return candidate
    return _PACKAGE_DIR.parent / "config"


def sample_dump_path() -> Path:
    """The sample dump bundled with the package, used by ``newsdigest demo``."""
    return _PACKAGE_DIR / "samples" / "world-news-2026-01-28.txt"


# Kept literal (summarizer.rank.ALGORITHMS is the source; a test holds them equal) so loading settings
# never imports the summarizer. A typo is refused when settings load, not at the first brief.
Algorithm = Literal["default", "lead", "lexrank", "textrank", "lsa", "luhn", "sumbasic", "kl"]
LogLevel = Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
                     BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InboxSettings(_Section):
    dir: Path | None = None  # default: <data_dir>/inbox
    poll_seconds: Annotated[float, Field(gt=0)] = 10.0
    stable_seconds: Annotated[float, Field(ge=0)] = 5.0  # size and mtime unchanged this long before a file is taken


class SourcesSettings(_Section):
    """How ``serve`` polls feeds (which feeds: config/sources.toml and ``newsdigest sources``)."""

    tick_seconds: float = 15.0  # how often serve looks for feeds that are due
    timeout_seconds: float = 30.0  # per request, connect to last byte
    max_bytes: int = 10_000_000  # a response (after decompression) larger than this is refused
    per_host: int = 2  # requests in flight to one host at a time
    concurrency: int = 32  # requests in flight overall
    max_backoff_seconds: float = 3600.0  # a failing feed is retried at least this often (or its interval)
    max_retry_after_seconds: float = 86400.0  # the longest Retry-After we honour
    batch: int = 200  # feeds claimed per tick and replica
    full_text_pages: int = 30  # article pages fetched per poll of a full_text source
    contact: str | None = None  # appended to the User-Agent, e.g. "+https://newsroom.example/bot"


class SummarizerSettings(_Section):
    algorithm: Algorithm = "default"  # "default", "lead", or a sumy algorithm name
    brief_sentences: Annotated[int, Field(ge=1, le=20)] = 3


class DigestSettings(_Section):
    markdown_dir: Path | None = None  # console adapter also writes digests here when set
    console: bool = True  # console adapter prints digests to the terminal
    catch_up_hours: Annotated[float, Field(ge=0)] = 18.0  # grace window for a digest missed while the service was down


class SlackSettings(_Section):
    port: Annotated[int, Field(ge=0, le=65535)] = 3000
    socket_mode: bool = False
    api_url: str | None = None  # base_url for slack_sdk (a local stand-in in tests)
    admin_user_ids: tuple[str, ...] = ()
    admins_may_manage: bool = True  # workspace admins and owners may change channel settings


class DiscordSettings(_Section):
    api_url: str | None = None  # REST base URL (a local stand-in in tests)
    dev_guild_id: int | None = None  # sync commands to this guild only, for development
    sharded: bool = False
    manage_permission: str = "manage_channels"


class WebSettings(_Section):
    enabled: bool = True  # the dashboard, /healthz, /readyz and /metrics
    host: str = "127.0.0.1"  # any other address needs NEWSDIGEST_ADMIN_PASSWORD or NEWSDIGEST_ADMIN_TOKEN
    port: int = 8080  # used when Slack's HTTP server is not running (else the dashboard shares its port)
    public_feeds: bool = False  # /feeds/<channel>.atom readable without logging in
    session_hours: float = 12.0


class Settings(BaseSettings):
    """Everything newsdigest reads from outside its code."""

    model_config = SettingsConfigDict(env_prefix="NEWSDIGEST_", env_nested_delimiter="__", frozen=True,
                                      extra="ignore")

    config_dir: Path = Field(default_factory=default_config_dir)
    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("newsdigest", appauthor=False)))
    database_url: str | None = None
    # How long one SQLite write waits for another process's lock before giving up with a clear error
    # (the inbox keeps the file and tries again at its next scan). Bounded: a stalled service is worse.
    database_busy_timeout: float = Field(15.0, gt=0, le=600)
    log_level: LogLevel = "INFO"
    log_format: Literal["text", "json"] = "text"

    inbox: InboxSettings = InboxSettings()
    sources: SourcesSettings = SourcesSettings()
    summarizer: SummarizerSettings = SummarizerSettings()
    digest: DigestSettings = DigestSettings()
    slack: SlackSettings = SlackSettings()
    discord: DiscordSettings = DiscordSettings()
    web: WebSettings = WebSettings()

    # Secrets: environment only (never in config files), never printed.
    slack_bot_token: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))
    slack_client_id: str | None = Field(None, validation_alias=AliasChoices("SLACK_CLIENT_ID"))
    slack_client_secret: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_CLIENT_SECRET"))
    discord_token: SecretStr | None = Field(None, validation_alias=AliasChoices("DISCORD_TOKEN"))
    admin_password: SecretStr | None = Field(None, validation_alias=AliasChoices("NEWSDIGEST_ADMIN_PASSWORD"))
    admin_token: SecretStr | None = Field(None, validation_alias=AliasChoices("NEWSDIGEST_ADMIN_TOKEN"))
    viewer_password: SecretStr | None = Field(None, validation_alias=AliasChoices("NEWSDIGEST_VIEWER_PASSWORD"))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives as init kwargs; the environment must override it.
        return (env_settings, init_settings)

    @property
    def resolved_database_url(self) -> str:
        """``NEWSDIGEST_DATABASE_URL`` or the embedded SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'newsdigest.sqlite3'}"

    @property
    def inbox_dir(self) -> Path:
        return self.inbox.dir or self.data_dir / "inbox"


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning syntax errors into a one-line ConfigError naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def load_settings(config_dir: Path | None = None, **overrides: Any) -> Settings:
    """Build Settings from ``<config_dir>/settings.toml`` (optional) and the environment."""
    import os

    env_dir = os.environ.get("NEWSDIGEST_CONFIG_DIR")
    directory = config_dir or (Path(env_dir) if env_dir else default_config_dir())
    path = directory / "settings.toml"
    values: dict[str, Any] = read_toml(path) if path.is_file() else {}
    secret_fields = {name for name, f in Settings.model_fields.items() if SecretStr in get_args(f.annotation)}
    secrets = sorted(k for k in values if k.lower() in secret_fields)
    if secrets:
        # A token in a config file ends up in git and backups: refuse it rather than quietly use it.
        raise ConfigError(f"{path}: {', '.join(secrets)} must come from the environment, not a config file")
    unknown = sorted(k for k in values if k not in Settings.model_fields)
    if unknown:
        # Settings ignores unknown keys (for the environment's sake), so a typo here would silently do nothing.
        raise ConfigError(f"{path}: unknown setting(s) " + "; ".join(_unknown(k, Settings.model_fields)
                                                                         for k in unknown))
    values["config_dir"] = directory
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(f"{path} (or the environment): {'; '.join(_problem(e) for e in exc.errors())}") from exc


def _unknown(key: str, known: Any) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")


def _problem(error: Any) -> str:
    """One validation error as ``where: what``, with a suggestion for a misspelt key in a section."""
    loc = [str(p) for p in error["loc"]]
    section = Settings.model_fields.get(loc[0]) if len(loc) == 2 else None
    if error["type"] == "extra_forbidden" and section is not None and isinstance(section.annotation, type):
        return f"[{loc[0]}]: unknown key {_unknown(loc[1], section.annotation.model_fields)}"
    return f"{'.'.join(loc)}: {error['msg']}"
