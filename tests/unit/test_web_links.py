"""Links to posted digests: built from ids alone, and only from ids that look like the platform's."""

from __future__ import annotations

from bot.chat.ports import ChannelKey
from bot.web.links import message_link


def test_each_platform_links_its_own_ids() -> None:
    assert message_link(ChannelKey("slack", "T1", "C2"), "1700000000.000100", archive=False) == (
        "https://app.slack.com/client/T1/C2/thread/C2-1700000000.000100")
    assert message_link(ChannelKey("discord", "11", "22"), "33", archive=False) == (
        "https://discord.com/channels/11/22/33")
    assert message_link(ChannelKey("console", "local", "newsroom"), "2026-11-30-1702-abc.md", archive=True) == (
        "/archive/console_local_newsroom/2026-11-30-1702-abc.md")


def test_no_link_without_a_way_to_follow_it() -> None:
    assert message_link(ChannelKey("console", "local", "newsroom"), "x.md", archive=False) is None
    assert message_link(ChannelKey("console", "local", "n"), "console_local_n-00001-abc", archive=True) is None
    assert message_link(ChannelKey("slack", "T1", "C2"), "javascript:alert(1)", archive=False) is None
    assert message_link(ChannelKey("discord", "11", "22"), "33/../../x", archive=False) is None
