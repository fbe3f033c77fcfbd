"""Make text from dumps safe for Slack mrkdwn: it may never ping anyone or change formatting.

Slack's docs ask for exactly three HTML entities (``&``, ``<``, ``>``); with ``<`` gone, no
``<!channel>``, ``<!here>``, ``<@U123>`` or ``<#C1>`` can survive. Bare ``@here`` / ``@channel`` /
``@everyone`` only ping when a client posts with ``link_names``, but a digest is read by humans
who may copy it, so they get an invisible WORD JOINER after the ``@``: the text reads the same
and never matches Slack's keyword.

mrkdwn has no backslash escape, so the formatting characters ``*``, ``_``, ``~`` and the backtick
become visually identical lookalikes: a headline like ``*BREAKING*`` stays legible instead of
turning bold, and an unbalanced backtick cannot swallow the rest of a message into code.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_MARKUP = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})
# No word boundary: "@here_" or "@channel2" are not worth a guess about how Slack tokenises them.
_BROADCAST = re.compile(r"@(?=here|channel|everyone)", re.IGNORECASE)
# Inside a link target these would end the link or start a label.
_URL_UNSAFE = str.maketrans({"<": "%3C", ">": "%3E", "|": "%7C", " ": "%20", "&": "&amp;"})


def escape_plain(text: str) -> str:
    """Escape for a Slack field that is shown as text (plain_text, notification ``text``)."""
    return _BROADCAST.sub("@" + WORD_JOINER, text.translate(_ENTITIES))


def escape_mrkdwn(text: str) -> str:
    """Escape for mrkdwn: entities, broadcast keywords, and formatting characters."""
    return escape_plain(text.translate(_MARKUP))


def safe_url(url: str | None) -> str | None:
    """The URL for a ``<url|label>`` link, or None when it is not an http(s) URL we can link."""
    if not url:
        return None
    url = url.strip()
    if not re.match(r"https?://[^\s]+$", url, re.IGNORECASE):
        return None
    return url.translate(_URL_UNSAFE)


def link(url: str | None, label: str) -> str:
    """An mrkdwn link whose label is escaped; just the escaped label when there is no usable URL."""
    target = safe_url(url)
    text = escape_mrkdwn(label).replace("|", "\u2223")  # a bare | would end the link target early
    return f"<{target}|{text}>" if target else text


def truncate(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """Cut ``text`` to at most ``limit`` characters, never inside an ``&amp;``-style entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]  # half an entity would show as garbage
    return cut.rstrip() + ellipsis
