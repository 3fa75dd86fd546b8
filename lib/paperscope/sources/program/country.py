"""A country as a source states it ("United States", "USA", "CN") -> its ISO alpha-2 code.

OpenReview profile history holds the country as the user typed or picked it; the
conference program states none. Only an exact (case- and punctuation-insensitive) name
or code from the packaged country list counts: anything else stays unread (None) and the
affiliation's name is left to the gazetteer, so a typo never becomes a wrong country.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("’", "'")
    return " ".join(re.sub(r"[^\w']+", " ", text).split())


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    text = resources.files("paperscope").joinpath("data", "countries.tsv").read_text("utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        code, _, names = line.partition("\t")
        out[_fold(code)] = code
        for name in names.split("|"):
            if name:
                out.setdefault(_fold(name), code)
    return out


def code(stated: str | None) -> str | None:
    """The ISO code of a stated country, None when empty or not a known name or code."""
    if not stated or not isinstance(stated, str):
        return None
    return _names().get(_fold(stated))
