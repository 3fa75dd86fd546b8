"""Resolve an affiliation string to institutions and countries, saying which rule matched.

Every known name (institution aliases, country names, places) sits in one phrase index
keyed by its word tokens, so a string is matched in one left-to-right pass, longest phrase
first, whatever the size of the gazetteer. A location written after an institution beats
that institution's home country ("Tencent AI Lab, Seattle" is US).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

INSTITUTION, COUNTRY, PLACE = "institution", "country", "place"
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# Domains that are not a country's, whatever their TLD looks like.
_GENERIC_TLDS = {"ai", "io", "co", "me", "tv", "ly", "cc", "ws", "gg", "so", "sh", "to", "fm", "am", "im", "is"}
_US_TLDS = {"edu", "gov", "mil", "us"}
_CC_TLD_EXCEPTIONS = {"uk": "GB"}


@dataclass(frozen=True)
class Entry:
    kind: str
    name: str
    country: str
    case_sensitive: bool = False


@dataclass
class Match:
    institution: str | None
    country: str | None
    method: str
    evidence: str
    score: float


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def tokens(text: str) -> list[tuple[str, str, int, int]]:
    """(lowercase, original, start, end) for each word of the text."""
    return [(m.group().lower(), m.group(), m.start(), m.end()) for m in _TOKEN.finditer(_fold(text))]


def _key(phrase: str) -> tuple[str, ...]:
    return tuple(t[0] for t in tokens(phrase))


def _compact(text: str) -> str:
    return "".join(t[0] for t in tokens(text))


def _is_acronym(alias: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", alias)
    return 0 < len(letters) <= 6 and letters.isupper()


def _rows(name: str):
    text = resources.files("paperscope").joinpath(f"data/{name}").read_text("utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.split("\t")


class Gazetteer:
    """The phrase index over institutions, countries and places, plus email domains."""

    def __init__(self, institutions, countries, places):
        self.index: dict[tuple[str, ...], list[Entry]] = {}
        self.compact: dict[str, Entry] = {}
        self.domains: dict[str, Entry] = {}
        self.tld: dict[str, str] = {}
        for name, country, aliases, domains in institutions:
            for alias in [name, *filter(None, aliases.split("|"))]:
                entry = Entry(INSTITUTION, name, country, _is_acronym(alias))
                self._add(alias, entry, exact=alias == name)
            for domain in filter(None, domains.split("|")):
                self.domains[domain.lower()] = Entry(INSTITUTION, name, country)
        for code, names in countries:
            self.tld[code.lower()] = code
            for alias in names.split("|"):
                self._add(alias, Entry(COUNTRY, alias, code, _is_acronym(alias) and len(alias) <= 3))
        for place, country in places:
            self._add(place, Entry(PLACE, place, country))
        self.max_len = max(len(k) for k in self.index)

    def _add(self, phrase: str, entry: Entry, exact: bool = False) -> None:
        key = _key(phrase)
        if not key:
            return
        bucket = self.index.setdefault(key, [])
        if entry not in bucket:
            bucket.insert(0, entry) if exact else bucket.append(entry)
        packed = "".join(key)
        if entry.kind == INSTITUTION and len(packed) >= 10:
            self.compact.setdefault(packed, entry)

    def _lookup(self, toks, i: int, n: int) -> Entry | None:
        for entry in self.index.get(tuple(t[0] for t in toks[i:i + n]), ()):
            if entry.case_sensitive:
                original = " ".join(t[1] for t in toks[i:i + n])
                if re.sub(r"[^A-Za-z]", "", original) != re.sub(r"[^A-Za-z]", "", original).upper():
                    continue
            return entry
        return None

    def scan(self, text: str) -> list[tuple[Entry, str, int]]:
        """Every known phrase in the text, longest first, left to right: (entry, text, position)."""
        folded = _fold(text)
        toks = tokens(folded)
        found, i = [], 0
        while i < len(toks):
            for n in range(min(self.max_len, len(toks) - i), 0, -1):
                entry = self._lookup(toks, i, n)
                if entry:
                    found.append((entry, folded[toks[i][2]:toks[i + n - 1][3]], i))
                    i += n
                    break
            else:
                i += 1
        return found

    def _scan_glued(self, text: str) -> list[tuple[Entry, str, int]]:
        """Institutions in text whose words run together (some PDFs lose their spaces)."""
        packed = _compact(text)
        hits = [(packed.find(name), name, entry) for name, entry in self.compact.items() if name in packed]
        hits.sort(key=lambda h: (h[0], -len(h[1])))
        out, end = [], -1
        for pos, name, entry in hits:
            if pos >= end:
                out.append((entry, name, pos))
                end = pos + len(name)
        return out

    def match(self, text: str) -> list[Match]:
        """All institutions/countries named in one affiliation string (empty list: none)."""
        found = self.scan(text)
        if not any(e.kind == INSTITUTION for e, _, _ in found) and _looks_glued(text):
            found = self._scan_glued(text) + [f for f in found if f[0].kind != INSTITUTION]
        institutions = [(e, t, p) for e, t, p in found if e.kind == INSTITUTION]
        locations = [(e, t, p) for e, t, p in found if e.kind != INSTITUTION]
        out: list[Match] = []
        for k, (entry, matched, pos) in enumerate(institutions):
            nxt = institutions[k + 1][2] if k + 1 < len(institutions) else float("inf")
            where = [loc for loc in locations if pos < loc[2] < nxt]
            how = "exact" if _key(matched) == _key(entry.name) else "alias"
            evidence = f"'{matched}' -> {entry.name} ({entry.country})"
            country, method = entry.country, how
            if where and where[0][0].country != entry.country:
                loc = where[0]
                country = loc[0].country
                method = "country-name" if loc[0].kind == COUNTRY else "address"
                evidence += f"; located at '{loc[1]}' -> {country}"
            out.append(Match(entry.name, country, method, evidence, 1.0))
        if not institutions:
            seen = set()
            for entry, matched, _ in sorted(locations, key=lambda f: f[0].kind != COUNTRY):
                if entry.country not in seen:
                    seen.add(entry.country)
                    method = "country-name" if entry.kind == COUNTRY else "address"
                    out.append(Match(None, entry.country, method, f"'{matched}' -> {entry.country}", 0.9 if entry.kind == COUNTRY else 0.8))
        return _dedupe(out)

    def match_domain(self, domain: str) -> Match | None:
        """An email domain: a known institution's domain, else a country-code TLD."""
        domain = domain.lower().strip(". ")
        parts = domain.split(".")
        for i in range(len(parts) - 1):
            entry = self.domains.get(".".join(parts[i:]))
            if entry:
                return Match(entry.name, entry.country, "domain", f"@{domain} -> {entry.name} ({entry.country})", 0.9)
        tld = parts[-1]
        if tld in _US_TLDS:
            return Match(None, "US", "domain", f"@{domain}: .{tld} -> US", 0.6)
        code = _CC_TLD_EXCEPTIONS.get(tld) or self.tld.get(tld)
        if code and tld not in _GENERIC_TLDS:
            return Match(None, code, "domain", f"@{domain}: .{tld} -> {code}", 0.7)
        return None


def _looks_glued(text: str) -> bool:
    words = text.split()
    return bool(words) and max(len(w) for w in words) >= 25


def _dedupe(matches: list[Match]) -> list[Match]:
    seen, out = set(), []
    for m in matches:
        key = (m.institution, m.country)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer shipped inside the package (built once per process)."""
    return Gazetteer(
        [(r + ["", ""])[:4] for r in _rows("institutions.tsv")],
        [(r[0], r[1]) for r in _rows("countries.tsv")],
        [(r[0], r[1]) for r in _rows("places.tsv")],
    )
