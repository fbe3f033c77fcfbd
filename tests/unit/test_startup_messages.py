"""What serve says at start: half-set chat credentials, a missing config dir, each channel's next digest."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from bot.app.settings import Settings, load_settings
from bot.app.startup import channel_lines, config_dir_warning, credential_warnings
from bot.chat.ports import ChannelKey
from bot.delivery.channels import ChannelConfig

NOW = datetime(2026, 1, 28, 12, 0, tzinfo=UTC)


def _settings(tmp_path: Path, **secrets: str) -> Settings:
    base = load_settings(data_dir=tmp_path)
    values: dict[str, object] = {k: SecretStr(v) for k, v in secrets.items() if k != "slack_client_id"}
    if "slack_client_id" in secrets:
        values["slack_client_id"] = secrets["slack_client_id"]
    return base.model_copy(update=values)


def test_complete_or_absent_credentials_raise_no_warning(tmp_path: Path) -> None:
    assert credential_warnings(_settings(tmp_path)) == []
    assert credential_warnings(_settings(tmp_path, slack_bot_token="xoxb", slack_signing_secret="s")) == []
    assert credential_warnings(_settings(tmp_path, slack_bot_token="xoxb", slack_app_token="xapp")) == []


def test_a_slack_token_without_a_signing_secret_is_named(tmp_path: Path) -> None:
    [warning] = credential_warnings(_settings(tmp_path, slack_bot_token="xoxb-secret-value"))
    assert "SLACK_SIGNING_SECRET" in warning and "not started" in warning and "xoxb-secret-value" not in warning


def test_a_signing_secret_without_a_bot_token_and_half_an_oauth_pair(tmp_path: Path) -> None:
    [warning] = credential_warnings(_settings(tmp_path, slack_signing_secret="s"))
    assert "SLACK_BOT_TOKEN" in warning
    warnings = credential_warnings(_settings(tmp_path, slack_client_id="1.2", slack_signing_secret="s"))
    assert any("SLACK_CLIENT_SECRET" in w for w in warnings)


def test_a_config_dir_that_does_not_exist_is_warned_about(tmp_path: Path) -> None:
    assert config_dir_warning({"NEWSDIGEST_CONFIG_DIR": str(tmp_path / "nope")}) is not None
    assert config_dir_warning({"NEWSDIGEST_CONFIG_DIR": str(tmp_path)}) is None
    assert config_dir_warning({}) is None


def test_one_line_per_channel_with_its_next_digest_and_how_to_post_now() -> None:
    new = ChannelConfig(ChannelKey("console", "local", "newsroom"), topics=("economy",), digest_time="07:30",
                        timezone="Europe/London")
    served = ChannelConfig(ChannelKey("console", "local", "desk"), topics=("uk",), covered_until=NOW)
    paused = ChannelConfig(ChannelKey("console", "local", "quiet"), topics=("uk",), enabled=False)
    elsewhere = ChannelConfig(ChannelKey("slack", "T1", "C1"), topics=("uk",))
    lines = channel_lines([new, served, paused, elsewhere], {"console"}, NOW, dashboard_url="http://127.0.0.1:8080/")
    assert lines[0].startswith("console:local:newsroom: next digest Thu 29 Jan 07:30 GMT")
    assert "newsdigest digest --channel console:local:newsroom --force" in lines[0]
    assert "http://127.0.0.1:8080/channels/console:local:newsroom" in lines[0]
    assert "post one now" not in lines[1]
    assert "paused" in lines[2] and "slack adapter is not running" in lines[3]
    assert channel_lines([], {"console"}, NOW)[0].startswith("No channels yet")
