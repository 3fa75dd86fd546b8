"""Counting a paper's mentions: per term, in the full text and in the body, with the
running heads taken out and words rejoined across line ends.

The matching of one paper runs under a time limit (timeout_s): a pattern that the check
in safety.py cannot prove dangerous still cannot hang the step.
"""
from __future__ import annotations

import time

from paperscope.mentions.furniture import strip_furniture
from paperscope.mentions.terms import Term
from paperscope.mentions.text import body_end, normalise


class TermTimeout(Exception):
    """Matching one paper ran past its time limit; counts holds the terms done before."""

    def __init__(self, term: str, seconds: float, counts: list):
        super().__init__(f"term {term!r} ran past mentions.timeout_seconds={seconds:g} s")
        self.term, self.seconds, self.counts = term, seconds, counts


def clean_text(text: str) -> str:
    """The text mentions are counted in: no running heads, words rejoined across line ends."""
    return normalise(strip_furniture(text or ""))


def count_terms(text: str, terms: list[Term], timeout_s: float = 0) -> list[tuple[str, int, int]]:
    """(term, count in full text, count in body) for each term found at least once.

    timeout_s > 0: the whole paper's matching must end within it, else TermTimeout names
    the term that ran past it (with the counts of the terms done before).
    """
    full = clean_text(text)
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
