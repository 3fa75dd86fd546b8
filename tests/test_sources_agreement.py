"""The counts a reconciled year adds, on hand-made authors rows: each rule per source against
the run's count, the papers the sources disagree on, the rules per track, the report's block."""
from __future__ import annotations

import pandas as pd
import pytest

from paperscope.counting import agreement, tracks
from paperscope.report import sources as report_sources

pytestmark = pytest.mark.unit
RULES = ("any_author", "distinct_authors", "first_last", "fractional")


def _author(pid, pos, n, chosen, by, track=None):
    return {"paper_id": pid, "year": 2025, "position": pos, "n_authors": n, "affiliation_countries": [chosen],
            "countries_by_source": by, "track": track}


@pytest.fixture
def authors() -> pd.DataFrame:
    """p1: the PDF says US + US, the profile US + CN (the PDF chosen); p2: both say US + CN,
    the second author placed by the profile alone; p3: the PDF alone (not compared)."""
    return pd.DataFrame([
        _author("p1", 1, 2, ["US"], {"pdf": ["US"], "profile": ["US"]}, "main"),
        _author("p1", 2, 2, ["US"], {"pdf": ["US"], "profile": ["CN"]}, "main"),
        _author("p2", 1, 2, ["US"], {"pdf": ["US"], "profile": ["US"]}, "datasets_benchmarks"),
        _author("p2", 2, 2, ["CN"], [("pdf", []), ("profile", ["CN"])], "datasets_benchmarks"),  # as Arrow gives a map
        _author("p3", 1, 1, ["CN"], {"pdf": ["CN"]}),
    ])


def test_each_rule_per_source_against_the_run_s_count(authors):
    flags = agreement.source_flags(authors, RULES, "mainland", min_share=1 / 3, min_authors=2)
    assert set(flags["paper_id"]) == {"p1", "p2"} and set(flags["source"]) == {"pdf", "profile", "chosen"}
    got = flags.set_index(["paper_id", "source"])["any_author"]
    assert (got["p1", "pdf"], got["p1", "profile"], got["p1", "chosen"]) == (False, True, False)
    assert (got["p2", "pdf"], got["p2", "profile"], got["p2", "chosen"]) == (False, True, True)
    table = agreement.agreement(flags, RULES).set_index(["rule", "source", "against"])
    row = table.loc[("any_author", "profile", "chosen")]
    assert (row["papers"], row["both"], row["only_source"], row["only_against"], row["agree_share"]) == (2, 1, 1, 0, 0.5)
    assert table.loc[("any_author", "pdf", "profile"), "agree_share"] == 0.0
    split = agreement.disagreements(flags, RULES)
    assert set(split.loc[split["rule"] == "any_author", "paper_id"]) == {"p1", "p2"}
    assert list(split.columns) == ["paper_id", "year", "rule", "flag_pdf", "flag_profile", "flag_chosen"]


def test_a_year_with_one_source_compares_nothing(authors):
    flags = agreement.source_flags(authors[authors["paper_id"] == "p3"], RULES, "mainland", min_share=1 / 3,
                                   min_authors=2)
    assert flags.empty and list(flags.columns) == ["paper_id", "year", "source", *RULES]


def test_the_rules_per_track(authors):
    papers = pd.DataFrame({"paper_id": ["p1", "p2", "p3"], "year": [2025] * 3})
    affs = pd.DataFrame({"paper_id": ["p1", "p2", "p2", "p3"], "year": [2025] * 4, "raw": ["a", "b", "c", "d"],
                         "country": ["US", "US", "CN", "CN"], "institution": [None] * 4})
    got = tracks.track_rules(papers, affs, authors, rules=RULES, china_policy="mainland", min_share=1 / 3,
                             min_authors=2)
    both = got[got["rule"] == "any_author"].set_index("track")
    assert dict(both["papers"]) == {"datasets_benchmarks": 1, "main": 1, "unknown": 1}
    assert dict(both["with_both"]) == {"datasets_benchmarks": 1.0, "main": 0.0, "unknown": 0.0}
    table = tracks.tracks_markdown(got.sort_values(["track", "rule"]))
    assert "| 2025 | main | 1 |" in table and table.index("first_last") < table.index("fractional")
    assert tracks.track_rules(papers, affs, authors.assign(track=None), rules=RULES, china_policy="mainland",
                              min_share=1 / 3, min_authors=2).empty


def test_the_report_shows_the_rules_per_track(authors):
    from paperscope.counting.rules import count_rules
    from paperscope.report.words import rules_view

    papers = pd.DataFrame({"paper_id": ["p1", "p2", "p3"], "year": [2025] * 3})
    affs = pd.DataFrame({"paper_id": ["p1", "p2", "p2", "p3"], "year": [2025] * 4, "raw": ["a", "b", "c", "d"],
                         "country": ["US", "US", "CN", "CN"], "institution": [None] * 4})
    shares = {"min_share": 1 / 3, "min_authors": 2}
    counts = {"rules": count_rules(papers, affs, authors, china_policies=["mainland"], rules=RULES, **shares),
              "institution_pairs": pd.DataFrame(columns=["year", "us_institution", "cn_institution", "papers"])}
    aggregates = {"rules": list(RULES), "headline_rule": "any_author", **shares}
    assert rules_view(counts, "mainland", aggregates, {}, 5)["tracks"] is None
    counts["track_rules"] = tracks.track_rules(papers, affs, authors, rules=RULES, china_policy="mainland", **shares)
    table = rules_view(counts, "mainland", aggregates, {}, 5)["tracks"]
    assert table.columns == ["year", "track", "papers", *RULES]
    assert [r[:4] for r in table.rows] == [["2025", "datasets_benchmarks", "1", "1 (100.0%)"],
                                           ["2025", "main", "1", "0 (0.0%)"], ["2025", "unknown", "1", "0 (0.0%)"]]


def test_the_report_block(authors):
    assert report_sources.view(None, "any_author") is None
    flags = agreement.source_flags(authors, RULES, "mainland", min_share=1 / 3, min_authors=2)
    compared = report_sources.SourcesCompared(agreement.agreement(flags, RULES),
                                              agreement.disagreements(flags, RULES).assign(title="t"),
                                              {"files": ["/x/openreview/neurips-2025.jsonl"]})
    view = report_sources.view(compared, "any_author")
    assert view["disagreeing"] == 2 and view["lists"] == ["neurips-2025.jsonl"]
    assert view["table"].columns[:3] == ["rule", "source", "papers"] and len(view["text"]) == 2
    assert compared.stratum("any_author") == {"p1", "p2"}
    assert report_sources.record(compared)["disagreements_per_rule"]["any_author"] == 2
