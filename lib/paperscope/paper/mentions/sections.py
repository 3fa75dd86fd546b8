"""The sections of a paper's text, from its headings, and the lines that are tables or captions.

The body pages come from PDFium without fonts, so headings are found by what survives in
plain text: a numbering ("3", "3.2", "III.", "A.1") that goes up in order, followed by a
short title, or a line that is only one of the usual names ("Abstract", "Related Work").
Each section gets a kind from its title's words; a numbered title with no known word is
the paper's own content ("method"). A subsection keeps its parent's kind unless the
parent is the paper's own content and the subsection names another kind ("4.3 Results").

The thresholds are mentions.sections.* in the config (settings: its MentionSections section).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

FRONT, ABSTRACT, INTRODUCTION, RELATED, METHOD = "front", "abstract", "introduction", "related", "method"
EXPERIMENTS, RESULTS, DISCUSSION, CONCLUSION = "experiments", "results", "discussion", "conclusion"
APPENDIX, REFERENCES, OTHER = "appendix", "references", "other"
SECTION_KINDS = (FRONT, ABSTRACT, INTRODUCTION, RELATED, METHOD, EXPERIMENTS, RESULTS, DISCUSSION, CONCLUSION,
         APPENDIX, OTHER, REFERENCES)
# Sections whose subsections may name another kind ("4.3 Results" inside "4 Our model"), and those kinds.
_OWN = {METHOD, EXPERIMENTS, RESULTS, APPENDIX}
_SUBKINDS = {RELATED, EXPERIMENTS, RESULTS, DISCUSSION}

# A title's kind: the first of these whose words it contains.
_NAMES = [
    (ABSTRACT, r"^a\s?b\s?s\s?t\s?r\s?a\s?c\s?t\b"),
    (REFERENCES, r"^(?:references|bibliography|literature cited)$"),
    (APPENDIX, r"\bappendi|\bsupplementa"),
    (OTHER, r"\backnowledge?ments?\b|\breproducibility\b|\bauthor contributions?\b|\bfunding\b"),
    (RELATED, r"\brelated\b|\bprior work|\bprevious work|\bliterature\b|\bbackgrounds?\b|\bpreliminar"),
    (INTRODUCTION, r"\bintroduction\b|^overview$|^motivation$"),
    (RESULTS, r"\bresults?\b"),
    (EXPERIMENTS, r"\bexperiment|\bevaluation|\bempirical\b|\bbenchmark|\bset-?ups?\b|\bsettings?\b"
                  r"|\bimplementation\b|\bbaselines?\b|\bablations?\b|\banalys[ie]s\b|\bcase stud"),
    (CONCLUSION, r"\bconclu|\bconcluding\b|\bclosing remarks\b|\bfinal remarks\b"),
    (DISCUSSION, r"\bdiscussions?\b|\blimitations?\b|\bfuture (?:work|directions?)\b|\bbroader impacts?\b"
                 r"|\bsocietal\b|\bethic|\boutlook\b|\bopen (?:problems|questions|challenges)\b"),
    (METHOD, r"^(?:methods?|methodology|approach|proposed methods?)$"),
]
_NAMED = [(kind, re.compile(p, re.I)) for kind, p in _NAMES]
# A line that is only a section name, without a number (not "Method" or "Results": table headers).
_BARE = re.compile(
    r"(?:abstract|introduction|related works?|background|preliminaries|methodology"
    r"|experiments?|experimental (?:setup|results|settings?)|discussion|conclusions?"
    r"|limitations|acknowledge?ments?|appendix|appendices|supplementary materials?|references|bibliography"
    r"|a\s?b\s?s\s?t\s?r\s?a\s?c\s?t)\s*:?", re.I)
# "Abstract—We study ...", "Abstract. We study ...": the abstract starts on that line.
_INLINE_ABSTRACT = re.compile(r"a\s?b\s?s\s?t\s?r\s?a\s?c\s?t\s*[—–:.-]", re.I)
_NUMBERED = re.compile(r"(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.*)")
_ROMAN = re.compile(r"([IVX]{1,5})\.\s+(\S.*)")
_LETTERED = re.compile(r"([A-H])((?:\.\d{1,2}){0,2})\.?\s+(\S.*)")
_ONLY_NUMBER = re.compile(r"\d{1,2}\.?")
_ROMANS = {r: i for i, r in enumerate("I II III IV V VI VII VIII IX X XI XII XIII XIV XV".split(), 1)}
# Formulas, and sentences that start a numbered list item ("2. We extend ...").
_NOT_TITLE = re.compile(r"[=<>{}\[\]|←→∇]|^We\b")


@dataclass(frozen=True)
class Section:
    start: int  # offset of the heading line in the text
    kind: str
    title: str
    top: bool = True  # a section, not a subsection


def title_kind(title: str) -> str | None:
    """The kind a section title names, or None."""
    for kind, pattern in _NAMED:
        if pattern.search(title):
            return kind
    return None


def _title_like(title: str, words: int) -> bool:
    """A short capitalised phrase: no sentence end, few digits, not a formula or a table row."""
    title = title.strip()
    if not title or not title[0].isupper() or len(title.split()) > words or len(title) > 90:
        return False
    if title[-1] in ".,;:?" or title.count(",") > 1 or _NOT_TITLE.search(title):
        return False
    letters = sum(c.isalpha() for c in title)
    return letters >= 3 and letters >= 0.6 * len(title.replace(" ", "")) and sum(c.isdigit() for c in title) <= 2


class _Numbering:
    """Accepts a heading number only when it continues the paper's numbering."""

    def __init__(self):
        self.top = 0
        self.roman = 0
        self.letter = 0

    def arabic(self, number: str) -> int | None:
        """The heading's depth (1 = section) when number fits, else None."""
        parts = [int(p) for p in number.split(".")]
        if len(parts) == 1:
            if self.top < parts[0] <= self.top + 2:
                self.top = parts[0]
                return 1
            return None
        return len(parts) if parts[0] == self.top and parts[-1] >= 1 else None

    def roman_numeral(self, numeral: str) -> bool:
        value = _ROMANS.get(numeral)
        if value is not None and self.roman < value <= self.roman + 2:
            self.roman = value
            return True
        return False

    def lettered(self, letter: str, rest: str) -> int | None:
        value = ord(letter) - ord("A") + 1
        if rest:
            return 1 + rest.count(".") if value == self.letter else None
        if value == self.letter + 1 or (value == 1 and self.letter > 1):
            self.letter = value
            return 1
        return None


