"""A filled review sheet read back: every problem one line, then `reviews` rows with an idempotent key.

Nothing is written unless the whole sheet is valid; importing the same sheet again adds
nothing, since a judgement's key is what was judged and how, by whom (not when).
"""
from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from paperscope.core import escape
from paperscope.core.errors import InputError
from paperscope.core.textfile import read_text
from paperscope.counting.overrides import REVIEW_TABLE_COLUMNS, WITHDRAWN, in_force, paper_in_force
from paperscope.report.review.sample import REVIEWER_COLUMNS

VERDICTS = ("right", "wrong")
YES, NO = ("yes", "y", "true", "1", "right"), ("no", "n", "false", "0", "wrong")


class ReviewError(ValueError):
    """A sheet that cannot be imported; one line per problem, nothing written."""


def read_sheet(path: str | Path) -> pd.DataFrame:
    """The filled sheet as text cells (read as every user file is: core.textfile); a
    spreadsheet's leading apostrophe is taken off."""
    try:
        df = pd.read_csv(io.StringIO(read_text(path, "review sheet")), dtype=str, keep_default_na=False)
    except InputError as exc:
        raise ReviewError(str(exc)) from None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
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
               reviewer: str | None, now: str, max_note_chars: int | None = None) -> pd.DataFrame:
    """Validate a filled sheet against its run's audit and turn it into `reviews` rows.

    Raises ReviewError listing every problem (one line each): missing columns, a sheet of
    another run or corpus, unknown papers or affiliation strings, bad country codes or
    verdicts, a note over max_note_chars (review.max_note_chars: a note is copied into every
    row it corrects). Rows where the reviewer filled nothing are not judgements and are left out.
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
        for column in ("note", "reviewer"):
            if max_note_chars and len(r.get(column) or "") > max_note_chars:
                errors.append(f"{where}: {column} of {len(r[column]):,} characters is over review.max_note_chars "
                              f"({max_note_chars:,})")
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
                      countries=country_codes(), reviewer=reviewer, now=_now(),
                      max_note_chars=cfg.review.max_note_chars)
    stored = load()
    new = new_only(rows, stored)
    if not new.empty:
        append(new)
    return len(new), len(rows) - len(new)

