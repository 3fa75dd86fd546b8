"""The pure aggregates on tiny frames: paper_countries, collaboration and term_groups,
each compared with a frame written out by hand (small-frame Spark tests, `make test-fast`)."""
from __future__ import annotations

import pytest

from frames import assert_df_equality
from paperscope.pipeline.extract import collaboration, paper_countries, term_groups
from paperscope.storage import schemas

pytestmark = pytest.mark.spark

PAPERS = [("p1", 2024, "ok"), ("p2", 2024, "ok"), ("p3", 2024, "ok"), ("p4", 2024, "error"), ("p5", 2025, "ok")]
AFFILIATIONS = [("p1", "US"), ("p1", "CN"), ("p1", "US"), ("p2", "HK"), ("p3", None), ("p5", "DE")]
MENTIONS = [("p1", "BERT", 3, 2), ("p1", "GPT", 1, 0), ("p2", "BERT", 1, 1), ("p3", "BERT", 2, 2), ("p5", "GPT", 4, 4)]
COUNTRIES = "paper_id string, year int, status string, countries array<string>, has_us boolean, has_cn boolean"


def _papers(spark):
    rows = [{"paper_id": p, "year": y, "path": f"/c/{p}.pdf", "status": s} for p, y, s in PAPERS]
    return spark.createDataFrame([tuple(r.get(n) for n in schemas.PAPERS.fieldNames()) for r in rows], schemas.PAPERS)


def _affiliations(spark):
    rows = [{"paper_id": p, "year": 2024, "raw": "x", "source": "header", "country": c, "method": "rule"}
            for p, c in AFFILIATIONS]
    return spark.createDataFrame([tuple(r.get(n) for n in schemas.AFFILIATIONS.fieldNames()) for r in rows],
                                 schemas.AFFILIATIONS)


def _mentions(spark):
    return spark.createDataFrame([(p, 2024, t, f, b) for p, t, f, b in MENTIONS], schemas.MENTIONS)


@pytest.fixture(scope="module")
def countries(spark):
    return paper_countries(_papers(spark), _affiliations(spark), "mainland").cache()


def test_paper_countries_mainland_and_greater(spark, countries):
    expected = spark.createDataFrame([
        ("p1", 2024, "ok", ["CN", "US"], True, True),
        ("p2", 2024, "ok", ["HK"], False, False),
        ("p3", 2024, "ok", [], False, False),
        ("p4", 2024, "error", [], False, False),
        ("p5", 2025, "ok", ["DE"], False, False),
    ], COUNTRIES)
    assert_df_equality(countries, expected, ignore_row_order=True)
    greater = paper_countries(_papers(spark), _affiliations(spark), "greater")
    assert {r.paper_id for r in greater.where("has_cn").collect()} == {"p1", "p2"}


def test_collaboration_counts_and_shares(spark, countries):
    expected = spark.createDataFrame([
        (2024, 4, 3, 1, 1, 1, 1, 2, 0.25, 0.25, 0.25),
        (2025, 1, 1, 0, 0, 0, 1, 0, 0.0, 0.0, 0.0),
    ], "year int, papers long, papers_ok long, with_us long, with_cn long, with_both long, with_neither long, "
       "with_unknown long, share_us double, share_cn double, share_both double")
    assert_df_equality(collaboration(countries), expected)


def test_term_groups_by_scope_with_term_descriptions(spark, countries):
    terms = spark.createDataFrame([("BERT", "model", "Google", "US"), ("GPT", "model", "OpenAI", "US")],
                                  "term string, kind string, origin string, origin_country string")
    columns = ("year int, term string, papers long, with_cn long, with_us long, with_both long, "
               "with_neither long, with_unknown long, scope string")
    body = spark.createDataFrame([
        (2024, "BERT", 3, 1, 1, 1, 1, 1, "body", "model", "Google", "US"),
        (2025, "GPT", 1, 0, 0, 0, 1, 0, "body", "model", "OpenAI", "US"),
    ], columns + ", kind string, origin string, origin_country string")
    assert_df_equality(term_groups(countries, _mentions(spark), "body", terms), body)
    full = spark.createDataFrame([
        (2024, "BERT", 3, 1, 1, 1, 1, 1, "full"),
        (2024, "GPT", 1, 1, 1, 1, 0, 0, "full"),
        (2025, "GPT", 1, 0, 0, 0, 1, 0, "full"),
    ], columns)
    assert_df_equality(term_groups(countries, _mentions(spark), "full"), full)
