"""Links to a posted digest on its platform, from the ids the poster returned (no API call needed).

- Slack: the web client's thread view of the digest's first message (a ``ts``). Slack's canonical
  permalink needs the workspace's domain, which newsdigest does not store.
- Discord: ``discord.com/channels/<guild>/<channel>/<message>``.
- Console: the Markdown file in the dashboard's archive, when ``[digest] markdown_dir`` is set.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from bot.adapters.console import archive_folder
from bot.chat.ports import ChannelKey

_SLACK_TS = re.compile(r"^\d+\.\d+$")
_DIGITS = re.compile(r"^\d+$")
_MD_FILE = re.compile(r"^[A-Za-z0-9._-]+\.md$")


def message_link(channel: ChannelKey, message_id: str, *, archive: bool) -> str | None:
    """Where a person can read this message, or None when the platform gives no way to link it."""
    platform, workspace, chan = channel.platform, channel.workspace, channel.channel
    if platform == "slack" and _SLACK_TS.match(message_id):
        return (f"https://app.slack.com/client/{quote(workspace, safe='')}/{quote(chan, safe='')}/thread/"
                f"{quote(chan, safe='')}-{message_id}")
    if platform == "discord" and _DIGITS.match(message_id) and _DIGITS.match(workspace) and _DIGITS.match(chan):
        return f"https://discord.com/channels/{workspace}/{chan}/{message_id}"
    if platform == "console" and archive and _MD_FILE.match(message_id):
        return f"/archive/{quote(archive_folder(channel), safe='')}/{quote(message_id, safe='')}"
    return None
