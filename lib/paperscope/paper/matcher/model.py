"""What the matcher knows and says: kinds of name, the index entry, the match, its method.

`Method` lists the rules a match can come from, most trusted first: `paperscope match`,
the audit and the affiliations expectation suite all take their method set from it.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

INSTITUTION, COUNTRY, PLACE, CITY = "institution", "country", "place", "city"
# A phrase that only stops a shorter one from matching ('Latin America' is not the US).
VOID = "void"
# US territories count as the US (ROR files them there; the US-China question wants it so).
TERRITORIES = {"PR": "US", "GU": "US", "VI": "US", "AS": "US", "MP": "US", "UM": "US"}
# When a name exists in several countries and the string names none of them.
PRIOR = ("US", "CN", "GB", "DE", "CA", "FR", "JP", "KR", "SG", "HK", "AU", "CH", "IN", "TW")



class Method(str, Enum):
    """Which rule placed a match, most trusted first (a string's method is its best match's)."""
    REVIEW = "review"               # a person's correction (paperscope review import), applied by the run
    ALIAS = "alias"                 # a curated alias or acronym, or a registry alias
    EXACT = "exact"                 # an organisation's own name
    FUZZY = "fuzzy"                 # a near-identical name
    ADDRESS = "address"             # a place written in the string
    COUNTRY_NAME = "country-name"   # a country written in the string
    DOMAIN = "domain"               # an e-mail domain
    NONE = "none"                   # nothing found

    def __str__(self) -> str:
        return self.value


METHODS = tuple(m.value for m in Method)


def best_method(matches) -> str:
    """The most trusted method among a string's matches ('none' for no match)."""
    return min((m.method for m in matches), key=METHODS.index, default=Method.NONE.value)


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

    def __post_init__(self):
        # A plain string in rows and JSON (Spark pickles it to the JVM), checked against the enum.
        if type(self.method) is not str or self.method not in METHODS:
            self.method = Method(self.method).value


@dataclass
class Hit:
    entry: Entry
    text: str
    start: int       # token positions [start, end)
    end: int
    how: str = ""    # exact / alias / fuzzy
    score: float = 1.0
    joined: bool = False  # written as one name with the institution before it ('Duke-NUS')
    rule: str = ""        # the rule that found it, where evidence should say so ('native-script')
