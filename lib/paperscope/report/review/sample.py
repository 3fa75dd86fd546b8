"""The review sample: papers drawn per stratum for a person, the sheet they fill and the page's evidence.

The draw is reproducible: per stratum the papers with the smallest sha256(seed:paper_id),
so the same corpus and seed give the same papers whatever the row order.
"""
from __future__ import annotations

import hashlib
import json
import math
import re

import pandas as pd

from paperscope.core import policy
from paperscope.counting.overrides import yes_no as _yn

STRATA = ("sources", "us_cn", "weak", "unknown", "rest")
STRATUM_WORDS = {"sources": "sources disagree on US-China", "us_cn": "counted as US and China",
                 "weak": "flags resting on a weak rule", "unknown": "no country resolved", "rest": "the rest"}
# The sheet: evidence (filled by the run), then the reviewer's columns (empty).
SHEET_COLUMNS = ["run_id", "corpus", "stratum", "paper_id", "year", "title", "raw", "source", "institution",
                 "country", "method", "evidence", "has_us", "has_cn"]
REVIEWER_COLUMNS = ["us_correct", "cn_correct", "verdict", "corrected_country", "reviewer", "note"]


def paper_strata(audit: pd.DataFrame, china_policy: str, weak_methods, disagree=frozenset()) -> pd.Series:
    """paper_id -> stratum: sources (the sources of a reconciled year disagree on it: the
    papers in disagree), us_cn (counted as US and China), weak (a country rests on a weak
    rule or a bare one-word name), unknown (no country), rest; first that applies wins.
    Column-wise over the audit's rows (a per-paper loop took 30 s at 5,000 papers)."""
    if audit.empty:
        return pd.Series(dtype=object)
    placed = audit["country"].notna()
    china = set(policy.china_codes(china_policy))
    raw = audit["raw"] if "raw" in audit.columns else pd.Series(None, index=audit.index)
    matched = audit["matched"] if "matched" in audit.columns else pd.Series(None, index=audit.index)
    rows = pd.DataFrame({
        "paper_id": audit["paper_id"],
        "placed": placed,
        "us": placed & (audit["country"] == policy.US),
        "cn": placed & audit["country"].isin(china),
        "weak": placed & (audit["method"].isin(set(weak_methods))
                          | pd.Series([_bare_string(r, m) for r, m in zip(raw, matched)], index=audit.index,
                                      dtype=bool)),
    })
    per = rows.groupby("paper_id", sort=True)[["placed", "us", "cn", "weak"]].any()
    out = pd.Series("rest", index=per.index, dtype=object)
    out[per["weak"]] = "weak"
    out[~per["placed"]] = "unknown"
    out[per["us"] & per["cn"]] = "us_cn"
    out[per.index.isin(list(disagree))] = "sources"
    return out.rename_axis(None)


def _bare_string(raw, matched) -> bool:
    """A string that is one name and nothing else ('Meta'): no place or unit to confirm it."""
    return (isinstance(raw, str) and isinstance(matched, str) and len(raw.split()) == 1
            and raw.strip(" ,.").casefold() == matched.strip(" ,.").casefold())


def draw(strata: pd.Series, sizes: dict, seed: int) -> list[tuple[str, str]]:
    """(paper_id, stratum) pairs: per stratum the n with the smallest sha256(seed:paper_id),
    so the same corpus and seed give the same papers whatever the row order."""
    picked = []
    for name in STRATA:
        ids = sorted(strata.index[strata == name], key=lambda p: hashlib.sha256(f"{seed}:{p}".encode()).hexdigest())
        picked += [(pid, name) for pid in ids[:max(0, int(sizes.get(name, 0)))]]
    return picked


