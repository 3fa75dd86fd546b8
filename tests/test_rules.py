"""Counting rules on hand-computed frames (no Spark): every expected number below is
worked out by hand from the six papers in the docstring of `_frames`."""
from __future__ import annotations

import pandas as pd
import pytest

from paperscope.core.config import load_config
from paperscope.counting import authors as authors_mod
from paperscope.counting import rules

# The counting rules' settings as packaged (aggregates.min_share, aggregates.min_authors).
SHARES = {"min_share": load_config().aggregates.min_share, "min_authors": load_config().aggregates.min_authors}


def _frames():
    """2024, six papers (countries per author, in order):
    p1 US | CN | US;  p2 one author at one string naming US and CN;  p3 CN | (none) | US;
    p4 GB | US;  p5 no author read, no affiliation;  p6 HK | US."""
    a = [("p1", [["US"]], [["CN"]], [["US"]]), ("p2", [["CN", "US"]]), ("p3", [["CN"]], [], [["US"]]),
         ("p4", [["GB"]], [["US"]]), ("p6", [["HK"]], [["US"]])]
    rows = [{"paper_id": pid, "year": 2024, "position": i, "n_authors": len(per), "affiliation_countries": s}
            for pid, *per in a for i, s in enumerate(per, 1)]
    papers = pd.DataFrame({"paper_id": ["p1", "p2", "p3", "p4", "p5", "p6"], "year": 2024})
    aff = pd.DataFrame([
        ("p1", "Stanford, USA", "US", "Stanford University"), ("p1", "Tsinghua, China", "CN", "Tsinghua University"),
        ("p2", "NYU Shanghai", "US", "New York University"), ("p2", "NYU Shanghai", "CN", "NYU Shanghai"),
        ("p3", "Tsinghua, China", "CN", "Tsinghua University"), ("p3", "Stanford, USA", "US", "Stanford University"),
        ("p4", "Oxford, UK", "GB", "University of Oxford"), ("p4", "Stanford, USA", "US", "Stanford University"),
        ("p6", "CUHK, Hong Kong", "HK", "The Chinese University of Hong Kong"),
        ("p6", "Stanford, USA", "US", "Stanford University"),
    ], columns=["paper_id", "raw", "country", "institution"]).assign(year=2024)
    return papers, aff, pd.DataFrame(rows)


def _counts(policy, dual):
    papers, aff, au = _frames()
    out = rules.count_rules(papers, aff, au, china_policies=[policy], min_share=1 / 3, min_authors=2)
    out = out[out["dual_strings"] == dual]
    return {r.rule: (r.with_us, r.with_cn, r.with_both) for r in out.itertuples()}


def test_every_rule_mainland_with_dual_strings():
    papers, aff, au = _frames()
    got = rules.count_rules(papers, aff, au, china_policies=["mainland"], **SHARES)
    got = got[got["dual_strings"]].reset_index(drop=True)
    expected = pd.DataFrame([
        ("any_author", 5, 3, 3), ("distinct_authors", 5, 3, 2), ("first_last", 5, 3, 1),
        ("first_or_last", 5, 3, 2), ("min_share", 5, 3, 3), ("min_authors", 5, 3, 0),
        ("fractional", 2.666667, 1.333333, 3.0),
    ], columns=["rule", "with_us", "with_cn", "with_both"])
    expected = expected.assign(year=2024, china_policy="mainland", dual_strings=True, papers=6)
    expected[["with_us", "with_cn", "with_both"]] = expected[["with_us", "with_cn", "with_both"]].astype(float)
    expected["share"] = (expected["with_both"] / 6).round(6)
    # p5 (nothing read) is unknown under every rule; p3's unplaced middle author could give
    # min_authors its second author on each side, and leaves part of its weight unplaced.
    expected["with_unknown"] = [1, 1, 1, 1, 1, 2, 2]
    pd.testing.assert_frame_equal(got, expected[rules.RULE_COLUMNS])


