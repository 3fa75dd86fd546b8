"""The author block of a paper's first page: title, authors, affiliation strings, emails.

Works on the text of page one as pdfminer lays it out. The block is what comes before
the abstract. Each line is read as one of: an author line (names, each with its
superscript markers), an affiliation line (one or more affiliations, each led by its
marker), a continuation of the affiliation above it ("Seattle, WA, USA"), an e-mail
line, or noise (venue banners, arXiv margin stamps). Authors are linked to affiliations
by their markers; without markers, by order (an affiliation belongs to the authors
written above it). Strings are kept as written (minus the markers) so that every count
can be traced back to them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from paperscope.paper.header.page import (MARK_END, SUPERSCRIPT_LETTERS, Page, block_lines, footnotes, layout_json,
                                          line_text, load, normalise)
from paperscope.paper.matcher import INSTITUTION, Gazetteer, Match, clean

_ABSTRACT = re.compile(r"^\s*(?:a\s*b\s*s\s*t\s*r\s*a\s*c\s*t|summary)\b", re.I | re.M)
_GLUED_ABSTRACT = re.compile(r"Abstract|ABSTRACT")
_EMAIL = re.compile(r"\{[^{}@]{1,300}\}\s*@\s*[\w-]+(?:\.[\w-]+)+|[\w.+-]+\s?@\s?[\w-]+(?:\.[\w-]+)+")
# Footnote marks and superscripts that tie authors to affiliations.
_SYMBOLS = "†‡§¶∗*⋆⋄♠♢♡♣♦♥✝#□±∓◇○•⊥⊤♮♯"
_GREEK = "αβγδεζηθικλμνξοπρστυφχψω" + SUPERSCRIPT_LETTERS
_MARK = rf"(?:\(cid:\d+\)|[{re.escape(_SYMBOLS)}]|(?<!\d)\d{{1,2}}(?!\d)|[{_GREEK}])"
# A marker that leads an affiliation: at the start of the line or after a comma/space.
_LEAD = re.compile(rf"(?:^|(?<=[\s,;]))({_MARK}(?:\s*,\s*{_MARK})*)\s*(?=[A-Z\u00C0-\u024F]|{MARK_END}\d)")
_MARK_TOKEN = re.compile(rf"^{_MARK}$")
_LEADING = re.compile(rf"^[\s\d{re.escape(_SYMBOLS)}{_GREEK},;:.()\[\]^]+")
_KEYWORDS = re.compile(
    r"\b(universit\w*|institut\w*|college|school|academy|laborator\w*|labs?|centre|center|"
    r"research|department|dept|faculty|hospital|inc|corp\w*|ltd|gmbh|company|polytechnic|ai)\b",
    re.I,
)
# Lines of the first page that are not the author block: venue banners, licences, stamps.
_NOISE = re.compile(r"proceedings|conference|journal|publishing|workshop|copyright|©|\bdoi\b|arxiv|"
                    r"under review|preprint|accepted|licen[cs]e|equal contribution|corresponding author|"
                    r"work done|https?://|www\.|contents lists|journal homepage|sciencedirect|transactions on|"
                    r"\bvol\.?\s*\d|\bno\.\s*\d|\((?:19|20)\d\d\)\s*\d|"
                    # venue lines: "RecSys'13, Hong Kong", "CIKM’17, November 6-10, 2017, Singapore"
                    r"supported by|funded by|\bgrants?\b|"
                    r"\b[A-Z][A-Za-z]*\s?['’‘]\s?\d{2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
                    r"[a-z]*\.?\s+\d{1,2}\s*[-–—]+\s*\d{1,2}\b", re.I)
_NAME_WORD = re.compile(r"^(?:[A-Z\u00C0-\u024F][\w'’\-\u0300-\u036f˘¨´`^~]*\.?|[A-Z]\.(?:-?[A-Z]\.)*|"
                        r"de|van|von|der|den|da|di|le|la|del|bin|al|dos|du|ten|ter|y)$")
# Markers glued to the end of a name ('MiniMax1', 'Google∗,2').
_TRAILING = re.compile(rf"(?<=[A-Za-z\u00C0-\u024F]){_MARK}(?:\s*,\s*{_MARK})*$")
MAX_HEADER_LINES = 40
# Where an affiliation was read (headers.affiliations.source, affiliations.source).
SOURCES = ("block", "footnote", "email")


@dataclass
class Affiliation:
    raw: str
    matches: list[Match] = field(default_factory=list)
    source: str = "block"  # where it was read: "block", "footnote" or "email"
    marker: str | None = None


@dataclass
class Author:
    name: str
    markers: list[str] = field(default_factory=list)
    affiliations: list[int] = field(default_factory=list)


@dataclass
class Header:
    affiliations: list[Affiliation]
    emails: list[str]
    authors: list[Author] = field(default_factory=list)
    title: str | None = None

    def countries(self) -> list[str]:
        return sorted({m.country for a in self.affiliations for m in a.matches if m.country})


def author_block(page_text: str, title: str | None = None) -> str:
    """The first page up to the abstract (or its first lines when there is none)."""
    text = page_text or ""
    cut = _ABSTRACT.search(text)
    if cut:
        text = text[:cut.start()]
    else:
        glued = _GLUED_ABSTRACT.search(text)
        text = text[:glued.start()] if glued and _is_glued(text[:glued.start()]) else text
        text = "\n".join(text.splitlines()[:MAX_HEADER_LINES])
    if title:
        folded_title = " ".join(title.split())
        text = "\n".join(line for line in text.splitlines() if " ".join(line.split()) not in folded_title)
    return text


def _is_glued(text: str) -> bool:
    return bool(text) and text.count(" ") < len(text) / 30


def emails(block: str) -> list[str]:
    """Email addresses, with brace groups expanded: {a,b}@x.edu -> a@x.edu, b@x.edu."""
    out = []
    for m in _EMAIL.finditer(block):
        text = re.sub(r"\s", "", m.group())
        local, _, domain = text.rpartition("@")
        names = local.strip("{}").split(",") if local.startswith("{") else [local]
        out.extend(f"{n.strip()}@{domain}" for n in names if n.strip())
    return list(dict.fromkeys(out))


def _marked_pieces(line: str) -> list[tuple[str | None, str]]:
    """'1MoE Lab, SJTU, 2Ant Group' -> [('1', 'MoE Lab, SJTU'), ('2', 'Ant Group')]."""
    line = line.replace("(cid:", " (cid:")
    cuts = list(_LEAD.finditer(line))
    if not cuts:
        return [(None, line)]
    pieces = []
    if line[:cuts[0].start()].strip(" ,;"):
        pieces.append((None, line[:cuts[0].start()]))
    for k, m in enumerate(cuts):
        end = cuts[k + 1].start() if k + 1 < len(cuts) else len(line)
        pieces.append((re.sub(r"\s", "", m.group(1)), line[m.end():end]))
    return pieces


def _split_markers(text: str) -> list[str]:
    return [m for m in re.split(r"\s*,\s*", text) if m]


def _authors_in(line: str) -> list[Author] | None:
    """The authors of a line of names, each with its markers; None if the line is not one."""
    spaced = line.replace("(cid:", " (cid:")
    spaced = re.sub(rf"(?<=[^\s\d(])(?=[{re.escape(_SYMBOLS)}{_GREEK}]|\d)", " ", spaced)
    spaced = re.sub(r"(?:^|\s+)(?:and|&)(?:\s+|$)", " , ", spaced)
    items = re.findall(rf"\(cid:\d+\)|,|[{re.escape(_SYMBOLS)}]|[{_GREEK}]|\d+|[^\s,{re.escape(_SYMBOLS)}{_GREEK}]+", spaced)
    authors: list[Author] = []
    words: list[str] = []
    marks: list[str] = []

    def close() -> bool:
        if words:
            if not 2 <= len(words) <= 6 or not all(_NAME_WORD.match(w) for w in words):
                return False
            authors.append(Author(" ".join(words), list(dict.fromkeys(marks))))
        elif marks and authors:
            authors[-1].markers.extend(m for m in marks if m not in authors[-1].markers)
        words.clear()
        marks.clear()
        return True

    for item in items:
        if item == ",":
            if not close():
                return None
        elif _MARK_TOKEN.match(item):
            marks.append(item)
        else:
            if marks and words and not close():
                return None
            if marks and not words and authors:
                authors[-1].markers.extend(m for m in marks if m not in authors[-1].markers)
                marks.clear()
            words.append(item)
    if not close():
        return None
    return authors or None


def parse(page_text: str | None, title: str | None = None, gazetteer: Gazetteer | None = None,
          layout: str | dict | Page | None = None) -> Header:
    """Title, authors, affiliation strings (each resolved) and emails of one paper's first page.

    With ``layout`` (papers.header_layout: page one's lines with positions and type sizes)
    the block is cut and ordered by geometry and the first-page footnotes are read too,
    when the block names no placed affiliation. Without it (rows extracted before the
    layout was stored) only ``page_text`` is read, as pdfminer ordered it.
    """
    if gazetteer is None:
        from paperscope.paper.matcher import default_gazetteer

        gazetteer = default_gazetteer()
    page = load(layout) if layout else None
    if page is not None and page.lines:
        block = block_lines(page, title)
        if title:
            folded = " ".join(title.split())
            block = [ln for ln in block if " ".join(ln.split()) not in folded]
    else:
        block = author_block(page_text or "", title).splitlines()
    state = _State()
    _read(block, gazetteer, state, "block")
    if page is not None and not _placed(state.affiliations):
        notes = footnotes(page)
        state.last_was_affiliation = False
        _read(notes, gazetteer, state, "footnote")
    affiliations, owners = _merge_repeats(state.affiliations, state.owners)
    _link(state.authors, affiliations, owners)
    mails = emails("\n".join(block))
    if not _placed(affiliations):
        for address in mails:
            hit = gazetteer.match_domain(address.rpartition("@")[2])
            if hit:
                affiliations.append(Affiliation(address, [hit], source="email"))
    return Header(affiliations, mails, state.authors, title)


def _join_wrapped(lines: list[str]) -> list[str]:
    """A name wrapped over two lines is read as one: 'Hong Kong University of' / 'Science and Technology'."""
    out: list[str] = []
    for line in lines:
        line = line.strip()
        if out and line[:1].isalpha() and not _EMAIL.search(out[-1]):
            if _WRAP_END.search(out[-1]):
                out[-1] = f"{out[-1]} {line}"
                continue
            if out[-1].endswith("-") and line[:1].islower() and out[-1][-2:-1].isalpha():
                out[-1] = out[-1][:-1] + line
                continue
        out.append(line)
    return out


_WRAP_END = re.compile(r"\b(?:of|and|for|the|de|di|del|at|&)$", re.I)


def _names_only(line: str, found: list) -> bool:
    """A line of person names with no separators ('Kaixin Ma Hongming Zhang Xiaoman Pan'), where
    one name happens to equal an organisation's alias: the alias covers a small part of it."""
    words = [w for w in _MARK_SPLIT.split(line) if w]
    if len(words) < 4 or "," in line or any(_KEYWORDS.search(t) for _, t, _ in found):
        return False
    if not all(_NAME_WORD.match(w) or _MARK_TOKEN.match(w) for w in words):
        return False
    matched = sum(len(m.matched.split()) for _, _, ms in found for m in ms if m.institution)
    return matched * 3 < len(words)


_MARK_SPLIT = re.compile(rf"\s+|(?<=[^\s\d])(?=\d)|(?<=\d)(?=\D)|(?=[{re.escape(_SYMBOLS)}])")


def _placed(affiliations: list[Affiliation]) -> bool:
    return any(m.country for a in affiliations for m in a.matches)


@dataclass
class _State:
    affiliations: list[Affiliation] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    pending: list[Author] = field(default_factory=list)  # authors above the next affiliation (no markers)
    owners: dict[int, list[Author]] = field(default_factory=dict)
    last_was_affiliation: bool = False


def _read(lines: list[str], gaz: Gazetteer, st: _State, source: str) -> None:
    """Classify each line (authors, affiliation, continuation, noise) into ``st``."""
    affiliations, authors, owners = st.affiliations, st.authors, st.owners
    line = ""
    for raw_line in _join_wrapped(lines):
        prev_line = line
        line = " ".join(_EMAIL.sub(" ", raw_line).split())
        if source == "footnote":
            st.last_was_affiliation = False  # each note stands alone: nothing continues the one above
        if len(line) < 3 or _NOISE.search(line):
            st.last_was_affiliation = False if len(line) >= 3 else st.last_was_affiliation
            continue
        pieces = _marked_pieces(line) if not _is_glued(line) or len(line) <= 160 else _glued_pieces(line)
        found = []
        for marker, text in pieces:
            text = _LEADING.sub("", clean(text)).replace(MARK_END, "").strip(" ,;&")
            text = _TRAILING.sub("", text)
            if len(text) >= 3:
                found.append((marker, text, gaz.match(text)))
        is_aff = any(_KEYWORDS.search(t) or any(m.institution for m in ms) for _, t, ms in found)
        if is_aff and source == "block" and _names_only(line, found):
            is_aff = False
        names = None if is_aff or source != "block" else _authors_in(line)
        if names:
            if st.last_was_affiliation:
                st.pending = []
            authors.extend(names)
            st.pending.extend(names)
            st.last_was_affiliation = False
            continue
        if len(line.split()) > 30:
            st.last_was_affiliation = False
            continue  # prose, not an author block
        located = all(ms and not any(m.institution for m in ms) for _, _, ms in found) and found
        first = found[0] if found else None
        wraps = first is not None and first[0] is None and (
            prev_line.endswith((",", " and", " of", "&")) or (
                len(first[1].split()) <= 12 and (_KEYWORDS.search(first[1]) or first[2])))
        if wraps and st.last_was_affiliation and affiliations and affiliations[-1].marker:
            # A wrapped affiliation: '2Center for Humanities' / 'Computing, Aarhus University, 3...'.
            prev = affiliations[-1]
            prev.raw = f"{prev.raw}{',' if prev_line.endswith(',') else ''} {found[0][1]}"
            prev.matches = gaz.match(prev.raw)
            found = found[1:]
            if not found:
                continue
            is_aff = True
        elif located and st.last_was_affiliation and affiliations and found[0][0] is None:
            # 'Seattle, WA, USA' under 'Allen Institute for AI': the same affiliation.
            prev = affiliations[-1]
            prev.raw = f"{prev.raw}, {' '.join(t for _, t, _ in found)}"
            prev.matches = gaz.match(prev.raw)
            continue
        if not is_aff and not (located and "," in line):
            st.last_was_affiliation = False
            continue
        for marker, text, matches in found:
            # A repeated 'Google Research' (one per author) is one affiliation.
            i = next((k for k, a in enumerate(affiliations) if a.raw == text and a.marker == marker), None)
            if i is None:
                affiliations.append(Affiliation(text, matches, source=source, marker=marker))
                i = len(affiliations) - 1
            owners.setdefault(i, []).extend(a for a in st.pending if a not in owners.get(i, []))
        st.last_was_affiliation = True


def _glued_pieces(line: str) -> list[tuple[str | None, str]]:
    """Lines whose spaces were lost: cut at footnote symbols instead."""
    return [(None, p) for p in re.split(rf"[{re.escape(_SYMBOLS)}]+|\(cid:\d+\)", line)]


def _merge_repeats(affiliations: list[Affiliation], owners: dict[int, list[Author]]):
    """One entry per distinct (string, marker): 'Allen Institute for AI, Seattle' under each author."""
    out: list[Affiliation] = []
    where: dict[tuple, int] = {}
    merged: dict[int, list[Author]] = {}
    for i, aff in enumerate(affiliations):
        k = (aff.raw, aff.marker)
        if k not in where:
            where[k] = len(out)
            out.append(aff)
        j = where[k]
        merged.setdefault(j, [])
        merged[j].extend(a for a in owners.get(i, []) if a not in merged[j])
    return out, merged


def _link(authors: list[Author], affiliations: list[Affiliation], owners: dict[int, list[Author]]) -> None:
    """Authors' affiliation indices: by shared marker, else by order on the page."""
    by_marker: dict[str, list[int]] = {}
    for i, aff in enumerate(affiliations):
        for m in _split_markers(aff.marker or ""):
            by_marker.setdefault(m, []).append(i)
    unmarked = [i for i, a in enumerate(affiliations) if not a.marker]
    for author in authors:
        linked = [i for m in author.markers for i in by_marker.get(m, [])]
        author.affiliations = sorted(set(linked))
    if by_marker:
        for author in authors:
            if not author.affiliations and unmarked:
                author.affiliations = unmarked[:1] if len(unmarked) == 1 else list(unmarked)
        return
    for i, owned in owners.items():
        for author in owned:
            if i not in author.affiliations:
                author.affiliations.append(i)
    if len(affiliations) == 1:
        for author in authors:
            author.affiliations = [0]


__all__ = ["Affiliation", "Author", "Header", "author_block", "emails", "parse", "INSTITUTION",
           "layout_json", "line_text", "normalise", "SOURCES"]