def sheet(records: list[dict], run_id: str, corpus: str, china_policy: str) -> pd.DataFrame:
    """One row per paper (its flags; raw empty) then one per affiliation string (countries
    of all its matches), evidence filled in and the reviewer's columns empty."""
    rows = []
    for r in records:
        flags = policy.flags(r["countries"], china_policy)
        base = {"run_id": run_id, "corpus": corpus, "stratum": r.get("stratum", ""), "paper_id": r["paper_id"],
                "year": r["year"], "title": r["title"]}
        rows.append({**base, "raw": "", "country": ";".join(r["countries"]), "has_us": _yn(flags["has_us"]),
                     "has_cn": _yn(flags["has_cn"])})
        for raw, group in _strings(r["affiliations"]):
            rows.append({**base, "raw": raw, "source": group[0].get("source") or "",
                         "institution": "; ".join(dict.fromkeys(_text(a.get("institution")) or "?" for a in group)),
                         "country": ";".join(sorted({a["country"] for a in group if isinstance(a.get("country"), str)})),
                         "method": "; ".join(dict.fromkeys(_text(a.get("method")) for a in group)),
                         "evidence": " | ".join(_text(a.get("evidence")) for a in group)})
    df = pd.DataFrame(rows, columns=SHEET_COLUMNS + REVIEWER_COLUMNS)
    return df.fillna("")


def _strings(affs: list[dict]) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    for a in affs:
        groups.setdefault(a["raw"], []).append(a)
    return list(groups.items())


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def script_json(value) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' left to end the element or open a comment."""
    return (json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


_ABSTRACT = re.compile(r"\bA\s?B\s?S\s?T\s?R\s?A\s?C\s?T\b|\bAbstract\b")


def evidence_text(header_text: str | None, full_text: str | None, terms, term_names, block_chars: int,
                  snippet_chars: int, timeout_s: float = 0) -> dict:
    """Page one up to the abstract heading (at most block_chars), and for each term found a
    snippet of snippet_chars either side of its first mention in the body (no snippet for a
    term whose search runs past timeout_s: mentions.timeout_seconds)."""
    from paperscope.paper.mentions import body_text, normalise

    head = header_text or ""
    cut = _ABSTRACT.search(head)
    block = (head[:cut.start()] if cut and cut.start() > 0 else head)[:block_chars].strip()
    body = body_text(normalise(full_text or ""))
    snippets = {}
    for term in terms:
        if term.name in term_names:
            m = term.first(body, timeout_s)
            if m:
                text = body[max(0, m.start() - snippet_chars):m.end() + snippet_chars]
                snippets[term.name] = " ".join(text.split())
    return {"block": block, "snippets": snippets}


def page_view(sheet_df: pd.DataFrame, texts: dict) -> list[dict]:
    """The review page's papers: the sheet's rows (row numbers name the form fields) with
    the author block and term snippets."""
    papers = []
    for i, r in enumerate(sheet_df.to_dict("records")):
        if not r["raw"]:
            extra = texts.get(r["paper_id"], {})
            papers.append({**r, "row": i, "block": extra.get("block", ""), "affiliations": [],
                           "terms": [{"term": t, "counts": c, "snippet": extra.get("snippets", {}).get(t, "")}
                                     for t, c in extra.get("terms", [])]})
        else:
            papers[-1]["affiliations"].append({**r, "row": i})
    return papers



def draw_sample(audit: pd.DataFrame, mentions: pd.DataFrame | None, china_policy: str, settings,
                seed: int, disagree=frozenset()) -> tuple[pd.Series, list[dict]]:
    """(paper -> stratum, the drawn papers' records with their stratum) from the run's audit
    (report.audit.audit_table); settings: the review settings (strata sizes, weak methods);
    disagree: the papers the sources disagree on (report.sources), a stratum of their own."""
    from paperscope.report.audit import paper_records

    strata = paper_strata(audit, china_policy, settings.weak_methods, disagree)
    picked = dict(draw(strata, settings.strata, seed))
    records = paper_records(audit, mentions, list(picked))
    for r in records:
        r["stratum"] = picked[r["paper_id"]]
    return strata, records
