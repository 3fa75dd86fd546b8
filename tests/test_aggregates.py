"""The whole-counting aggregates on tiny frames: per-paper flags, collaboration and term_groups,
each compared with a frame written out by hand; and the gold schema they are written with."""
from __future__ import annotations

import pandas as pd
import pytest
from chispa import assert_df_equality
from pandas.testing import assert_frame_equal

from paperscope.counting.aggregates import COLLABORATION_COLUMNS, GROUP_COLUMNS, collaboration, term_groups
from paperscope.counting.flags import paper_flags
from paperscope.storage import schemas

PAPERS = pd.DataFrame([("p1", 2024, "ok"), ("p2", 2024, "ok"), ("p3", 2024, "ok"), ("p4", 2024, "error"),
                       ("p5", 2025, "ok"), ("p6", 2025, "duplicate")], columns=["paper_id", "year", "status"])
AFFILIATIONS = pd.DataFrame([("p1", "a", "US"), ("p1", "b", "CN"), ("p1", "a", "US"), ("p2", "c", "HK"),
                             ("p3", "d", None), ("p5", "e", "DE"), ("p6", "f", "US")],
                            columns=["paper_id", "raw", "country"])
MENTIONS = pd.DataFrame([("p1", "BERT", 3, 2, "used"), ("p1", "GPT", 1, 0, None), ("p2", "BERT", 1, 1, "cited"),
                         ("p3", "BERT", 2, 2, "used"), ("p5", "GPT", 4, 4, "used")],
                        columns=["paper_id", "term", "count_full", "count_body", "use"])
TERMS = pd.DataFrame([("BERT", "model", "Google", "US"), ("GPT", "model", "OpenAI", "US")],
                     columns=["term", "kind", "origin", "origin_country"])


@pytest.mark.unit
def test_paper_flags_mainland_and_greater():
    flags = paper_flags(PAPERS, AFFILIATIONS, "mainland").set_index("paper_id")
    assert flags.loc["p1", ["has_us", "has_cn", "both", "unknown"]].tolist() == [True, True, True, False]
    assert flags.loc["p2", ["has_cn", "unknown"]].tolist() == [False, False]
    assert flags.loc["p3", "unknown"] and flags.loc["p4", "unknown"]
    assert flags.loc["p1", "countries"] == ["CN", "US"]
    greater = paper_flags(PAPERS, AFFILIATIONS, "greater")
    assert set(greater.loc[greater["has_cn"], "paper_id"]) == {"p1", "p2"}


@pytest.mark.unit
def test_a_string_naming_both_countries_counts_only_with_dual_strings():
    affs = pd.DataFrame([("p1", "Peking University / UC Berkeley", "CN"), ("p1", "Peking University / UC Berkeley", "US")],
                        columns=["paper_id", "raw", "country"])
    papers = pd.DataFrame({"paper_id": ["p1"], "year": [2024]})
    assert paper_flags(papers, affs, "mainland", dual_strings=True)["both"].tolist() == [True]
    kept = paper_flags(papers, affs, "mainland", dual_strings=False)
    assert kept[["has_us", "has_cn", "unknown"]].values.tolist() == [[False, False, False]]


@pytest.mark.unit
def test_collaboration_counts_and_shares_leave_copies_out():
    expected = pd.DataFrame([
        (2024, 4, 3, 1, 1, 1, 1, 2, 0.25, 0.25, 0.25),
        (2025, 1, 1, 0, 0, 0, 1, 0, 0.0, 0.0, 0.0),
    ], columns=COLLABORATION_COLUMNS).astype({"year": "int32"})
    assert_frame_equal(collaboration(PAPERS, AFFILIATIONS, "mainland"), expected, check_dtype=False)
    greater = collaboration(PAPERS, AFFILIATIONS, "greater")
    assert greater.loc[greater["year"] == 2024, "with_cn"].item() == 2


@pytest.mark.unit
def test_term_groups_by_scope_with_term_descriptions_named_and_used():
    body = pd.DataFrame([
        (2024, "BERT", 3, 1, 1, 1, 1, 1, "body", "model", "Google", "US", 2, 1, 1, 1, 0, 1),
        (2025, "GPT", 1, 0, 0, 0, 1, 0, "body", "model", "OpenAI", "US", 1, 0, 0, 0, 1, 0),
    ], columns=GROUP_COLUMNS)
    assert_frame_equal(term_groups(PAPERS, AFFILIATIONS, MENTIONS, "body", TERMS, "mainland"), body, check_dtype=False)
    full = term_groups(PAPERS, AFFILIATIONS, MENTIONS, "full", TERMS, "mainland")
    assert full[["year", "term", "papers", "with_both", "with_neither"]].values.tolist() == [
        [2024, "BERT", 3, 1, 1], [2024, "GPT", 1, 1, 0], [2025, "GPT", 1, 0, 1]]


@pytest.mark.spark
def test_gold_frames_keep_their_schema_on_the_way_to_spark(spark):
    """A year of one paper gives pandas other dtypes than a big one; the gold schema fixes them."""
    frame = collaboration(PAPERS[PAPERS["year"] == 2025], AFFILIATIONS, "mainland")
    got = spark.createDataFrame(frame, schemas.GOLD["collaboration"])
    expected = spark.createDataFrame([(2025, 1, 1, 0, 0, 0, 1, 0, 0.0, 0.0, 0.0)], schemas.GOLD["collaboration"])
    assert_df_equality(got, expected)


@pytest.mark.spark
def test_paper_rules_frame_takes_its_gold_schema(spark):
    """agg_paper_rules' frame (lists of countries, booleans, weights) goes to Spark as declared."""
    from paperscope.counting import rules

    authors = pd.DataFrame([{"paper_id": "p1", "year": 2024, "position": i, "n_authors": 2, "affiliation_countries": c}
                            for i, c in ((1, [["US"]]), (2, [["CN"]]))])
    papers = pd.DataFrame({"paper_id": ["p1", "p2"], "year": 2024})
    aff = pd.DataFrame([("p1", "MIT", "US"), ("p1", "PKU", "CN")], columns=["paper_id", "raw", "country"])
    frame = rules.paper_rule_flags(papers, aff, authors, min_share=0.3, min_authors=1)
    got = spark.createDataFrame(frame, schemas.GOLD["paper_rules"]).where("china_policy = 'mainland' AND dual_strings")
    rows = {r.paper_id: r for r in got.collect()}
    assert rows["p1"].first_last and rows["p1"].author_countries == ["US", "CN"] and rows["p1"].fractional_weight == 1.0
    assert rows["p2"].author_countries == [] and rows["p2"].unknown_first_last and not rows["p2"].any_author
