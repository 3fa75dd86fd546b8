"""Resolve an affiliation string to institutions and countries, saying which rule matched.

Every known name (curated aliases, ROR and Hipo organisations, country names, places,
cities) sits in one phrase index keyed by normalised word tokens, so a string is matched
in one left-to-right pass, longest phrase first, whatever the size of the gazetteer.
Only when no institution is found that way does a fuzzy pass (rapidfuzz) compare the
string's segments with the few names that share a rare word with them.

Rules, in order of trust:
  alias / exact   a curated alias or acronym, or an organisation's own name;
  fuzzy           a near-identical name (token-sorted similarity >= the threshold);
  address         a place written in the string (state + ZIP, a city, a province);
  country-name    a country written in the string;
  domain          an e-mail domain (see match_domain; header.py uses it as a last resort).
A location written after an institution beats that institution's home country
("Tencent AI Lab, Seattle" is US); a name that exists in several countries (NTU,
Northeastern University) takes the country the string names, else its most likely one.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

INSTITUTION, COUNTRY, PLACE, CITY = "institution", "country", "place", "city"
# A phrase that only stops a shorter one from matching ('Latin America' is not the US).
VOID = "void"
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# Punctuation that ends a segment (the fuzzy pass compares segments).
_SEGMENT_BREAK = re.compile(r"[,;:()\[\]{}/|\\>\n\t]|\s[-–—]\s|\band\b|&", re.I)
# Separators no name runs across: 'NVIDIA, Santa Clara; University of Toronto'.
_HARD_BREAK = re.compile(r"[;/|\\\n\t]")
_S2AFF_NOISE = re.compile(r"#(?:TAB|N|R)#")
# Abbreviations and spelling variants folded to one token, on both sides of the index.
_FOLD = {
    "univ": "university", "hongkong": "hong kong", "jiaotong": "jiao tong", "universty": "university", "uni": "university", "universities": "university",
    "universitas": "university", "universidad": "university", "universidade": "university",
    "universita": "university", "universite": "university", "universitat": "university",
    "universiteit": "university", "universitet": "university", "uniwersytet": "university",
    "universitatea": "university", "univerzita": "university", "universiti": "university",
    "inst": "institute", "instit": "institute", "institut": "institute", "instituto": "institute",
    "istituto": "institute", "institutes": "institute",
    "tech": "technology", "technol": "technology", "techn": "technology", "technological": "technology",
    "sci": "science", "sciences": "science", "ciencias": "science", "ciencia": "science",
    "dept": "department", "dep": "department", "lab": "laboratory", "labs": "laboratory",
    "laboratories": "laboratory", "lab.": "laboratory", "natl": "national", "nat": "national",
    "res": "research", "ctr": "center", "centre": "center", "cntr": "center", "acad": "academy",
    "coll": "college", "hosp": "hospital", "engn": "engineering", "eng": "engineering",
    "intl": "international", "mgmt": "management", "polytech": "polytechnic", "saint": "st",
    "ste": "st", "fed": "federal", "med": "medical", "medicine": "medical", "chin": "chinese",
    "technische": "technical", "technischen": "technical",
}
_STOP = {"the", "of", "at", "de", "do", "da", "dos", "das", "des", "del", "di", "du", "la", "le", "and",
         "for", "fur", "in", "y", "e", "et", "und", "a"}
# Words that alone do not name one organisation ("Department of Computer Science").
GENERIC = _STOP | {
    "university", "institute", "college", "school", "department", "faculty", "center", "laboratory",
    "research", "science", "technology", "national", "international", "state", "medical", "hospital",
    "academy", "engineering", "computer", "computing", "mathematics", "physics", "chemistry", "biology",
    "division", "group", "program", "unit", "foundation", "society", "association", "council", "office",
    "ministry", "agency", "service", "services", "company", "corporation", "inc", "ltd", "llc", "gmbh",
    "co", "corp", "limited", "team", "ai", "artificial", "intelligence", "data", "information", "key",
    "graduate", "studies", "applied", "advanced", "general", "central", "public", "federal", "health",
    "clinic", "clinical", "system", "systems", "electrical", "electronic", "electronics", "mechanical",
    "civil", "communication", "communications", "network", "networks", "software", "management",
    "business", "economics", "law", "arts", "education", "new", "city", "north", "south", "east",
    "west", "northern", "southern", "eastern", "western", "polytechnic", "technical", "open", "free",
    "catholic", "christian", "community", "regional", "royal", "st", "lab", "labs", "innovation",
    "development", "industrial", "industry", "teaching", "normal", "agricultural", "agriculture",
    "statistics", "statistical", "language", "languages", "learning", "machine", "robotics", "vision",
    "global", "one", "first", "second", "quantum", "energy", "environmental", "environment", "cancer",
    "children", "women", "heart", "care", "life", "nursing", "pharmacy", "dental", "veterinary",
}
_US_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
    "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY").split()
# "Stanford, CA 94305", "Seattle, WA", "Pittsburgh, PA, USA": a state code as its own segment after
# another (a string that is only "MT" or "IN" is no address).
_US_ADDRESS = re.compile(r",\s*(" + "|".join(_US_STATE_CODES) + r")\.?(?:\s+(\d{5})(?:-\d{4})?)?\s*(?=,|;|$|\))")
_ZIP_WITH_STATE = re.compile(r"\b(" + "|".join(_US_STATE_CODES) + r")\.?\s+(\d{5})(?:-\d{4})?\b")
_CN_POSTCODE = re.compile(r"(?<!\d)([1-8]\d{5})(?!\d)")
# Domains that are not a country's, whatever their TLD looks like.
_GENERIC_TLDS = {"ai", "io", "co", "me", "tv", "ly", "cc", "ws", "gg", "so", "sh", "to", "fm", "am", "im", "is"}
_US_TLDS = {"edu", "gov", "mil", "us"}
_CC_TLD_EXCEPTIONS = {"uk": "GB"}
# US territories count as the US (ROR files them there; the US-China question wants it so).
TERRITORIES = {"PR": "US", "GU": "US", "VI": "US", "AS": "US", "MP": "US", "UM": "US"}
# When a name exists in several countries and the string names none of them.
PRIOR = ("US", "CN", "GB", "DE", "CA", "FR", "JP", "KR", "SG", "HK", "AU", "CH", "IN", "TW")

DEFAULT_FUZZY_THRESHOLD = 90.0
# affiliations.china_policy: which codes count as China (same as transforms.CHINA).
CHINA_POLICIES = {"mainland": ("CN",), "greater": ("CN", "HK", "MO", "TW")}


class Entry(NamedTuple):
    """One name's meaning. A tuple, so that the pickled index loads fast."""
    kind: str
    name: str
    countries: tuple[str, ...]
    source: str = "curated"
    case_sensitive: bool = False
    whole_segment: bool = False
    strong: bool = True
    capitalized: bool = False   # a one-word name that is also a word ('Meta', 'Apple') needs its capital
    address_only: bool = False  # a city named like a word ('Mobile'): only as its own address segment

    @property
    def country(self) -> str:
        return self.countries[0]


