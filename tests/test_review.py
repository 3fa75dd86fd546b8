"""The review loop without Spark: stratified draw, the sheet and its validation, the
idempotent import, overrides in force and withdrawn, the review page, and the Wilson
arithmetic against values computed by hand."""
from __future__ import annotations

import json
import math
from html.parser import HTMLParser
from types import SimpleNamespace

import pandas as pd
import pytest

from paperscope.core import escape
from paperscope.core.config import load_config
from paperscope.counting.overrides import (
    REVIEW_TABLE_COLUMNS,
    Overrides,
    in_force,
    paper_fixes,
    paper_in_force,
    string_fixes,
)
from paperscope.paper.mentions import load_terms
from paperscope.report.audit import audit_table, paper_records
from paperscope.report.review.cli import main
from paperscope.report.review.sample import REVIEWER_COLUMNS, SHEET_COLUMNS, draw, evidence_text, paper_strata, sheet
from paperscope.report.review.sheet import ReviewError, judgements, new_only, review_id, withdrawal
from paperscope.report.review.stats import (
    Estimate,
    _width,
    headline,
    headline_sentence,
    precision,
    reviews_needed,
    wilson,
    z_value,
)
from paperscope.report.writer import RunReport, write

# The counting rules' settings as packaged (aggregates.min_share, aggregates.min_authors).
SHARES = {"min_share": load_config().aggregates.min_share, "min_authors": load_config().aggregates.min_authors}

Z = 1.96  # the hand computations below use z = 1.96


# ---------------------------------------------------------------------------------------
# Interval arithmetic, checked against hand-computed values
# ---------------------------------------------------------------------------------------


def test_wilson_matches_hand_computed_values():
    # 8 of 10: p=0.8, z^2=3.8416, denominator 1.38416, centre 0.99208/1.38416 = 0.716738,
    # half = 1.96/1.38416 * sqrt(0.016 + 0.009604) = 1.416021 * 0.160012 = 0.226581.
    lo, hi = wilson(8, 10, Z)
    assert lo == pytest.approx(0.490157, abs=1e-5) and hi == pytest.approx(0.943319, abs=1e-5)
    # 0 of 10: centre 0.19208/1.38416 = 0.138771 = half, so [0, 0.277542].
    assert wilson(0, 10, Z) == pytest.approx((0.0, 0.277542), abs=1e-5)
    # 10 of 10: the mirror image.
    assert wilson(10, 10, Z) == pytest.approx((0.722458, 1.0), abs=1e-5)
    assert wilson(0, 0, Z) == (0.0, 1.0)
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)


def test_reviews_needed_for_a_width():
    # p=0.5: n=93 gives half 1.96/1.041308 * sqrt(0.25/93 + 3.8416/34596) = 1.882249 * 0.052908
    # = 0.099586, width 0.19917 <= 0.2; n=92 gives 1.881438 * 0.053206 = 0.100104, width 0.2002.
    assert reviews_needed(0, 0, Z, 0.2) == 93
    n = reviews_needed(8, 10, Z, 0.1)  # at the observed 0.8: the least n whose width is <= 0.1
    assert _width(0.8, n, Z) <= 0.1 < _width(0.8, n - 1, Z)


def test_headline_range_from_precision_per_stratum():
    est = [Estimate("with_both", "us_cn", 100, 10, 8, *wilson(8, 10, Z)),
           Estimate("with_both", "weak", 0, 0, 0, 0.0, 1.0)]
    h = headline(est, "with_both", Z, 0.05)
    # 100 x [0.490157, 0.943319] -> 49 to 95 papers.
    assert (h["papers"], h["reviewed"], h["low"], h["high"], h["stratum"]) == (100, 10, 49, 95, "us_cn")
    # A 5-point interval at 0.8 needs more reviews than the stratum's 100 papers: review them all.
    assert (h["needed"], h["more"], h["review_all"]) == (100, 90, True)
    text = headline_sentence(h, 0.95, 0.05)
    assert text == ("with_both: 100 papers; from 10 reviewed, 95% interval 49 to 95; review all 100 of the us_cn "
                    "stratum (90 more) to know it exactly.")


