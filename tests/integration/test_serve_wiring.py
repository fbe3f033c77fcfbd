"""serve's adapter seam: which chat adapters start for which credentials, and the health check."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from bot.app.bootstrap import bootstrap
from bot.app.serve import build_service, chat_adapter_factories, console_factory, database_health
from bot.app.settings import Settings, load_settings
from bot.chat.results import CommandContext, CommandReply, TextReply


async def _handler(ctx: CommandContext, command: str, text: str) -> CommandReply:
    return TextReply("ok")


def _settings(tmp_path: Path, **secrets: str) -> Settings:
    base = load_settings(data_dir=tmp_path)
    return base.model_copy(update={k: SecretStr(v) for k, v in secrets.items()})


def test_no_credentials_means_no_chat_adapter(tmp_path: Path) -> None:
    assert chat_adapter_factories(_settings(tmp_path)) == []
    assert chat_adapter_factories(_settings(tmp_path, slack_bot_token="xoxb-1")) == []  # no transport secret


async def test_slack_and_discord_start_when_their_credentials_are_set(tmp_path: Path) -> None:
    settings = _settings(tmp_path, slack_bot_token="xoxb-1", slack_signing_secret="s", discord_token="d")
    adapters = [make(settings, _handler) for make in chat_adapter_factories(settings)]
    assert [a.platform for a in adapters] == ["slack", "discord"]
    assert all(hasattr(a.poster, "post_digest") and hasattr(a.poster, "find_digest") for a in adapters)
    socket = _settings(tmp_path, slack_bot_token="xoxb-1", slack_app_token="xapp-1")
    assert len(chat_adapter_factories(socket)) == 1


def test_a_client_id_without_its_secret_starts_no_slack_adapter(tmp_path: Path) -> None:
    settings = _settings(tmp_path, slack_signing_secret="s").model_copy(update={"slack_client_id": "123.456"})
    assert chat_adapter_factories(settings) == []  # OAuth needs the client secret too


async def test_serve_port_reaches_the_slack_http_server(tmp_path: Path) -> None:
    settings = _settings(tmp_path, slack_bot_token="xoxb-1", slack_signing_secret="s")
    (make,) = chat_adapter_factories(settings, port=0)
    adapter = make(settings, _handler)
    await adapter.start()
    try:
        assert adapter.http_port not in (None, 3000)  # type: ignore[attr-defined]
    finally:
        await adapter.stop()


async def test_build_service_registers_each_adapters_poster(db_url: str, tmp_path: Path) -> None:
    app = bootstrap(load_settings(data_dir=tmp_path), database_url=db_url)
    try:
        service = build_service(app, [console_factory()])
        assert set(service.delivery.posters) == {"console"}
        assert await database_health(app)() is True
    finally:
        app.close()


async def test_health_check_is_false_when_the_database_is_unreachable(tmp_path: Path) -> None:
    app = bootstrap(load_settings(data_dir=tmp_path), database_url=f"sqlite:///{tmp_path / 'h.sqlite3'}")
    (tmp_path / "h.sqlite3").unlink()
    (tmp_path / "h.sqlite3").mkdir()  # a directory where the database file was: connecting fails
    app.engine.dispose()
    try:
        assert await database_health(app)() is False
    finally:
        app.close()
