"""Photo credits, agency names, in-text attributions and caption dates."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import date

# (pattern, canonical name). Short acronyms are matched case-sensitively so that "ap" or "pa" inside
# ordinary words or names never count; long names match in any case ("REUTERS", "Reuters").
_AGENCIES: tuple[tuple[str, str, bool], ...] = (
    (r"Thomson\s+Reuters|Reuters", "Reuters", True),
    (r"Associated\s+Press", "AP", True),
    (r"AP", "AP", False),
    (r"Agence\s+France[-\s]Presse", "AFP", True),
    (r"AFP", "AFP", False),
    (r"EPA(?:-EFE)?|Epa", "EPA", False),
    (r"Getty(?:\s+Images)?", "Getty Images", True),
    (r"Bloomberg", "Bloomberg", True),
    (r"dpa|DPA", "dpa", False),
    (r"Xinhua", "Xinhua", True),
    (r"Anadolu(?:\s+Agency)?", "Anadolu", True),
    (r"TASS", "TASS", False),
    (r"Sputnik", "Sputnik", True),
    (r"Kyodo", "Kyodo", True),
    (r"Yonhap", "Yonhap", True),
    (r"ANSA", "ANSA", False),
    (r"PA\s+(?:Images|Wire|Media)|PA", "PA", False),
    (r"Ritzau\s+Scanpix|Ritzau|Scanpix", "Ritzau Scanpix", True),
    (r"NTB", "NTB", False),
    (r"Lehtikuva", "Lehtikuva", True),
    (r"TT\s+Nyhetsbyr[åa]n|TT", "TT", False),
    (r"UPI", "UPI", False),
    (r"ANP", "ANP", False),
    (r"Belga", "Belga", True),
    (r"NurPhoto", "NurPhoto", True),
    (r"SOPA\s+Images", "SOPA Images", True),
    (r"ZUMA(?:\s+Press|\s+Wire)?", "ZUMA Press", False),
    (r"Sipa(?:\s+USA)?|SIPA", "Sipa", False),
    (r"Shutterstock", "Shutterstock", True),
    (r"Alamy", "Alamy", True),
    (r"Imago|IMAGO", "Imago", False),
    (r"Ukrinform", "Ukrinform", True),
    (r"VOA", "VOA", False),
)
# One alternation, one group per agency: a single scan of the text finds them all in order.
_AGENCY_RE = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(f"({'(?i:' if fold else '(?:'}{pattern}))" for pattern, _, fold in _AGENCIES)
    + r")(?![\w-])"
)
_AGENCY_NAMES = tuple(name for _, name, _ in _AGENCIES)
_EDITOR_NOTE = re.compile(
    r"\s+(?:ATTENTION EDITORS|MANDATORY CREDIT|NO RESALES|NO ARCHIVES|THIS IMAGE HAS BEEN SUPPLIED"
    r"|EDITORIAL USE ONLY)\b.*$"
)
_PAREN_CREDIT = re.compile(r"\(([^()]{1,100})\)\s*$")
_SENTENCE_BREAK = re.compile(r"[.!?][\"'”’)]?\s+(?=[(\"“‘']?[A-Z])")
_PHOTO_PREFIX = re.compile(r"^(?:(?:photo|photograph|picture|image|foto)s?\s*(?::|by\b)|courtesy\b)", re.IGNORECASE)
# Case-sensitive on purpose: "FILE PHOTO:" and AP's "FILE -" open captions, never prose.
_FILE_PHOTO = re.compile(r"^\s*(?:FILE\s+PHOTO\b|FILE\s*[-–—:]|File\s+photo\s*[-–—:]|Archive\s+photo\s*[-–—:])")
_CREDIT_WORDS = frozenset(
    [
        "via",
        "pool",
        "photo",
        "photos",
        "file",
        "handout",
        "images",
        "image",
        "staff",
        "stringer",
        "by",
        "and",
        "&",
        "for",
        "courtesy",
        "of",
        "the",
        "press",
        "office",
        "service",
        "agency",
        "news",
        "-",
        "/",
        "photographer",
    ]
)
# Sign-offs: all but one open the line, so they are tried there alone (``match``); a ``search`` of them
# all tried every alternative at every position of every paragraph (the slowest regex of parsing).
_CONTRIBUTED = re.compile(r"contributed\s+(?:to\s+)?(?:this\s+)?(?:report|reporting)\b", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"^\(?\s*(?:(?:additional\s+)?reporting|writing|editing|compiled|translated)\s+by\b"
    r"|^(?:some\s+)?(?:information|material|reporting)\s+(?:for|in)\s+this\s+(?:story|report|article)\s+"
    r"(?:came|comes|was\s+provided)\s+from\b"
    r"|^Our\s+Standards:|^_{3,}$|^-{3,}$|^\*{3,}$"
    r"|^(?:©|\(c\)|Copyright\b)\s*\d{4}|^Follow\s+(?:AP|Reuters|AFP)\b|^(?:Sign\s+up|Subscribe)\s+(?:here|to)\b"
    r"|^(?:read\s+more|related|see\s+also|watch|listen)\s*:|^(?:https?://|www\.)\S+$",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^By\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}(?:\s*(?:,|\band\b|&).*)?$")
_WIRES = r"Reuters|REUTERS|AFP|Agence France-Presse|AP|Associated Press"
_WIRE_NAMES = tuple(_WIRES.split("|"))  # the same names as plain substrings, for a cheap first look
_ATTRIBUTION = re.compile(
    rf"\b(?:said|says|told|reported|reports|according\s+to|cited\s+by|quoted\s+by)\s+(?:the\s+)?(?P<a>{_WIRES})\b"
    rf"|\b(?P<b>{_WIRES})\s+(?:said|says|reported|reports|has\s+learned|learned|news\s+agency)\b"
    rf"|^[A-Z][\w .,'’-]{{1,60}}\((?P<c>{_WIRES})\)\s*[-–—]"
)
_MONTHS = {
    name: index
    for index, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_TAIL = 40  # longer than any date _DATES matches ("September 28th, 2026")
_DATES = (
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b"),
)


def agencies(text: str) -> tuple[str, ...]:
    """Normalised agency names in ``text``, in order of appearance, without repeats."""
    return _unique(_AGENCY_NAMES[(m.lastindex or 1) - 1] for m in _AGENCY_RE.finditer(text))


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


_NAME_SLASH = re.compile(r"[^\W\d_]\s?/\s?[^\W\d_]")


def _is_credit(tail: str) -> bool:
    """A credit names an agency or has a slash, and holds only names and credit words ("Pool", "via")."""
    tail = tail.strip()
    if not tail or len(tail.split()) > 10 or tail.endswith((".", ",", ";", ":")):
        return False
    if _PHOTO_PREFIX.match(tail):
        return True
    # The slash of a credit joins names ("REUTERS/Stringer"); one between digits is a score or a time
    # ("(1815/1815)" in a fixtures list), not a credit.
    if not (agencies(tail) or _NAME_SLASH.search(tail)):
        return False
    for token in re.split(r"[\s/]+", tail):
        token = token.strip("()[],;")
        if token and token.casefold() not in _CREDIT_WORDS and not (token[0].isupper() or token[0].isdigit()):
            return False  # a lower-case word: prose that mentions an agency, not a credit
    return True


@functools.lru_cache(maxsize=4096)  # header detection asks about the same lines several times
def split_credit(line: str) -> tuple[str, str | None]:
    """Split a caption into (text, credit as printed) when it ends with a photo credit.

    Editors' notes after the credit ("ATTENTION EDITORS - ...", "MANDATORY CREDIT") are dropped.
    """
    line = _EDITOR_NOTE.sub("", line.strip()).strip()
    paren = _PAREN_CREDIT.search(line)
    if paren and (_PHOTO_PREFIX.match(paren.group(1)) or _is_credit(paren.group(1))):
        return line[: paren.start()].rstrip(), paren.group(0).strip()
    breaks = list(_SENTENCE_BREAK.finditer(line))
    start = breaks[-1].end() if breaks else 0
    if _is_credit(line[start:]):
        return line[:start].rstrip(), line[start:].strip()
    # A credit glued on without a full stop: "... 2026 REUTERS/Stringer"; take the slash token and up
    # to two capitalised name words before it ("AP Photo/Efrem Lukatsky").
    tokens = line.split()
    if line.endswith("."):
        return line, None
    for s in range(len(tokens) - 1, max(0, len(tokens) - 6), -1):
        if "/" not in tokens[s]:
            continue
        k = s
        while k > max(1, s - 2) and tokens[k - 1].isalpha() and tokens[k - 1][0].isupper():
            k -= 1
        if _is_credit(" ".join(tokens[k:])):
            return " ".join(tokens[:k]), " ".join(tokens[k:])
    return line, None


def is_credit_only(line: str) -> bool:
    """A line that is nothing but a photo credit ("REUTERS/Stringer", "(Reuters)", "Photo: AFP")."""
    text, credit = split_credit(line)
    return credit is not None and not text


def is_byline(line: str) -> bool:
    """ "By Jane Doe", "By JANE DOE and John Roe, Associated Press": author lines, not body text."""
    return bool(_BYLINE.match(line)) and len(line.split()) <= 12 and not line.rstrip().endswith(".")


def ends_with_date(text: str) -> bool:
    """Captions end with where and when: "..., in Beijing, China, January 28, 2026." (credit removed)."""
    text = split_credit(text)[0].rstrip().rstrip(".").rstrip()
    # Only the end can hold the date: scan its last characters, not the whole caption (``\b`` still
    # sees the character before ``start``).
    start = max(0, len(text) - _DATE_TAIL)
    for pattern in _DATES:
        for m in pattern.finditer(text, start):
            if m.end() == len(text) and text[: m.start()].rstrip().endswith(","):
                return True
    return False


def is_file_photo(line: str) -> bool:
    return bool(_FILE_PHOTO.match(line))


def is_sign_off(line: str) -> bool:
    """Reporter/editor sign-offs and separators that close wire stories; never body text."""
    return bool(_SIGN_OFF.match(line) or _CONTRIBUTED.search(line)) and len(line.split()) <= 40


def text_attributions(text: str) -> tuple[str, ...]:
    """Wires the body names as its source: datelines "KYIV (AP) —", "said AFP", "Reuters reported"."""
    names: list[str] = []
    if not any(wire in text for wire in _WIRE_NAMES):  # every attribution names one: most stories skip the scan
        return ()
    for line in text.splitlines():
        for m in _ATTRIBUTION.finditer(line):
            raw = m.group("a") or m.group("b") or m.group("c") or ""
            names.extend(agencies(raw))
    return _unique(names)


def caption_date(text: str) -> date | None:
    """The first full date a caption gives ("October 17, 2014", "22 January 2026", "2026-01-28")."""
    hits: list[tuple[int, date]] = []
    for pattern in _DATES:
        for m in pattern.finditer(text):
            month_text = m.group("month")
            month = int(month_text) if month_text.isdigit() else _MONTHS[month_text.casefold()]
            try:
                hits.append((m.start(), date(int(m.group("year")), month, int(m.group("day")))))
            except ValueError:
                continue
    return min(hits)[1] if hits else None
