"""Where stories start in a plain-text dump.

A story header is printed as: headline, photo caption (often twice), a ``TT`` marker, then the
headline and caption again. Variants drop the marker, print the caption once, or have no caption.
Evidence for a story start, strongest first:

* the headline repeated within the header, the ``TT`` marker, or a caption printed twice;
* a caption that ends with a photo credit ("... 2026. EPA/OLIVIER MATTHYS") right under a headline;
* failing both, a headline-like line after a wider blank gap than the file's paragraphs use.

In-body subheadings ("A war of attrition") are short too; they lose because they have no header
evidence, and gap-only starts demand Title Case when the rest of the file has real headers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.ingest.credits import is_file_photo, split_credit
from bot.ingest.decode import clean_line
from bot.ingest.textutil import ends_sentence, is_all_caps, is_headline_like, is_marker, is_title_case, same, words

_MAX_HEADER_LINES = 10
_FILE_START_GAP = 1_000_000


@dataclass(frozen=True, slots=True)
class Line:
    """A non-blank, cleaned line; ``gap`` counts the blank lines above it."""

    no: int
    text: str
    gap: int


@dataclass(frozen=True, slots=True)
class Header:
    """A story header spanning ``lines[start:end]``; ``strength`` 2 is certain, 1 likely, 0 positional."""

    start: int
    end: int
    title: str
    captions: tuple[str, ...] = ()
    strength: int = 0


@dataclass(slots=True)
class Story:
    header: Header
    body: list[Line] = field(default_factory=list)


def to_lines(text: str) -> list[Line]:
    """Cleaned non-blank lines with their 1-based line numbers and the blank lines above each."""
    out: list[Line] = []
    gap = _FILE_START_GAP
    for no, raw in enumerate(text.split("\n"), start=1):
        line = clean_line(raw)
        if not line:
            gap += 1
            continue
        out.append(Line(no, line, gap))
        gap = 0
    return out


def _looks_like_caption(lines: Sequence[Line], j: int, title: str) -> bool:
    text = lines[j].text
    if len(words(text)) < 4 or is_marker(text):
        return False
    if split_credit(text)[1] is not None or is_file_photo(text):
        return True
    nxt = lines[j + 1].text if j + 1 < len(lines) else ""
    return same(nxt, text) or is_marker(nxt) or same(nxt, title)


def read_header(lines: Sequence[Line], i: int) -> Header:
    """Read the header that would start at ``lines[i]`` and grade the evidence for it."""
    title = lines[i].text
    captions: list[str] = []
    marker = repeated = caption_twice = credited = False
    j = i + 1
    while j < len(lines) and j - i <= _MAX_HEADER_LINES:
        text = lines[j].text
        if is_marker(text):
            marker = True
        elif same(text, title):
            repeated = True
        elif any(same(text, c) for c in captions):
            caption_twice = True
        elif not captions and _looks_like_caption(lines, j, title):
            captions.append(text)
            credited = split_credit(text)[1] is not None or is_file_photo(text)
        else:
            break
        j += 1
    strength = 0
    if (marker or repeated or caption_twice) and _can_be_title(title, repeated):
        strength = 2
    elif credited and is_headline_like(title):
        strength = 1
    return Header(i, j if strength else i + 1, title, tuple(captions), strength)


def _can_be_title(title: str, repeated: bool) -> bool:
    if is_marker(title) or len(words(title)) > 40 or split_credit(title)[1] is not None:
        return False
    # Headlines do not end in a full stop; a repeated line that does is more likely a pasted paragraph.
    return is_headline_like(title) or (repeated and not ends_sentence(title))


def _story_gap(lines: Sequence[Line], starts: set[int]) -> int:
    """Blank lines that separate stories: wider than the gap the file's paragraphs mostly use."""
    body_gaps = Counter(line.gap for k, line in enumerate(lines) if k and k not in starts)
    usual = body_gaps.most_common(1)[0][0] if body_gaps else 0
    return max(2, usual + 1)


def split_stories(lines: Sequence[Line]) -> tuple[list[Line], list[Story]]:
    """Lines before the first headline (orphans) and the stories, in file order."""
    headers: dict[int, Header] = {}
    i = 0
    while i < len(lines):
        found = read_header(lines, i)
        accepted = found.strength == 2 or (
            found.strength == 1 and (i == 0 or lines[i].gap >= 2 or is_title_case(found.title))
        )
        if accepted:
            headers[i] = found
            i = found.end
        else:
            i += 1
    if 0 not in headers and lines and is_headline_like(lines[0].text) and len(lines) > 1:
        headers[0] = Header(0, 1, lines[0].text)
    has_layout = any(h.strength for h in headers.values())
    gap = _story_gap(lines, set(headers))
    orphans: list[Line] = []
    stories: list[Story] = []
    i = 0
    while i < len(lines):
        header: Header | None = headers.get(i)
        if header is None and stories and stories[-1].body and _gap_start(lines, i, gap, has_layout):
            header = Header(i, i + 1, lines[i].text)
        if header is not None:
            stories.append(Story(header))
            i = header.end
            continue
        (stories[-1].body if stories else orphans).append(lines[i])
        i += 1
    return orphans, stories


def _gap_start(lines: Sequence[Line], i: int, gap: int, has_layout: bool) -> bool:
    """A captionless story start: a headline after a story-sized gap, followed by a paragraph."""
    text = lines[i].text
    if lines[i].gap < gap or i + 1 >= len(lines) or not is_headline_like(text) or is_all_caps(text):
        return False
    if has_layout and not is_title_case(text):
        return False
    nxt = lines[i + 1].text
    return ends_sentence(nxt) or len(words(nxt)) > 30