def test_interval_wording_at_the_edges():
    """No review: one sentence, no "0 to all"; the reviews asked for never exceed the
    stratum ("review all 8"); a stratum reviewed whole is exact; nothing counted says so."""
    none = headline([Estimate("with_both", "us_cn", 484, 0, 0, 0.0, 1.0)], "with_both", Z, 0.05)
    text = headline_sentence(none, 0.95, 0.05)
    assert text == ("with_both: 484 papers; none reviewed yet, so there is no interval (a reviewed sample, "
                    "review.html, bounds it).")
    small = headline([Estimate("with_both", "us_cn", 8, 1, 1, *wilson(1, 1, Z))], "with_both", Z, 0.05)
    assert (small["needed"], small["more"], small["review_all"]) == (8, 7, True)
    assert headline_sentence(small, 0.95, 0.05).endswith(
        "; review all 8 of the us_cn stratum (7 more) to know it exactly.")
    whole = headline([Estimate("with_both", "us_cn", 8, 8, 7, *wilson(7, 8, Z)),
                      Estimate("with_both", "weak", 0, 0, 0, 0.0, 1.0)], "with_both", Z, 0.05)
    assert (whole["low"], whole["high"], whole["more"]) == (7, 7, 0)
    assert headline_sentence(whole, 0.95, 0.05) == "with_both: 8 papers; from 8 reviewed, exactly 7 right."
    one = headline([Estimate("with_both", "us_cn", 1, 0, 0, 0.0, 1.0)], "with_both", Z, 0.05)
    assert headline_sentence(one, 0.95, 0.05).startswith("with_both: 1 paper; none reviewed yet")
    assert headline_sentence(headline([], "with_both", Z, 0.05), 0.95, 0.05) == "with_both: no papers counted."
    big = headline([Estimate("with_both", "us_cn", 5000, 10, 8, *wilson(8, 10, Z))], "with_both", Z, 0.05)
    assert not big["review_all"] and 10 < big["needed"] < 5000
    assert f"; about {big['more']:,} more reviewed papers of the us_cn stratum" in headline_sentence(big, 0.95, 0.05)


# ---------------------------------------------------------------------------------------
# Small frames: an audit of five papers
# ---------------------------------------------------------------------------------------

AUDIT_COLUMNS = ["paper_id", "year", "title", "path", "status", "raw", "source", "institution", "country", "method",
                 "matched", "evidence", "score"]


def _audit():
    rows = [
        ("pa", 2025, "Both", "/c/a.pdf", "ok", "MIT, Cambridge, MA", "block", "MIT", "US", "alias", "MIT", "MIT", 1.0),
        ("pa", 2025, "Both", "/c/a.pdf", "ok", "Tsinghua University", "block", "Tsinghua University", "CN", "exact",
         "Tsinghua University", "name", 1.0),
        ("pb", 2025, "Weak", "/c/b.pdf", "ok", "Acme Lab, Seattle", "block", None, "US", "address", "Seattle",
         "'Seattle' -> US", 0.6),
        ("pc", 2025, "Unknown", "/c/c.pdf", "ok", "Independent Researcher", "block", None, None, "none", None,
         "no known institution", 0.0),
        ("pd", 2025, "Rest", "/c/d.pdf", "ok", "University of Oxford", "block", "University of Oxford", "GB", "exact",
         "University of Oxford", "name", 1.0),
        # The same string as pb's, in another paper: one correction fixes both.
        ("pe", 2024, "Same string", "/c/e.pdf", "ok", "Acme Lab, Seattle", "footnote", None, "US", "address",
         "Seattle", "'Seattle' -> US", 0.6),
        ("pf", 2024, "Bare", "/c/f.pdf", "ok", "Meta", "block", "Meta", "US", "alias", "Meta", "Meta", 1.0),
    ]
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def test_strata_and_a_reproducible_draw():
    strata = paper_strata(_audit(), "mainland", ["fuzzy", "address", "domain"])
    assert strata.to_dict() == {"pa": "us_cn", "pb": "weak", "pc": "unknown", "pd": "rest", "pe": "weak", "pf": "weak"}
    sizes = {"us_cn": 1, "weak": 2, "unknown": 0, "rest": 5}
    first = draw(strata, sizes, seed=3)
    assert first == draw(strata.iloc[::-1], sizes, seed=3)
    assert [s for _, s in first] == ["us_cn", "weak", "weak", "rest"]
    ids = pd.Series({f"p{i}": "rest" for i in range(50)})
    assert draw(ids, {"rest": 5}, 1) != draw(ids, {"rest": 5}, 2)


