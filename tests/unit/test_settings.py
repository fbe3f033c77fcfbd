"""Settings: TOML defaults, environment overrides, secrets from the environment only and never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.settings import ConfigError, load_settings


def _config(tmp_path: Path, text: str) -> Path:
    (tmp_path / "settings.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_environment_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _config(tmp_path, "[inbox]\npoll_seconds = 30\n")
    assert load_settings(cfg).inbox.poll_seconds == 30
    monkeypatch.setenv("NEWSDIGEST_INBOX__POLL_SECONDS", "2")
    assert load_settings(cfg).inbox.poll_seconds == 2


@pytest.mark.parametrize("key", ["SLACK_BOT_TOKEN", "discord_token", "slack_signing_secret"])
def test_a_secret_in_the_config_file_is_refused(tmp_path: Path, key: str) -> None:
    cfg = _config(tmp_path, f'{key} = "xoxb-leaked"\n')
    with pytest.raises(ConfigError, match="environment") as exc:
        load_settings(cfg)
    assert "xoxb-leaked" not in str(exc.value)


def test_secrets_from_the_environment_never_show_in_reprs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value")
    monkeypatch.setenv("DISCORD_TOKEN", "discord-secret-value")
    settings = load_settings(_config(tmp_path, ""))
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-secret-value"
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    assert "xoxb-secret-value" not in shown and "discord-secret-value" not in shown


def test_an_invalid_value_is_one_clear_line_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import main

    monkeypatch.setenv("NEWSDIGEST_CONFIG_DIR", str(_config(tmp_path, '[inbox]\npoll_seconds = "often"\n')))
    assert main(["topics", "--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsdigest: error:") and "inbox.poll_seconds" in err and "Traceback" not in err


def test_the_algorithm_choices_are_the_summarizers() -> None:
    from typing import get_args

    from bot.app.settings import Algorithm
    from bot.cli.summarize_cmd import ALGORITHM_CHOICES
    from summarizer.rank import ALGORITHMS

    assert get_args(Algorithm) == ALGORITHMS == ALGORITHM_CHOICES