def test_a_paper_whose_first_author_has_no_country_is_unknown_where_that_author_could_decide():
    """q1: (none) | CN: the first author could be at a US institution, so first_last, first_or_last
    and distinct_authors cannot say no. q2: (none) | GB: no first author makes GB Chinese or
    American, so first_last says no for sure; first_or_last (one author may hold both) cannot."""
    rows = [{"paper_id": pid, "year": 2024, "position": i, "n_authors": 2, "affiliation_countries": s}
            for pid, per in (("q1", [[], [["CN"]]]), ("q2", [[], [["GB"]]])) for i, s in enumerate(per, 1)]
    papers = pd.DataFrame({"paper_id": ["q1", "q2"], "year": 2024})
    aff = pd.DataFrame([("q1", "Tsinghua, China", "CN", "Tsinghua"), ("q2", "Oxford, UK", "GB", "Oxford")],
                       columns=["paper_id", "raw", "country", "institution"]).assign(year=2024)
    got = rules.count_rules(papers, aff, pd.DataFrame(rows), china_policies=["mainland"], **SHARES)
    got = got[got["dual_strings"]].set_index("rule")
    assert got["with_both"].sum() == 0
    assert got["with_unknown"].to_dict() == {"any_author": 0, "distinct_authors": 1, "first_last": 1,
                                             "first_or_last": 2, "min_share": 2, "min_authors": 0,
                                             "fractional": 2}


def test_without_dual_strings_the_joint_appointment_counts_for_nobody():
    got = _counts("mainland", False)
    assert {r: v[2] for r, v in got.items()} == {
        "any_author": 2, "distinct_authors": 2, "first_last": 1, "first_or_last": 1, "min_share": 2,
        "min_authors": 0, "fractional": 2.0}
    assert got["fractional"][:2] == (2.166667, 0.833333)


def test_greater_china_counts_hong_kong():
    got = _counts("greater", True)
    assert {r: v[2] for r, v in got.items()} == {
        "any_author": 4, "distinct_authors": 3, "first_last": 2, "first_or_last": 3, "min_share": 4,
        "min_authors": 0, "fractional": 4.0}
    assert got["fractional"][1] == 1.833333


def test_min_authors_and_min_share_are_settings():
    papers, aff, au = _frames()
    got = rules.count_rules(papers, aff, au, china_policies=["mainland"], rules=["min_share", "min_authors"],
                            min_share=0.5, min_authors=1)
    got = got[got["dual_strings"]].set_index("rule")["with_both"].to_dict()
    assert got == {"min_share": 2.0, "min_authors": 3.0}  # p2, p3 / p1, p2, p3


def test_country_fractions_sum_to_papers_with_a_country():
    _, _, au = _frames()
    got = rules.country_fractions(au)
    expected = pd.DataFrame({"year": 2024, "country": ["US", "CN", "GB", "HK"],
                             "fractional_count": [2.666667, 1.333333, 0.5, 0.5]})
    pd.testing.assert_frame_equal(got, expected)
    assert got["fractional_count"].sum() == pytest.approx(5)


def test_institution_pairs_under_the_headline_rule():
    papers, aff, au = _frames()
    counted = rules.counted_papers(papers, aff, au, "any_author", "mainland", **SHARES)
    assert counted == {"p1", "p2", "p3"}
    got = rules.institution_pairs(aff, counted, "mainland")
    expected = pd.DataFrame([(2024, "Stanford University", "Tsinghua University", 2),
                             (2024, "New York University", "NYU Shanghai", 1)], columns=rules.PAIR_COLUMNS)
    pd.testing.assert_frame_equal(got, expected)
    assert rules.counted_papers(papers, aff, au, "first_last", "mainland", **SHARES) == {"p3"}


