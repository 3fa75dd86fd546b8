"""The author block of a paper's first page: title, authors, affiliation strings, emails,
and each author tied to his or her own affiliations.

Works on page one as pdf.extract stores it (each line with its position and type size;
page.py), or on its text alone for rows extracted before that was stored. The block is
what comes before the abstract; it is read line by line (block.py: names, affiliations,
e-mails, notes), the first-page footnotes are read where the block names no place or a
mark's affiliation (notes.py), and ties.py ties each author to affiliations and says how
(model.TIES). Strings are kept as written (minus the marks) so that every count can be
traced back to them.
"""
from __future__ import annotations

import logging
import re

from paperscope.paper.header import notes as notes_
from paperscope.paper.header import ties
from paperscope.paper.header.block import Reader, Reading, emails
from paperscope.paper.header.model import NOTES, SOURCES, TIES, Affiliation, Author, Header
from paperscope.paper.header.names import is_name_line
from paperscope.paper.header.page import Page, block, footnotes, layout_json, line_text, load, normalise
from paperscope.paper.matcher import INSTITUTION, Gazetteer

log = logging.getLogger(__name__)

_ABSTRACT = re.compile(r"^\s*(?:a\s*b\s*s\s*t\s*r\s*a\s*c\s*t|summary)\b", re.I | re.M)
_GLUED_ABSTRACT = re.compile(r"Abstract|ABSTRACT")
MAX_HEADER_LINES = 40


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


def parse(page_text: str | None, title: str | None = None, gazetteer: Gazetteer | None = None,
          layout: str | dict | Page | None = None, count_former: bool = False) -> Header:
    """Title, authors (each tied to its affiliations), affiliation strings (each resolved) and
    emails of one paper's first page.

    With ``layout`` (papers.header_layout: page one's lines with positions and type sizes)
    the block is cut and ordered by geometry and the first-page footnotes are read too.
    Without it (rows extracted before the layout was stored) only ``page_text`` is read, as
    pdfminer ordered it. Places a note says the work was not done at ('work done while at
    X', 'now with X') go to Header.former, unless ``count_former``.
    """
    if gazetteer is None:
        from paperscope.paper.matcher import default_gazetteer

        gazetteer = default_gazetteer()
    page = load(layout) if layout else None
    if page is not None and page.lines:
        lines = _without_title(block(page, title, is_name_line), title)
    else:
        lines = [(ln, None) for ln in author_block(page_text or "", title).splitlines()]
    reader = Reader(gazetteer)
    reading = reader.block(lines)
    found = notes_.read(footnotes(page)) if page is not None else notes_.Notes()
    placed = _placed(reading.affiliations)
    if not placed:
        reader.footnotes(found.lines)
    else:
        missing = ties.missing_marks(reading.authors, reading.affiliations)
        if missing:
            added = reader.footnotes(found.lines, missing)
            log.debug("marks %s not in the block: %d footnote affiliations", sorted(missing), len(added))
    _merge_repeats(reading)
    named = _named(found, reading, gazetteer) if not placed else []
    if not ties.by_marks(reading.authors, reading.affiliations):
        ties.by_groups(reading, gazetteer)
    ties.by_name([a for a in reading.authors if not a.affiliations], named)
    ties.one_country(reading.authors, reading.affiliations)
    mails = reading.emails
    if not _placed(reading.affiliations):
        _from_emails(reading, gazetteer)
    header = Header(reading.affiliations, mails, reading.authors, title)
    _elsewhere(header, reading, found, gazetteer, count_former)
    return header


def _without_title(lines: list, title: str | None) -> list[tuple[str, int | None]]:
    """The block's (text, cell) without the title: the lines the extracted title holds, and
    lines set as large as it (a title the extraction missed, under a journal's name)."""
    folded = " ".join(normalise(title or "").split())
    is_title = [bool(folded) and " ".join(ln.text.split()) in folded for ln in lines]
    sizes = sorted(ln.size for ln in lines)
    top = max((ln.size for ln, t in zip(lines, is_title) if t), default=sizes[-1] if sizes else 0.0)
    large = bool(sizes) and top >= _TITLE_SIZE * sizes[len(sizes) // 2]
    return [(ln.text, ln.cell) for ln, t in zip(lines, is_title)
            if not t and not (large and ln.size >= 0.9 * top)]


_TITLE_SIZE = 1.3  # a title is set this much larger than the block's middle type size


def _placed(affiliations: list[Affiliation]) -> bool:
    return any(m.country for a in affiliations for m in a.matches)


def _named(found: notes_.Notes, reading: Reading, gaz: Gazetteer) -> list[tuple[str, list[int]]]:
    """The affiliations of sentences naming authors, added as footnote affiliations."""
    pairs = list(found.named)
    for entry in found.entries:
        split = ties.split_entry(entry, reading.authors)
        if split:
            pairs.append(split)
    out = []
    for who, where in pairs:
        matches = gaz.match(where)
        if not matches:
            continue
        i = next((k for k, a in enumerate(reading.affiliations) if a.raw == where), None)
        if i is None:
            reading.affiliations.append(Affiliation(where, matches, source="footnote"))
            i = len(reading.affiliations) - 1
        out.append((who, [i]))
    return out


def _from_emails(reading: Reading, gaz: Gazetteer) -> None:
    """No placed affiliation anywhere: the institutions of the e-mail domains, each tied to the
    author whose name the address spells."""
    start = len(reading.affiliations)
    for address in reading.emails:
        hit = gaz.match_domain(address.rpartition("@")[2])
        if hit:
            reading.affiliations.append(Affiliation(address, [hit], source="email"))
    idx = list(range(start, len(reading.affiliations)))
    people = [a.name for a in reading.authors]
    for i in idx:
        from paperscope.paper.header.names import email_owner

        owner = email_owner(reading.affiliations[i].raw.rpartition("@")[0], people)
        if owner is not None and reading.authors[owner].tie == "none":
            reading.authors[owner].affiliations.append(i)
            reading.authors[owner].tie = "email"


def _elsewhere(header: Header, reading: Reading, found: notes_.Notes, gaz: Gazetteer, count_former: bool) -> None:
    """Places where the work was not done, each for the authors its mark or sentence names."""
    notes = [(m, place, kind, None) for m, place, kind in reading.elsewhere + found.elsewhere]
    notes += [(None, where, kind, who) for who, where, kind in found.elsewhere_named]
    for mark, place, kind, who in notes:
        aff = Affiliation(place, gaz.match(place), source="footnote", marker=mark, note=kind)
        owners = ties.named_authors(who, header.authors) if who else \
            [a for a in header.authors if mark and mark in a.markers]
        target = header.affiliations if count_former else header.former
        target.append(aff)
        for author in owners:
            (author.affiliations if count_former else author.former).append(len(target) - 1)


def _merge_repeats(reading: Reading) -> None:
    """One entry per distinct (string, marker): 'Google Research' under each author of a grid."""
    out: list[Affiliation] = []
    where: dict[tuple, int] = {}
    remap: dict[int, int] = {}
    for i, aff in enumerate(reading.affiliations):
        key = (aff.raw, aff.marker, aff.source)
        if key not in where:
            where[key] = len(out)
            out.append(aff)
        remap[i] = where[key]
    reading.affiliations[:] = out
    for group in reading.groups:
        group.affiliations = list(dict.fromkeys(remap[i] for i in group.affiliations))


__all__ = ["Affiliation", "Author", "Header", "author_block", "emails", "parse", "INSTITUTION", "NOTES",
           "SOURCES", "TIES", "layout_json", "line_text", "normalise"]
