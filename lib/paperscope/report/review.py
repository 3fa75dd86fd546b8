"""Review closes the loop: a stratified sample for a person, their judgements read back,
turned into overrides the next run applies, and the headline's error from them.

Plain pandas and Python here (no Spark): the sheet a reviewer fills (review_sample.csv or
the download of review.html, same columns), its validation, the `reviews` rows with an
idempotent key, the overrides in force, and Wilson intervals. `paperscope review` (cli
below) reads and appends the Delta table through Spark.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import math
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from statistics import NormalDist

import pandas as pd

from paperscope.core import escape, policy

log = logging.getLogger(__name__)

STRATA = ("us_cn", "weak", "unknown", "rest")
STRATUM_WORDS = {"us_cn": "counted as US and China", "weak": "flags resting on a weak rule",
                 "unknown": "no country resolved", "rest": "the rest"}
# The sheet: evidence (filled by the run), then the reviewer's columns (empty).
SHEET_COLUMNS = ["run_id", "corpus", "stratum", "paper_id", "year", "title", "raw", "source", "institution",
                 "country", "method", "evidence", "has_us", "has_cn"]
REVIEWER_COLUMNS = ["us_correct", "cn_correct", "verdict", "corrected_country", "reviewer", "note"]
# The `reviews` Delta table, one row per judgement (a paper's flags, or one affiliation string).
REVIEW_TABLE_COLUMNS = ["review_id", "reviewer", "reviewed_at", "run_id", "corpus", "paper_id", "raw", "verdict",
                        "corrected_country", "us_correct", "cn_correct", "run_us", "run_cn", "stratum", "note",
                        "withdraws"]
VERDICTS = ("right", "wrong")
WITHDRAWN = "withdrawn"
YES, NO = ("yes", "y", "true", "1", "right"), ("no", "n", "false", "0", "wrong")


class ReviewError(ValueError):
    """A sheet that cannot be imported; one line per problem, nothing written."""


# ---------------------------------------------------------------------------------------
# The sample: strata and a seeded draw
# ---------------------------------------------------------------------------------------


def paper_strata(audit: pd.DataFrame, china_policy: str, weak_methods) -> pd.Series:
    """paper_id -> stratum: us_cn (counted as US and China), weak (a country rests on a weak
    rule or a bare one-word name), unknown (no country), rest; first that applies wins."""
    weak = set(weak_methods)
    out = {}
    for pid, rows in audit.groupby("paper_id", sort=True):
        placed = rows[rows["country"].notna()]
        flags = policy.flags(placed["country"], china_policy)
        if flags["has_us"] and flags["has_cn"]:
            out[pid] = "us_cn"
        elif placed.empty:
            out[pid] = "unknown"
        elif placed["method"].isin(weak).any() or any(_bare(r) for r in placed.itertuples(index=False)):
            out[pid] = "weak"
        else:
            out[pid] = "rest"
    return pd.Series(out, dtype=object)


def _bare(row) -> bool:
    """A string that is one name and nothing else ('Meta'): no place or unit to confirm it."""
    raw, matched = getattr(row, "raw", None), getattr(row, "matched", None)
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


# ---------------------------------------------------------------------------------------
# The sheet a reviewer fills
# ---------------------------------------------------------------------------------------


def _yn(value: bool) -> str:
    return "yes" if value else "no"


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


def read_sheet(path: str | Path) -> pd.DataFrame:
    """The filled sheet as text cells; a spreadsheet's leading apostrophe is taken off."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ReviewError(f"{path}: cannot read it as CSV: {exc}") from None
    return df.map(escape.csv_unescape)


def _flag(value: str, where: str, errors: list[str]) -> bool | None:
    v = value.strip().casefold()
    if not v:
        return None
    if v in YES:
        return True
    if v in NO:
        return False
    errors.append(f"{where}: {value!r} is not yes or no")
    return None