def test_paper_rules_are_the_rows_each_figure_sums():
    """agg_paper_rules: one row per paper, China policy and dual-strings setting; every
    rule's figure in agg_rules is the sum of its column there (one definition)."""
    from paperscope.storage import schemas

    papers, aff, au = _frames()
    per = rules.paper_rule_flags(papers, aff, au, **SHARES)
    assert list(per.columns) == rules.PAPER_RULE_COLUMNS
    assert [c.split()[0] for c in schemas.GOLD["paper_rules"].split(", ")] == rules.PAPER_RULE_COLUMNS
    assert len(per) == 6 * 2 * 2
    counts = rules.count_rules(papers, aff, au, **SHARES)
    for r in counts.itertuples():
        rows = per[(per["year"] == r.year) & (per["china_policy"] == r.china_policy)
                   & (per["dual_strings"] == r.dual_strings)]
        column = "fractional_weight" if r.rule == "fractional" else r.rule
        assert rows[column].sum() == pytest.approx(r.with_both, abs=1e-6), r
        assert rows[f"unknown_{r.rule}"].sum() == r.with_unknown, r
    kept = per[(per["china_policy"] == "mainland") & per["dual_strings"]].set_index("paper_id")
    assert kept.at["p3", "author_countries"] == ["CN", "", "US"] and kept.at["p3", "n_authors"] == 3
    assert kept.at["p5", "author_countries"] == [] and kept.at["p5", "unknown_first_last"]
    assert list(kept.index[kept["first_last"]]) == ["p3"]
    greater = per[(per["china_policy"] == "greater") & per["dual_strings"]].set_index("paper_id")
    assert greater.at["p6", "first_last"] and not kept.at["p6", "first_last"]
    left_out = per[(per["china_policy"] == "mainland") & ~per["dual_strings"]].set_index("paper_id")
    assert kept.at["p2", "author_countries"] == ["CN;US"] and left_out.at["p2", "author_countries"] == [""]


def test_consistency_frame_orders_the_rules():
    papers, aff, au = _frames()
    counts = rules.count_rules(papers, aff, au, **SHARES)
    wide = rules.consistency(counts, rules.country_fractions(au), au)
    assert len(wide) == 4
    assert (wide["first_last"] <= wide["distinct_authors"]).all()
    assert (wide["distinct_authors"] <= wide["any_author"]).all()
    assert (wide["any_author"] <= wide["papers"]).all()
    assert (wide["fractional_sum"] == wide["papers_with_country"]).all()


def test_no_paper_with_a_year_gives_empty_frames():
    papers, aff, au = _frames()
    counts = rules.count_rules(papers.iloc[:0], aff.iloc[:0], au.iloc[:0], **SHARES)
    assert counts.empty and rules.consistency(counts, rules.country_fractions(au.iloc[:0]), au.iloc[:0]).empty


def test_consistency_with_papers_but_no_author_rows():
    """A run whose papers all failed has rule rows (zero counts) but no authors: the gate's
    frame still has every column, with no paper with a country."""
    papers, aff, au = _frames()
    empty = au.iloc[:0]
    counts = rules.count_rules(papers, aff.iloc[:0], empty, **SHARES)
    got = rules.consistency(counts, rules.country_fractions(empty), empty)
    assert not got.empty and (got["papers_with_country"] == 0).all() and (got["fractional_sum"] == 0).all()


def test_header_authors_rows_follow_markers_and_sources():
    affs = [{"source": "block", "matches": [{"country": "US"}]},
            {"source": "footnote", "matches": [{"country": "CN"}, {"country": None}]}]
    got = authors_mod.header_rows("p", 2024, [{"name": "A", "affiliations": [0, 1], "tie": "marker"},
                                              {"name": "B", "affiliations": [], "tie": "none"}], affs)
    assert got == [
        {"paper_id": "p", "year": 2024, "position": 1, "n_authors": 2, "name": "A", "affiliations": [0, 1],
         "affiliation_countries": [["US"], ["CN"]], "countries": ["CN", "US"], "source": "block,footnote",
         "tie": "marker", "countries_by_source": {"pdf": ["CN", "US"]}, "chosen_source": "pdf", "track": None},
        {"paper_id": "p", "year": 2024, "position": 2, "n_authors": 2, "name": "B", "affiliations": [],
         "affiliation_countries": [], "countries": [], "source": None, "tie": "none",
         "countries_by_source": {"pdf": []}, "chosen_source": None, "track": None}]