def _sheet(run_id="r1", corpus="/c"):
    audit = _audit()
    records = paper_records(audit_table(audit, None, "body"), None, ["pa", "pb", "pc"])
    for r in records:
        r["stratum"] = {"pa": "us_cn", "pb": "weak", "pc": "unknown"}[r["paper_id"]]
    return sheet(records, run_id, corpus, "mainland")


def _fill(sheet: pd.DataFrame) -> pd.DataFrame:
    """A reviewer's work: pa right on both flags; pb's string is really Canadian."""
    df = sheet.copy()
    df.loc[(df["paper_id"] == "pa") & (df["raw"] == ""), ["us_correct", "cn_correct"]] = ["yes", "yes"]
    df.loc[(df["paper_id"] == "pb") & (df["raw"] == ""), ["us_correct", "note"]] = ["no", "Seattle is wrong"]
    df.loc[df["raw"] == "Acme Lab, Seattle", ["verdict", "corrected_country"]] = ["wrong", "ca"]
    df.loc[df["raw"] == "MIT, Cambridge, MA", "verdict"] = "right"
    return df


def test_sheet_has_a_paper_row_and_one_row_per_string():
    sheet = _sheet()
    assert list(sheet.columns) == SHEET_COLUMNS + REVIEWER_COLUMNS
    pa = sheet[sheet["paper_id"] == "pa"]
    assert list(pa["raw"]) == ["", "MIT, Cambridge, MA", "Tsinghua University"]
    assert pa.iloc[0][["country", "has_us", "has_cn"]].tolist() == ["CN;US", "yes", "yes"]
    assert (sheet[REVIEWER_COLUMNS] == "").all().all()


def _judge(df, **kw):
    args = {"audit": _audit(), "run_id": "r1", "corpus": "/c", "countries": {"US", "CN", "CA", "GB"},
            "reviewer": "ana", "now": "2026-11-30T12:00:00+00:00"}
    return judgements(df, **{**args, **kw})


def test_judgements_from_a_filled_sheet():
    rows = _judge(_fill(_sheet()))
    assert len(rows) == 4  # pa flags, MIT right, pb flags, the Acme correction; pc left blank
    fix = rows[rows["raw"] == "Acme Lab, Seattle"].iloc[0]
    assert (fix["verdict"], fix["corrected_country"], fix["reviewer"]) == ("wrong", "CA", "ana")
    pa = rows[(rows["paper_id"] == "pa") & rows["raw"].isna()].iloc[0]
    assert (pa["us_correct"], pa["cn_correct"], pa["run_us"], pa["run_cn"], pa["stratum"]) == (True, True, True, True,
                                                                                                 "us_cn")
    assert rows["review_id"].is_unique
    # The same sheet again, even imported later, has the same keys: nothing new.
    again = _judge(_fill(_sheet()), now="2026-12-01T00:00:00+00:00")
    assert new_only(again, rows).empty


@pytest.mark.parametrize("change, message", [
    (lambda d: d.assign(paper_id=d["paper_id"].replace("pb", "zz")), "line 5: unknown paper id 'zz' (not in run r1)"),
    (lambda d: d.assign(corrected_country=d["corrected_country"].replace("ca", "XX")),
     "line 6: XX is not an ISO 3166-1 alpha-2 country code"),
    (lambda d: d.assign(corpus="/other"), "sample is from corpus '/other', but this config reads '/c'"),
    (lambda d: d.assign(run_id="r0"), "sample is from run 'r0', not 'r1'"),
    (lambda d: d.assign(verdict=d["verdict"].replace("right", "maybe")), "line 3: verdict 'maybe' is not right or wrong"),
    (lambda d: d.assign(raw=d["raw"].replace("Tsinghua University", "Peking University")),
     "line 4: paper pa has no affiliation string 'Peking University' in run r1"),
    (lambda d: d.drop(columns=["verdict"]), "missing column(s): verdict"),
])
def test_each_bad_sheet_is_one_clear_line(change, message):
    with pytest.raises(ReviewError) as err:
        _judge(change(_fill(_sheet())))
    assert any(line.startswith(message) for line in str(err.value).splitlines()), str(err.value)