def judgements(df: pd.DataFrame, *, audit: pd.DataFrame, run_id: str, corpus: str, countries: set[str],
               reviewer: str | None, now: str) -> pd.DataFrame:
    """Validate a filled sheet against its run's audit and turn it into `reviews` rows.

    Raises ReviewError listing every problem (one line each): missing columns, a sheet of
    another run or corpus, unknown papers or affiliation strings, bad country codes or
    verdicts. Rows where the reviewer filled nothing are not judgements and are left out.
    """
    missing = [c for c in ["run_id", "corpus", "paper_id", "raw"] + REVIEWER_COLUMNS if c not in df.columns]
    if missing:
        raise ReviewError(f"missing column(s): {', '.join(missing)} (fill review_sample.csv or the review page's CSV)")
    errors: list[str] = []
    for value in sorted(set(df["run_id"]) - {run_id}):
        errors.append(f"sample is from run {value!r}, not {run_id!r}: import each run's sheet on its own")
    for value in sorted(set(df["corpus"]) - {corpus}):
        errors.append(f"sample is from corpus {value!r}, but this config reads {corpus!r}")
    known = set(audit["paper_id"])
    strings = set(zip(audit["paper_id"], audit["raw"].fillna("")))
    flags = _run_flags(audit, df)
    rows = []
    for i, r in enumerate(df.to_dict("records"), start=2):  # line 1 is the header
        where = f"line {i}"
        pid, raw = r["paper_id"].strip(), r["raw"]
        if pid not in known:
            errors.append(f"{where}: unknown paper id {pid!r} (not in run {run_id})")
            continue
        if raw and (pid, raw) not in strings:
            errors.append(f"{where}: paper {pid[:12]} has no affiliation string {raw!r} in run {run_id}")
            continue
        verdict = r["verdict"].strip().casefold()
        if verdict and verdict not in VERDICTS:
            errors.append(f"{where}: verdict {r['verdict']!r} is not right or wrong")
        fixed = [c.strip().upper() for c in re.split(r"[;,\s]+", r["corrected_country"]) if c.strip()]
        bad = [c for c in fixed if c not in countries]
        if bad:
            errors.append(f"{where}: {', '.join(bad)} is not an ISO 3166-1 alpha-2 country code")
        if fixed and not raw:
            errors.append(f"{where}: a corrected country belongs on an affiliation row (raw filled), not the paper row")
        us, cn = _flag(r["us_correct"], f"{where} us_correct", errors), _flag(r["cn_correct"], f"{where} cn_correct", errors)
        if (us is False or cn is False) and pid not in flags:
            errors.append(f"{where}: a flag marked wrong needs the run's has_us and has_cn columns on the paper row "
                          "(the right value is the other one)")
        if not (verdict or fixed or us is not None or cn is not None):
            continue
        who = (r.get("reviewer") or "").strip() or reviewer
        if not who:
            errors.append(f"{where}: no reviewer (fill the reviewer column or pass --reviewer)")
        rows.append({"reviewer": who, "reviewed_at": now, "run_id": run_id, "corpus": corpus, "paper_id": pid,
                     "raw": raw or None, "verdict": "wrong" if fixed else (verdict or None),
                     "corrected_country": ";".join(sorted(set(fixed))) or None, "us_correct": us, "cn_correct": cn,
                     "run_us": flags.get(pid, (None, None))[0], "run_cn": flags.get(pid, (None, None))[1],
                     "stratum": (r.get("stratum") or "").strip() or None, "note": (r.get("note") or "").strip() or None,
                     "withdraws": None})
    if errors:
        raise ReviewError("\n".join(errors))
    out = pd.DataFrame(rows, columns=REVIEW_TABLE_COLUMNS)
    out["review_id"] = [review_id(r) for r in out.to_dict("records")]
    return out.drop_duplicates("review_id")


def _run_flags(audit: pd.DataFrame, df: pd.DataFrame) -> dict:
    """paper_id -> (has_us, has_cn) as the sheet showed them to the reviewer."""
    out = {}
    if {"has_us", "has_cn"} <= set(df.columns):
        for r in df[df["raw"] == ""].to_dict("records"):
            out[r["paper_id"].strip()] = (r["has_us"].strip().casefold() in YES, r["has_cn"].strip().casefold() in YES)
    return out


