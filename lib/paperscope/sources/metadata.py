"""Conference metadata (author affiliations published by the conference) as a paper source.

Two layouts are read:

- ``nips-json``: JSON lines, one paper per line, ``{"title", "authors": [{"name",
  "affiliation", "no"}]}`` (the nips.cc crawl layout). Text may hold literal ``\\xNN`` /
  ``\\uNNNN`` escapes and HTML entities escaped several times over; both are decoded.
- ``paperlists``: the paperlists / OpenReview export, a JSON array (or JSON lines) of
  ``{"id", "title", "author": "A;B", "aff": "U1;U2+U3"}``: ``;`` between authors, ``+``
  between one author's affiliations. ``aff_country_unique`` (with
  ``aff_country_unique_index``), when present, is only a cross-check: the countries
  counted are always the ones the gazetteer resolves.

Every record becomes one row of the papers table (status ``metadata``; ``malformed`` or
``duplicate`` with the reason in ``error``), so the quality gate can count what was read.
A record is checked field by field before anything is taken from it: a number, a list or
an object where a string is expected makes it ``malformed`` with the field named, never
text through ``str()`` (where a list of strings is meant, as for several affiliations of
one author, a list of strings is read as such). A record longer than
metadata.max_record_chars is ``malformed`` without being kept, so one huge line cannot
exhaust the JVM when the rows are handed to Spark.
Each distinct affiliation string of a paper becomes affiliation rows with source
``metadata``, resolved by the same gazetteer as PDF headers.

paper_id of a metadata paper: sha256 of ``"<year>\\n<normalised title>"`` (see
``title_key``), so the same paper gets the same id from any metadata source. A later
record with the same title but other authors is another paper: its id also hashes the
author names. Same title and same authors is a ``duplicate`` row. The source's own id
(paperlists ``id``) is kept as ``source_id``.
"""
from __future__ import annotations

import codecs
import hashlib
import json
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from paperscope.core import escape, policy
from paperscope.paper.matcher.text import unescape

log = logging.getLogger(__name__)

FORMATS = ("auto", "nips-json", "paperlists")
STATUS_OK, STATUS_MALFORMED, STATUS_DUPLICATE = "metadata", "malformed", "duplicate"
SOURCE = "metadata"
_MISSING = {"", "none", "null", "n/a", "-"}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|\\)")
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
class Author:
    name: str
    affiliations: list[str]
    countries_claimed: list[str | None] = field(default_factory=list)  # paperlists cross-check, per affiliation


@dataclass
class Record:
    """One line / array item of a metadata file, parsed or not."""
    line: int
    title: str | None = None
    source_id: str | None = None
    authors: list[Author] = field(default_factory=list)
    error: str | None = None


@dataclass
class Read:
    """What a metadata file gave: table rows plus the counts the report shows."""
    papers: list[dict]
    affiliations: list[dict]
    stats: dict
    authors: list[dict] = field(default_factory=list)  # authors table rows (paperscope.counting.authors)


def clean(text, unescape_literals: bool = False) -> str:
    """Decoded, whitespace-collapsed text; literal \\xNN escapes only when asked (nips-json)."""
    if text is None:
        return ""
    text = str(text)
    if unescape_literals and "\\" in text:
        text = _ESCAPE.sub(lambda m: codecs.decode("\\" + m.group(1), "unicode_escape"), text)
    return unescape(text)


def title_key(title: str | None) -> str:
    """Case-, accent- and punctuation-insensitive title: the join key between sources."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", title or ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def paper_id(year: int, title: str) -> str:
    return hashlib.sha256(f"{year}\n{title_key(title)}".encode("utf-8")).hexdigest()


def year_from_name(path: str) -> int | None:
    return policy.year_in_name(Path(path).name)


def _is_missing(text: str) -> bool:
    return text.strip().casefold() in _MISSING


class BadField(ValueError):
    """A field whose JSON type is not the one the layout has there."""


_JSON_TYPES = {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "an array",
               dict: "an object", type(None): "null"}


def _kind(value) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _text(obj: dict, key: str, where: str = "") -> str | None:
    """A string field (None when absent or null); any other JSON type is a BadField."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise BadField(f"'{where}{key}' must be a string, got {_kind(value)} {_short(value)}")


