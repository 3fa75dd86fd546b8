"""OpenReview profiles -> the affiliations an author held in a given year. Pure.

A profile's ``content.history`` lists positions: ``position``, ``start`` and ``end``
years (null or missing ``end``: still held), and ``institution`` with ``name``,
``domain`` and, on recent profiles, ``country``. The entries held in the paper's year
are the ones whose years cover it (a person can hold two at once: both are kept); the
paper's affiliation is the one of that year, not today's. With none covering the year
the nearest entry before it (else after it) is taken when fallback is on, marked so.

One person may have several profile ids (``~Jane_Doe1`` and ``~Jane_Doe2`` as names of
one profile, listed in ``content.names[].username``): every one of them finds the profile.
"""
from __future__ import annotations

from paperscope.sources.program import country
from paperscope.sources.program.base import Affiliation

COVERING, UNDATED, BEFORE, AFTER = "covering", "undated", "before", "after"


def usernames(profile: dict) -> list[str]:
    """Every id that names the profile: its id and its names' usernames."""
    out = [profile["id"]] if isinstance(profile.get("id"), str) else []
    names = (profile.get("content") or {}).get("names") or []
    for name in names if isinstance(names, list) else []:
        if isinstance(name, dict) and isinstance(name.get("username"), str) and name["username"] not in out:
            out.append(name["username"])
    return out


def index(profiles: list[dict]) -> dict[str, dict]:
    """id -> profile for every id of every profile (a later profile does not shadow an earlier id)."""
    out: dict[str, dict] = {}
    for p in profiles:
        if isinstance(p, dict):
            for u in usernames(p):
                out.setdefault(u, p)
    return out


def _year(v) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None


def entries(profile: dict) -> tuple[list[dict], int]:
    """The readable history entries (position, start, end, institution dict) and how many were not."""
    history = (profile.get("content") or {}).get("history")
    if not isinstance(history, list):
        return [], 0
    good, bad = [], 0
    for h in history:
        inst = h.get("institution") if isinstance(h, dict) else None
        if not isinstance(inst, dict) or not (inst.get("name") or inst.get("domain")):
            bad += 1
            continue
        good.append({"position": h.get("position") if isinstance(h.get("position"), str) else None,
                     "start": _year(h.get("start")), "end": _year(h.get("end")), "institution": inst})
    return good, bad


def _affiliation(e: dict, held: str) -> Affiliation:
    inst = e["institution"]
    stated = inst.get("country") if isinstance(inst.get("country"), str) and inst.get("country").strip() else None
    return Affiliation("profile", inst.get("name") or None, inst.get("domain") or None, country.code(stated), stated,
                       e["position"], e["start"], e["end"], held)


def held(profile: dict, year: int, fallback: bool = True) -> list[Affiliation]:
    """The affiliations of the profile held in year (see the module's rules), in history order."""
    found, _ = entries(profile)
    covering = [e for e in found if (e["start"] is None or e["start"] <= year) and (e["end"] is None or e["end"] >= year)]
    dated = [e for e in covering if e["start"] is not None or e["end"] is not None]
    if dated:
        return [_affiliation(e, COVERING) for e in dated]
    if covering:
        return [_affiliation(e, UNDATED) for e in covering]
    if not fallback or not found:
        return []
    before = [e for e in found if e["end"] is not None and e["end"] < year]
    if before:
        last = max(e["end"] for e in before)
        return [_affiliation(e, BEFORE) for e in before if e["end"] == last]
    after = [e for e in found if e["start"] is not None and e["start"] > year]
    first = min(e["start"] for e in after)
    return [_affiliation(e, AFTER) for e in after if e["start"] == first]
