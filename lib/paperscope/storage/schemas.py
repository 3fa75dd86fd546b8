"""The columns of every table, in one place: transforms, tables and tests agree on them."""
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from paperscope.core import registry

PAPERS = StructType([
    StructField("paper_id", StringType(), False),
    StructField("year", IntegerType(), True),
    StructField("path", StringType(), False),
    StructField("size_bytes", LongType(), True),
    StructField("n_pages", IntegerType(), True),
    StructField("title", StringType(), True),
    StructField("header_text", StringType(), True),
    # Page one's lines with positions and type sizes (compact JSON, header.layout_json):
    # what the headers step reads, so no PDF is parsed twice.
    StructField("header_layout", StringType(), True),
    StructField("full_text", StringType(), True),
    StructField("status", StringType(), False),
    StructField("error", StringType(), True),
    StructField("extract_seconds", DoubleType(), True),
    # The engine that read the pages after the layout pages ("pdfium" or "pdfminer"; null
    # when there were none), and why it is not extract.body_engine when that one failed.
    StructField("body_engine", StringType(), True),
    StructField("body_fallback", StringType(), True),
    # The paper's id in the source's own terms (a manifest's paper_id), if it has one.
    StructField("source_id", StringType(), True),
    # What extracted the row (pdf.Limits.extractor: reader version + body engine); a row from
    # another extractor is extracted again.
    StructField("extractor", StringType(), True),
    # The file's mtime (nanoseconds) when it was read: a re-run trusts a file whose path,
    # size and mtime equal its row's and neither reads nor hashes it (incremental.py).
    StructField("modified_ns", LongType(), True),
])

AFFILIATIONS = StructType([
    StructField("paper_id", StringType(), False),
    StructField("year", IntegerType(), True),
    StructField("raw", StringType(), False),
    StructField("source", StringType(), False),
    StructField("institution", StringType(), True),
    StructField("country", StringType(), True),
    StructField("method", StringType(), False),
    StructField("evidence", StringType(), True),
    StructField("score", DoubleType(), True),
    # The words of `raw` that the rule matched.
    StructField("matched", StringType(), True),
])

_MATCH = StructType([
    StructField("institution", StringType(), True),
    StructField("country", StringType(), True),
    StructField("method", StringType(), False),
    StructField("matched", StringType(), True),
    StructField("evidence", StringType(), True),
    StructField("score", DoubleType(), True),
])

# One row per paper: the first page's author block as read (silver), before it is
# exploded into affiliation rows.
HEADERS = StructType([
    StructField("paper_id", StringType(), False),
    StructField("year", IntegerType(), True),
    StructField("title", StringType(), True),
    StructField("authors", ArrayType(StructType([
        StructField("name", StringType(), False),
        StructField("markers", ArrayType(StringType()), True),
        StructField("affiliations", ArrayType(IntegerType()), True),
    ])), True),
    StructField("affiliations", ArrayType(StructType([
        StructField("index", IntegerType(), False),
        StructField("raw", StringType(), False),
        StructField("source", StringType(), False),
        StructField("marker", StringType(), True),
        StructField("matches", ArrayType(_MATCH), True),
    ])), True),
    StructField("emails", ArrayType(StringType()), True),
    StructField("countries", ArrayType(StringType()), True),
])

# One row per (paper, author position), from the header's markers or conference metadata;
# an author with no resolved affiliation has empty countries (silver).
AUTHORS = StructType([
    StructField("paper_id", StringType(), False),
    StructField("year", IntegerType(), True),
    StructField("position", IntegerType(), False),  # 1-based
    StructField("n_authors", IntegerType(), False),
    StructField("name", StringType(), True),
    # Indices into the paper's affiliation strings (headers.affiliations[].index), and the
    # countries each of those strings resolved to, in the same order.
    StructField("affiliations", ArrayType(IntegerType()), True),
    StructField("affiliation_countries", ArrayType(ArrayType(StringType())), True),
    StructField("countries", ArrayType(StringType()), True),
    # Where the author's strings were read: block, footnote, email or metadata (comma-joined).
    StructField("source", StringType(), True),
])

MENTIONS = StructType([
    StructField("paper_id", StringType(), False),
    StructField("year", IntegerType(), True),
    StructField("term", StringType(), False),
    StructField("count_full", IntegerType(), False),
    StructField("count_body", IntegerType(), False),
])

DISCOVERED = StructType([
    StructField("year", IntegerType(), True),
    StructField("files", LongType(), False),
])

# One row per judgement a reviewer made (paperscope review import); see review.py.
REVIEWS = StructType([StructField(name, BooleanType() if name in ("us_correct", "cn_correct", "run_us", "run_cn")
                                  else StringType(), name not in ("review_id", "paper_id"))
                      for name in ("review_id", "reviewer", "reviewed_at", "run_id", "corpus", "paper_id", "raw",
                                   "verdict", "corrected_country", "us_correct", "cn_correct", "run_us", "run_cn",
                                   "stratum", "note", "withdraws")])

# The gold tables, built in pandas on the driver (counting): their Spark types, so the
# tables keep one schema whatever pandas infers for a small year.
GOLD = {
    "collaboration": "year int, papers long, papers_ok long, with_us long, with_cn long, with_both long, "
                     "with_neither long, with_unknown long, share_us double, share_cn double, share_both double",
    "term_groups": "year int, term string, papers long, with_cn long, with_us long, with_both long, "
                   "with_neither long, with_unknown long, scope string, kind string, origin string, "
                   "origin_country string",
    "rules": "year int, rule string, china_policy string, dual_strings boolean, papers long, with_us double, "
             "with_cn double, with_both double, share double",
    "institution_pairs": "year int, us_institution string, cn_institution string, papers long",
    "country_fractions": "year int, country string, fractional_count double",
}


def struct(table: str) -> StructType | None:
    """The StructType a silver or bronze table is written with (registry.Table.schema), else None."""
    name = registry.table(table).schema
    return globals()[name] if name else None
