"""The ``metadata`` source: the two metadata file layouts (nips-json, paperlists) read by
sources.metadata.formats.parse_text, behind the same interface as the other sources.

Each record becomes a paper with provenance ``metadata`` affiliations (paperlists'
aff_country_unique, where present, as the stated country). Malformed and duplicate
records are counted, not listed; the papers' ids are the source's own (paperlists id)
or ``metadata:<line>``, titles being the join key with the other sources.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from paperscope.sources.metadata.formats import parse_text, title_key
from paperscope.sources.program import country
from paperscope.sources.program.base import Affiliation, Author, Collected, Paper, SourceError


class MetadataFileSource:
    name = "metadata"

    def __init__(self, path: str, fmt: str = "auto", max_record_chars: int | None = None):
        self.path, self.fmt, self.max_record_chars = path, fmt, max_record_chars

    def collect(self, conference: str, year: int) -> Collected:
        try:
            text = Path(self.path).read_text("utf-8", errors="replace")
            fmt, records = parse_text(text, self.fmt, self.max_record_chars)
        except (OSError, ValueError) as exc:
            raise SourceError(f"metadata: cannot read {self.path}: {exc}") from None
        stats: Counter = Counter({"records": len(records), "format": 0})
        papers, seen = [], set()
        for rec in records:
            if rec.error:
                stats["malformed"] += 1
                continue
            key = (title_key(rec.title), tuple(a.name for a in rec.authors))
            if key in seen:
                stats["duplicate"] += 1
                continue
            seen.add(key)
            authors = []
            for pos, a in enumerate(rec.authors, 1):
                claimed = list(a.countries_claimed) + [None] * (len(a.affiliations) - len(a.countries_claimed))
                affs = [Affiliation("metadata", s, country=country.code(c), country_stated=c)
                        for s, c in zip(a.affiliations, claimed)]
                authors.append(Author(pos, a.name, affiliations=affs, note=None if affs else "no affiliation"))
            papers.append(Paper("metadata", conference.lower(), year, rec.source_id or f"metadata:{rec.line}",
                                rec.title, authors, venue=fmt))
        stats.pop("format")
        return Collected(papers, {**stats, "format": fmt, "papers": len(papers), "source": str(self.path)})
