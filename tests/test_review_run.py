"""The review loop on Spark: corrections applied to small frames, and a filled sheet of the
sample run imported into a copy of its warehouse, after which the affiliations step re-runs
and the aggregates and audit change exactly as the overrides (a string's country, two
papers' flags) say. Reuses the session's sample run (no second full pipeline run)."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest
from chispa import assert_df_equality

from paperscope.core import policy
from paperscope.counting.overrides import (
    PAPER_FORCE_COLUMNS,
    Overrides,
    in_force,
    paper_fixes,
    paper_in_force,
    string_fixes,
)
from paperscope.pipeline.affiliations import affiliation_rows, affiliations_frame
from paperscope.report.review.cli import main, spark_io
from paperscope.report.review.sheet import import_sheet, read_sheet, withdrawal
from paperscope.storage import schemas, tables


def _match(country, method, evidence, score, matched, institution=None):
    return {"institution": institution, "country": country, "method": method, "matched": matched,
            "evidence": evidence, "score": score}


def _headers(spark, papers: dict):
    """A headers frame: paper_id -> (year, [(raw, source, [matches])]); no former places."""
    rows = [(pid, year, None, [], [{"index": i, "raw": raw, "source": source, "marker": None, "matches": matches}
                                   for i, (raw, source, matches) in enumerate(affs)], [], [], [])
            for pid, (year, affs) in papers.items()]
    return spark.createDataFrame(rows, schemas.HEADERS)


STRING_FIXES = [{"raw": "Acme Lab, Seattle", "country": "CA", "evidence": "review abc by ana"},
                {"raw": "Two Labs, Beijing and Tokyo", "country": "CN", "evidence": "review def by bo"},
                {"raw": "Two Labs, Beijing and Tokyo", "country": "SG", "evidence": "review def by bo"}]


@pytest.mark.spark
def test_a_string_correction_replaces_the_string_s_rows_in_every_paper(spark):
    headers = _headers(spark, {
        "p1": (2025, [("Acme Lab, Seattle", "block", [_match("US", "address", "'Seattle' -> US", 0.6, "Seattle")])]),
        "p2": (2024, [("Acme Lab, Seattle", "footnote", [_match("US", "address", "'Seattle' -> US", 0.6, "Seattle")]),
                      ("MIT", "block", [_match("US", "alias", "MIT", 1.0, "MIT", "MIT")])]),
        "p3": (2024, [("Two Labs, Beijing and Tokyo", "block", [_match("CN", "exact", "a", 1.0, "A", "A"),
                                                                 _match("JP", "exact", "b", 1.0, "B", "B")])])})
    got = affiliations_frame(headers, Overrides.of(STRING_FIXES))
    expected = spark.createDataFrame([
        ("p1", 2025, "Acme Lab, Seattle", "block", None, "CA", "review", "review abc by ana", 1.0, "Seattle"),
        ("p2", 2024, "MIT", "block", "MIT", "US", "alias", "MIT", 1.0, "MIT"),
        ("p2", 2024, "Acme Lab, Seattle", "footnote", None, "CA", "review", "review abc by ana", 1.0, "Seattle"),
        ("p3", 2024, "Two Labs, Beijing and Tokyo", "block", "A", "CN", "review", "review def by bo", 1.0, "A"),
        ("p3", 2024, "Two Labs, Beijing and Tokyo", "block", "A", "SG", "review", "review def by bo", 1.0, "A"),
    ], schemas.AFFILIATIONS)
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


@pytest.mark.spark
def test_paper_flag_overrides_remove_and_add_countries_the_same_on_spark_and_pandas(spark):
    papers = {"p1": (2025, [("MIT", "block", [_match("US", "alias", "MIT", 1.0, "MIT", "MIT")]),
                            ("Peking University", "block", [_match("CN", "exact", "pku", 1.0, "PKU", "PKU")]),
                            ("HKUST", "block", [_match("HK", "exact", "hkust", 1.0, "HKUST", "HKUST")])]),
              "p2": (2024, [("University of Oxford", "block", [_match("GB", "exact", "ox", 1.0, "Oxford", "Oxford")])]),
              "p3": (2024, [("Nowhere", "block", [])])}
    force = pd.DataFrame([["a" * 64, "p1", "with_cn", False, "ana", "2026-11-30", "r1", None],
                          ["b" * 64, "p2", "with_us", True, "bo", "2026-11-30", "r1", "US co-author"],
                          ["c" * 64, "p9", "with_us", True, "bo", "2026-11-30", "r1", None]],  # not in this run
                         columns=PAPER_FORCE_COLUMNS)
    overrides = Overrides.of(flags=paper_fixes(force, "greater"))
    headers = _headers(spark, papers)
    got = affiliations_frame(headers, overrides)
    on_pandas = overrides.frame(
        pd.DataFrame([r for pid, (year, affs) in papers.items()
                      for r in affiliation_rows(pid, year, [{"raw": raw, "source": src, "matches": m}
                                                            for raw, src, m in affs])]),
        pd.DataFrame({"paper_id": list(papers), "year": [y for y, _ in papers.values()]}))
    assert_df_equality(got, spark.createDataFrame(on_pandas.astype(object).where(on_pandas.notna(), None),
                                                  schemas.AFFILIATIONS), ignore_row_order=True, ignore_nullable=True)
    p1 = got.where("paper_id = 'p1'").toPandas()
    assert dict(zip(p1["raw"], p1["country"])) == {"HKUST": None, "MIT": "US", "Peking University": None}
    added = got.where("source = 'review'").select("paper_id", "year", "country").collect()
    assert [tuple(r) for r in added] == [("p2", 2024, "US")]


def _flags_per_year(audit: pd.DataFrame, china_policy: str) -> pd.DataFrame:
    placed = audit[audit["country"].notna() & (audit["country"] != "")]
    countries = placed.groupby("paper_id")["country"].agg(set)
    out = []
    for pid, year in audit.drop_duplicates("paper_id")[["paper_id", "year"]].itertuples(index=False):
        f = policy.flags(countries.get(pid, set()), china_policy)
        out.append({"year": int(year), "with_us": f["has_us"], "with_cn": f["has_cn"],
                    "with_both": f["has_us"] and f["has_cn"]})
    return pd.DataFrame(out).groupby("year").sum().astype(int).reset_index()


@pytest.mark.e2e
def test_an_imported_review_corrects_the_next_run(sample_run, spark, tmp_path, capsys):
    from paperscope.pipeline.affiliations import affiliations
    from paperscope.pipeline.flow import gate_then_aggregate
    from paperscope.pipeline.run import Run, skip, state

    code, run, cfg = sample_run
    assert code == 0
    shutil.copytree(cfg.warehouse.path, tmp_path / "warehouse")
    shutil.copytree(run.run_dir, tmp_path / "reports" / run.run_id)
    cfg2 = cfg.with_values({"warehouse.path": str(tmp_path / "warehouse"), "reports.path": str(tmp_path / "reports")})
    policy_name = cfg.affiliations.china_policy

    # The reviewer: the first string of the sample that the run placed in China alone is Japanese.
    sheet = read_sheet(run.run_dir / "review_sample.csv")
    assert set(sheet["stratum"]) >= {"us_cn", "rest"}
    target = sorted(sheet.loc[(sheet["raw"] != "") & (sheet["country"] == "CN"), "raw"])[0]
    pid = sheet.loc[sheet["raw"] == target, "paper_id"].iloc[0]
    sheet.loc[sheet["raw"] == target, ["verdict", "corrected_country"]] = ["wrong", "JP"]
    sheet.loc[(sheet["paper_id"] == pid) & (sheet["raw"] == ""), ["us_correct", "cn_correct"]] = ["yes", "no"]
    # ... and a paper the run did not count as US has a US author: its US flag is wrong.
    before = pd.read_csv(run.run_dir / "audit.csv", dtype={"country": str}, keep_default_na=False)
    read_ok = set(before.loc[before["status"] == "ok", "paper_id"])  # overrides apply to the papers read
    paper_rows = sheet[(sheet["raw"] == "") & sheet["paper_id"].isin(read_ok)]
    gain = paper_rows.loc[(paper_rows["has_us"] == "no") & (paper_rows["paper_id"] != pid), "paper_id"].iloc[0]
    sheet.loc[(sheet["paper_id"] == gain) & (sheet["raw"] == ""), ["us_correct", "note"]] = ["no", "US co-author"]
    filled = tmp_path / "filled.csv"
    sheet.to_csv(filled, index=False)

    load, append = spark_io(cfg2, spark)
    new, old = import_sheet(str(filled), cfg2, "tester", load, append)
    version = tables.version(spark, cfg2, "reviews")
    judged = int((sheet["raw"] == target).sum()) + 2  # the string in each sampled paper, and two papers' flags
    assert (new, old) == (judged, 0)
    assert import_sheet(str(filled), cfg2, "tester", load, append) == (0, judged)
    assert tables.version(spark, cfg2, "reviews") == version  # nothing written again

    # What the overrides say: every row of that string, in any paper, is JP; then pid has
    # no Chinese author and `gain` has a US one.
    before = before.assign(raw=before["raw"].map(lambda v: v[1:] if v.startswith("'") else v))
    fixes = string_fixes(in_force(load()))
    flags = paper_fixes(paper_in_force(load()), policy_name)
    assert sorted((f["paper_id"], f["present"]) for f in flags) == sorted(
        [(gain, True)] + [(pid, False)] * len(policy.china_codes(policy_name)))
    papers = before[before["paper_id"].isin(read_ok)].drop_duplicates("paper_id")[["paper_id", "year"]]
    strings_only = Overrides.of(fixes).frame(before, papers)
    expected = _flags_per_year(Overrides.of(fixes, flags).frame(before, papers), policy_name)
    # ... which is, beside the string's correction, one more US paper in gain's year and one
    # Chinese paper fewer in pid's (unless the string's correction already took its China).
    delta = expected.set_index("year") - _flags_per_year(strings_only, policy_name).set_index("year")
    year_of = dict(zip(papers["paper_id"], papers["year"].astype(int)))
    pid_cn = strings_only[(strings_only["paper_id"] == pid)]["country"].isin(policy.china_codes(policy_name)).any()
    assert delta["with_us"].to_dict() == {y: int(y == year_of[gain]) for y in delta.index}
    assert delta["with_cn"].to_dict() == {y: -int(bool(pid_cn) and y == year_of[pid]) for y in delta.index}

    run2 = Run(spark, cfg2)
    affiliations(run2)
    assert "affiliations" not in run2.skipped  # the reviews table is an input of the step
    assert gate_then_aggregate(run2) == 0
    collab = tables.read_years(spark, cfg2, "collaboration", None).toPandas()
    got = collab[["year", "with_us", "with_cn", "with_both"]].sort_values("year").reset_index(drop=True)
    assert got.astype(int).equals(expected.astype(int))
    old_collab = tables.read_years(spark, cfg, "collaboration", None).toPandas()
    assert got["with_cn"].sum() < old_collab["with_cn"].sum()

    affs = tables.read_years(spark, cfg2, "affiliations", None).toPandas()
    fixed = affs[affs["raw"] == target]
    assert set(fixed["method"]) == {"review"} and set(fixed["country"]) == {"JP"}
    assert fixed["evidence"].str.startswith("review ").all() and fixed["evidence"].str.contains("by tester").all()
    audit = pd.read_csv(run2.run_dir / "audit.csv", dtype=str, keep_default_na=False)
    assert set(audit.loc[audit["raw"] == target, "method"]) == {"review"}
    added = audit[(audit["paper_id"] == gain) & (audit["source"] == "review")]
    assert added[["country", "method"]].values.tolist() == [["US", "review"]]
    assert added["evidence"].str.contains("by tester .*: the paper has a US author \\(with_us yes\\): US co-author").all()
    assert audit.loc[audit["paper_id"] == pid, "country"].isin(policy.china_codes(policy_name)).sum() == 0
    assert (run2.run_dir / "review.html").is_file()
    assert main(["list"], io=(load, append)) == 0
    assert "with_us=yes\ttester" in capsys.readouterr().out

    # Unchanged reviews: the step would be skipped; a withdrawal makes it run again.
    run3 = Run(spark, cfg2)
    assert skip(run3, state(run3, "affiliations"))
    append(withdrawal(load(), in_force(load())["review_id"][0], "tester", "2099-01-01", None))
    assert not skip(run3, state(run3, "affiliations"))
