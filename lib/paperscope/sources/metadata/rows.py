"""Conference metadata records -> rows of the papers, affiliations and authors tables.

Every record becomes one papers row (status ``metadata``; ``malformed`` or ``duplicate``
with the reason in ``error``), so the quality gate can count what was read. Each distinct
affiliation string of a paper becomes affiliation rows with source ``metadata``, resolved
by the same gazetteer as PDF headers, with the reviewers' overrides applied as in the
PDF pipeline (counting.overrides). A paper list of `paperscope sources` (format
``sources``) is read the same way: each author's strings are those of the first
provenance in sources.precedence it has, every provenance's countries kept beside them.
"""
from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from paperscope.core import policy
from paperscope.core.errors import InputError
from paperscope.core.textfile import read_text
from paperscope.counting.authors import metadata_rows
from paperscope.counting.overrides import Overrides
from paperscope.sources.metadata.formats import Record, paper_id, parse_text

log = logging.getLogger(__name__)

STATUS_OK, STATUS_MALFORMED, STATUS_DUPLICATE = "metadata", "malformed", "duplicate"
SOURCE = "metadata"
SOURCES = "sources"  # metadata.format of a paper list written by `paperscope sources`
# Country names as paperlists writes them that the gazetteer's country list may lack.
_COUNTRY_ALIASES = {"usa": "US", "united states": "US", "uk": "GB", "china": "CN", "hong kong": "HK",
                    "taiwan": "TW", "macau": "MO", "macao": "MO", "south korea": "KR", "korea": "KR"}


def match_affiliation(text: str, gazetteer=None):
    """The one place metadata asks the gazetteer: Match objects for one affiliation string.

    gazetteer: the run's (affiliations.ror_dump, fuzzy threshold); the bundled one if None.
    """
    from paperscope.paper.matcher import default_gazetteer

    return (gazetteer or default_gazetteer()).match(text)


@dataclass
class Read:
    """What a metadata file gave: table rows plus the counts the report shows."""
    papers: list[dict]
    affiliations: list[dict]
    stats: dict
    authors: list[dict] = field(default_factory=list)  # authors table rows (paperscope.counting.authors)


def year_from_name(path: str) -> int | None:
    return policy.year_in_name(Path(path).name)


def _claimed_code(name: str | None, gazetteer=None) -> str | None:
    if not name:
        return None
    folded = name.strip().casefold()
    if folded in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[folded]
    codes = {m.country for m in match_affiliation(name, gazetteer) if m.country}
    return codes.pop() if len(codes) == 1 else None


def match_rows(paper_id: str, year, raw: str, source: str, matches) -> list[dict]:
    """Affiliation rows of one string: one per match, or one with method 'none'."""
    return [{"paper_id": paper_id, "year": year, "raw": raw, "source": source,
             "institution": m.institution if m else None, "country": m.country if m else None,
             "method": m.method if m else "none", "evidence": m.evidence if m else "no known institution, place or country",
             "score": float(m.score) if m else 0.0, "matched": m.matched if m else None} for m in matches or [None]]


