"""Conference metadata files parsed: records with their authors and affiliation strings.

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
import re
import unicodedata
from dataclasses import dataclass, field

from paperscope.paper.matcher.text import unescape

FORMATS = ("auto", "nips-json", "paperlists")  # and "sources": rows.read_file reads paper lists
_MISSING = {"", "none", "null", "n/a", "-"}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|\\)")


@dataclass
class Author:
    name: str
    affiliations: list[str]
    countries_claimed: list[str | None] = field(default_factory=list)  # paperlists cross-check, per affiliation
    # From a `paperscope sources` file: the provenance of affiliations (profile, virtual, ...)
    # and every provenance's strings, each source's countries in the authors table.
    provenance: str | None = None
    by_source: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Record:
    """One line / array item of a metadata file, parsed or not."""
    line: int
    title: str | None = None
    source_id: str | None = None
    authors: list[Author] = field(default_factory=list)
    error: str | None = None
    track: str | None = None  # main, datasets_benchmarks, ... where the source says


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

