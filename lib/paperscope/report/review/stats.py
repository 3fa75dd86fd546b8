"""The headline with its error: reviewed papers per stratum bound each flag's precision (Wilson intervals)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import pandas as pd

from paperscope.core import policy
from paperscope.counting.overrides import WITHDRAWN, withdrawn
from paperscope.report.review.sample import STRATA


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
                     & ~reviews["review_id"].isin(withdrawn(reviews))] if not reviews.empty else reviews)
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
    (a stratum nobody reviewed spans 0 to all; one reviewed whole is exact); and the reviews
    that would narrow the largest stratum's interval to `width`, never more than it holds."""
    rows = [e for e in estimates if e.flag == flag]
    total = sum(e.counted for e in rows)
    whole = [e for e in rows if e.counted and e.reviewed >= e.counted]
    low = sum(e.right if e in whole else math.floor(e.counted * e.low + 1e-9) for e in rows)
    high = sum(e.right if e in whole else math.ceil(e.counted * e.high - 1e-9) for e in rows)
    reviewed = sum(e.reviewed for e in rows)
    main = max(rows, key=lambda e: e.counted, default=None)
    need = None if main is None or main.counted == 0 else reviews_needed(main.right, main.reviewed, z, width)
    # A stratum of 8 papers is known exactly once all 8 are reviewed: no interval needs more.
    every = main is not None and main.counted > 0 and (need is None or need >= main.counted)
    if every:
        need = main.counted
    return {"flag": flag, "papers": total, "reviewed": reviewed, "low": low, "high": high,
            "stratum": main.stratum if main else None, "stratum_papers": main.counted if main else 0,
            "needed": need, "review_all": every,
            "more": None if need is None or main is None else max(0, need - main.reviewed)}


def headline_sentence(h: dict, confidence: float, width: float) -> str:
    """One sentence for a flag's range; with no review it says so instead of "0 to all"."""
    pct = f"{100 * confidence:g}%"
    n = h["papers"]
    if not n:
        return f"{h['flag']}: no papers counted."
    papers = f"{n:,} paper{'' if n == 1 else 's'}"
    if not h["reviewed"]:
        return (f"{h['flag']}: {papers}; none reviewed yet, so there is no interval (a reviewed sample, "
                f"review.html, bounds it).")
    if h["low"] == h["high"]:
        text = f"{h['flag']}: {papers}; from {h['reviewed']:,} reviewed, exactly {h['low']:,} right"
    else:
        text = f"{h['flag']}: {papers}; from {h['reviewed']:,} reviewed, {pct} interval {h['low']:,} to {h['high']:,}"
    if h["more"] and h.get("review_all"):
        size = h["stratum_papers"]
        text += (f"; review all {size:,} of the {h['stratum']} stratum ({h['more']:,} more) to know it exactly")
    elif h["more"]:
        text += (f"; about {h['more']:,} more reviewed papers of the {h['stratum']} stratum would narrow its "
                 f"precision interval to {100 * width:g} points")
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
    """What the report and run.json say about the headline's error: over the run, and per
    year for with_both (the interval beside each year's answer; None for a year nobody reviewed)."""
    z = z_value(settings.confidence)
    est = precision(reviews, counted_by_stratum(strata, audit, china_policy), z)
    heads = [headline(est, f, z, settings.target_width) for f in ("with_both", "with_us", "with_cn")]
    years = {}
    year_of = audit.drop_duplicates("paper_id").set_index("paper_id")["year"]
    for year in sorted(y for y in year_of.dropna().unique()):
        ids = set(year_of.index[year_of == year])
        mine = reviews[reviews["paper_id"].isin(ids)] if not reviews.empty else reviews
        est_y = precision(mine, counted_by_stratum(strata[strata.index.isin(ids)], audit[audit["paper_id"].isin(ids)],
                                                   china_policy), z)
        h = headline(est_y, "with_both", z, settings.target_width)
        years[int(year)] = h if h["reviewed"] else None
    return {"confidence": settings.confidence, "target_width": settings.target_width,
            "sentences": [headline_sentence(h, settings.confidence, settings.target_width) for h in heads],
            "headline": heads, "years": years,
            "precision": [e.__dict__ | {"low": round(e.low, 4), "high": round(e.high, 4)} for e in est]}