def test_overrides_in_force_apply_to_every_paper_with_the_string_and_can_be_withdrawn():
    rows = _judge(_fill(_sheet()))
    force = in_force(rows)
    assert list(force["raw"]) == ["Acme Lab, Seattle"]
    fixes = string_fixes(force)
    assert [(f["raw"], f["country"]) for f in fixes] == [("Acme Lab, Seattle", "CA")]
    assert fixes[0]["evidence"].startswith(f"review {force['review_id'][0][:12]} by ana (2026-11-30, paper pb")
    out = Overrides.of(fixes).frame(_audit(), _audit().drop_duplicates("paper_id")[["paper_id", "year"]])
    acme = out[out["raw"] == "Acme Lab, Seattle"]
    assert sorted(acme["paper_id"]) == ["pb", "pe"] and set(acme["country"]) == {"CA"} and set(acme["method"]) == {"review"}
    before = _audit()
    assert out[out["raw"] != "Acme Lab, Seattle"].reset_index(drop=True).equals(
        before[before["raw"] != "Acme Lab, Seattle"].reset_index(drop=True))
    # Withdrawn: no longer in force.
    gone = withdrawal(rows, force["review_id"][0][:8], "bo", "2026-12-01T00:00:00+00:00", "was right after all")
    assert in_force(pd.concat([rows, gone])).empty
    with pytest.raises(ReviewError, match="names 0 overrides"):
        withdrawal(rows, "nope", "bo", "t", None)


def _paper_judgement(pid, now, us=None, cn=None, run_us=True, run_cn=True, who="ana"):
    row = {k: None for k in REVIEW_TABLE_COLUMNS}
    row.update(reviewer=who, reviewed_at=now, run_id="r1", corpus="/c", paper_id=pid, us_correct=us, cn_correct=cn,
               run_us=run_us, run_cn=run_cn)
    row["review_id"] = review_id(row)
    return row