def find_sections(text: str, body_end: int | None, settings) -> list[Section]:
    """The sections of text in order; the first starts at 0 (FRONT until a heading says otherwise).

    body_end: where the references start (text.body_end; None: no references); the
    headings after it are the references' and the appendices'. settings: mentions.sections.
    """
    body_end = len(text) if body_end is None else body_end
    sections = [Section(0, FRONT, "")]
    numbering = _Numbering()
    parent = FRONT
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    filled = [i for i, line in enumerate(lines) if line.strip(" \t\f")]
    for n, i in enumerate(filled):
        start, line = starts[i], lines[i].strip(" \t\f")
        if start >= body_end > sections[-1].start and parent != REFERENCES:
            sections.append(Section(body_end, REFERENCES, "References"))
            parent = REFERENCES
        after_number = n > 0 and bool(_ONLY_NUMBER.fullmatch(lines[filled[n - 1]].strip(" \t\f")))
        following = [lines[j].strip(" \t\f") for j in filled[n + 1:n + 1 + settings.list_lookahead]]
        found = _heading(line, numbering, after_number, parent in (REFERENCES, APPENDIX), parent, following,
                         settings.max_title_words)
        if found is None:
            continue
        depth, title = found
        kind = title_kind(title)
        if kind == ABSTRACT and parent != FRONT:
            continue  # a word in a figure
        if depth <= 1 and (depth == 1 or kind is not None):
            kind = kind or _unnamed(parent, sections)
            parent = kind
        elif not (parent in _OWN and kind in _SUBKINDS):
            kind = parent
        if kind != sections[-1].kind:
            sections.append(Section(start, kind, title, depth <= 1))
    return sections