def _texts(obj: dict, key: str, sep: str | None, where: str = "") -> list[str] | None:
    """A field that is a string (of sep-separated parts) or a list of strings: the parts."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value.split(sep) if sep else [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise BadField(f"'{where}{key}' must be a string or a list of strings, got {_kind(value)} {_short(value)}")


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _nips_record(obj: dict, line: int) -> Record:
    try:
        return _nips_fields(obj, line)
    except BadField as exc:
        return Record(line, error=str(exc))


def _nips_fields(obj: dict, line: int) -> Record:
    title = clean(_text(obj, "title"), unescape_literals=True)
    authors_in = obj.get("authors")
    if not title:
        return Record(line, error="no title")
    if not isinstance(authors_in, list):
        return Record(line, title=title, error=f"'authors' must be a list, got {_kind(authors_in)}")
    authors = []
    for k, a in enumerate(authors_in, 1):
        if not isinstance(a, dict):
            return Record(line, title=title, error=f"author {k} must be an object, got {_kind(a)}")
        where = f"authors[{k}]."
        name = clean(_text(a, "name", where), unescape_literals=True)
        # One affiliation string, or a list of them (an author with several).
        affs = [clean(x, unescape_literals=True) for x in (_texts(a, "affiliation", None, where) or [])]
        authors.append(Author(name, [x for x in affs if not _is_missing(x)]))
    return Record(line, title=title, source_id=None, authors=authors)


def _paperlists_record(obj: dict, line: int) -> Record:
    try:
        return _paperlists_fields(obj, line)
    except BadField as exc:
        sid = obj.get("id")
        return Record(line, source_id=sid if isinstance(sid, str) and sid else None, error=str(exc))


def _paperlists_fields(obj: dict, line: int) -> Record:
    raw_id = obj.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)  # a numeric id is an id
    sid = _text({"id": raw_id}, "id") or None
    title = clean(_text(obj, "title"))
    if not title:
        return Record(line, source_id=sid, error="no title")
    names = _texts(obj, "author", ";") or []
    affs = _texts(obj, "aff", ";") or []
    countries = _texts(obj, "aff_country_unique", ";") or []
    index = _texts(obj, "aff_country_unique_index", ";") or []
    if obj.get("aff") is None:
        return Record(line, title=title, source_id=sid, error="no 'aff' field")
    if names and len(affs) != len(names):
        return Record(line, title=title, source_id=sid, error=f"{len(names)} authors but {len(affs)} affiliation groups")
    authors = []
    for i, group in enumerate(affs):
        parts = [clean(p) for p in group.split("+")]
        claimed: list[str | None] = []
        slots = index[i].split("+") if i < len(index) and len(index) == len(affs) else []
        for k in range(len(parts)):
            try:
                claimed.append(countries[int(slots[k])] if k < len(slots) and slots[k] != "" else None)
            except (ValueError, IndexError):
                claimed.append(None)
        kept = [(p, c) for p, c in zip(parts, claimed) if not _is_missing(p)]
        authors.append(Author(clean(names[i]) if i < len(names) else "", [p for p, _ in kept], [c for _, c in kept]))
    return Record(line, title=title, source_id=sid, authors=authors)


def detect_format(obj) -> str | None:
    if isinstance(obj, dict):
        if isinstance(obj.get("authors"), list):
            return "nips-json"
        if "aff" in obj or "author" in obj:
            return "paperlists"
    return None


def parse_text(text: str, fmt: str = "auto", max_record_chars: int | None = None) -> tuple[str, list[Record]]:
    """The records of a metadata file's text (JSON array or JSON lines) and the format used.

    The text is one JSON array only when the whole of it is one array; otherwise it is
    JSON lines, one record per line (split on newlines only: U+2028 may sit in a string),
    and a line holding an array is one malformed record, not the file. A line that is not
    JSON, a record over max_record_chars, or a record missing what it needs or holding a
    value of the wrong type, is a Record with an error: counted and reported, never fatal.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown metadata format {fmt!r}; use one of {', '.join(FORMATS)}")
    limit = max_record_chars or len(text) + 1
    items = _array_items(text, limit)
    if items is None:
        items = []
        for n, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            if len(line) > limit:
                items.append((n, ValueError(f"record of {len(line):,} characters is over metadata.max_record_chars "
                                            f"({limit:,}); not read")))
                continue
            try:
                items.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                items.append((n, ValueError(f"not valid JSON: {exc.msg} at column {exc.colno}")))
    if fmt == "auto":
        fmt = next((f for _, o in items if (f := detect_format(o))), "nips-json")
    parse = _nips_record if fmt == "nips-json" else _paperlists_record
    records = []
    for n, obj in items:
        if isinstance(obj, ValueError):
            records.append(Record(n, error=str(obj)))
        elif isinstance(obj, list):
            records.append(Record(n, error="a record must be a JSON object, got an array (JSON lines hold one "
                                           "object per line; a JSON array file holds nothing else)"))
        elif not isinstance(obj, dict):
            records.append(Record(n, error=f"a record must be a JSON object, got {_kind(obj)}"))
        else:
            records.append(parse(obj, n))
    return fmt, records


