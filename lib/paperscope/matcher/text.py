"""Text as the matcher reads it: entities decoded, accents folded, words tokenised and normalised.

`clean` and `fold` are applied once to a string; `tokens` and `key` turn it and every known
name into the same normalised word tuples, so the phrase index compares like with like.
"""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

WORD = re.compile(r"[^\W_]+", re.UNICODE)
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
    for m in WORD.finditer(text):
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



# Compass words folded to their point: sibling names differ by them ('Northwest' / 'Southwest').
COMPASS = {"north": "n", "northern": "n", "south": "s", "southern": "s", "east": "e", "eastern": "e",
           "west": "w", "western": "w", "northeast": "ne", "northeastern": "ne", "northwest": "nw",
           "northwestern": "nw", "southeast": "se", "southeastern": "se", "southwest": "sw",
           "southwestern": "sw", "upper": "upper", "lower": "lower"}
POINTS = {"n", "s", "e", "w", "ne", "nw", "se", "sw"}


def own_segment(toks, i: int, n: int) -> bool:
    """Whether tokens [i, i+n) are a whole comma-delimited segment of a string with several."""
    seg = toks[i][4]
    return (toks[i + n - 1][4] == seg and toks[-1][4] > toks[0][4]
            and not any(t[4] == seg for t in toks[:i]) and not any(t[4] == seg for t in toks[i + n:]))