def test_paper_flag_overrides_in_force_apply_to_the_paper_and_its_authors_and_can_be_withdrawn():
    from paperscope.counting import rules
    from paperscope.counting.flags import paper_flags

    rows = pd.DataFrame([
        _paper_judgement("pa", "2026-11-01", us=True, cn=False),             # pa has no Chinese author
        _paper_judgement("pd", "2026-11-01", us=False, run_us=False, run_cn=False),  # pd has a US author
        _paper_judgement("pd", "2026-11-02", us=True, run_us=True, run_cn=False),    # confirmed later: pins nothing
        _paper_judgement("pb", "2026-11-01", us=False, run_cn=False),        # pb: no US author ...
        _paper_judgement("pb", "2026-11-03", us=False, run_us=False, run_cn=False, who="bo"),  # ... bo: yes, there is
    ], columns=REVIEW_TABLE_COLUMNS)
    force = paper_in_force(rows)
    assert force[["paper_id", "flag", "value", "reviewer"]].values.tolist() == [
        ["pa", "with_cn", False, "ana"], ["pb", "with_us", True, "bo"], ["pd", "with_us", True, "ana"]]
    fixes = paper_fixes(force, "greater")
    assert [(f["paper_id"], f["country"], f["present"]) for f in fixes] == [
        ("pa", "CN", False), ("pa", "HK", False), ("pa", "MO", False), ("pa", "TW", False),
        ("pb", "US", True), ("pd", "US", True)]
    rid = force["review_id"][0][:12]
    assert fixes[0]["evidence"] == f"review {rid} by ana (2026-11-01): the paper has no Chinese author (with_cn no)"
    assert fixes[-1]["raw"] == f"(review {force['review_id'][2][:12]}: with_us yes)"

    audit = _audit()
    papers = audit.drop_duplicates("paper_id")[["paper_id", "year"]]
    out = Overrides.of(flags=fixes).frame(audit, papers)
    before, after = (paper_flags(papers, a, "greater").set_index("paper_id") for a in (audit, out))
    assert before.loc["pa", "both"] and not after.loc["pa", "has_cn"] and after.loc["pa", "has_us"]
    assert not before.loc["pd", "has_us"] and after.loc["pd", "has_us"] and after.loc["pb", "has_us"]
    tsinghua = out[out["raw"] == "Tsinghua University"].iloc[0]
    assert (tsinghua["country"], tsinghua["method"]) == (None, "review") and tsinghua["evidence"] == fixes[0]["evidence"]
    added = out[out["source"] == "review"]
    assert added[["paper_id", "year", "country", "method"]].values.tolist() == [["pb", 2025, "US", "review"],
                                                                                 ["pd", 2025, "US", "review"]]
    assert len(out) == len(audit) + 2

    # The authors: a country taken out of the paper leaves its authors too, so no per-author
    # rule counts what the reviewer denied, and the gate's order of rules still holds.
    people = [{"paper_id": "pa", "year": 2025, "position": 1, "n_authors": 2, "affiliation_countries": [["US"]]},
              {"paper_id": "pa", "year": 2025, "position": 2, "n_authors": 2, "affiliation_countries": [["CN", "US"]]}]
    kept = Overrides.of(flags=fixes).authors(people)
    assert [r["affiliation_countries"] for r in kept] == [[["US"]], [["US"]]] and kept[1]["countries"] == ["US"]
    def ordered(people):
        frame = pd.DataFrame(people)
        counts = rules.count_rules(papers, out, frame, china_policies=["greater"], **SHARES)
        c = rules.consistency(counts, rules.country_fractions(frame), frame)
        return bool(((c["first_last"] <= c["distinct_authors"]) & (c["distinct_authors"] <= c["any_author"])).all())

    assert ordered(kept) and not ordered(people)  # the authors untouched would break the gate's rule_consistency

    # Withdrawn (bo's): the earlier override of pb is in force again.
    gone = withdrawal(rows, force["review_id"][1][:10], "cy", "2026-12-01", None)
    again = paper_in_force(pd.concat([rows, gone]))
    assert again.loc[again["paper_id"] == "pb", ["flag", "value", "reviewer"]].values.tolist() == [
        ["with_us", False, "ana"]]


def test_a_flag_marked_wrong_needs_the_runs_flags():
    with pytest.raises(ReviewError, match="line 5: a flag marked wrong needs the run's has_us and has_cn"):
        _judge(_fill(_sheet()).drop(columns=["has_us", "has_cn"]))


def test_precision_per_stratum_from_the_paper_judgements():
    rows = _judge(_fill(_sheet()))
    counted = pd.DataFrame([{"stratum": "us_cn", "with_us": 1, "with_cn": 1, "with_both": 1},
                            {"stratum": "weak", "with_us": 3, "with_cn": 0, "with_both": 0}])
    est = {(e.flag, e.stratum): e for e in precision(rows, counted, Z)}
    assert (est["with_both", "us_cn"].reviewed, est["with_both", "us_cn"].right) == (1, 1)
    assert (est["with_us", "weak"].reviewed, est["with_us", "weak"].right) == (1, 0)
    assert (est["with_cn", "weak"].reviewed, est["with_cn", "weak"].low, est["with_cn", "weak"].high) == (0, 0.0, 1.0)


# ---------------------------------------------------------------------------------------
# `paperscope review`: import twice, bad input writes nothing, list, withdraw
# ---------------------------------------------------------------------------------------


class Store:
    """The reviews table in memory, through the same load/append the CLI uses."""

    def __init__(self):
        self.df = pd.DataFrame(columns=REVIEW_TABLE_COLUMNS)
        self.appends = 0

    def io(self):
        return (lambda: self.df.copy(), self._append)

    def _append(self, rows):
        self.appends += 1
        self.df = pd.concat([self.df, rows], ignore_index=True)


@pytest.fixture
def reports(tmp_path):
    """A run folder with its audit.csv, as a run leaves it."""
    run = tmp_path / "reports" / "r1"
    run.mkdir(parents=True)
    escape.csv_frame(audit_table(_audit(), None, "body")).to_csv(run / "audit.csv", index=False)
    return tmp_path / "reports"


