"""Counting a paper's mentions: per term, in the full text, the body and each section, and used or cited.

count_terms is the old contract (term, full count, body count); analyse adds the counts
per section, the use and its evidence. Both read the same cleaned text: running heads
taken out, words rejoined across line ends.

The matching of one paper runs under a time limit (timeout_s): a pattern that the check
in safety.py cannot prove dangerous still cannot hang the step.

settings is the config's mentions section (core.settings.Mentions: its furniture,
sections and use windows); None reads the packaged defaults (data/defaults.yaml), where
every default lives.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

from paperscope.paper.mentions import sections as S
from paperscope.paper.mentions import use as U
from paperscope.paper.mentions.furniture import blank, page_notes, strip_furniture
from paperscope.paper.mentions.terms import Term
from paperscope.paper.mentions.text import body_end, normalise


class TermTimeout(Exception):
    """Matching one paper ran past its time limit; counts holds the terms done before."""

    def __init__(self, term: str, seconds: float, counts: list):
        super().__init__(f"term {term!r} ran past mentions.timeout_seconds={seconds:g} s")
        self.term, self.seconds, self.counts = term, seconds, counts


@dataclass(frozen=True)
class Mention:
    """One term in one paper. use, why and evidence are None when the body does not name it."""
    term: str
    count_full: int
    count_body: int
    sections: dict[str, int] = field(default_factory=dict)  # body mentions per section kind
    count_table: int = 0  # body mentions in table rows and captions
    use: str | None = None  # "used" or "cited"
    why: str | None = None  # the signal that decided
    evidence: str | None = None  # the deciding mention with its context
    evidence_section: str | None = None  # the section kind of the deciding mention


@functools.cache
def packaged():
    """The mentions settings of the packaged defaults (data/defaults.yaml)."""
    from paperscope.core.config import load_config

    return load_config().mentions


def clean_text(text: str, settings=None) -> str:
    """The text mentions are counted in: no running heads, words rejoined across line ends."""
    return normalise(strip_furniture(text or "", (settings or packaged()).furniture))


def count_terms(text: str, terms: list[Term], timeout_s: float = 0, *, settings=None) -> list[tuple[str, int, int]]:
    """(term, count in full text, count in body) for each term found at least once.

    timeout_s > 0: the whole paper's matching must end within it, else TermTimeout names
    the term that ran past it (with the counts of the terms done before).
    """
    full = clean_text(text, settings)
    end = body_end(full)
    deadline = time.monotonic() + timeout_s if timeout_s else None
    out = []
    for term in terms:
        try:
            spans = term.spans(full, deadline)
            body = term.spans(full, deadline, end) if spans and term.body_exclude_parts else spans
        except TimeoutError:
            raise TermTimeout(term.name, timeout_s, out) from None
        if spans:
            out.append((term.name, len(spans), sum(1 for s, _ in body if s < end)))
    return out


class _Paper:
    """A paper's cleaned text with its sections, lines and captions, for the signals."""

    def __init__(self, text: str, settings):
        self.text = text
        # The text a mention's sentence is read in: a sentence that runs on to the next
        # page without the notes at the page's foot between its halves.
        self.notes = page_notes(text, settings.furniture)
        self.reading = blank(text, self.notes)
        self.end = body_end(text)
        self.layout = settings.sections  # table rows and captions
        self.sections = S.SectionIndex(S.find_sections(text, self.end, settings.sections))
        self.reader = U.reader(settings.use)
        abstract_end = next((s.start for s in self.sections.sections if s.kind not in (S.FRONT, S.ABSTRACT)),
                            min(len(text), 3000))
        self.survey = self.reader.is_survey(text, abstract_end)

    def read(self, start: int) -> str:
        """The text a mention at start is read in: the reading text, unless the mention is
        itself in a note it skips."""
        return self.text if any(a <= start < b for a, b in self.notes) else self.reading

    def line(self, start: int, end: int) -> tuple[int, str]:
        a = self.text.rfind("\n", 0, start) + 1
        b = self.text.find("\n", end)
        return a, self.text[a:b if b >= 0 else len(self.text)]

    def in_caption(self, line_start: int) -> bool:
        """The line is in a table's or figure's caption (its first lines, up to a blank line)."""
        end = self.text.find("\n", line_start)
        end = len(self.text) if end < 0 else end
        for _ in range(self.layout.caption_lines):
            line = self.text[line_start:end]
            if S.caption_kind(line):
                return True
            if not line.strip() or line_start == 0:
                return False
            end = line_start - 1
            line_start = self.text.rfind("\n", 0, end) + 1
        return False

    def mention(self, term: Term, spans: list[tuple[int, int]], body: list[tuple[int, int]]) -> Mention:
        """The Mention of a term from its spans in the full text and in the body."""
        body = [(s, e) for s, e in body if s < self.end]
        if not body:
            return Mention(term.name, len(spans), 0)
        per_section: dict[str, int] = {}
        tables = 0
        best: tuple[U.Signal, int, int] | None = None
        for start, end in body:
            kind = self.sections.at(start).kind
            per_section[kind] = per_section.get(kind, 0) + 1
            line_start, line = self.line(start, end)
            row = S.is_table_row(line, self.layout)
            tables += row or self.in_caption(line_start)
            if best is None or best[0].strength < U.STRONGEST:
                sig = self.reader.signal(self.read(start), start, end, kind, line, row, self.survey,
                                         term.kind == "architecture")
                if best is None or sig.strength > best[0].strength:
                    best = (sig, start, end)
        sig, start, end = best
        return Mention(term.name, len(spans), len(body), per_section, tables, sig.use, sig.why,
                       self.reader.snippet(self.read(start), start, end), self.sections.at(start).kind)


def analyse(text: str, terms: list[Term], timeout_s: float = 0, *, settings=None) -> list[Mention]:
    """One Mention per term found at least once in the text (as count_terms), with its
    counts per section, whether the paper uses it or only cites it, and the evidence.

    timeout_s > 0: the matching must end within it, else TermTimeout (counts: the
    Mentions of the terms done before). settings: the run's mentions section.
    """
    settings = settings or packaged()
    paper = _Paper(clean_text(text, settings), settings)
    deadline = time.monotonic() + timeout_s if timeout_s else None
    out: list[Mention] = []
    for term in terms:
        try:
            spans = term.spans(paper.text, deadline)
            body = term.spans(paper.text, deadline, paper.end) if spans and term.body_exclude_parts else spans
        except TimeoutError:
            raise TermTimeout(term.name, timeout_s, out) from None
        if spans:
            out.append(paper.mention(term, spans, body))
    return out
