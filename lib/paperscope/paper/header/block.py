"""The author block read line by line: names, affiliations, e-mails and notes, in order.

Each line is one of: a line of author names (each with its marks), a line of affiliations
(each led by its mark), the rest of the affiliation above it (its department, street or
city on the next line), e-mail addresses, a note on a mark ('⋆Equal contribution',
'†Work done while at X'), or noise (venue banners, licences). Names and the affiliations
printed after them form a group (all names of a line, or one grid cell); ties.py ties
the authors of a group to its affiliations when no mark does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from paperscope.paper.header import markers, names, notes
from paperscope.paper.header.markers import MARK_END
from paperscope.paper.header.model import Affiliation, Author
from paperscope.paper.matcher import Gazetteer, Match, clean

EMAIL = re.compile(r"\{[^{}@]{1,300}\}\s*@\s*[\w-]+(?:\.[\w-]+)+|[\w.+-]+\s?@\s?[\w-]+(?:\.[\w-]+)+")
KEYWORDS = re.compile(
    r"\b(universit\w*|institut\w*|college|school|academy|laborator\w*|labs?|centre|center|"
    r"research|department|dept|faculty|hospital|inc|corp\w*|ltd|gmbh|company|polytechnic|ai)\b",
    re.I,
)
# Lines of the first page that are not the author block: venue banners, licences, stamps.
NOISE = re.compile(r"proceedings|conference|journal|publishing|workshop|copyright|©|\bdoi\b|arxiv|"
                   r"under review|preprint|accepted|licen[cs]e|https?://|www\.|contents lists|journal homepage|"
                   r"sciencedirect|transactions on|\bvol\.?\s*\d|\bno\.\s*\d|\((?:19|20)\d\d\)\s*\d|"
                   # venue lines: "RecSys'13, Hong Kong", "CIKM’17, November 6-10, 2017, Singapore"
                   r"supported by|funded by|\bgrants?\b|"
                   r"\b[A-Z][A-Za-z]*\s?['’‘]\s?\d{2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
                   r"[a-z]*\.?\s+\d{1,2}\s*[-–—]+\s*\d{1,2}\b", re.I)
_WRAP_END = re.compile(r"(?:\b(?:of|and|for|the|de|di|del|at)|[,&-])$", re.I)


@dataclass
class Group:
    """Authors listed together and the affiliations printed after them."""
    authors: list[Author]
    affiliations: list[int] = field(default_factory=list)
    cell: int | None = None  # the grid cell it was read in
    inline: bool = False     # 'NAME, Affiliation' on one line


@dataclass
class Reading:
    authors: list[Author] = field(default_factory=list)
    affiliations: list[Affiliation] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    elsewhere: list[tuple[str | None, str, str]] = field(default_factory=list)  # (mark, place, kind)


def emails(block: str) -> list[str]:
    """Email addresses, with brace groups expanded: {a,b}@x.edu -> a@x.edu, b@x.edu."""
    out = []
    for m in EMAIL.finditer(block):
        text = re.sub(r"\s", "", m.group())
        local, _, domain = text.rpartition("@")
        parts = local.strip("{}").split(",") if local.startswith("{") else [local]
        out.extend(f"{n.strip()}@{domain}" for n in parts if n.strip())
    return list(dict.fromkeys(out))


def is_glued(text: str) -> bool:
    return bool(text) and text.count(" ") < len(text) / 30


class Reader:
    """Reads the block's lines (``block``), then the footnotes' affiliation lines (``footnotes``), into a Reading."""

    def __init__(self, gaz: Gazetteer, reading: Reading | None = None):
        self.gaz = gaz
        self.r = reading or Reading()
        self.group: Group | None = None
        self.open: int | None = None      # the affiliation the next line may continue
        self.prev = ""
        self.prefix = ""                  # marks printed on a line of their own
        self.cells_done: set[int] = set()  # cells past their names

    def block(self, lines: list[tuple[str, int | None]]) -> Reading:
        for text, cell in lines:
            self._line(text, cell)
            self.prev = " ".join(text.split())
        return self.r

    def footnotes(self, lines: list[str], wanted: set[str] | None = None) -> list[int]:
        """Affiliations of footnote lines (each led by its mark), only those of ``wanted`` marks if given."""
        before = len(self.r.affiliations)
        for line in lines:
            self.open = None
            for marker, text, matches in self._pieces(line):
                if wanted is None or (marker and set(markers.split(marker)) & wanted):
                    if _affiliation_like(text, matches) or _located(matches):
                        self._add(marker, text, matches, "footnote")
        return list(range(before, len(self.r.affiliations)))

    def _line(self, raw: str, cell: int | None) -> None:
        mails = emails(raw)
        self.r.emails.extend(m for m in mails if m not in self.r.emails)
        text = EMAIL.sub("\t", raw)  # an address between names sets them apart
        flat = re.sub(r" *\t[\t ]*", "\t", re.sub(r"[^\S\t]+", " ", text)).strip()  # tabs kept: columns
        if not re.sub(r"[\W_]", "", flat):
            if mails:
                self.open = None
                if cell is not None:
                    self.cells_done.add(cell)  # a grid cell's e-mail comes after its names
            return
        if markers.ONLY.match(flat):
            self.prefix += flat
            return
        if self.prefix:
            text, flat, self.prefix = self.prefix + text, self.prefix + flat, ""
        pieces = self._pieces(flat)
        kept = [(m, t, ms) for m, t, ms in pieces if not self._note(m, t)]
        if len(flat) < 3 or not kept or NOISE.search(flat):
            self.open = None
            return
        if cell is not None and self.group is not None and self.group.cell != cell:
            self.group = None
        is_aff = any(_affiliation_like(t, ms) for _, t, ms in kept)
        place = _place_line(flat, kept)
        # In a grid cell, names come first, or after the affiliation of the names above (a column of authors).
        names_due = cell not in self.cells_done or (self.group is not None and bool(self.group.affiliations))
        if not place and names_due and not names.is_team(flat):
            people = names.authors_in(text)
            first = not self.r.groups or (cell is not None and (self.group is None or self.group.cell != cell))
            if people and (not is_aff or _names_win(people, kept, flat, first)):
                self._names(people, cell)
                return
            pairs = names.parenthesized(flat)
            if pairs and all(any(_affiliation_like(t, ms) for _, t, ms in self._pieces(a)) for _, a in pairs):
                for person, affiliation in pairs:
                    self._inline([person], self._pieces(affiliation), cell)
                return
            inline = self._leading_names(flat)
            if inline:
                self._inline(inline[0], inline[1], cell)
                return
        if cell is not None:
            self.cells_done.add(cell)
        if len(flat.split()) > 30 or _lower_words(flat) >= 3 or (is_aff and _names_run(flat, kept)):
            self.open = None
            return  # prose, or names run together without a gap (no tab in a row read as text only)
        in_cell = cell is not None and self.group is not None and self.group.cell == cell
        carried = {m for a in self.r.authors for m in a.markers}
        marked = any(m and set(markers.split(m)) & carried and len(t.split()) <= 12 for m, t, _ in kept)
        if not (is_aff or place or in_cell or marked or (_located_all(kept) and "," in flat)):
            self.open = None
            return
        for marker, piece, matches in kept:
            if marker is None and self.open is not None and self._continues(piece, matches):
                self._extend(self.open, piece)
                continue
            self.open = self._add(marker, piece, matches, "block")

    def _leading_names(self, line: str):
        """'LIANG HU, University of Technology Sydney' (ACM journals); in ordinary case only for
        one name whose line starts the block or follows another such line, and is no organisation."""
        found = names.leading_names(line)
        if found is None and (not self.r.groups or self.r.groups[-1].inline):
            found = names.leading_names(line, mixed_case=True)
            if found and (self.gaz.match(found[0][0].name) or not any(
                    _affiliation_like(t, ms) for _, t, ms in self._pieces(found[1]))):
                return None
        if found:
            pieces = self._pieces(found[1])
            if any(_affiliation_like(t, ms) or _located(ms) for _, t, ms in pieces):
                return found[0], pieces
        return None

    def _inline(self, people: list[Author], pieces, cell: int | None) -> None:
        """Names with their affiliation on one line: a group of their own."""
        self._names(people, cell)
        self.group.inline = True
        self.open = None
        for marker, text, matches in pieces:
            if self.open is not None and marker is None and self._continues(text, matches):
                self._extend(self.open, text)
            else:
                self.open = self._add(marker, text, matches, "block")

    def _pieces(self, line: str) -> list[tuple[str | None, str, list[Match]]]:
        pieces = markers.marked_pieces(line) if not is_glued(line) or len(line) <= 160 else _glued_pieces(line)
        out = []
        for marker, whole in pieces:
            for k, text in enumerate(whole.split("\t")):  # fields set apart by wide gaps: columns
                text = markers.LEADING.sub("", clean(text)).replace(MARK_END, "").strip(" ,;&")
                text = markers.TRAILING.sub("", text)
                if len(text) >= 2:
                    out.append((marker if k == 0 else None, text, self.gaz.match(text)))
        return out

    def _note(self, marker: str | None, text: str) -> bool:
        """A note on a mark (equal contribution, corresponding author, work done elsewhere); an
        aside in brackets after a name ('(now at Google)') is none."""
        place = notes.elsewhere(text if marker else re.sub(r"\([^()]*\)", " ", text))
        if place:
            self.r.elsewhere.append((marker, place[1], place[0]))
            return True
        if len(text.split()) > 12:
            return False
        # 'Equal contribution', '†Corresponding author'; not '(*equal contribution)' after a list of names.
        return bool(notes.ROLE.search(text if marker else re.sub(r"\([^()]*\)", " ", text)))

    def _names(self, people: list[Author], cell: int | None) -> None:
        if self.group is None or self.group.affiliations or self.group.inline:
            self.group = Group([], cell=cell)
            self.r.groups.append(self.group)
        self.group.authors.extend(people)
        self.r.authors.extend(people)
        self.open = None

    def _continues(self, text: str, matches: list[Match]) -> bool:
        """Whether an unmarked piece is the rest of the open affiliation: its place ('Seattle,
        WA'), a street, the institution under a department ('Dept. of CS' / 'Tsinghua
        University'), or the second half of a name wrapped after 'of', ',' or '-'."""
        prev = self.r.affiliations[self.open]
        if _located(matches) and not any(m.institution for m in matches):
            return True
        if not matches and not KEYWORDS.search(text):
            return True
        if not any(m.institution for m in prev.matches):
            return True
        return bool(_WRAP_END.search(self.prev)) or text[:1].islower()

    def _extend(self, i: int, text: str) -> None:
        aff = self.r.affiliations[i]
        glue = "" if aff.raw.endswith("-") and text[:1].islower() else " " if aff.raw.endswith(",") else ", "
        aff.raw = (aff.raw[:-1] if glue == "" else aff.raw) + glue + text
        aff.matches = self.gaz.match(aff.raw)

    def _add(self, marker: str | None, text: str, matches: list[Match], source: str) -> int:
        self.r.affiliations.append(Affiliation(text, matches, source=source, marker=marker))
        i = len(self.r.affiliations) - 1
        if source == "block" and self.group is not None:
            self.group.affiliations.append(i)
        return i


def _affiliation_like(text: str, matches: list[Match]) -> bool:
    return bool(KEYWORDS.search(text)) or any(m.institution for m in matches)


def _located(matches: list[Match]) -> bool:
    return bool(matches) and all(m.country and not m.institution for m in matches)


def _located_all(found) -> bool:
    return bool(found) and all(_located(ms) for _, _, ms in found)


def _place_line(line: str, found) -> bool:
    """A line that is only a place ('Hong Kong', 'Santa Barbara, CA'): never a person."""
    if not _located_all(found):
        return False
    words = {w.lower() for w in re.findall(r"[^\W\d_]{3,}", line)}
    covered = {w.lower() for _, _, ms in found for m in ms for w in re.findall(r"[^\W\d_]{3,}", m.matched)}
    return words <= covered


def _names_win(people: list[Author], found, line: str, first: bool) -> bool:
    """Names where a given name is also an organisation's ('Xiaoman Pan', 'Yale Song'): a line of
    several names, or of one where a name is due (the block's first names, a grid cell's top line).
    A name of two words or more ('Google DeepMind') or an organisation word is no person's."""
    if KEYWORDS.search(line) or any(len(m.matched.split()) > 1 for _, _, ms in found for m in ms if m.institution):
        return False
    return len(people) >= 2 or first


_LINK_WORDS = {"of", "and", "for", "the", "at", "in", "on", "de", "di", "la", "le", "du", "des", "del", "der", "und",
               "für", "y", "e", "a", "an", "da", "do", "dos", "van", "von", "et", "los", "las", "d"}


def _lower_words(line: str) -> int:
    """Lower-case words beyond those that join the parts of a name: running text has several,
    an affiliation ('Universidad de los Andes') hardly any."""
    words = re.findall(r"[^\W\d_][\w'’-]*", line)
    return sum(w.islower() and w not in _LINK_WORDS for w in words)


def _names_run(line: str, found) -> bool:
    """'Kaixin Ma Hongming Zhang Xiaoman Pan': names without separators, one of which is also a
    company's name; the match covers a small part of the line."""
    words = line.split()
    if len(words) < 4 or re.search(r"[,;\t]", line) or KEYWORDS.search(line):
        return False
    if not all(re.fullmatch(r"[A-Z][\w'’.-]*", w) for w in words):
        return False
    matched = sum(len(m.matched.split()) for _, _, ms in found for m in ms if m.institution)
    return matched * 3 < len(words)


def _glued_pieces(line: str) -> list[tuple[str | None, str]]:
    """Lines whose spaces were lost: cut at footnote symbols instead."""
    return [(None, p) for p in re.split(rf"[{markers.SYMBOL_CLASS}]+|\(cid:\d+\)", line)]