@dataclass
class Match:
    institution: str | None
    country: str | None
    method: str
    evidence: str
    score: float
    matched: str = ""


@dataclass
class _Hit:
    entry: Entry
    text: str
    start: int       # token positions [start, end)
    end: int
    how: str = ""    # exact / alias / fuzzy
    score: float = 1.0


def fold(text: str) -> str:
    """NFKC, then accents removed: 'Zürich' -> 'Zurich', full-width commas -> ','."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("ß", "ss")


def clean(text: str) -> str:
    """Affiliation text as it should be read: entities decoded, export markers and odd spaces gone."""
    for _ in range(8):
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    text = _S2AFF_NOISE.sub(", ", text)
    return " ".join(text.split())


# Long words that name a kind of organisation, misspelt often enough ('Univeristy',
# 'Techonological') that a near spelling is folded to them: the head word then matches exactly.
_HEADS = ("university", "technology", "technological", "institute", "laboratory", "international",
          "engineering", "science", "national", "academy", "intelligence", "artificial", "polytechnic")


@lru_cache(maxsize=1 << 18)
def _norm(word: str) -> str:
    low = word.lower()
    if low in _FOLD:
        return _FOLD[low]
    if len(low) >= 7 and low.isalpha() and low not in _HEADS:
        from rapidfuzz.distance import DamerauLevenshtein

        for head in _HEADS:
            if (head[0] == low[0] and abs(len(head) - len(low)) <= 1
                    and DamerauLevenshtein.distance(low, head, score_cutoff=2) <= (1 if len(low) < 9 else 2)):
                return _FOLD.get(head, head)
    return low


def tokens(text: str) -> list[tuple[str, str, int, int, int, int]]:
    """(normalised, original, start, end, segment, part) for each content word of folded text."""
    out, segment, part, last = [], 0, 0, 0
    for m in _TOKEN.finditer(text):
        if _SEGMENT_BREAK.search(text, last, m.start()):
            segment += 1
            if _HARD_BREAK.search(text, last, m.start()):
                part += 1
        last = m.end()
        norm = _norm(m.group())
        if norm in _STOP:
            continue
        for piece in norm.split(" "):
            out.append((piece, m.group(), m.start(), m.end(), segment, part))
    return out


@lru_cache(maxsize=1 << 16)
def key(phrase: str) -> tuple[str, ...]:
    return tuple(t[0] for t in tokens(fold(phrase)))


def is_generic(name: str) -> bool:
    """True for names made only of generic words, which would match any department line."""
    k = key(name)
    return not k or all(t in GENERIC or t.isdigit() or len(t) <= 1 for t in k) or len("".join(k)) < 3


def is_acronym(alias: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", alias)
    return 0 < len(letters) <= 6 and letters.isupper() and " " not in alias.strip()


class Gazetteer:
    """The phrase index over institutions, countries, places and cities, plus e-mail domains."""

    def __init__(self, fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD):
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
        self.add(name, Entry(INSTITUTION, name, countries, source, whole_segment=single and source != "curated",
                             capitalized=single), first=source == "curated")
        for alias in aliases:
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
        if entry.address_only and not _own_segment(toks, i, n):
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

    def scan(self, folded: str, toks=None) -> list[_Hit]:
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
                    found.append(_Hit(entry, text, i, i + n, how))
                    i += n
                    break
            else:
                i += 1
        return found

    def _addresses(self, folded: str, toks, hits: list[_Hit]) -> list[_Hit]:
        """US state codes with or without ZIP, Chinese postcodes next to a Chinese place."""
        out = []
        for rx in (_US_ADDRESS, _ZIP_WITH_STATE):
            for m in rx.finditer(folded):
                pos = sum(1 for t in toks if t[2] < m.start(1))
                out.append(_Hit(Entry(PLACE, m.group(1), ("US",)), m.group().strip(" ,;"), pos, pos + 1))
        cn_context = any(h.entry.country == "CN" and h.entry.kind != INSTITUTION for h in hits)
        if cn_context:
            for m in _CN_POSTCODE.finditer(folded):
                pos = sum(1 for t in toks if t[2] < m.start(1))
                out.append(_Hit(Entry(PLACE, m.group(1), ("CN",)), m.group(1), pos, pos + 1))
        return out

    # --- fuzzy pass -----------------------------------------------------------------------

    def _word_index(self) -> dict[str, list[int]]:
        if self._words is None:
            words: dict[str, list[int]] = {}
            # Place names are left out: sharing 'Paris' does not make two names alike.
            places = {k[0] for k, ids in self.index.items()
                      if len(k) == 1 and any(self.entries[i].kind != INSTITUTION for i in ids)}
            for eid, name in self._names.items():
                for w in set(name.split()):
                    if w not in GENERIC and w not in places and len(w) > 2:
                        words.setdefault(w, []).append(eid)
            self._words = {w: ids for w, ids in words.items() if len(ids) <= 200}
        return self._words

    def _near_words(self, word: str) -> list[str]:
        """Index words spelt nearly like an unknown word ('Plank' -> 'planck', 'Goettingen' ->
        'gottingen'), looked up among words with the same first two letters and a similar length."""
        if len(word) < 5 or word in GENERIC:
            return []
        from rapidfuzz import fuzz

        if self._by_prefix is None:
            by_prefix: dict[str, list[str]] = {}
            for w in self._word_index():
                by_prefix.setdefault(w[:2], []).append(w)
            self._by_prefix = by_prefix
        return [w for w in self._by_prefix.get(word[:2], ())
                if abs(len(w) - len(word)) <= 2 and fuzz.ratio(word, w) >= 80][:5]

    def fuzzy(self, folded: str, toks) -> list[_Hit]:
        """Segments of the string compared with the names that share a rare word with them."""
        from rapidfuzz import fuzz

        words = self._word_index()
        out = []
        segments: dict[int, list[int]] = {}
        for pos, t in enumerate(toks):
            segments.setdefault(t[4], []).append(pos)
        for positions in segments.values():
            seg = [toks[p][0] for p in positions]
            if len(seg) < 2 or all(w in GENERIC for w in seg):
                continue
            counts: dict[int, int] = {}
            for w in set(seg):
                for near in ([w] if w in words else self._near_words(w)):
                    for eid in words.get(near, ()):
                        counts[eid] = counts.get(eid, 0) + 1
            if not counts:
                continue
            text = " ".join(seg)
            marks = _discriminative(seg)
            best = None
            ranked = sorted(counts, key=lambda e: (-counts[e], abs(len(self._names[e]) - len(text))))
            for eid in ranked[:100]:
                score = fuzz.token_sort_ratio(text, self._names[eid])
                if (score >= self.fuzzy_threshold and (best is None or score > best[0])
                        and _discriminative(self._names[eid].split()) == marks
                        and _words_kept(seg, self._names[eid].split())):
                    best = (score, eid)
            if best:
                raw = folded[toks[positions[0]][2]:toks[positions[-1]][3]]
                out.append(_Hit(self.entries[best[1]], raw, positions[0], positions[-1] + 1, "fuzzy", best[0] / 100))
        return out

    # --- the rules --------------------------------------------------------------------------

    def match(self, text: str) -> list[Match]:
        """All institutions/countries named in one affiliation string (empty list: none)."""
        folded = fold(clean(text))
        toks = tokens(folded)
        found = _compass_dropped([h for h in self.scan(folded, toks) if h.entry.kind != VOID], toks)
        if not any(h.entry.kind == INSTITUTION for h in found) and _looks_glued(folded):
            found = self._scan_glued(folded) + [h for h in found if h.entry.kind != INSTITUTION]
        found += self._addresses(folded, toks, found)
        institutions = _own_acronyms_dropped([h for h in found if h.entry.kind == INSTITUTION], folded, toks)
        if not institutions and self.fuzzy_threshold <= 100:
            institutions = self.fuzzy(folded, toks)
        locations = sorted((h for h in found if h.entry.kind != INSTITUTION), key=lambda h: h.start)
        institutions = _plausible(sorted(institutions, key=lambda h: h.start), locations)
        out = [self._resolve(h, institutions, locations) for h in institutions]
        if out:
            out += _unclaimed(out, institutions, locations)
        if not institutions:
            out = _from_locations(locations) or _language_cue(folded)
        return _dedupe(out)

    def _resolve(self, hit: _Hit, institutions: list[_Hit], locations: list[_Hit]) -> Match:
        entry = hit.entry
        nxt = _range_end(hit, institutions)
        after = [loc for loc in locations if hit.end <= loc.start < nxt and loc.entry.strong]
        evidence = f"'{hit.text}' -> {entry.name} ({'|'.join(entry.countries)}, {entry.source})"
        score = hit.score
        if len(entry.countries) > 1:
            named = [c for loc in locations for c in loc.entry.countries if c in entry.countries]
            if named:
                where = next(loc.text for loc in locations if named[0] in loc.entry.countries)
                evidence += f"; '{where}' picks {named[0]}"
                return Match(entry.name, named[0], hit.how, evidence, score, hit.text)
            beside = [h for h in institutions if h is not hit and len(h.entry.countries) == 1
                      and h.entry.country in entry.countries]
            if beside and not after:
                evidence += f"; '{beside[0].text}' beside it picks {beside[0].entry.country}"
                return Match(entry.name, beside[0].entry.country, hit.how, evidence, min(score, 0.8), hit.text)
            if not after:
                evidence += f"; ambiguous and no place named: {entry.country}"
                return Match(entry.name, entry.country, hit.how, evidence, min(score, 0.6), hit.text)
        if after and not any(entry.country in loc.entry.countries for loc in after):
            if self._located(entry) and after[0].start > hit.end:
                # 'Imperial College London, FAU Erlangen': the name places itself; the
                # place after it belongs to something the gazetteer does not know.
                return Match(entry.name, entry.country, hit.how, evidence, score, hit.text)
            loc = after[-1]
            method = "country-name" if loc.entry.kind == COUNTRY else "address"
            evidence += f"; located at '{loc.text}' -> {loc.entry.country}"
            return Match(entry.name, loc.entry.country, method, evidence, min(score, 0.9), hit.text)
        return Match(entry.name, entry.country, hit.how, evidence, score, hit.text)

    def _located(self, entry: Entry) -> bool:
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
        """Institution names with every word run together, stop words kept (built once)."""
        if self._packed is None:
            packed: dict[str, int] = {}
            for eid, e in enumerate(self.entries):
                if e.kind == INSTITUTION:
                    name = "".join(w.lower() for w in _TOKEN.findall(fold(e.name)))
                    if len(name) >= 12:
                        packed.setdefault(name, eid)
            self._packed = packed
        return self._packed

    def _scan_glued(self, folded: str) -> list[_Hit]:
        """Institutions in text whose words run together (some PDFs lose their spaces)."""
        packed = "".join(w.lower() for w in _TOKEN.findall(folded))
        hits = sorted(((packed.find(name), -len(name), eid) for name, eid in self.packed_names().items()
                       if name in packed), key=lambda h: (h[0], h[1]))
        out, end = [], -1
        for pos, neg, eid in hits:
            if pos >= end:
                entry = self.entries[eid]
                out.append(_Hit(entry, entry.name, pos, pos + 1, "alias", 0.9))
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
                return Match(entry.name, entry.country, "domain", f"@{domain} -> {entry.name} ({entry.country})", 0.9, domain)
        tld = parts[-1]
        if tld in _US_TLDS:
            return Match(None, "US", "domain", f"@{domain}: .{tld} -> US", 0.6, domain)
        code = _CC_TLD_EXCEPTIONS.get(tld) or self.tld.get(tld)
        if code and tld not in _GENERIC_TLDS:
            return Match(None, code, "domain", f"@{domain}: .{tld} -> {code}", 0.7, domain)
        return None


_COMPASS = {"north": "n", "northern": "n", "south": "s", "southern": "s", "east": "e", "eastern": "e",
            "west": "w", "western": "w", "northeast": "ne", "northeastern": "ne", "northwest": "nw",
            "northwestern": "nw", "southeast": "se", "southeastern": "se", "southwest": "sw",
            "southwestern": "sw", "upper": "upper", "lower": "lower"}
_POINTS = {"n", "s", "e", "w", "ne", "nw", "se", "sw"}
_ROMAN = {"ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii"}  # not "i", "v": initials


def _discriminative(words) -> frozenset:
    """The words that tell sibling names apart: compass points and numbers. A near-identical
    spelling must keep them ('Northwest Minzu' is not 'Southwest Minzu', 'Paris 7' not 'Paris 6')."""
    return frozenset(_COMPASS.get(w, w) for w in words if w in _COMPASS or w.isdigit() or w in _ROMAN)


def _words_kept(seg: list[str], name: list[str]) -> bool:
    """Every distinctive word of the string is in the name, if misspelt: 'ENSTA Paris' is not
    'ENSAE Paris', however alike the two strings are."""
    from rapidfuzz import fuzz

    return all(len(w) <= 3 or w in GENERIC or any(fuzz.ratio(w, v) >= 85 for v in name) for w in seg)


def _compass_dropped(hits: list[_Hit], toks) -> list[_Hit]:
    """'Eastern Institute for Advanced Study' is not the Institute for Advanced Study: a compass
    point written just before a name that begins with a generic word, in its segment, makes it
    another one. ('South-Ural State ...' still names the Ural: there the point is the place's.)"""
    covered = {p for h in hits for p in range(h.start, h.end)}
    return [h for h in hits if not (
        h.entry.kind == INSTITUTION and h.start > 0 and h.start - 1 not in covered
        and toks[h.start][0] in GENERIC
        and toks[h.start - 1][4] == toks[h.start][4] and _COMPASS.get(toks[h.start - 1][0]) in _POINTS)]


def _own_segment(toks, i: int, n: int) -> bool:
    """Whether tokens [i, i+n) are a whole comma-delimited segment of a string with several."""
    seg = toks[i][4]
    return (toks[i + n - 1][4] == seg and toks[-1][4] > toks[0][4]
            and not any(t[4] == seg for t in toks[:i]) and not any(t[4] == seg for t in toks[i + n:]))


def _own_acronyms_dropped(institutions: list[_Hit], folded: str, toks) -> list[_Hit]:
    """'Hanoi University of Science and Technology (HUST)': the bracket is the name's own acronym."""
    out = []
    for h in institutions:
        prev = out[-1] if out else None
        if (prev and h.entry.case_sensitive and h.start == prev.end and h.end - h.start == 1
                and "(" in folded[toks[prev.end - 1][3]:toks[h.start][2]]):
            continue
        out.append(h)
    return out


def _range_end(hit: _Hit, institutions: list[_Hit]) -> int:
    return min((h.start for h in institutions if h.start > hit.start), default=10 ** 9)


def _plausible(institutions: list[_Hit], locations: list[_Hit]) -> list[_Hit]:
    """Drop registry names that the string itself contradicts.

    A registry (ROR/Hipo) name is dropped when the string states countries, none of them
    is one of the name's, and no place follows the name before the next institution (where
    the place would relocate it instead): 'Institute of Ophthalmology' (MX) in a Glasgow,
    UK string. So is a curated name of several countries ('MSU': US|RU) that the string
    contradicts ('Shenzhen MSU-BIT University'). A descriptive registry name ('Department of Finance') is dropped next to
    any other institution. Curated names are always kept.
    """
    stated = {c for loc in locations if loc.entry.strong for c in loc.entry.countries}
    kept = []
    for hit in institutions:
        entry = hit.entry
        if entry.source != "curated" or len(entry.countries) > 1:
            end = _range_end(hit, institutions)
            own = [loc for loc in locations if hit.end <= loc.start < end and loc.entry.strong]
            if stated and not stated & set(entry.countries) and not own and not _placed_elsewhere(entry, locations):
                continue
        if entry.source != "curated":
            if _descriptive(entry.name) and any(h is not hit and not _descriptive(h.entry.name) for h in institutions):
                continue
        kept.append(hit)
    return kept


def _unclaimed(out: list[Match], institutions: list[_Hit], locations: list[_Hit]) -> list[Match]:
    """Countries written in the string that no institution found in it accounts for.

    'Imperial College London, FAU Erlangen-Nuremberg, Germany' names a German institution
    the gazetteer may not know: Germany still counts. Only written country names and
    strong places count, and only after the first institution.
    """
    have = {m.country for m in out}
    first = institutions[0].start
    extra = []
    for j, loc in enumerate(locations):
        nxt = locations[j + 1] if j + 1 < len(locations) else None
        if nxt and nxt.start <= loc.end + 1 and set(nxt.entry.countries) & have:
            continue  # 'Lebanon, NH': a town named like a country, placed by what follows
        if loc.start > first and loc.entry.strong and not set(loc.entry.countries) & have:
            have.add(loc.entry.country)
            method = "country-name" if loc.entry.kind == COUNTRY else "address"
            extra.append(Match(None, loc.entry.country, method, f"'{loc.text}' -> {loc.entry.country}, "
                               "named by no institution found", 0.7, loc.text))
    return extra


def _placed_elsewhere(entry: Entry, locations: list[_Hit]) -> bool:
    return any(c in loc.entry.countries for loc in locations for c in entry.countries)


def _descriptive(name: str) -> bool:
    k = key(name)
    return bool(k) and k[0] in _DESCRIPTIVE_HEADS


_DESCRIPTIVE_HEADS = {"department", "faculty", "school", "division", "institute", "laboratory", "center",
                      "college", "office", "ministry", "research", "key", "graduate", "program", "unit",
                      "clinic", "section", "chair", "group"}
# Words in the language of one country: a last, weak cue when nothing else is found.
_LANGUAGE_CUES = [(re.compile(rx, re.I), country) for rx, country in (
    (r"\buniwersytet|\bpolitechnika|\bakademia\b", "PL"), (r"yliopisto\b|ammattikorkeakoulu|korkeakoulu", "FI"),
    (r"\begyetem\b", "HU"), (r"\buniversitas\b|\binstitut teknologi\b|\bpoliteknik\b", "ID"),
    (r"\bdegli studi\b|\buniversita\b|\bpolitecnico\b", "IT"), (r"\binstituto federal\b|\buniversidade federal\b|"
                                                                r"\buniversidade estadual\b|\bfaculdade\b", "BR"),
    (r"\bhogeschool\b|\brijksuniversiteit\b", "NL"), (r"\bhochschule\b|\btechnische universitat\b", "DE"),
    (r"\bhogskola\b|\buniversitet\b", "SE"), (r"\bvysoka skola\b|\buniverzita\b", "CZ"),
    (r"\buniversitatea\b", "RO"), (r"\bdaigaku\b", "JP"), (r"\bdaehakgyo\b", "KR"),
)]


def _language_cue(folded: str) -> list[Match]:
    for rx, country in _LANGUAGE_CUES:
        m = rx.search(folded)
        if m:
            return [Match(None, country, "address", f"'{m.group()}' is written in {country}'s language", 0.4, m.group())]
    return []


def _from_locations(locations: list[_Hit]) -> list[Match]:
    """No institution: the countries written, else places and big cities, else smaller cities."""
    picked = ([h for h in locations if h.entry.kind == COUNTRY]
              or [h for h in locations if h.entry.strong]
              or locations)
    out = []
    for h in picked:
        method = "country-name" if h.entry.kind == COUNTRY else "address"
        score = 0.9 if h.entry.kind == COUNTRY else (0.8 if h.entry.strong else 0.6)
        out.append(Match(None, h.entry.country, method, f"'{h.text}' -> {h.entry.country}", score, h.text))
    return out


def _looks_glued(text: str) -> bool:
    words = text.split()
    return bool(words) and max(len(w) for w in words) >= 25


def _dedupe(matches: list[Match]) -> list[Match]:
    seen, out = set(), []
    for m in matches:
        k = (m.institution, m.country)
        if k not in seen:
            seen.add(k)
            out.append(m)
    return out


def default_gazetteer() -> Gazetteer:
    """The gazetteer shipped inside the package (built or unpickled once per process)."""
    from paperscope.gazetteer_data import load

    return load()
