"""The facts the numbers rest on, each defined once: which country codes count as China,
how a set of countries becomes the US/China flags, and how a year is read from a name.

Config validation, the Spark aggregates, the metadata comparison, the matcher's command
line and the report's wording all read them from here, so the rule cannot drift.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

US = "US"
# affiliations.china_policy -> the ISO codes that count as China.
CHINA_POLICIES: dict[str, tuple[str, ...]] = {"mainland": ("CN",), "greater": ("CN", "HK", "MO", "TW")}
DEFAULT_CHINA_POLICY = "mainland"
# The counting rules, in the order the report shows them (counting.rules defines each).
RULES = ("any_author", "distinct_authors", "first_last", "first_or_last", "min_share", "min_authors", "fractional")

# A plausible publication year (1980-2099) standing alone in a file name or URL path.
YEAR_IN_NAME = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")


def china_codes(policy: str) -> tuple[str, ...]:
    """The codes that count as China under the policy; KeyError names an unknown one."""
    return CHINA_POLICIES[policy]


def has_us(countries: Iterable[str]) -> bool:
    return US in set(countries)


def has_cn(countries: Iterable[str], policy: str = DEFAULT_CHINA_POLICY) -> bool:
    return bool(set(countries) & set(china_codes(policy)))


def flags(countries: Iterable[str], policy: str = DEFAULT_CHINA_POLICY) -> dict[str, bool]:
    """{'has_us': ..., 'has_cn': ...} for a paper's (or a string's) resolved countries."""
    found = set(countries)
    return {"has_us": has_us(found), "has_cn": has_cn(found, policy)}


def china_words(policy: str) -> str:
    """How prose says 'Chinese institutions' under the policy."""
    return "Chinese" if china_codes(policy) == ("CN",) else "Chinese (incl. Hong Kong, Macao, Taiwan)"


def china_rule(policy: str) -> str:
    """One sentence stating the policy, for the report."""
    if china_codes(policy) == ("CN",):
        return ("China means mainland China (CN); affiliations in Hong Kong, Macao and Taiwan are not counted as "
                f"Chinese (affiliations.china_policy: {policy}).")
    codes = list(china_codes(policy))
    return f"China means {', '.join(codes[:-1])} and {codes[-1]} together (affiliations.china_policy: {policy})."


def year_in_name(name: str) -> int | None:
    """The last year standing alone in a name ('nips2023-papers-2024.json' -> 2024), else None."""
    found = YEAR_IN_NAME.findall(name)
    return int(found[-1]) if found else None