def _main(store, reports, action, *args):
    return main([action, "--reports", str(reports), "--set", "input.corpus=/c", *args], io=store.io())


def test_cli_import_is_idempotent_and_bad_input_writes_nothing(tmp_path, reports, capsys):
    store = Store()
    good = tmp_path / "good.csv"
    _fill(_sheet()).to_csv(good, index=False)
    assert _main(store, reports, "import", str(good), "--reviewer", "ana") == 0
    assert "4 new judgement(s) imported, 0 already there" in capsys.readouterr().out
    assert _main(store, reports, "import", str(good), "--reviewer", "ana") == 0
    assert "0 new judgement(s) imported, 4 already there" in capsys.readouterr().out
    assert len(store.df) == 4 and store.appends == 1

    bad = tmp_path / "bad.csv"
    df = _fill(_sheet())
    df.loc[df["raw"] == "MIT, Cambridge, MA", "corrected_country"] = "USA"
    df.loc[df["paper_id"] == "pc", "paper_id"] = "nope"
    df.to_csv(bad, index=False)
    assert _main(store, reports, "import", str(bad)) == 2
    err = capsys.readouterr().err.splitlines()
    assert "paperscope: error: line 3: USA is not an ISO 3166-1 alpha-2 country code" in err
    assert "paperscope: error: line 8: unknown paper id 'nope' (not in run r1)" in err
    other = tmp_path / "other.csv"
    _fill(_sheet(run_id="r9")).to_csv(other, index=False)
    assert _main(store, reports, "import", str(other)) == 2
    assert "sample is from run 'r9', which has no audit under" in capsys.readouterr().err
    assert _main(store, reports, "import", str(good), "--set", "input.corpus=/elsewhere") == 2
    assert "but this config reads '/elsewhere'" in capsys.readouterr().err
    assert _main(store, reports, "import", str(tmp_path / "missing.csv")) == 2
    assert len(store.df) == 4 and store.appends == 1  # nothing half-imported

    assert _main(store, reports, "list") == 0
    listed = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert listed[0][:4] == ["review_id", "raw", "country", "flag"] and len(listed) == 3
    assert listed[1][1:5] == ["Acme Lab, Seattle", "CA", "", "ana"]
    # pb's US flag marked wrong: a paper override, the flag's other value.
    assert listed[2][1:5] + listed[2][6:] == ["", "", "with_us=no", "ana", "pb", "Seattle is wrong"]
    for line in (listed[1], listed[2]):
        assert _main(store, reports, "withdraw", line[0], "--reviewer", "bo") == 0
    assert _main(store, reports, "list") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("withdrawn; the next run drops it") and len(out) == 3  # then list: the header alone
    assert in_force(store.df).empty and paper_in_force(store.df).empty


def test_the_sheet_of_a_metadata_run_imports_with_its_source(tmp_path, reports, capsys):
    store = Store()
    sheet = tmp_path / "meta.csv"
    _fill(_sheet(corpus="/m/neurips2024.json")).to_csv(sheet, index=False)
    assert _main(store, reports, "import", str(sheet), "--reviewer", "ana") == 2
    assert "sample is from corpus '/m/neurips2024.json', but this config reads '/c'" in capsys.readouterr().err
    assert _main(store, reports, "import", str(sheet), "--reviewer", "ana", "--set",
                 "metadata.source=/m/neurips2024.json") == 0
    assert set(store.df["corpus"]) == {"/m/neurips2024.json"}


# ---------------------------------------------------------------------------------------
# The review page
# ---------------------------------------------------------------------------------------

EVIL = "Lab </script><script>alert(1)</script> & <!-- x"


