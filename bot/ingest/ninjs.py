"""IPTC ninjs 1.x, 2.x and 3.x (news in JSON), one object per item.

Field map: title <- ``headline`` (1.x/2.x) or ``headlines[]`` (2.x/3.x, the main one); body <-
``body_html`` / ``body_text`` (1.x/2.x) or ``bodies[]`` (2.x/3.x, HTML preferred), else
``description_text`` / ``description_html`` / ``descriptions[]``; byline <- ``byline`` or ``by``;
credit <- ``copyrightholder``, else the ``infosources`` / ``provider`` names; published <-
``versioncreated``, else ``firstcreated``; url <- a ``links``/``uri`` that is http(s); guid <- ``uri``;
language <- ``language``. Keys are read case-insensitively (3.x writes ``versionCreated``). Items of
another ``type`` (picture, video, audio, graphic, composite) are skipped with the reason.
"""

from __future__ import annotations

from typing import Any

from bot.ingest.items import WireItem
from bot.ingest.parsed import RecordError

_NINJS_KEYS = frozenset({"uri", "versioncreated", "firstcreated", "headlines", "bodies", "body_html", "body_text",
                         "pubstatus", "profile", "renditions", "associations", "descriptions"})


def _lower(value: Any) -> Any:
    """ninjs 3.x spells keys in camelCase ("versionCreated", "contentType"), 1.x/2.x in lower case."""
    if isinstance(value, dict):
        return {str(k).lower(): _lower(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower(v) for v in value]
    return value


def is_ninjs(record: object) -> bool:
    """A ninjs object: its ``uri`` or at least two ninjs-only keys, and no plain ``title`` of our export."""
    if not isinstance(record, dict):
        return False
    keys = {str(k).lower() for k in record}
    return ("uri" in keys or len(keys & _NINJS_KEYS) >= 2) and "title" not in keys and bool(keys & _NINJS_KEYS)


def _string(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _pick(entries: object, *, prefer: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The main entry of a ninjs list (``headlines``, ``bodies``): role "main" or the preferred type first."""
    if not isinstance(entries, list):
        return None
    usable = [e for e in entries if isinstance(e, dict) and _string(e.get("value"))]

    def rank(entry: dict[str, Any]) -> tuple[int, int]:
        role = str(entry.get("role") or "").lower()
        kind = str(entry.get("contenttype") or "").lower()
        return (0 if role in ("", "main", "default") else 1,
                next((i for i, p in enumerate(prefer) if p in kind), len(prefer)))

    return min(usable, key=rank) if usable else None


def _body(record: dict[str, Any]) -> tuple[str | None, str | None]:
    """(HTML body, plain-text body)."""
    html, plain = _string(record.get("body_html")), _string(record.get("body_text"))
    if html or plain:
        return html, plain
    body = _pick(record.get("bodies"), prefer=("html", "text/plain"))
    if body is None:
        return None, None
    value = _string(body.get("value"))
    return (value, None) if "html" in str(body.get("contenttype") or "html").lower() else (None, value)


def _summary(record: dict[str, Any]) -> str | None:
    value = _string(record.get("description_html")) or _string(record.get("description_text"))
    if value:
        return value
    description = _pick(record.get("descriptions"), prefer=("html", "text/plain"))
    return _string(description.get("value")) if description else None


def _names(value: object) -> str | None:
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        return _string(value.get("name")) or _string(value.get("literal"))
    if isinstance(value, list):
        names = [n for n in (_names(v) for v in value) if n]
        return ", ".join(names) or None
    return None


def _url(record: dict[str, Any]) -> str | None:
    for link in record.get("links") or ():
        href = _string(link.get("href")) if isinstance(link, dict) else None
        if href and href.startswith(("http://", "https://")) and str(link.get("rel") or "").endswith(
                ("canonical", "self", "alternate", "")):
            return href
    uri = _string(record.get("uri"))
    return uri if uri and uri.startswith(("http://", "https://")) else None


def ninjs_item(record: dict[str, Any], *, line: int) -> WireItem | RecordError:
    """One ninjs object as a WireItem, or a skip when it is not a text story."""
    record = _lower(record)
    uri = _string(record.get("uri"))
    kind = str(record.get("type") or "text").lower()
    if kind not in ("text", "article"):
        return RecordError(line, f"{kind} item, not a story", "skipped", uri)
    status = str(record.get("pubstatus") or "").lower()
    if status in ("canceled", "cancelled", "withheld"):
        return RecordError(line, f"item {status} by its provider", "skipped", uri)
    html, plain = _body(record)
    headline = _string(record.get("headline")) or _string((_pick(record.get("headlines")) or {}).get("value"))
    return WireItem(
        title=headline,
        html=html,
        text=plain,
        summary=_summary(record),
        url=_url(record),
        published=_string(record.get("versioncreated")) or _string(record.get("firstcreated")),
        credit=_names(record.get("copyrightholder")) or _names(record.get("infosources"))
        or _names(record.get("infosource")) or _names(record.get("provider")),
        byline=_names(record.get("byline")) or _names(record.get("by")),
        language=_string(record.get("language")),
        guid=uri,
        line=line,
    )
