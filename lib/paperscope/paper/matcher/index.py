"""The phrase index: every known name keyed by its normalised words, scanned left to right.

Curated aliases, registry (ROR, Hipo) organisations, country names, places and cities sit in
one dict keyed by `text.key`, so a string is read in one pass, longest phrase first, whatever
the size of the gazetteer. E-mail domains and country-code TLDs sit beside it. What the hits
mean is decided by the ordered rules in `rules.py`.
"""
from __future__ import annotations

import re

from paperscope.paper.matcher import fuzzy as _fuzzy
from paperscope.paper.matcher import rules
from paperscope.paper.matcher.model import (CITY, COUNTRY, INSTITUTION, PLACE, TERRITORIES, VOID, Entry, Hit, Match,
                                            Method)
from paperscope.paper.matcher.text import (CJK_RUN, WORD, fold, han, is_acronym, is_generic, key, native_key,
                                           own_segment, tokens)

# Domains that are not a country's, whatever their TLD looks like.
_GENERIC_TLDS = {"ai", "io", "co", "me", "tv", "ly", "cc", "ws", "gg", "so", "sh", "to", "fm", "am", "im", "is"}
_US_TLDS = {"edu", "gov", "mil", "us"}
_CC_TLD_EXCEPTIONS = {"uk": "GB"}


