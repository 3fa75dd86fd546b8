"""Mentions of models and architectures in a paper's text, per term, in two scopes.

"full" counts the whole text; "body" stops at the references heading, because a
bibliography entry ("LLaMA: Open and efficient ...") is a citation, not use.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

# The last heading named like a bibliography starts the references.
_REFERENCES = re.compile(r"^\s*(?:\d+\.?\s*)?(?:references|bibliography|literature cited)\s*$", re.I | re.M)
# Words split across a line end ("trans-\nformer") are joined before counting.
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")


@dataclass(frozen=True)
class Term:
    name: str
    kind: str
    origin: str
    country: str | None
    regex: re.Pattern


def terms_text(path: str | Path | None = None) -> str:
    """The YAML of a terms file, or of the list shipped with the package."""
    if path:
        return Path(path).read_text("utf-8")
    return resources.files("paperscope").joinpath("data/terms.yaml").read_text("utf-8")


def load_terms(path: str | Path | None = None) -> list[Term]:
    return parse_terms(terms_text(path), str(path or "packaged terms.yaml"))


def parse_terms(text: str, source: str = "terms") -> list[Term]:
    """Compile term definitions; a bad entry is an error naming it."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{source} is not valid YAML: {exc}") from None
    terms = []
    for item in data.get("terms", []):
        try:
            flags = 0 if item.get("case_sensitive") else re.I
            alternatives = "|".join(f"(?:{p})" for p in item["patterns"])
            regex = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w])", flags)
            terms.append(Term(item["name"], item.get("kind", ""), item.get("origin", ""), item.get("country"), regex))
        except (KeyError, TypeError, re.error) as exc:
            raise ValueError(f"bad term entry {item!r} in {source}: {exc}") from None
    if not terms:
        raise ValueError(f"no terms defined in {source}")
    return terms


def body_text(text: str) -> str:
    """The text before the references heading (all of it when there is none)."""
    heads = list(_REFERENCES.finditer(text))
    return text[:heads[-1].start()] if heads else text


def normalise(text: str) -> str:
    return _HYPHEN_BREAK.sub(r"\1\2", text or "")


def count_terms(text: str, terms: list[Term]) -> list[tuple[str, int, int]]:
    """(term, count in full text, count in body) for each term found at least once."""
    full = normalise(text)
    body = body_text(full)
    out = []
    for term in terms:
        n_full = len(term.regex.findall(full))
        if n_full:
            out.append((term.name, n_full, len(term.regex.findall(body))))
    return out
