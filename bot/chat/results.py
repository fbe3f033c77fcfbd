"""Platform-neutral results: what the core hands to adapters to render (briefs, digests, replies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


@dataclass(frozen=True, slots=True)
class BriefSentence:
    """A sentence of a brief's lead paragraph, traceable to its article."""

    text: str
    article_id: int


@dataclass(frozen=True, slots=True)
class StoryLine:
    """One story in a brief or digest: several wires' reports of one event merge into one line."""

    article_id: int
    headline: str
    blurb: str
    credits: tuple[str, ...] = ()
    url: str | None = None
    merged_ids: tuple[int, ...] = ()  # other articles reporting the same event


@dataclass(frozen=True, slots=True)
class Brief:
    """A topic (or free-text) brief: a short lead paragraph, then one line per story."""

    query: str
    label: str  # display name, e.g. "Ukraine" or "“gold”"
    matched_by: Literal["topic", "fulltext", "none"]
    lead: tuple[BriefSentence, ...] = ()
    stories: tuple[StoryLine, ...] = ()
    more: int = 0  # stories beyond the cap ("and N more")
    suggestions: tuple[str, ...] = ()  # closest topics when the query matched nothing

    @property
    def empty(self) -> bool:
        return not self.stories


@dataclass(frozen=True, slots=True)
class Digest:
    """A channel's digest: one brief per topic in the channel's order, the time window it covers."""

    title: str
    window_start: datetime | None
    window_end: datetime
    sections: tuple[Brief, ...] = ()
    run_marker: str = ""  # unique id of the run, carried in the post so a crash can be checked
    timezone: str = "UTC"

    @property
    def empty(self) -> bool:
        return all(s.empty for s in self.sections)

    @property
    def sources(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for section in self.sections:
            for story in section.stories:
                for credit in story.credits:
                    seen.setdefault(credit, None)
        return tuple(seen)


# /digest subcommands that change a channel's settings (or post): only these need CommandContext.can_manage.
DIGEST_MUTATIONS = frozenset({"add", "remove", "time", "timezone", "pause", "resume", "now"})


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who asked, where: adapters fill it in, including whether the caller may change settings."""

    platform: str
    workspace: str
    channel: str
    user_id: str
    can_manage: bool = False
    manage_hint: str = "a channel manager"  # who *can* change settings, for refusals


@dataclass(frozen=True, slots=True)
class BriefReply:
    """Answer to ``/brief``."""

    brief: Brief
    public: bool = False


@dataclass(frozen=True, slots=True)
class TextReply:
    """Answer to a settings command, help, or an error: a title and lines of plain text."""

    text: str
    ok: bool = True
    lines: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class DigestReply:
    """Answer to ``/digest now``: the digest was posted (or why not)."""

    text: str
    ok: bool = True


CommandReply = BriefReply | TextReply | DigestReply