def review_id(row: dict) -> str:
    """The judgement's key: what was judged and how, by whom (not when), so importing the
    same sheet again adds nothing."""
    keys = ["run_id", "paper_id", "raw", "verdict", "corrected_country", "us_correct", "cn_correct", "reviewer",
            "note", "withdraws"]
    return hashlib.sha256(json.dumps([row.get(k) for k in keys], default=str).encode()).hexdigest()


def new_only(rows: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """Rows whose key the table does not have yet."""
    return rows[~rows["review_id"].isin(set(stored["review_id"]))] if not stored.empty else rows


def withdrawal(stored: pd.DataFrame, rid: str, reviewer: str, now: str, note: str | None) -> pd.DataFrame:
    """A row that withdraws the override `rid` (a prefix of its id will do): a string's
    country correction or a paper's flags."""
    force = pd.concat([in_force(stored), paper_in_force(stored).reindex(columns=REVIEW_TABLE_COLUMNS)],
                      ignore_index=True).drop_duplicates("review_id")
    hits = force[force["review_id"].str.startswith(rid)] if rid else force.iloc[0:0]
    if len(hits) != 1:
        raise ReviewError(f"{rid!r} names {len(hits)} overrides in force; `paperscope review list` shows their ids")
    hit = hits.iloc[0]
    row = {k: None for k in REVIEW_TABLE_COLUMNS}
    row.update(reviewer=reviewer, reviewed_at=now, run_id=hit["run_id"], corpus=hit["corpus"],
               paper_id=hit["paper_id"], raw=hit["raw"], verdict=WITHDRAWN, note=note, withdraws=hit["review_id"])
    row["review_id"] = review_id(row)
    return pd.DataFrame([row], columns=REVIEW_TABLE_COLUMNS)


def in_force(stored: pd.DataFrame) -> pd.DataFrame:
    """Country corrections in force: one per affiliation string, the latest not withdrawn."""
    if stored.empty:
        return stored.reindex(columns=REVIEW_TABLE_COLUMNS)
    withdrawn = _withdrawn(stored)
    fixes = stored[(stored["verdict"] == "wrong") & stored["corrected_country"].notna() & stored["raw"].notna()
                   & ~stored["review_id"].isin(withdrawn)]
    return (fixes.sort_values(["reviewed_at", "review_id"]).drop_duplicates("raw", keep="last")
            .sort_values("raw").reset_index(drop=True))


def _withdrawn(stored: pd.DataFrame) -> set:
    return set(stored["withdraws"].dropna())


PAPER_FLAGS = {"with_us": ("us_correct", "run_us"), "with_cn": ("cn_correct", "run_cn")}
PAPER_FORCE_COLUMNS = ["review_id", "paper_id", "flag", "value", "reviewer", "reviewed_at", "run_id", "note"]


def paper_in_force(stored: pd.DataFrame) -> pd.DataFrame:
    """Paper flag overrides in force: per paper and flag (with_us, with_cn) the latest
    judgement, not withdrawn, that said the run's flag was wrong; value is the other one.

    A judgement that a flag is right pins nothing (it may confirm an override already
    applied); to lift an override, withdraw it."""
    if stored.empty:
        return pd.DataFrame(columns=PAPER_FORCE_COLUMNS)
    paper = stored[stored["raw"].isna() & (stored["verdict"] != WITHDRAWN) & ~stored["review_id"].isin(_withdrawn(stored))]
    rows = []
    for flag, (ok, ran) in PAPER_FLAGS.items():
        wrong = paper[(paper[ok] == False) & paper[ran].notna()]  # noqa: E712 - nullable booleans
        for r in wrong.to_dict("records"):
            rows.append({**{k: r.get(k) for k in PAPER_FORCE_COLUMNS}, "flag": flag, "value": not bool(r[ran])})
    df = pd.DataFrame(rows, columns=PAPER_FORCE_COLUMNS)
    return (df.sort_values(["reviewed_at", "review_id"]).drop_duplicates(["paper_id", "flag"], keep="last")
            .sort_values(["paper_id", "flag"]).reset_index(drop=True))


def paper_override_rows(force: pd.DataFrame, china_policy: str) -> list[dict]:
    """(paper_id, country, present, raw, evidence) per country an override adds or removes:
    a flag set to no removes the US (with_us) or the China policy's codes (with_cn) from the
    paper; set to yes it adds one affiliation row (US or CN) whose raw names the review."""
    out = []
    for r in force.to_dict("records"):
        us = r["flag"] == "with_us"
        said = {(True, True): "has a US author", (True, False): "has no US author",
                (False, True): "has a Chinese author", (False, False): "has no Chinese author"}[(us, bool(r["value"]))]
        evidence = (f"review {r['review_id'][:12]} by {r['reviewer']} ({str(r['reviewed_at'])[:10]}): the paper "
                    f"{said} ({r['flag']} {_yn(r['value'])})" + (f": {r['note']}" if r.get("note") else ""))
        if r["value"]:
            out.append({"paper_id": r["paper_id"], "country": policy.US if us else "CN", "present": True,
                        "raw": f"(review {r['review_id'][:12]}: {r['flag']} yes)", "evidence": evidence})
        else:
            out += [{"paper_id": r["paper_id"], "country": c, "present": False, "raw": None, "evidence": evidence}
                    for c in ((policy.US,) if us else policy.china_codes(china_policy))]
    return out


def removed_countries(rows: list[dict]) -> dict[str, set[str]]:
    """paper_id -> the countries paper overrides take out of it (for the authors table)."""
    out: dict[str, set[str]] = {}
    for r in rows:
        if not r["present"]:
            out.setdefault(r["paper_id"], set()).add(r["country"])
    return out


def apply_paper_overrides(affs: pd.DataFrame, papers: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    """The same as transforms.apply_paper_reviews on a small frame (papers: paper_id, year):
    rows of a removed country lose it (method review), and an added flag is one new row."""
    out = affs.copy()
    for r in rows:
        if not r["present"]:
            hit = (out["paper_id"] == r["paper_id"]) & (out["country"] == r["country"])
            out.loc[hit, ["country", "method", "evidence"]] = [None, "review", r["evidence"]]
    years = dict(zip(papers["paper_id"], papers["year"]))
    added = [{"paper_id": r["paper_id"], "year": years[r["paper_id"]], "raw": r["raw"], "source": "review",
              "institution": None, "country": r["country"], "method": "review", "evidence": r["evidence"],
              "score": 1.0, "matched": None} for r in rows if r["present"] and r["paper_id"] in years]
    return pd.concat([out, pd.DataFrame(added, columns=affs.columns)], ignore_index=True) if added else out


def override_rows(force: pd.DataFrame) -> list[dict]:
    """(raw, country, evidence) per corrected country of each override, for the affiliations step."""
    out = []
    for r in force.to_dict("records"):
        evidence = (f"review {r['review_id'][:12]} by {r['reviewer']} ({str(r['reviewed_at'])[:10]}, paper "
                    f"{r['paper_id'][:12]})" + (f": {r['note']}" if r.get("note") else ""))
        out += [{"raw": r["raw"], "country": c, "evidence": evidence} for c in r["corrected_country"].split(";")]
    return out


def apply_overrides(affs: pd.DataFrame, overrides: list[dict]) -> pd.DataFrame:
    """The same as transforms.apply_reviews on a small frame: every row of a corrected
    string, in any paper, becomes one row per corrected country (method review)."""
    fixes = pd.DataFrame(overrides, columns=["raw", "country", "evidence"])
    hit = affs["raw"].isin(set(fixes["raw"]))
    kept = affs[~hit]
    first = affs[hit].drop_duplicates(["paper_id", "raw"]).drop(columns=["country", "evidence"])
    fixed = first.merge(fixes, on="raw").assign(method="review", score=1.0)
    return pd.concat([kept, fixed[affs.columns]], ignore_index=True)


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


# ---------------------------------------------------------------------------------------
# The headline with its error
# ---------------------------------------------------------------------------------------


def z_value(confidence: float) -> float:
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def wilson(k: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials; (0, 1) when nothing was seen."""
    return _wilson_p(k / n, n, z) if n > 0 else (0.0, 1.0)


def _wilson_p(p: float, n: int, z: float) -> tuple[float, float]:
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def _width(p: float, n: int, z: float) -> float:
    lo, hi = _wilson_p(p, n, z)
    return hi - lo


def reviews_needed(k: int, n: int, z: float, width: float, most: int = 100_000) -> int | None:
    """Reviewed papers (in all) whose Wilson interval at the observed share (0.5 before any)
    is at most `width` wide; None when not within `most`."""
    p = k / n if n else 0.5
    lo, hi = 1, most
    if _width(p, hi, z) > width:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if _width(p, mid, z) <= width:
            hi = mid
        else:
            lo = mid + 1
    return lo


@dataclass(frozen=True)
class Estimate:
    flag: str           # with_us, with_cn, with_both
    stratum: str
    counted: int        # papers of the stratum the run counts under the flag
    reviewed: int       # of them, papers whose flag a reviewer judged
    right: int          # ... and found right
    low: float
    high: float


FLAGS = {"with_us": ("us_correct", "run_us"), "with_cn": ("cn_correct", "run_cn")}


def precision(reviews: pd.DataFrame, counted: pd.DataFrame, z: float) -> list[Estimate]:
    """Per flag and stratum: of the papers counted, how many a reviewer found right.

    reviews: `reviews` rows (paper judgements: us_correct/cn_correct with the run's flags
    run_us/run_cn and the stratum); counted: stratum, with_us, with_cn, with_both (papers
    the run counts). A with_both paper is right when both its flags are.
    """
    paper = (reviews[reviews["raw"].isna() & (reviews["verdict"] != WITHDRAWN)
                     & ~reviews["review_id"].isin(_withdrawn(reviews))] if not reviews.empty else reviews)
    paper = paper.drop_duplicates("paper_id", keep="last") if not paper.empty else paper
    out = []
    for r in counted.to_dict("records"):
        s = r["stratum"]
        rows = paper[paper["stratum"] == s] if not paper.empty else paper
        for flag in ("with_us", "with_cn", "with_both"):
            if rows.empty:
                k = n = 0
            elif flag == "with_both":
                judged = rows[(rows["run_us"] == True) & (rows["run_cn"] == True)  # noqa: E712 - nullable
                              & rows["us_correct"].notna() & rows["cn_correct"].notna()]
                n, k = len(judged), int(((judged["us_correct"] == True) & (judged["cn_correct"] == True)).sum())  # noqa: E712
            else:
                ok, ran = FLAGS[flag]
                judged = rows[(rows[ran] == True) & rows[ok].notna()]  # noqa: E712
                n, k = len(judged), int((judged[ok] == True).sum())  # noqa: E712
            lo, hi = wilson(k, n, z)
            out.append(Estimate(flag, s, int(r[flag]), n, k, lo, hi))
    return out


def headline(estimates: list[Estimate], flag: str, z: float, width: float) -> dict:
    """The flag's count as a range: per stratum counted x the Wilson bounds of its precision
    (a stratum nobody reviewed spans 0 to all); and the reviews that would narrow the
    largest stratum's interval to `width`."""
    rows = [e for e in estimates if e.flag == flag]
    total = sum(e.counted for e in rows)
    low = sum(math.floor(e.counted * e.low + 1e-9) for e in rows)
    high = sum(math.ceil(e.counted * e.high - 1e-9) for e in rows)
    reviewed = sum(e.reviewed for e in rows)
    main = max(rows, key=lambda e: e.counted, default=None)
    need = None if main is None or main.counted == 0 else reviews_needed(main.right, main.reviewed, z, width)
    return {"flag": flag, "papers": total, "reviewed": reviewed, "low": low, "high": high,
            "stratum": main.stratum if main else None, "needed": need,
            "more": None if need is None or main is None else max(0, need - main.reviewed)}


def headline_sentence(h: dict, confidence: float, width: float) -> str:
    pct = f"{100 * confidence:g}%"
    if not h["papers"]:
        return f"{h['flag']}: no papers counted."
    text = (f"{h['flag']}: {h['papers']:,} papers; from {h['reviewed']} reviewed, {pct} interval "
            f"{h['low']:,} to {h['high']:,}")
    if h["more"]:
        text += (f"; about {h['more']} more reviewed papers of the {h['stratum']} stratum would narrow its precision "
                 f"interval to {100 * width:g} points")
    return text + "."


def counted_by_stratum(strata: pd.Series, audit: pd.DataFrame, china_policy: str) -> pd.DataFrame:
    """stratum -> with_us, with_cn, with_both over all papers of the audit."""
    placed = audit[audit["country"].notna()].groupby("paper_id")["country"].agg(set)
    rows = []
    for pid, s in strata.items():
        f = policy.flags(placed.get(pid, set()), china_policy)
        rows.append({"stratum": s, "with_us": f["has_us"], "with_cn": f["has_cn"], "with_both": f["has_us"] and f["has_cn"]})
    df = pd.DataFrame(rows, columns=["stratum", "with_us", "with_cn", "with_both"])
    out = df.groupby("stratum")[["with_us", "with_cn", "with_both"]].sum().astype(int).reindex(STRATA, fill_value=0)
    return out.rename_axis("stratum").reset_index()


def error_view(reviews: pd.DataFrame, strata: pd.Series, audit: pd.DataFrame, china_policy: str, settings) -> dict:
    """What the report and run.json say about the headline's error."""
    z = z_value(settings.confidence)
    est = precision(reviews, counted_by_stratum(strata, audit, china_policy), z)
    heads = [headline(est, f, z, settings.target_width) for f in ("with_both", "with_us", "with_cn")]
    return {"confidence": settings.confidence, "target_width": settings.target_width,
            "sentences": [headline_sentence(h, settings.confidence, settings.target_width) for h in heads],
            "headline": heads,
            "precision": [e.__dict__ | {"low": round(e.low, 4), "high": round(e.high, 4)} for e in est]}


# ---------------------------------------------------------------------------------------
# `paperscope review import | list | withdraw`
# ---------------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def country_codes() -> set[str]:
    from importlib import resources

    text = resources.files("paperscope").joinpath("data", "countries.tsv").read_text("utf-8")
    return {line.split("\t", 1)[0] for line in text.splitlines() if line and not line.startswith("#")}


def corpus_of(cfg) -> str:
    """What a sheet's corpus column must say: the config's input."""
    return str(cfg.input.manifest or cfg.input.corpus)


def _sheet_corpus(df: pd.DataFrame, cfg) -> str:
    """The corpus a sheet is checked against: its own when it names the metadata source of
    the config (the sheet of a `paperscope metadata` run), else the config's input."""
    named = sorted(set(df["corpus"])) if "corpus" in df.columns else []
    source = cfg.metadata.source
    return named[0] if source and named == [str(source)] else corpus_of(cfg)


def run_audit(cfg, run_id: str) -> pd.DataFrame:
    """The audit of the sheet's run (reports/<run-id>/audit.csv): its papers and strings."""
    path = Path(cfg.reports.path) / run_id / "audit.csv"
    if not re.fullmatch(r"[A-Za-z0-9._-]+", run_id) or not path.is_file():
        raise ReviewError(f"sample is from run {run_id!r}, which has no audit under {cfg.reports.path}/")
    audit = pd.read_csv(path, dtype=str, keep_default_na=False)
    audit["raw"] = audit["raw"].map(escape.csv_unescape)
    return audit


def import_sheet(path: str, cfg, reviewer: str | None, load, append) -> tuple[int, int]:
    """Validate the sheet, then append its new judgements in one write: (new, already there)."""
    df = read_sheet(path)
    if "run_id" not in df.columns or df.empty:
        raise ReviewError(f"{path}: no run_id column or no rows (fill review_sample.csv or the review page's CSV)")
    runs = sorted(set(df["run_id"]))
    if len(runs) != 1:
        raise ReviewError(f"{path}: rows from several runs ({', '.join(runs)}): import each run's sheet on its own")
    rows = judgements(df, audit=run_audit(cfg, runs[0]), run_id=runs[0], corpus=_sheet_corpus(df, cfg),
                      countries=country_codes(), reviewer=reviewer, now=_now())
    stored = load()
    new = new_only(rows, stored)
    if not new.empty:
        append(new)
    return len(new), len(rows) - len(new)


def spark_io(cfg, spark=None):
    """load() and append(df) of the reviews table through Spark (started here unless given)."""
    from paperscope.storage import schemas, tables

    if spark is None:
        from paperscope.storage.spark import get_spark

        spark = get_spark(cfg)

    def load() -> pd.DataFrame:
        return tables.read_years(spark, cfg, "reviews", None, schemas.REVIEWS).toPandas()

    def append(df: pd.DataFrame) -> None:
        tables.append(spark.createDataFrame(df[REVIEW_TABLE_COLUMNS].astype(object).where(df.notna(), None),
                                            schemas.REVIEWS), cfg, "reviews")

    return load, append


def main(argv: list[str] | None = None, io=None) -> int:
    """`paperscope review import FILE.csv | list | withdraw ID`; exit 2 on a bad sheet."""
    import os

    from paperscope.core.config import ConfigError, load_config
    from paperscope.storage import failures

    p = argparse.ArgumentParser(prog="paperscope review", description=(
        "Read a filled review sheet (review_sample.csv, or the CSV saved by review.html) into the reviews "
        "table; the next run applies its country corrections and paper flag overrides (method review)."))
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--conf-file", help="YAML config (the run's: its input names the corpus, warehouse, reports)")
    common.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    common.add_argument("--warehouse", help="folder of the Delta tables")
    common.add_argument("--reports", help="folder of reports/<run-id>/ (the sheet's run is looked up there)")
    sub = p.add_subparsers(dest="action", required=True)
    imp = sub.add_parser("import", parents=[common], help="validate a filled sheet and append its judgements (idempotent)")
    imp.add_argument("file", metavar="FILE.csv")
    imp.add_argument("--reviewer", help="who reviewed (rows with an empty reviewer column); default $USER")
    sub.add_parser("list", parents=[common], help="print the country corrections and paper flag overrides in force")
    wd = sub.add_parser("withdraw", parents=[common], help="withdraw an override (its id or a prefix, from `review list`)")
    wd.add_argument("review_id")
    wd.add_argument("--reviewer")
    wd.add_argument("--note")
    args = p.parse_args(argv)
    try:
        cfg = load_config(args.conf_file, args.sets, warehouse__path=args.warehouse, reports__path=args.reports)
    except ConfigError as exc:
        print(f"paperscope: error: {exc}", file=sys.stderr)
        return 2
    who = getattr(args, "reviewer", None) or os.environ.get("USER") or None
    try:
        if args.action == "import":
            read_sheet(args.file)  # an unreadable file fails before Spark starts
            load, append = io or spark_io(cfg)
            new, old = import_sheet(args.file, cfg, who, load, append)
            print(f"paperscope: review: {new} new judgement(s) imported, {old} already there")
            return 0
        load, append = io or spark_io(cfg)
        stored = load()
        if args.action == "withdraw":
            row = withdrawal(stored, args.review_id, who or "unknown", _now(), args.note)
            append(row)
            print(f"paperscope: review: override {row['withdraws'][0][:12]} withdrawn; the next run drops it")
            return 0
        writer = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
        writer.writerow(["review_id", "raw", "country", "flag", "reviewer", "reviewed_at", "paper_id", "note"])
        for r in in_force(stored).to_dict("records"):
            writer.writerow(escape.csv_row([r["review_id"][:12], r["raw"], r["corrected_country"], "", r["reviewer"],
                                            r["reviewed_at"], r["paper_id"][:12], r["note"] or ""]))
        for r in paper_in_force(stored).to_dict("records"):
            writer.writerow(escape.csv_row([r["review_id"][:12], "", "", f"{r['flag']}={_yn(r['value'])}", r["reviewer"],
                                            r["reviewed_at"], r["paper_id"][:12], r["note"] or ""]))
        return 0
    except ReviewError as exc:
        for line in str(exc).splitlines():
            print(f"paperscope: error: {line}", file=sys.stderr)
        return 2
    except (failures.OutputNotWritable, failures.WriteConflict) as exc:
        print(f"paperscope: error: {exc}", file=sys.stderr)
        return int(exc.code)
