"""Channel settings: validation messages that help, and channels.toml merged under database values."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.errors import UserError
from bot.app.settings import ConfigError, default_config_dir
from bot.chat.ports import ChannelKey
from bot.delivery.channels import load_channel_defaults, normalise_time, resolve_topics, validate_timezone
from bot.newsroom.topics import load_topics


@pytest.fixture(scope="module")
def topics():  # type: ignore[no-untyped-def]
    return load_topics(default_config_dir())


@pytest.mark.parametrize("text,expected", [("07:30", "07:30"), ("7:05", "07:05"), (" 23:59 ", "23:59")])
def test_times_are_normalised(text: str, expected: str) -> None:
    assert normalise_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "7.30", "07:60", "seven", ""])
def test_bad_times_say_what_is_expected(text: str) -> None:
    with pytest.raises(UserError, match="HH:MM"):
        normalise_time(text)


def test_timezones_are_canonical_and_unknown_ones_get_close_suggestions() -> None:
    assert validate_timezone("asia/tokyo") == "Asia/Tokyo"
    assert validate_timezone("utc") == "UTC"
    with pytest.raises(UserError, match="Europe/London"):
        validate_timezone("Europe/Londn")
    with pytest.raises(UserError, match="Did you mean America/New_York"):
        validate_timezone("New York")
    with pytest.raises(UserError, match="IANA"):
        validate_timezone("Mars/Olympus")


def test_topics_resolve_by_alias_and_unknown_ones_list_the_valid_choices(topics) -> None:  # type: ignore[no-untyped-def]
    assert resolve_topics(["Kyiv", "RUSSIA", "ukraine"], topics) == ("ukraine", "russia")
    with pytest.raises(UserError) as info:
        resolve_topics(["ukrane"], topics)
    assert "Did you mean ukraine" in str(info.value) and "sanctions" in str(info.value)


def test_shipped_channels_toml_has_the_console_default(topics) -> None:  # type: ignore[no-untyped-def]
    defaults = load_channel_defaults(default_config_dir(), topics)
    console = defaults.config_for(ChannelKey.parse("console:local:newsroom"))
    assert console.subscribed and console.timezone == "Europe/London" and "ukraine" in console.topics
    fresh = defaults.config_for(ChannelKey.parse("slack:T1:C1"))
    assert fresh.topics == () and not fresh.subscribed  # a chat channel follows nothing until /digest add


@pytest.mark.parametrize("body,message", [
    ('[channels."slack:T:C"]\ntopics = ["ukrane"]\n', "Did you mean ukraine"),
    ('[channels."slack:T:C"]\ntime = "25:00"\n', "HH:MM"),
    ('[channels."slack:T:C"]\ntimezone = "Europe/Pariss"\n', "Europe/Paris"),
    ('[channels."slack:T:C"]\nstories_per_topic = 0\n', "stories_per_topic"),
    ('[channels."slack:T:C"]\ncolour = "red"\n', "unknown key"),
    ('[channels."slack-T-C"]\n', "platform:workspace:channel"),
])
def test_bad_channels_toml_names_the_file_and_the_problem(tmp_path: Path, topics, body: str,  # type: ignore[no-untyped-def]
                                                           message: str) -> None:
    (tmp_path / "channels.toml").write_text(body)
    with pytest.raises(ConfigError, match=message) as info:
        load_channel_defaults(tmp_path, topics)
    assert "channels.toml" in str(info.value)


def test_one_slack_channel_under_two_workspaces_in_channels_toml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "channels.toml").write_text('[channels."slack:T1:C1"]\ntime = "07:00"\n'
                                            '[channels."slack:T2:C1"]\ntime = "08:00"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="same Slack channel"):
        load_channel_defaults(tmp_path)


def test_a_slack_file_entry_is_found_from_any_workspace(tmp_path: Path) -> None:
    (tmp_path / "channels.toml").write_text('[channels."slack:T1:C1"]\ntime = "07:00"\n', encoding="utf-8")
    defaults = load_channel_defaults(tmp_path)
    assert defaults.config_for(ChannelKey("slack", "T2", "C1")).digest_time == "07:00"
    assert defaults.file_key(ChannelKey("slack", "T2", "C1")) == ChannelKey("slack", "T1", "C1")
    assert defaults.config_for(ChannelKey("discord", "G2", "C1")).digest_time == "07:30"  # ids are per guild there