class Form(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields, self.tags, self.scripts, self.links = {}, [], [], []
        self._script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag in ("input", "select"):
            self.fields[attrs["name"]] = tag
        if tag == "script":
            self._script = attrs
            self.scripts.append([attrs, ""])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self.scripts[-1][1] += data


def test_review_page_is_self_contained_with_its_form(tmp_path):
    audit = _audit()
    audit.loc[audit["paper_id"] == "pa", "title"] = EVIL
    audit.loc[audit["raw"] == "Tsinghua University", "raw"] = EVIL
    mentions = pd.DataFrame([("pa", "Qwen", 2, 2)], columns=["paper_id", "term", "count_full", "count_body"])
    settings = SimpleNamespace(seed=0, top_terms=5, html_rows=10, min_papers=10, references={}, top_pairs=5)
    from paperscope.core.config import load_config

    conf = load_config()
    meta = {"run_id": "r1", "started": "t", "conf_file": None, "status": "passed", "message": None, "years": [2025],
            "input": "/c", "warehouse": "/w", "china_policy": "mainland", "mention_scope": "body", "durations": {},
            "config": {}, "data_docs": None, "versions": {}}
    def texts(ids):
        return {"pa": evidence_text(
            "A Title\nAna Li\nMIT\nAbstract\nWe study.", "We fine-tune Qwen-7B on </script> data.\nReferences\nQwen",
            load_terms(), {"Qwen"}, 200, 20)}

    collab = pd.DataFrame([(2025, 5, 5, 3, 1, 1, 1, 1, 0.6, 0.2, 0.2)],
                          columns=["year", "papers", "papers_ok", "with_us", "with_cn", "with_both", "with_neither",
                                   "with_unknown", "share_us", "share_cn", "share_both"])
    inputs = pd.DataFrame({"year": [2025], "files": [7], "ok": [7]})
    paths = write(tmp_path / "run", RunReport(meta=meta, inputs=inputs, gold={"collaboration": collab}, audit=audit,
                                              mentions=mentions, reports=settings, review=conf.review, texts=texts))
    page = tmp_path / "run" / "review.html"
    assert paths["review_page"] == str(page)
    raw = page.read_text(encoding="utf-8")
    form = Form()
    form.feed(raw)
    assert not any(link.startswith(("http:", "https:", "//")) for link in form.links)
    assert [a.get("src") for a, _ in form.scripts] == [None, None]  # inline only, no CDN
    assert raw.count("</script>") == 2 and "<script>alert(1)" not in raw
    rows = json.loads(form.scripts[0][1])
    sheet = pd.read_csv(tmp_path / "run" / "review_sample.csv", dtype=str, keep_default_na=False)
    assert len(rows) == len(sheet) and {r["paper_id"] for r in rows} == set(sheet["paper_id"])
    assert EVIL in {r["raw"] for r in rows} and EVIL in {r["title"] for r in rows}
    assert json.loads(form.scripts[1][1].split("var columns = ", 1)[1].split(";", 1)[0]) == list(sheet.columns)
    assert form.fields["reviewer"] == "input"
    for i, r in enumerate(rows):
        if r["raw"]:
            assert form.fields[f"verdict-{i}"] == "select" and form.fields[f"corrected_country-{i}"] == "input"
        else:
            assert {form.fields[f"us_correct-{i}"], form.fields[f"cn_correct-{i}"]} == {"select"}
    assert "Ana Li" in raw and "We study" not in raw  # the block stops at the abstract
    assert "fine-tune Qwen-7B on &lt;/script&gt;" in raw
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    both = next(h for h in record["headline_error"]["headline"] if h["flag"] == "with_both")
    assert (both["papers"], both["reviewed"], both["low"], both["high"]) == (1, 0, 0, 1)
    assert "with_both: 1 paper; none reviewed yet, so there is no interval" in (tmp_path / "run" / "index.html").read_text()
    assert math.isclose(record["headline_error"]["confidence"], 0.95)


def _browser(downloads):
    """Headless Chromium under chromedriver (Debian's chromium and chromium-driver, which
    `scripts/bootstrap.sh --test` installs as root), saving downloads into `downloads`."""
    import shutil

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.skip("no chromium + chromedriver on PATH (as root, `make setup-test` installs Debian's "
                    "chromium and chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium  # with the driver's path given, selenium looks nothing up online
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,900",
                f"--user-data-dir={downloads.parent / 'chromium-profile'}"):  # nothing left in /tmp
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    browser = webdriver.Chrome(service=Service(driver), options=options)
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return browser


def _downloaded(folder, name: str, seconds: float = 20.0):
    import time

    path = folder / name
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if path.is_file() and path.stat().st_size and not list(folder.glob("*.crdownload")):
            return path
        time.sleep(0.1)
    raise AssertionError(f"no {name} in {folder} after {seconds:g} s: {sorted(p.name for p in folder.iterdir())}")


@pytest.mark.e2e
def test_review_page_in_a_headless_browser_saves_a_sheet_that_imports(tmp_path, capsys):
    """review.html (written by report.write from a small audit) in headless Chromium: the
    form's fields render, a reviewer's choices and typing go through the page's own script,
    the CSV it downloads is the sheet with those answers, and `review import` takes it."""
    pytest.importorskip("selenium", reason="selenium not installed (pip install -e '.[dev]')")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from paperscope.core.config import load_config

    meta = {"run_id": "r1", "started": "t", "conf_file": None, "status": "passed", "message": None, "years": [2025],
            "input": "/c", "warehouse": "/w", "china_policy": "mainland", "mention_scope": "body", "durations": {},
            "config": {}, "data_docs": None, "versions": {}}
    run_dir = tmp_path / "reports" / "r1"
    write(run_dir, RunReport(meta=meta, inputs=pd.DataFrame({"year": [2025], "files": [7], "ok": [7]}), audit=_audit(),
                             reports=SimpleNamespace(seed=0, top_terms=5, html_rows=10, min_papers=10, references={}, top_pairs=5), review=load_config().review))
    sheet = pd.read_csv(run_dir / "review_sample.csv", dtype=str, keep_default_na=False)
    acme = int(sheet.index[sheet["raw"] == "Acme Lab, Seattle"][0])
    paper = int(sheet.index[(sheet["paper_id"] == sheet.loc[acme, "paper_id"]) & (sheet["raw"] == "")][0])
    strings = [i for i, raw in enumerate(sheet["raw"]) if raw]
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser = _browser(downloads)
    try:
        browser.get((run_dir / "review.html").as_uri())
        assert browser.title == "paperscope review, run r1"
        fields = {e.get_attribute("name"): e for e in browser.find_elements(By.CSS_SELECTOR, "#review [name]")}
        for i in range(len(sheet)):
            names = [f"verdict-{i}", f"corrected_country-{i}"] if i in strings else [f"us_correct-{i}", f"cn_correct-{i}"]
            assert all(fields[n].is_displayed() for n in names), names
        assert len(browser.find_elements(By.CSS_SELECTOR, "fieldset.paper")) == sheet["paper_id"].nunique()
        fields["reviewer"].send_keys("ana")
        fields[f"corrected_country-{acme}"].send_keys("ca")
        Select(fields[f"us_correct-{paper}"]).select_by_visible_text("wrong")
        Select(fields[f"verdict-{strings[-1]}"]).select_by_visible_text("right")
        fields[f"note-{paper}"].send_keys('Seattle is "Vancouver", BC')
        browser.find_element(By.ID, "save").click()
        saved = _downloaded(downloads, "review-r1.csv")
    finally:
        browser.quit()

    got = pd.read_csv(saved, dtype=str, keep_default_na=False)
    assert list(got.columns) == list(sheet.columns) and len(got) == len(sheet)
    assert got.loc[acme, "corrected_country"] == "ca" and got.loc[paper, "us_correct"] == "no"
    assert got.loc[strings[-1], "verdict"] == "right" and got.loc[paper, "note"] == 'Seattle is "Vancouver", BC'
    assert set(got["reviewer"]) == {"ana"}
    untouched = [c for c in sheet.columns if c not in REVIEWER_COLUMNS]
    assert got[untouched].equals(sheet[untouched])  # the evidence travels back as the run wrote it

    # The importer's own validation, then the append: what the page saved goes in as is.
    store = Store()
    assert _main(store, tmp_path / "reports", "import", str(saved)) == 0
    assert "3 new judgement(s) imported" in capsys.readouterr().out
    assert list(in_force(store.df)["corrected_country"]) == ["CA"]
    flags = paper_in_force(store.df)
    assert flags[["paper_id", "flag", "value"]].values.tolist() == [[sheet.loc[paper, "paper_id"], "with_us", False]]