_WS = re.compile(r"[ \t\n\r]*")


def _array_items(text: str, limit: int) -> list[tuple[int, object]] | None:
    """(item number, item) of a file that is one JSON array, None when it is not one
    (JSON lines, whose first line may itself be an array); an item over limit characters,
    or a broken array, is a ValueError in its place."""
    i = _WS.match(text).end()
    if not text.startswith("[", i):
        return None
    decoder = json.JSONDecoder()
    try:
        whole, end = decoder.raw_decode(text, i)
    except json.JSONDecodeError as exc:
        first = text[i:].split("\n", 1)[0]
        try:
            json.loads(first)
            return None  # the first line is a value of its own: JSON lines
        except json.JSONDecodeError:
            return [(exc.lineno, ValueError(f"not a valid JSON array: {exc.msg} (line {exc.lineno})"))]
    if text[_WS.match(text, end).end():]:
        return None  # more after the first value: JSON lines
    # One array: find each item's span to bound its size (the parse above already passed).
    items: list[tuple[int, object]] = []
    pos = _WS.match(text, i + 1).end()
    for n, item in enumerate(whole, 1):
        _, stop = decoder.raw_decode(text, pos)
        size = stop - pos
        items.append((n, item if size <= limit else ValueError(
            f"record of {size:,} characters is over metadata.max_record_chars ({limit:,}); not read")))
        pos = _WS.match(text, stop).end()
        pos = _WS.match(text, pos + 1).end()  # past the comma
    return items


def _claimed_code(name: str | None) -> str | None:
    if not name:
        return None
    folded = name.strip().casefold()
    if folded in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[folded]
    codes = {m.country for m in match_affiliation(name) if m.country}
    return codes.pop() if len(codes) == 1 else None