def to_rows(records: list[Record], year: int, source: str, fmt: str, gazetteer=None,
            overrides: Overrides | None = None) -> Read:
    """Papers rows (one per record), affiliation rows (one per paper x string x match) and
    author rows, with the reviewers' overrides in force applied paper by paper; the counts
    in stats are of the strings as read, before any override."""
    from paperscope.paper.matcher import default_gazetteer

    overrides = overrides or Overrides()
    corrected = overrides.corrected
    gazetteer = gazetteer or default_gazetteer()  # once: default_gazetteer reads the settings each time
    papers, affs, author_rows = [], [], []
    read_strings: set[tuple[str, str]] = set()
    unresolved: set[tuple[str, str]] = set()
    stats = Counter()
    cross = Counter()
    disagreements: list[dict] = []
    seen: dict[str, tuple[int, str]] = {}
    for rec in records:
        path = f"{source}#L{rec.line}"
        base = {"year": year, "path": path, "size_bytes": None, "n_pages": None, "header_text": None,
                "full_text": None, "extract_seconds": None, "source_id": rec.source_id, "title": rec.title}
        if rec.error:
            stats[STATUS_MALFORMED] += 1
            log.warning("%s: malformed metadata record: %s", path, rec.error)
            papers.append({**base, "paper_id": hashlib.sha256(f"{STATUS_MALFORMED}\n{path}".encode()).hexdigest(),
                           "status": STATUS_MALFORMED, "error": rec.error})
            continue
        pid = paper_id(year, rec.title)
        authors = "; ".join(a.name for a in rec.authors)
        if pid in seen and seen[pid][1] != authors:
            # Another paper with the same title (two reproducibility studies of one paper, say)
            stats["same_title_other_authors"] += 1
            pid = paper_id(year, f"{rec.title}\n{authors}")
        if pid in seen:
            stats[STATUS_DUPLICATE] += 1
            msg = f"same title and authors as line {seen[pid][0]}; counted once"
            log.warning("%s: duplicate metadata record: %s", path, msg)
            papers.append({**base, "paper_id": hashlib.sha256(f"{STATUS_DUPLICATE}\n{path}".encode()).hexdigest(),
                           "status": STATUS_DUPLICATE, "error": msg})
            continue
        seen[pid] = (rec.line, authors)
        stats[STATUS_OK] += 1
        papers.append({**base, "paper_id": pid, "status": STATUS_OK, "error": None})
        strings: dict[str, str | None] = {}
        for author in rec.authors:
            for k, aff in enumerate(author.affiliations):
                claimed = author.countries_claimed[k] if k < len(author.countries_claimed) else None
                strings.setdefault(aff, claimed)
        if not strings:
            stats["papers_without_affiliation"] += 1
        resolved: dict[str, list[str]] = {}
        rows = []
        for raw, claimed in strings.items():
            matches = match_affiliation(raw, gazetteer)
            resolved[raw] = sorted(corrected[raw]) if raw in corrected else sorted({m.country for m in matches if m.country})
            read_strings.add((pid, raw))
            if not matches or any(m.country is None for m in matches):
                unresolved.add((pid, raw))
            rows += match_rows(pid, year, raw, SOURCE, matches)
            code = _claimed_code(claimed, gazetteer)
            if code:
                ours = {m.country for m in matches if m.country}
                verdict = "unresolved" if not ours else ("agree" if code in ours else "disagree")
                cross[verdict] += 1
                if verdict == "disagree" and len(disagreements) < 50:
                    disagreements.append({"line": rec.line, "raw": raw, "claimed": claimed, "resolved": ";".join(sorted(ours))})
        affs += overrides.affiliations(pid, year, rows)
        provenances = _provenances(rec, resolved, corrected, gazetteer)
        author_rows += overrides.authors(metadata_rows(pid, year, [(a.name, a.affiliations) for a in rec.authors],
                                                       resolved, SOURCE, provenances, rec.track))
    stats = {"format": fmt, "source": source, "year": year, "records": len(records), **dict(stats),
             "affiliation_strings": len(read_strings), "unresolved_strings": len(unresolved)}
    if cross:
        stats["country_cross_check"] = {**dict(cross), "disagreements": disagreements}
    return Read(papers, affs, stats, author_rows)


def _provenances(rec: Record, resolved: dict, corrected: dict, gazetteer) -> list[tuple] | None:
    """Per author of a paper list's record: (provenance of its strings, countries per
    provenance); None for a metadata file's record (its strings are its own)."""
    if not any(a.provenance or a.by_source for a in rec.authors):
        return None

    def countries(raw: str) -> list[str]:
        if raw not in resolved:
            resolved[raw] = sorted(corrected[raw]) if raw in corrected else sorted(
                {m.country for m in match_affiliation(raw, gazetteer) if m.country})
        return resolved[raw]

    return [(a.provenance, {prov: sorted({c for s in strings for c in countries(s)})
                            for prov, strings in a.by_source.items()}) for a in rec.authors]


def check_source(cfg) -> None:
    """Before Spark starts: the metadata file is there and has a year (the settings checked the format)."""
    conf = cfg.metadata
    if not conf.source:
        raise InputError("the metadata step needs a file: --source FILE (or metadata.source)")
    if not Path(conf.source).is_file():
        raise InputError(f"metadata file not found or not readable: {conf.source}")
    if conf.year is None:  # the settings already took the year from the file name where it has one
        raise InputError(f"no year for {conf.source}: pass --year (the file name has no 4-digit year)")


def read_file(path: str, year: int | None = None, fmt: str = "auto", gazetteer=None,
              overrides: Overrides | None = None, max_record_chars: int | None = None,
              precedence: tuple[str, ...] = ()) -> Read:
    """Parse a local metadata file (or a paper list of `paperscope sources`, whose authors'
    strings follow precedence) into table rows; the year comes from the flag or the file name."""
    from paperscope.sources.program.output import is_paper_list, records_of

    year = year or year_from_name(path)
    if year is None:
        raise ValueError(f"no year for {path}: pass --year (the file name has no 4-digit year)")
    text = read_text(path, "metadata file")
    if fmt == SOURCES or (fmt == "auto" and is_paper_list(text)):
        fmt, records = SOURCES, records_of(text, precedence)
    else:
        fmt, records = parse_text(text, fmt, max_record_chars)
    read = to_rows(records, int(year), str(path), fmt, gazetteer, overrides)
    log.info("metadata %s (%s, %d): %d records, %d papers, %d malformed, %d duplicate", path, fmt, year,
             read.stats["records"], read.stats.get(STATUS_OK, 0), read.stats.get(STATUS_MALFORMED, 0),
             read.stats.get(STATUS_DUPLICATE, 0))
    return read