def _unnamed(parent: str, sections: list[Section]) -> str:
    """The kind of a section whose title names none: the paper's method, or after its
    experiments more of them (an analysis), or after the references an appendix."""
    if parent in (REFERENCES, APPENDIX):
        return APPENDIX
    return EXPERIMENTS if any(s.kind in (EXPERIMENTS, RESULTS) and s.top for s in sections) else METHOD


def _next_number_follows(number: str, following: list[str]) -> bool:
    nxt = str(int(number) + 1)
    return any(re.match(rf"{nxt}\.?\s", line) for line in following)


def _heading(line: str, numbering: _Numbering, after_number: bool, appendix: bool, parent: str,
             following: list[str], words: int) -> tuple[int, str] | None:
    """(depth, title) when line is a heading: depth 0 for an unnumbered known name; titles
    of at most `words` words (a lettered one two fewer: "A Proof" is short, "A model ..." a sentence)."""
    if _BARE.fullmatch(line):
        return 0, line.rstrip(":")
    if parent == FRONT and _INLINE_ABSTRACT.match(line):
        return 0, "Abstract"
    if after_number and title_kind(line) and _title_like(line, words):
        return 1, line  # the number was on the line before ("1", "Introduction")
    m = _NUMBERED.fullmatch(line)
    if m and _title_like(m.group(2), words):
        if parent in (FRONT, ABSTRACT) and title_kind(m.group(2)) is None:
            return None  # page one's numbered affiliations and footnotes
        if "." not in m.group(1) and title_kind(m.group(2)) is None and _next_number_follows(m.group(1), following):
            return None
        depth = numbering.arabic(m.group(1))
        return (depth, m.group(2)) if depth else None
    m = _ROMAN.fullmatch(line)
    if m and _title_like(m.group(2), words) and numbering.roman_numeral(m.group(1)):
        return 1, m.group(2)
    m = _LETTERED.fullmatch(line)
    if m and "," not in m.group(3) and _title_like(m.group(3), words - 2):
        if appendix:
            depth = numbering.lettered(m.group(1), m.group(2))
            return (depth, m.group(3)) if depth else None
        if numbering.roman and not m.group(2):
            return 2, m.group(3)  # "A. Graph" under "II. PRELIMINARY"
    return None


class SectionIndex:
    """The kind of the section at an offset."""

    def __init__(self, sections: list[Section]):
        self.sections = sections
        self._starts = [s.start for s in sections]

    def at(self, offset: int) -> Section:
        return self.sections[bisect.bisect_right(self._starts, offset) - 1]


# ---------------------------------------------------------------------------------------
# Tables and captions
# ---------------------------------------------------------------------------------------

_NUMBER_CELL = re.compile(r"[-+±]?\(?\d+(?:[.,]\d+)?\)?(?:%|x|×)?|[-–—]|n/?a|✓|✗|±\d+(?:\.\d+)?", re.I)
_CAPTION = re.compile(r"(?:table|tab\.)\s*[A-Z]?\d+[:.]|(?:figure|fig\.)\s*[A-Z]?\d+[:.]", re.I)


def is_table_row(line: str, settings) -> bool:
    """A line of a table: mostly numbers ("Qwen-VL-7B 59.3 67.1 63.8 - 38.2"); at least
    settings.row_numbers cells with digits that are at least settings.row_share of its cells."""
    cells = line.split()
    numbers = [c for c in cells if _NUMBER_CELL.fullmatch(c)]
    real = sum(any(ch.isdigit() for ch in c) for c in numbers)
    return real >= settings.row_numbers and len(numbers) >= settings.row_share * len(cells)


def caption_kind(line: str) -> str | None:
    """'table' or 'figure' when line starts a caption."""
    m = _CAPTION.match(line.strip())
    if not m:
        return None
    return "table" if m.group(0).lower().startswith("tab") else "figure"
