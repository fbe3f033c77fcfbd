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

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.ingest.credits import ends_with_date, is_credit_only, is_file_photo, split_credit
from bot.ingest.decode import clean_line
from bot.ingest.textutil import ends_sentence, is_all_caps, is_headline_like, is_marker, is_title_case, same, words

_MAX_HEADER_LINES = 10
_FILE_START_GAP = 1_000_000
_CODE = re.compile(r"[A-Z]{2,6}")


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
    return LineReader().feed(text)


class LineReader:
    """:func:`to_lines` a piece at a time: line numbers and blank-line gaps carry on across pieces.

    Every piece but the last must end with "\\n" (as :func:`bot.ingest.decode.text_chunks` cuts them).
    """

    def __init__(self) -> None:
        self.no = 0
        self.gap = _FILE_START_GAP

    def feed(self, text: str) -> list[Line]:
        out: list[Line] = []
        raw_lines = text.split("\n")
        if len(raw_lines) > 1 and not raw_lines[-1]:
            raw_lines.pop()  # the piece ended with a line break: the next piece starts the next line
        gap, no = self.gap, self.no
        for raw in raw_lines:
            no += 1
            line = clean_line(raw)
            if not any(ch.isalnum() for ch in line):  # blank, or a separator such as "----" or "* * *"
                gap += 1
                continue
            out.append(Line(no, line, gap))
            gap = 0
        self.gap, self.no = gap, no
        return out


def _is_marker_at(lines: Sequence[Line], j: int, title: str) -> bool:
    """``TT``, or another agency's short code printed where ``TT`` would be (just before the headline again)."""
    text = lines[j].text
    if is_marker(text):
        return True
    return bool(_CODE.fullmatch(text)) and j + 1 < len(lines) and same(lines[j + 1].text, title)


def _caption_evidence(lines: Sequence[Line], j: int, title: str) -> int:
    """2: reads as a photo caption by itself (credit, FILE PHOTO, ends ", <date>."); 1: only by position."""
    text = lines[j].text
    n = len(words(text))
    if n < 2 or is_marker(text):
        return 0
    if split_credit(text)[1] is not None or is_file_photo(text) or (n >= 6 and ends_with_date(text)):
        return 2
    nxt = lines[j + 1].text if j + 1 < len(lines) else ""
    if n >= 4 and is_credit_only(nxt) and not is_marker(nxt):
        return 2  # the credit printed on a line of its own under the caption
    if n < 4 or is_headline_like(text):
        return 0  # a short unpunctuated line before ``TT`` is the real headline, not a caption
    return 1 if same(nxt, text) or is_marker(nxt) or same(nxt, title) else 0


def read_header(lines: Sequence[Line], i: int) -> Header:
    """Read the header that would start at ``lines[i]`` and grade the evidence for it."""
    title = lines[i].text
    captions: list[str] = []
    seen: list[str] = []  # caption and credit lines as printed, to recognise their second copy
    marker = repeated = caption_twice = credited = False
    j = i + 1
    while j < len(lines) and j - i <= _MAX_HEADER_LINES:
        text = lines[j].text
        if _is_marker_at(lines, j, title):
            marker = True
        elif same(text, title):
            repeated = True
        elif any(same(text, s) for s in seen):
            caption_twice = True
        elif captions and is_credit_only(text) and split_credit(captions[-1])[1] is None:
            captions[-1] = f"{captions[-1]} {text}"
            seen.append(text)
        elif (evidence := _caption_evidence(lines, j, title)) and len(captions) < 3:
            # A second photo's caption must stand on its own (credit, FILE PHOTO or printed twice):
            # the body's first paragraph must not pass for one.
            twice = j + 1 < len(lines) and same(lines[j + 1].text, text)
            if captions and not (split_credit(text)[1] or is_file_photo(text) or twice):
                break
            captions.append(text)
            seen.append(text)
            credited = credited or evidence == 2
        else:
            break
        j += 1
    # A line printed twice under a short line may just be a paragraph pasted twice under a subheading:
    # that counts only with a credited caption, a Title Case headline or a story-sized gap above.
    twice_counts = caption_twice and (credited or is_title_case(title) or lines[i].gap >= 2)
    strength = 0
    if (marker or repeated or twice_counts) and _can_be_title(title, repeated):
        strength = 2
    elif credited and is_headline_like(title):
        strength = 1
    return Header(i, j, title, tuple(captions), strength)


def _can_be_title(title: str, repeated: bool) -> bool:
    if is_marker(title) or is_file_photo(title) or len(words(title)) > 40 or split_credit(title)[1] is not None:
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
        headers[0] = read_header(lines, 0)
    has_layout = any(h.strength for h in headers.values())
    gap = _story_gap(lines, set(headers))
    orphans: list[Line] = []
    stories: list[Story] = []
    i = 0
    while i < len(lines):
        header: Header | None = headers.get(i)
        if header is None and stories and stories[-1].body and _gap_start(lines, i, gap, has_layout):
            header = read_header(lines, i)
        if header is not None:
            stories.append(Story(header))
            i = header.end
            continue
        (stories[-1].body if stories else orphans).append(lines[i])
        i += 1
    return orphans, stories


def _gap_start(lines: Sequence[Line], i: int, gap: int, has_layout: bool) -> bool:
    """A captionless story start: a headline after a story-sized gap, followed by a paragraph.

    A headline alone on the last line is a story the dump cut off before its body (reported, not
    glued onto the story above).
    """
    text = lines[i].text
    if lines[i].gap < gap or not is_headline_like(text) or is_all_caps(text):
        return False
    if has_layout and not is_title_case(text):
        return False
    if i + 1 >= len(lines):
        return True
    nxt = lines[i + 1].text
    return ends_sentence(nxt) or len(words(nxt)) > 30