def test_reviewed_corrections_replace_a_strings_countries_for_its_authors():
    """A reviewed string's countries replace the matcher's for every author linked to it, as
    in the affiliations table; otherwise a corrected paper breaks any_author >= distinct_authors."""
    affs = [{"raw": "Lab X, Cambridge", "source": "block", "matches": [{"country": "US"}]},
            {"raw": "Peking University", "source": "block", "matches": [{"country": "CN"}]}]
    authors = [{"name": "A", "affiliations": [0]}, {"name": "B", "affiliations": [1]}]
    got = authors_mod.header_rows("p", 2024, authors, affs, {"Lab X, Cambridge": ["GB"]})
    assert [r["countries"] for r in got] == [["GB"], ["CN"]]
    assert [r["countries"] for r in authors_mod.header_rows("p", 2024, authors, affs)] == [["US"], ["CN"]]


def test_metadata_authors_rows_number_the_papers_strings():
    got = authors_mod.metadata_rows("p", 2024, [("A", ["MIT", "PKU"]), ("B", ["PKU"]), ("C", [])],
                                    {"MIT": ["US"], "PKU": ["CN"]})
    assert [(r["position"], r["affiliations"], r["countries"], r["source"]) for r in got] == [
        (1, [0, 1], ["CN", "US"], "metadata"), (2, [1], ["CN"], "metadata"), (3, [], [], None)]
    assert {r["n_authors"] for r in got} == {3}
    assert [(r["countries_by_source"], r["chosen_source"]) for r in got] == [
        ({"metadata": ["CN", "US"]}, "metadata"), ({"metadata": ["CN"]}, "metadata"), ({"metadata": []}, None)]
    listed = authors_mod.metadata_rows("p", 2025, [("A", ["Peking University, China"]), ("B", [])],
                                       {"Peking University, China": ["CN"]}, track="main",
                                       provenances=[("profile", {"profile": ["CN"], "virtual": ["US"]}), (None, {})])
    assert [(r["countries_by_source"], r["chosen_source"], r["track"]) for r in listed] == [
        ({"profile": ["CN"], "virtual": ["US"]}, "profile", "main"), ({}, None, "main")]


def test_report_view_shows_references_and_the_headline_rule():
    from paperscope.report.words import answer, rules_view

    papers, aff, au = _frames()
    counts = {"rules": rules.count_rules(papers, aff, au, **SHARES), "institution_pairs": rules.institution_pairs(aff, {"p1"}, "mainland")}
    view = rules_view(counts, "mainland", {"rules": list(rules.RULES), "headline_rule": "first_last"},
                             {2024: {"papers": 10, "with_both": 1, "source": "X"}}, 5)
    assert view["references"].rows == [["2024", "X", "10", "1", "10.0", "+40.00 pp", "+23.33 pp", "+6.67 pp",
                                         "+23.33 pp", "+40.00 pp", "-10.00 pp", "+40.00 pp"]]
    assert view["text"][0].startswith("The answer and the institution pairs use first_last")
    collab = pd.DataFrame({"year": [2024], "papers": [6], "with_both": [3], "with_unknown": [1]})
    aggregates = {"rules": list(rules.RULES), "headline_rule": "any_author", **SHARES}
    assert answer(collab, counts, "mainland", aggregates, {}, None, 1)[0]["sentence"].startswith("2024: 3 of 6")
    got = answer(collab, counts, "mainland", {**aggregates, "headline_rule": "first_last"}, {}, None, 1)[0]
    assert got["sentence"].startswith("2024: 1 of 6 papers (16.7%) have their first author in one country and their "
                                      "last author in the other")
    assert view["by_year"].rows[2][:3] == ["first_last", view["by_year"].rows[2][1], "1 (16.7%) +1?"]
    assert view["by_year"].links[2][2] == "papers_first_last_mainland_kept.csv"


def test_aggregates_settings_are_checked():
    from paperscope.core.config import ConfigError, load_config

    cfg = load_config(None, ["aggregates.rules=[first_last]", "aggregates.headline_rule=first_last",
                             "reports.references={2024: {papers: 4497, with_both: 134, source: WIRED}}"])
    assert cfg.aggregates.rules == ["first_last"] and cfg.reports.references[2024].with_both == 134
    for bad in (["aggregates.rules=[first_last]"], ["aggregates.rules=[nope]"], ["aggregates.min_share=0"]):
        with pytest.raises(ConfigError):
            load_config(None, bad)