def to_rows(records: list[Record], year: int, source: str, fmt: str, gazetteer=None,
            corrected: dict[str, list[str]] | None = None) -> Read:
    """Papers rows (one per record) and affiliation rows (one per paper x string x match).

    corrected: reviewed countries by affiliation string, for the authors rows (the caller
    applies them to the affiliation rows, review.apply_overrides)."""
    from paperscope.counting.authors import metadata_rows

    corrected = corrected or {}

    papers, affs, author_rows = [], [], []
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
        for raw, claimed in strings.items():
            matches = match_affiliation(raw, gazetteer)
            resolved[raw] = sorted(corrected[raw]) if raw in corrected else sorted({m.country for m in matches if m.country})
            for m in matches or [None]:
                affs.append({"paper_id": pid, "year": year, "raw": raw, "source": SOURCE,
                             "institution": m.institution if m else None, "country": m.country if m else None,
                             "method": m.method if m else "none",
                             "evidence": m.evidence if m else "no known institution, place or country",
                             "score": float(m.score) if m else 0.0, "matched": m.matched if m else None})
            code = _claimed_code(claimed)
            if code:
                ours = {m.country for m in matches if m.country}
                verdict = "unresolved" if not ours else ("agree" if code in ours else "disagree")
                cross[verdict] += 1
                if verdict == "disagree" and len(disagreements) < 50:
                    disagreements.append({"line": rec.line, "raw": raw, "claimed": claimed, "resolved": ";".join(sorted(ours))})
        author_rows += metadata_rows(pid, year, [(a.name, a.affiliations) for a in rec.authors], resolved, SOURCE)
    stats = {"format": fmt, "source": source, "year": year, "records": len(records), **dict(stats),
             "affiliation_strings": len({(a["paper_id"], a["raw"]) for a in affs}),
             "unresolved_strings": len({(a["paper_id"], a["raw"]) for a in affs if a["country"] is None})}
    if cross:
        stats["country_cross_check"] = {**dict(cross), "disagreements": disagreements}
    return Read(papers, affs, stats, author_rows)


def check_source(cfg) -> None:
    """Before Spark starts: the metadata file is there and has a year (the settings checked the format)."""
    from paperscope.sources.corpus import InputError

    conf = cfg.metadata
    if not conf.source:
        raise InputError("the metadata step needs a file: --source FILE (or metadata.source)")
    if not Path(conf.source).is_file():
        raise InputError(f"metadata file not found or not readable: {conf.source}")
    if conf.year is None:  # the settings already took the year from the file name where it has one
        raise InputError(f"no year for {conf.source}: pass --year (the file name has no 4-digit year)")


def read_file(path: str, year: int | None = None, fmt: str = "auto", gazetteer=None,
              corrected: dict[str, list[str]] | None = None, max_record_chars: int | None = None) -> Read:
    """Parse a local metadata file into table rows; the year comes from the flag or the file name."""
    year = year or year_from_name(path)
    if year is None:
        raise ValueError(f"no year for {path}: pass --year (the file name has no 4-digit year)")
    text = Path(path).read_text("utf-8", errors="replace")
    fmt, records = parse_text(text, fmt, max_record_chars)
    read = to_rows(records, int(year), str(path), fmt, gazetteer, corrected)
    log.info("metadata %s (%s, %d): %d records, %d papers, %d malformed, %d duplicate", path, fmt, year,
             read.stats["records"], read.stats.get(STATUS_OK, 0), read.stats.get(STATUS_MALFORMED, 0),
             read.stats.get(STATUS_DUPLICATE, 0))
    return read


# --------------------------------------------------------------------------------------
# Counting rules and the agreement of two sources (plain pandas: small per-paper tables)
# --------------------------------------------------------------------------------------

def paper_flags(papers: pd.DataFrame, affiliations: pd.DataFrame, china_policy: str = policy.DEFAULT_CHINA_POLICY,
                dual_strings: bool = True) -> pd.DataFrame:
    """Per paper: has_us, has_cn, both, unknown. papers: paper_id (+ any columns, kept);
    affiliations: paper_id, raw, country.

    dual_strings=False leaves out every affiliation string that by itself resolves to both
    the US and China ("Peking University / UC Berkeley", "Shanghai New York University"):
    one author's joint appointment, or a campus abroad, is then not evidence for either.
    """
    a = affiliations[affiliations["country"].notna()][["paper_id", "raw", "country"]]
    per_string = a.groupby(["paper_id", "raw"])["country"].agg(set).reset_index()
    per_string["us"] = per_string["country"].map(policy.has_us)
    per_string["cn"] = per_string["country"].map(lambda s: policy.has_cn(s, china_policy))
    resolved = set(per_string["paper_id"])
    if not dual_strings:
        per_string = per_string[~(per_string["us"] & per_string["cn"])]
    g = per_string.groupby("paper_id")
    flags = pd.DataFrame({"has_us": g["us"].any(), "has_cn": g["cn"].any()}).reset_index()
    out = papers.merge(flags, on="paper_id", how="left")
    out["unknown"] = ~out["paper_id"].isin(resolved)
    for col in ("has_us", "has_cn"):
        out[col] = out[col].astype("boolean").fillna(False).astype(bool)
    out["both"] = out["has_us"] & out["has_cn"]
    return out