class Gazetteer:
    """The phrase index over institutions, countries, places and cities, plus e-mail domains."""

    def __init__(self, fuzzy_threshold: float):
        self.entries: list[Entry] = []
        self.index: dict[tuple[str, ...], list[int]] = {}
        self.longest: dict[str, int] = {}          # first token -> longest key starting with it
        self.domains: dict[str, int] = {}
        self.tld: dict[str, str] = {}
        self.fuzzy_threshold = fuzzy_threshold
        self._words: dict[str, list[int]] | None = None   # rare word -> entry ids (fuzzy candidates)
        self._names: dict[int, str] = {}
        self._packed: dict[str, int] | None = None
        self._by_prefix: dict[str, list[str]] | None = None
        self.native_written: dict[str, Entry] = {}  # native-script name as written -> its meaning
        self.native: dict[str, Entry | None] = {}   # the same, character forms folded (None: ambiguous)
        self.native_first: set[str] = set()         # characters a native name begins with
        self.native_longest = 0
        self.ordinary: frozenset[str] = frozenset()  # ordinary English words (rule ordinary-words)

    # --- building -------------------------------------------------------------------------

    def add(self, phrase: str, entry: Entry, first: bool = False) -> None:
        k = key(phrase)
        if not k or (len(k) == 1 and len(k[0]) <= 2 and not entry.case_sensitive):
            return  # 'TU/e' folds to 'tu': too short to mean anything without its capitals
        bucket = self.index.setdefault(k, [])
        if entry.kind == INSTITUTION and entry.source != "curated" and bucket:
            # Country and place names, and curated names, are never shadowed by a registry name.
            if any(self.entries[i].kind != INSTITUTION or self.entries[i].source == "curated" for i in bucket):
                return
        if any(self.entries[i] == entry for i in bucket):
            return
        self.entries.append(entry)
        eid = len(self.entries) - 1
        bucket.insert(0, eid) if first else bucket.append(eid)
        if len(k) > self.longest.get(k[0], 0):
            self.longest[k[0]] = len(k)
        if entry.kind == INSTITUTION and len(k) >= 2:
            self._names.setdefault(eid, " ".join(k))
        self._words = None
        self._by_prefix = None

    def add_institution(self, name: str, countries, aliases=(), domains=(), source: str = "curated",
                        acronyms=()) -> None:
        countries = tuple(dict.fromkeys(TERRITORIES.get(c, c) for c in countries if c))
        if not countries:
            return
        single = len(key(name)) == 1
        # A registry name that reads as generic words only ('Nasional University' is read as
        # 'National University') would match any department line: its domains still count.
        if source == "curated" or not is_generic(name):
            self.add(name, Entry(INSTITUTION, name, countries, source, whole_segment=single and source != "curated",
                                 capitalized=single), first=source == "curated")
        for alias in aliases:
            if source != "curated" and is_generic(alias):
                continue
            acro = is_acronym(alias)
            one = len(key(alias)) == 1
            self.add(alias, Entry(INSTITUTION, name, countries, source, case_sensitive=acro,
                                  whole_segment=one and source != "curated" and not acro, capitalized=one))
        for acro in acronyms:
            if len(re.sub(r"[^A-Za-z]", "", acro)) >= 3:
                self.add(acro, Entry(INSTITUTION, name, countries, source, case_sensitive=True))
        for domain in domains:
            domain = domain.lower().strip()
            if domain and (source == "curated" or domain not in self.domains):
                self.entries.append(Entry(INSTITUTION, name, countries, source))
                self.domains[domain] = len(self.entries) - 1

    def add_country(self, code: str, names) -> None:
        self.tld[code.lower()] = code
        code = TERRITORIES.get(code, code)
        for alias in names:
            self.add(alias, Entry(COUNTRY, alias, (code,), case_sensitive=is_acronym(alias) and len(alias) <= 4))

    def add_place(self, name: str, country: str, kind: str = PLACE, strong: bool = True,
                  address_only: bool = False) -> None:
        """country may list several ('Georgia': US|GE); the first is the default."""
        countries = tuple(TERRITORIES.get(c, c) for c in country.split("|")) if country else ("",)
        kind = VOID if not country else kind
        self.add(name, Entry(kind, name, countries, case_sensitive=kind == CITY, strong=strong,
                             address_only=address_only))

    def add_native(self, name: str, entry: Entry) -> None:
        """A name in Chinese, Japanese or Korean script, found as a substring (no spaces split it).
        Keyed as written and with traditional/Japanese forms folded; a folded key that two
        countries share ('東北大学' JP, '东北大学' CN) matches only as written."""
        written = native_key(name, fold_han=False)
        if len(written) < 2:
            return
        self.native_written.setdefault(written, entry)
        folded = han(written)
        known = self.native.get(folded, entry)
        self.native[folded] = entry if known is not None and known.countries == entry.countries else None
        self.native_first.update((written[0], folded[0]))
        self.native_longest = max(self.native_longest, len(written))

    # --- exact pass -----------------------------------------------------------------------

    def _accept(self, entry: Entry, toks, i: int, n: int, lower: bool = False) -> bool:
        if entry.capitalized and not lower and not toks[i][1][:1].isupper():
            return False
        if entry.case_sensitive:
            original = "".join(t[1] for t in toks[i:i + n])
            if entry.kind == CITY:
                if not original[:1].isupper():
                    return False
            else:
                letters = re.sub(r"[^A-Za-z]", "", original)
                if letters != letters.upper():
                    return False
        if entry.address_only and not own_segment(toks, i, n):
            return False  # 'vivo Mobile Communication Co.' is no address in Mobile, Alabama
        if entry.whole_segment and (i > 0 or i + n < len(toks) or not (lower or toks[i][1][:1].isupper())):
            return False  # a one-word registry name ('Brain', 'Backbones') must be the whole string
        return True

    def _lookup(self, toks, i: int, n: int, lower: bool = False) -> Entry | None:
        if toks[i][5] != toks[i + n - 1][5]:
            return None
        for eid in self.index.get(tuple(t[0] for t in toks[i:i + n]), ()):
            entry = self.entries[eid]
            if self._accept(entry, toks, i, n, lower):
                return entry
        return None

    def scan(self, folded: str, toks=None) -> list[Hit]:
        """Every known phrase in the text, longest first, left to right."""
        toks = toks if toks is not None else tokens(folded)
        lower = not any(t[1][:1].isupper() for t in toks)   # 'westlake university': case says nothing
        found, i = [], 0
        while i < len(toks):
            for n in range(min(self.longest.get(toks[i][0], 0), len(toks) - i), 0, -1):
                entry = self._lookup(toks, i, n, lower)
                if entry:
                    text = folded[toks[i][2]:toks[i + n - 1][3]]
                    how = "exact" if tuple(t[0] for t in toks[i:i + n]) == key(entry.name) else "alias"
                    found.append(Hit(entry, text, i, i + n, how))
                    i += n
                    break
            else:
                i += 1
        return found

    def scan_native(self, text: str) -> list[tuple[int, int, Entry]]:
        """Native-script names in folded text, longest first, left to right: (start, end, entry)
        with character offsets ('浙江大学计算机学院' is Zhejiang University, not the province 浙江).
        Names may mix scripts ('上海AI实验室', 'LG전자'); one that begins with a Latin letter or
        digit must begin a word."""
        out: list[tuple[int, int, Entry]] = []
        if text.isascii() or not self.native or not CJK_RUN.search(text):
            return out
        at = [i for i, ch in enumerate(text) if not ch.isspace()]
        written = "".join(text[i] for i in at)
        folded = han(written)
        i = 0
        while i < len(written):
            entry, n = None, 0
            if written[i] in self.native_first or folded[i] in self.native_first:
                if not (written[i].isascii() and at[i] > 0 and text[at[i] - 1].isalnum()):
                    for n in range(min(self.native_longest, len(written) - i), 1, -1):
                        entry = self.native_written.get(written[i:i + n]) or self.native.get(folded[i:i + n])
                        if entry:
                            break
            if entry:
                out.append((at[i], at[i + n - 1] + 1, entry))
                i += n
            else:
                i += 1
        return out

    def _word_index(self) -> dict[str, list[int]]:
        return _fuzzy.word_index(self)

    def fuzzy(self, folded: str, toks) -> list[Hit]:
        return _fuzzy.fuzzy_hits(self, folded, toks)

    def prefix_hits(self, folded: str, toks) -> list[Hit]:
        return _fuzzy.prefix_hits(self, folded, toks)

    # --- reading a string -------------------------------------------------------------------

    def match(self, text: str) -> list[Match]:
        """All institutions/countries named in one affiliation string (empty list: none)."""
        return rules.run(self, text)

    def located(self, entry: Entry) -> bool:
        """Whether an institution's own name names a place in its country ('... London')."""
        k = key(entry.name)
        for i in range(len(k)):
            for n in range(1, len(k) - i + 1):
                for eid in self.index.get(k[i:i + n], ()):
                    e = self.entries[eid]
                    if e.kind != INSTITUTION and e.strong and e.country == entry.country:
                        return True
        return False

    def packed_names(self) -> dict[str, int]:
        """Institution names with every word run together, stop words kept, a leading 'the'
        optional (built once)."""
        if self._packed is None:
            packed: dict[str, int] = {}
            for eid, e in enumerate(self.entries):
                if e.kind == INSTITUTION:
                    name = "".join(w.lower() for w in WORD.findall(fold(e.name)))
                    if len(name) >= 12:
                        packed.setdefault(name, eid)
                        if name.startswith("the"):   # 'The University of Tokyo' read from 'University'
                            packed.setdefault(name[3:], eid)
            self._packed = packed
        return self._packed

    def scan_glued(self, folded: str) -> list[Hit]:
        """Institutions in text whose words run together (some PDFs lose their spaces)."""
        packed = "".join(w.lower() for w in WORD.findall(folded))
        hits = sorted(((packed.find(name), -len(name), eid) for name, eid in self.packed_names().items()
                       if name in packed), key=lambda h: (h[0], h[1]))
        out, end = [], -1
        for pos, neg, eid in hits:
            if pos >= end:
                entry = self.entries[eid]
                out.append(Hit(entry, entry.name, pos, pos + 1, "alias", 0.9, rule="glued"))
                end = pos - neg
        return out

    def match_domain(self, domain: str) -> Match | None:
        """An email domain: a known institution's domain, else a country-code TLD."""
        domain = domain.lower().strip(". ")
        parts = domain.split(".")
        for i in range(len(parts) - 1):
            eid = self.domains.get(".".join(parts[i:]))
            if eid is not None:
                entry = self.entries[eid]
                return Match(entry.name, entry.country, Method.DOMAIN, f"@{domain} -> {entry.name} ({entry.country})",
                             0.9, domain)
        tld = parts[-1]
        if tld in _US_TLDS:
            return Match(None, "US", Method.DOMAIN, f"@{domain}: .{tld} -> US", 0.6, domain)
        code = _CC_TLD_EXCEPTIONS.get(tld) or self.tld.get(tld)
        if code and tld not in _GENERIC_TLDS:
            return Match(None, code, Method.DOMAIN, f"@{domain}: .{tld} -> {code}", 0.7, domain)
        return None
