"""The text that mentions are counted in: words rejoined across line ends, the body cut at the references.

"full" is the whole text; "body" stops at the references heading, because a
bibliography entry ("LLaMA: Open and efficient ...") is a citation, not use.
"""
from __future__ import annotations

import re

# The last heading named like a bibliography starts the references.
REFERENCES = re.compile(r"^\s*(?:\d+\.?\s*)?(?:references|bibliography|literature cited)\s*$", re.I | re.M)
# Words split across a line end ("trans-\nformer") are joined before counting.
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")


def body_end(text: str) -> int:
    """Where the references start (len(text) when there is no references heading)."""
    heads = list(REFERENCES.finditer(text))
    return heads[-1].start() if heads else len(text)


def body_text(text: str) -> str:
    """The text before the references heading (all of it when there is none)."""
    return text[:body_end(text)]


def normalise(text: str) -> str:
    return _HYPHEN_BREAK.sub(r"\1\2", text or "")