def agreement(pdf: pd.DataFrame, meta: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    """Papers present in both sources (same source_id, else same normalised title): how
    often has_us / has_cn agree, and the papers where they do not.

    Each frame: paper_id, title, source_id, has_us, has_cn, unknown.
    """
    def keyed(df, by):
        df = df.copy()
        df["key"] = df["source_id"] if by == "id" else df["title"].map(title_key)
        return df[df["key"].notna() & (df["key"] != "")]

    cols = ["paper_id", "title", "has_us", "has_cn", "unknown", "key"]
    by_id = keyed(pdf, "id")[cols].merge(keyed(meta, "id")[cols], on="key", suffixes=("_pdf", "_meta"))
    rest_pdf = pdf[~pdf["paper_id"].isin(by_id["paper_id_pdf"])]
    rest_meta = meta[~meta["paper_id"].isin(by_id["paper_id_meta"])]
    by_title = keyed(rest_pdf, "title")[cols].merge(keyed(rest_meta, "title")[cols], on="key", suffixes=("_pdf", "_meta"))
    both = pd.concat([by_id.assign(matched_by="source_id"), by_title.assign(matched_by="title")], ignore_index=True)
    us_ok = both["has_us_pdf"] == both["has_us_meta"]
    cn_ok = both["has_cn_pdf"] == both["has_cn_meta"]
    both_ok = (both["has_us_pdf"] & both["has_cn_pdf"]) == (both["has_us_meta"] & both["has_cn_meta"])
    summary = {"pdf_papers": int(len(pdf)), "metadata_papers": int(len(meta)), "matched": int(len(both)),
               "matched_by_source_id": int(len(by_id)), "matched_by_title": int(len(by_title)),
               "has_us_agree": int(us_ok.sum()), "has_cn_agree": int(cn_ok.sum()),
               "both_agree": int(both_ok.sum()), "all_agree": int((us_ok & cn_ok).sum())}
    diff = both[~(us_ok & cn_ok)][["matched_by", "title_pdf", "has_us_pdf", "has_cn_pdf", "has_us_meta",
                                   "has_cn_meta", "unknown_pdf", "unknown_meta", "paper_id_pdf", "paper_id_meta"]]
    return summary, diff.reset_index(drop=True)


def agreement_markdown(summary: dict, diff: pd.DataFrame, limit: int = 50) -> str:
    lines = ["## PDF headers vs metadata\n",
             f"{summary['matched']} papers are in both sources ({summary['matched_by_source_id']} by source id, "
             f"{summary['matched_by_title']} by normalised title) out of {summary['pdf_papers']} PDF papers and "
             f"{summary['metadata_papers']} metadata papers.\n",
             f"- has_us agrees for {summary['has_us_agree']} of {summary['matched']}",
             f"- has_cn agrees for {summary['has_cn_agree']} of {summary['matched']}",
             f"- US-China (both) agrees for {summary['both_agree']} of {summary['matched']}\n"]
    if len(diff):
        lines.append("| title | pdf us | pdf cn | meta us | meta cn | matched by |")
        lines.append("|---|---|---|---|---|---|")
        for r in diff.head(limit).itertuples(index=False):
            title = escape.md_text(r.title_pdf)
            lines.append(f"| {title} | {int(r.has_us_pdf)} | {int(r.has_cn_pdf)} | {int(r.has_us_meta)} | "
                         f"{int(r.has_cn_meta)} | {escape.md_text(r.matched_by)} |")
        if len(diff) > limit:
            lines.append(f"\n({len(diff) - limit} more disagreements not shown)")
    return "\n".join(lines) + "\n"
