"""The matcher's rules: one ordered list, each rule one function over the string being read.

`run` folds and tokenises a string once, then applies `RULES` in order. Each rule reads and
extends a `Reading` (the hits found so far, the institutions and locations kept, the matches
made). Rules that find names come first, then rules that drop names the string contradicts,
then the rules that give each institution its country and place the rest. A new signal is one
function and one line in `RULES`; its matches say which `Method` they come from.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

from paperscope.paper.matcher.model import CITY, COUNTRY, INSTITUTION, PLACE, VOID, Entry, Hit, Match, Method
from paperscope.paper.matcher.text import COMPASS, GENERIC, POINTS, WORD, clean, fold, key, tokens

_US_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
    "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY").split()
# "Stanford, CA 94305", "Seattle, WA", "Pittsburgh, PA, USA": a state code as its own segment after
# another (a string that is only "MT" or "IN" is no address).
_US_ADDRESS = re.compile(r",\s*(" + "|".join(_US_STATE_CODES) + r")\.?(?:\s+(\d{5})(?:-\d{4})?)?\s*(?=,|;|$|\))")
_ZIP_WITH_STATE = re.compile(r"\b(" + "|".join(_US_STATE_CODES) + r")\.?\s+(\d{5})(?:-\d{4})?\b")
# The head word as English writes it ('University of X', 'X University'): no reordering.
_ENGLISH_HEADS = {"university", "univ", "uni", "universities", "universty"}
# What joins two names into one: 'Duke-NUS', 'UM–SJTU'.
_JOINERS = {"-", "–", "—", "‐"}
# Words that name a unit of an organisation, and company suffixes (folded as `text.tokens` folds them).
_UNIT_WORDS = {"ai", "research", "laboratory", "center", "team", "institute"}
_COMPANY_SUFFIXES = {"inc", "ltd", "co", "corp", "corporation", "llc", "gmbh", "limited", "plc", "company", "group"}
# 'University' in Danish, Norwegian and Swedish (and their colleges), as folded text writes them.
_NORDIC = re.compile(r"\buniversitet(?:et)?\b|\bh[oø]gskol[ae]n?\b|\bh[oø][yj]skole\b", re.I)
# Words that make a name led by a generic word another name ('National', 'Royal', 'Federal').
_QUALIFIERS = {"national", "state", "federal", "royal", "imperial", "international", "central", "polytechnic",
               "technical", "catholic", "open"}
_CN_POSTCODE = re.compile(r"(?<!\d)([1-8]\d{5})(?!\d)")


@dataclass
class Reading:
    """One string as the rules see it."""
    text: str                                   # cleaned and folded
    toks: list
    found: list[Hit] = field(default_factory=list)         # every name found, in finding order
    institutions: list[Hit] = field(default_factory=list)  # kept institutions, by position
    locations: list[Hit] = field(default_factory=list)     # countries, places, cities, by position
    matches: list[Match] = field(default_factory=list)


class Rule(NamedTuple):
    name: str
    apply: Callable  # (gazetteer, Reading) -> None


def run(g, text: str) -> list[Match]:
    """All institutions/countries named in one affiliation string (empty list: none)."""
    folded = fold(clean(text))
    r = Reading(folded, tokens(folded))
    for apply in _APPLY:
        apply(g, r)
    return _dedupe(r.matches)


# --- finding names -----------------------------------------------------------------------------


def phrases(g, r: Reading) -> None:
    """Names of the phrase index, longest first, left to right (method alias or exact)."""
    r.found = _compass_dropped([h for h in g.scan(r.text, r.toks) if h.entry.kind != VOID], r.toks)


def native(g, r: Reading) -> None:
    """Names in Chinese, Japanese and Korean script, longest first ('香港科技大学', '國立清華大學',
    '고려대학교'): institutions (method alias) and places, which are addresses like any other."""
    names = g.scan_native(r.text)
    covered = {p for h in r.found for p in range(h.start, h.end)} if names else set()
    for start, end, entry in names:
        first = next((i for i, t in enumerate(r.toks) if t[3] > start), None)
        last = next((i for i in range(len(r.toks) - 1, -1, -1) if r.toks[i][2] < end), None)
        if first is None or last is None or first in covered:
            continue
        r.found.append(Hit(entry, r.text[start:end], first, last + 1, "alias", rule="native-script"))


def ordinary_words(g, r: Reading) -> None:
    """A name made only of ordinary English words ('Brain and Behavior', 'Meta', 'Apple') is also
    an everyday phrase. A registry name of that kind counts only where it is capitalised, not
    written in lower case inside a sentence; in a string without capitals, where case says nothing,
    any such name counts only where it begins a segment ('apple inc., cupertino', not 'we apply
    meta learning to ...')."""
    if not g.ordinary or not any(h.entry.kind == INSTITUTION for h in r.found):
        return
    lower = not any(t[1][:1].isupper() for t in r.toks)
    kept = []
    for h in r.found:
        entry = h.entry
        if (entry.kind != INSTITUTION or entry.case_sensitive or h.end > len(r.toks)
                or not (lower or entry.source != "curated")):
            kept.append(h)
            continue
        words = r.toks[h.start:h.end]
        if all(t[1].lower() in g.ordinary or t[0] in GENERIC for t in words):
            if lower:
                if h.start > 0 and r.toks[h.start - 1][4] == words[0][4]:
                    continue
            elif not any(t[1][:1].isupper() for t in words):
                continue
        kept.append(h)
    r.found = kept


def unit_words(g, r: Reading) -> None:
    """'Autodesk AI Lab', 'Autodesk Research, Toronto', 'Autodesk, Inc.': a one-word registry name,
    which alone must be the whole string, also counts where it begins a segment that goes on with
    generic unit words and company suffixes only ('AI Lab', 'Research Center', 'Labs', 'Inc.',
    'Technology Co., Ltd.', a segment of suffixes after it). It must be capitalised as written,
    neither it nor the name in capitals (an acronym lab, 'SRI Lab', 'Ren Lab', is often a
    university's or a person's), and not an ordinary English word ('Brain Research' is no
    organisation named Brain); 'AI' alone is no unit ('Argo AI' is a company)."""
    toks = r.toks
    covered = {p for h in r.found for p in range(h.start, h.end)}
    for i, t in enumerate(toks):
        if (i in covered or (i > 0 and toks[i - 1][4] == t[4]) or not t[1][:1].isupper() or t[1].isupper()
                or t[1].lower() in g.ordinary):
            continue
        entry = next((g.entries[e] for e in g.index.get((t[0],), ()) if g.entries[e].kind == INSTITUTION
                      and g.entries[e].whole_segment and not g.entries[e].name.isupper()), None)
        if entry is None:
            continue
        j = i + 1
        while j < len(toks) and j not in covered and (
                (toks[j][4] == t[4] and toks[j][0] in _UNIT_WORDS | _COMPANY_SUFFIXES | {"technology"})
                or all(u[0] in _COMPANY_SUFFIXES for u in toks if u[4] == toks[j][4])):
            j += 1
        words = [u[0] for u in toks[i + 1:j]]
        # 'Technology' only before a suffix ('X Technology Co., Ltd.'): 'X Technology' may be another company.
        while words and words[-1] == "technology":
            words.pop()
            j -= 1
        if any(w != "ai" for w in words) and (j == len(toks) or toks[j][4] != toks[j - 1][4]):
            r.found.append(Hit(entry, r.text[t[2]:toks[j - 1][3]], i, j, "exact", rule="unit-words"))


def head_order(g, r: Reading) -> None:
    """'Universidad CEU San Pablo', 'Université Laval': a name led by a university word of another
    language, where nothing was found, is looked up with the head word last, as the registry's
    English form writes it ('CEU San Pablo University', 'Laval University'; method alias)."""
    toks = r.toks
    heads = [i for i, t in enumerate(toks) if t[0] == "university" and t[1].lower() not in _ENGLISH_HEADS]
    if not heads:
        return
    covered = {p for h in r.found for p in range(h.start, h.end)}
    for i in heads:
        t = toks[i]
        if i in covered:
            continue
        part = t[5]
        for n in range(min(6, len(toks) - i - 1), 0, -1):
            words = toks[i + 1:i + 1 + n]
            if words[-1][5] != part or any(p in covered for p in range(i, i + 1 + n)):
                continue
            entry = next((g.entries[e] for e in g.index.get(tuple(w[0] for w in words) + ("university",), ())
                          if g.entries[e].kind == INSTITUTION), None)
            if entry:
                text = r.text[t[2]:words[-1][3]]
                r.found.append(Hit(entry, text, i, i + 1 + n, "alias", 0.9, rule="head-order"))
                covered.update(range(i, i + 1 + n))
                break


def glued(g, r: Reading) -> None:
    """Words run together ('1GoogleInc.,MountainView'): institution names searched unspaced."""
    if not any(h.entry.kind == INSTITUTION for h in r.found) and _looks_glued(r.text):
        r.found = g.scan_glued(r.text) + [h for h in r.found if h.entry.kind != INSTITUTION]


def spacing(g, r: Reading) -> None:
    """A segment with words the index did not know, whose letters, spaces left out, are a known
    name's: that name, in place of the shorter names found inside the segment ('Wu Han
    University', 'Duke KunshanUniversity', 'Microsoft ResearchAsia'; method fuzzy)."""
    if not r.toks or g.fuzzy_threshold > 100 or any(h.rule == "glued" for h in r.found):
        return
    covered = {p for h in r.found for p in range(h.start, h.end)}
    if len(covered) == len(r.toks):
        return
    packed = g.packed_names()
    segments: dict[int, list[int]] = {}
    for pos, t in enumerate(r.toks):
        segments.setdefault(t[4], []).append(pos)
    for positions in segments.values():
        if all(p in covered for p in positions):
            continue
        raw = r.text[r.toks[positions[0]][2]:r.toks[positions[-1]][3]]
        eid = packed.get("".join(w.lower() for w in WORD.findall(raw)))
        if eid is not None:
            first, end = positions[0], positions[-1] + 1
            r.found = [h for h in r.found if not (first <= h.start and h.end <= end)]
            r.found.append(Hit(g.entries[eid], raw, first, end, "fuzzy", 0.9, rule="spacing"))


def addresses(g, r: Reading) -> None:
    """US state codes with or without ZIP, Chinese postcodes next to a Chinese place."""
    out = []
    for rx in (_US_ADDRESS, _ZIP_WITH_STATE):
        for m in rx.finditer(r.text):
            pos = sum(1 for t in r.toks if t[2] < m.start(1))
            out.append(Hit(Entry(PLACE, m.group(1), ("US",)), m.group().strip(" ,;"), pos, pos + 1))
    if any(h.entry.country == "CN" and h.entry.kind != INSTITUTION for h in r.found):
        for m in _CN_POSTCODE.finditer(r.text):
            pos = sum(1 for t in r.toks if t[2] < m.start(1))
            out.append(Hit(Entry(PLACE, m.group(1), ("CN",)), m.group(1), pos, pos + 1))
    r.found += out


def own_acronyms(g, r: Reading) -> None:
    """Institutions and locations apart; 'Hanoi University of ... (HUST)': the bracket is the
    name's own acronym, not a second institution."""
    r.institutions = _own_acronyms_dropped([h for h in r.found if h.entry.kind == INSTITUTION], r.text, r.toks)
    r.locations = sorted((h for h in r.found if h.entry.kind != INSTITUTION), key=lambda h: h.start)


def fuzzy(g, r: Reading) -> None:
    """No institution found exactly: a near-identical name (method fuzzy)."""
    if not r.institutions and g.fuzzy_threshold <= 100:
        r.institutions = g.fuzzy(r.text, r.toks)


def joined(g, r: Reading) -> None:
    """Institutions written as one name: joint schools and labs ('Duke-NUS Medical School',
    'SUTD-MIT ... Centre'), an organisation named twice ('Amazon AWS AI Lab') and a company with
    its unit in one segment ('Uber Advanced Technologies Group') form one unit, so the place
    written after the unit places each of them."""
    if len(r.institutions) < 2:
        return
    hits = sorted(r.institutions, key=lambda h: h.start)
    for a, b in zip(hits, hits[1:]):
        if b.start != a.end or b.end > len(r.toks) or r.toks[a.end - 1][5] != r.toks[b.start][5]:
            continue
        between = r.text[r.toks[a.end - 1][3]:r.toks[b.start][2]]
        # A registry name right after another name, no comma between, is its unit ('Uber Advanced
        # Technologies Group'); a curated one is an organisation of its own ('UC Berkeley Meta FAIR').
        unit = not between.strip() and b.entry.source != "curated"
        if between in _JOINERS or unit or a.entry.name == b.entry.name:
            b.joined = True


def joint_lab(g, r: Reading) -> None:
    """'CUHK-SenseTime Joint Laboratory, The Chinese University of Hong Kong': a joint lab ('A-B
    Joint Lab/Center/Institute') that the string places inside one of its partners, the next
    organisation named after the lab's segment and before any ';', is that host's: the other
    partners are not countries of the string. With no such host all partners count; the lab's
    own words are never another organisation's name ('Joint Research Center')."""
    hits = sorted(r.institutions, key=lambda h: h.start)
    toks, drop = r.toks, set()
    for k, b in enumerate(hits):
        seg = toks[b.end - 1][4] if b.end - 1 < len(toks) else -1
        if not (b.joined and id(b) not in drop and b.end < len(toks) and toks[b.end][0] == "joint"
                and toks[b.end][4] == seg and any(t[0] in _UNIT_WORDS for t in toks[b.end + 1:] if t[4] == seg)):
            continue
        partners = [b]
        while partners[0].joined and k - len(partners) >= 0:
            partners.insert(0, hits[k - len(partners)])
        # The lab's own words are no organisation ('Bosch-CUHK Joint Research Center' is not the JRC).
        tail = [h for h in hits[k + 1:] if toks[h.start][4] == seg]
        drop.update(id(h) for h in tail)
        host = next((h for h in hits[k + 1 + len(tail):]), None)
        if (host is not None and toks[host.start][5] == toks[b.end - 1][5]
                and host.entry.name in {p.entry.name for p in partners}):
            drop.update(id(p) for p in partners if p.entry.name != host.entry.name)
    if drop:
        r.institutions = [h for h in r.institutions if id(h) not in drop]


def name_prefix(g, r: Reading) -> None:
    """Still none: a segment that is the leading words of exactly one known name (method fuzzy)."""
    if not r.institutions and g.fuzzy_threshold <= 100:
        r.institutions = g.prefix_hits(r.text, r.toks)


# --- dropping what the string contradicts --------------------------------------------------------


def plausible(g, r: Reading) -> None:
    """Drop registry names that the string itself contradicts.

    A registry (ROR/Hipo) name is dropped when the string states countries, none of them
    is one of the name's, and no place follows the name before the next institution (where
    the place would relocate it instead): 'Institute of Ophthalmology' (MX) in a Glasgow,
    UK string. So is a curated name of several countries ('MSU': US|RU) that the string
    contradicts ('Shenzhen MSU-BIT University'). A descriptive registry name ('Department of Finance') is dropped next to
    any other institution. Curated names are always kept.
    """
    institutions = sorted(r.institutions, key=lambda h: h.start)
    locations = r.locations
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
    r.institutions = kept


# --- giving each institution its country ----------------------------------------------------------


def countries(g, r: Reading) -> None:
    """Each institution's country: the one the string names among several, else a place written
    after it, else its own (method alias/exact/fuzzy, or address/country-name when a place decides)."""
    r.matches = [_resolve(g, h, r) for h in r.institutions]


def named_twice(g, r: Reading) -> None:
    """'SAIT-China Lab, Samsung Research Center': one organisation named twice in one affiliation
    (no hard break between), once with a place written after it and once without, is the placed
    unit: the unplaced mention's headquarters is no country of the string."""
    placed = {(h.entry.name, r.toks[h.start][5]) for h, m in zip(r.institutions, r.matches)
              if m.method in (Method.ADDRESS, Method.COUNTRY_NAME) and h.start < len(r.toks)}
    if not placed:
        return
    r.matches = [m for h, m in zip(r.institutions, r.matches)
                 if m.method in (Method.ADDRESS, Method.COUNTRY_NAME) or h.start >= len(r.toks)
                 or (h.entry.name, r.toks[h.start][5]) not in placed]


def unclaimed(g, r: Reading) -> None:
    """Countries written in the string that no institution found in it accounts for.

    'Imperial College London, FAU Erlangen-Nuremberg, Germany' names a German institution
    the gazetteer may not know: Germany still counts. Only written country names and
    strong places count, and only after the first institution.
    """
    if not r.matches:
        return
    out, institutions, locations = r.matches, r.institutions, r.locations
    have = {m.country for m in out}
    first = institutions[0].start
    extra = []
    for j, loc in enumerate(locations):
        nxt = locations[j + 1] if j + 1 < len(locations) else None
        if nxt and nxt.start <= loc.end + 1 and set(nxt.entry.countries) & have:
            continue  # 'Lebanon, NH': a town named like a country, placed by what follows
        if loc.start > first and loc.entry.strong and not set(loc.entry.countries) & have:
            have.add(loc.entry.country)
            method = Method.COUNTRY_NAME if loc.entry.kind == COUNTRY else Method.ADDRESS
            extra.append(Match(None, loc.entry.country, method, f"'{loc.text}' -> {loc.entry.country}, "
                               "named by no institution found", 0.7, loc.text))
    r.matches += extra


def locations_only(g, r: Reading) -> None:
    """No institution: the countries written, else places and big cities, else smaller cities."""
    if not r.institutions:
        r.matches = _from_locations(r.locations)


def nordic_genitive(g, r: Reading) -> None:
    """'Lunds universitet', 'Danmarks Tekniske Universitet', 'Norges ... universitet': the word
    is Danish, Norwegian and Swedish alike, so only the place or country named before it in
    the genitive ('Lund' + s) says which; without one the string gets no country."""
    if r.institutions or r.matches or not _NORDIC.search(r.text):
        return
    for t in r.toks:
        word = t[1]
        if len(word) < 4 or not word[:1].isupper() or not word.endswith("s"):
            continue
        entry = next((g.entries[e] for e in g.index.get((word[:-1].lower(),), ())
                      if g.entries[e].kind in (COUNTRY, PLACE, CITY)), None)
        if entry:
            method = Method.COUNTRY_NAME if entry.kind == COUNTRY else Method.ADDRESS
            r.matches = [Match(None, entry.country, method, f"'{word}' (genitive of {entry.name}) -> {entry.country}",
                               0.7, word)]
            return


def language_cue(g, r: Reading) -> None:
    """Nothing else: words in the language of one country ('Uniwersytet', 'Daigaku'), weakly."""
    if not r.institutions and not r.matches:
        r.matches = _language_cue(r.text)


# The order is the rules' precedence: see the module docstring.
RULES: tuple[Rule, ...] = (
    Rule("phrases", phrases),
    Rule("native", native),
    Rule("ordinary-words", ordinary_words),
    Rule("unit-words", unit_words),
    Rule("head-order", head_order),
    Rule("glued", glued),
    Rule("spacing", spacing),
    Rule("addresses", addresses),
    Rule("own-acronyms", own_acronyms),
    Rule("fuzzy", fuzzy),
    Rule("name-prefix", name_prefix),
    Rule("joined", joined),
    Rule("joint-lab", joint_lab),
    Rule("plausible", plausible),
    Rule("countries", countries),
    Rule("named-twice", named_twice),
    Rule("unclaimed", unclaimed),
    Rule("locations-only", locations_only),
    Rule("nordic-genitive", nordic_genitive),
    Rule("language-cue", language_cue),
)
_APPLY = tuple(rule.apply for rule in RULES)


# --- helpers --------------------------------------------------------------------------------------


def _resolve(g, hit: Hit, r: Reading) -> Match:
    entry, institutions, locations = hit.entry, r.institutions, r.locations
    nxt = _range_end(hit, institutions)
    after = [loc for loc in locations if hit.end <= loc.start < nxt and loc.entry.strong
             and not _other_affiliation(hit, loc, r)]
    evidence = f"'{hit.text}' -> {entry.name} ({'|'.join(entry.countries)}, {entry.source}){_by(hit)}"
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
        if g.located(entry) and _unknown_between(hit, after[0], r):
            # 'Imperial College London, FAU Erlangen': the name places itself; the place after
            # it belongs to something the gazetteer does not know, written in a segment of its
            # own. ('Georgia Tech Europe, Metz': words that go on the name's own segment are
            # the campus's, and so is the place.)
            return Match(entry.name, entry.country, hit.how, evidence, score, hit.text)
        loc = after[-1]
        method = Method.COUNTRY_NAME if loc.entry.kind == COUNTRY else Method.ADDRESS
        evidence += f"; located at '{loc.text}' -> {loc.entry.country}{_by(loc)}"
        return Match(entry.name, loc.entry.country, method, evidence, min(score, 0.9), hit.text)
    return Match(entry.name, entry.country, hit.how, evidence, score, hit.text)


def _compass_dropped(hits: list[Hit], toks) -> list[Hit]:
    """'Eastern Institute for Advanced Study' is not the Institute for Advanced Study: a compass
    point written just before a name that begins with a generic word, in its segment, makes it
    another one. ('South-Ural State ...' still names the Ural: there the point is the place's.)
    So does a capitalised qualifier ('National University of Defence Technology' is not the
    University of Defence): the name that begins with it is one the index does not know."""
    covered = {p for h in hits for p in range(h.start, h.end)}
    return [h for h in hits if not (
        h.entry.kind == INSTITUTION and h.start > 0 and h.start - 1 not in covered
        and toks[h.start][0] in GENERIC and toks[h.start - 1][4] == toks[h.start][4]
        and (COMPASS.get(toks[h.start - 1][0]) in POINTS
             or (toks[h.start - 1][0] in _QUALIFIERS and toks[h.start - 1][1][:1].isupper())))]



def _own_acronyms_dropped(institutions: list[Hit], folded: str, toks) -> list[Hit]:
    """'Hanoi University of Science and Technology (HUST)': the bracket is the name's own acronym."""
    out = []
    for h in institutions:
        prev = out[-1] if out else None
        if (prev and h.entry.case_sensitive and h.start == prev.end and h.end - h.start == 1
                and "(" in folded[toks[prev.end - 1][3]:toks[h.start][2]]):
            continue
        out.append(h)
    return out


def _by(hit: Hit) -> str:
    """Evidence names the rule that found a hit where the method alone does not say it."""
    return f" ({hit.rule})" if hit.rule else ""


def _range_end(hit: Hit, institutions: list[Hit]) -> int:
    """Where the next institution begins: the part of the string that is this one's. Names
    joined into one ('Duke-NUS', 'Amazon AWS') share their range, and so the place after them."""
    return min((h.start for h in institutions if h.start > hit.start and not h.joined), default=10 ** 9)


def _unknown_between(hit: Hit, loc: Hit, r: Reading) -> bool:
    """Whether unknown words of another segment stand between an institution and a place after it."""
    toks = r.toks
    seg = toks[hit.end - 1][4] if hit.end - 1 < len(toks) else -1
    placed = {p for h in r.locations for p in range(h.start, h.end)}
    return any(toks[p][4] != seg and p not in placed for p in range(hit.end, min(loc.start, len(toks))))


def _other_affiliation(hit: Hit, loc: Hit, r: Reading) -> bool:
    """'University of Cambridge | University of Tuebingen', 'LG AI Research / U. Michigan': a place
    after a hard break ('|', ';', '/'), behind words no name or place accounts for, is that other
    affiliation's, not the institution's before the break ('Google Research / Zurich' still is)."""
    toks = r.toks
    if hit.end - 1 >= len(toks) or loc.start >= len(toks) or toks[loc.start][5] == toks[hit.end - 1][5]:
        return False
    part = toks[loc.start][5]
    placed = {p for h in r.locations for p in range(h.start, h.end)}
    return any(p not in placed for p in range(hit.end, loc.start) if toks[p][5] == part)


def _placed_elsewhere(entry: Entry, locations: list[Hit]) -> bool:
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
    (r"\bhogskolan?\b", "SE"), (r"\bvysoka skola\b|\buniverzita\b", "CZ"),
    (r"\buniversitatea\b", "RO"), (r"\bdaigaku\b", "JP"), (r"\bdaehakgyo\b", "KR"),
    # Pinyin words of Chinese names, and the key laboratories of China's state system.
    (r"\bminzu\b|\bdaxue\b|\bxueyuan\b|\b(?:state |national )?key lab(?:oratory)? (?:of|for)\b", "CN"),
)]


def _language_cue(folded: str) -> list[Match]:
    for rx, country in _LANGUAGE_CUES:
        m = rx.search(folded)
        if m:
            return [Match(None, country, Method.ADDRESS, f"'{m.group()}' is written in {country}'s language", 0.4,
                          m.group())]
    return []


def _from_locations(locations: list[Hit]) -> list[Match]:
    """No institution: the countries written, else places and big cities, else smaller cities."""
    picked = ([h for h in locations if h.entry.kind == COUNTRY]
              or [h for h in locations if h.entry.strong]
              or locations)
    out = []
    for h in picked:
        method = Method.COUNTRY_NAME if h.entry.kind == COUNTRY else Method.ADDRESS
        score = 0.9 if h.entry.kind == COUNTRY else (0.8 if h.entry.strong else 0.6)
        out.append(Match(None, h.entry.country, method, f"'{h.text}' -> {h.entry.country}{_by(h)}", score, h.text))
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

