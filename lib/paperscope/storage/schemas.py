"""The columns of every table, in one place: transforms, tables and tests agree on them.

Flat columns are written as "name type" pairs, a "!" after the type marking a column that
is never null; nested ones (lists of structs) are built from the same pairs.
"""
from pyspark.sql.types import (ArrayType, BooleanType, DataType, DoubleType, IntegerType, LongType, MapType,
                               StringType, StructField, StructType)

from paperscope.core import registry

_TYPES = {"string": StringType(), "int": IntegerType(), "long": LongType(), "double": DoubleType(),
          "boolean": BooleanType(), "strings": ArrayType(StringType()), "ints": ArrayType(IntegerType())}


def _fields(spec: str, **nested: DataType) -> list[StructField]:
    """'paper_id string!, year int' -> StructFields; a type named in nested is that type."""
    out = []
    for part in spec.split(","):
        name, kind = part.split()
        required = kind.endswith("!")
        kind = kind.rstrip("!")
        out.append(StructField(name, nested[kind] if kind in nested else _TYPES[kind], not required))
    return out


def _struct(spec: str, **nested: DataType) -> StructType:
    return StructType(_fields(spec, **nested))


# One row per PDF. header_layout: page one's lines with positions and type sizes (compact
# JSON, header.layout_json), what the headers step reads, so no PDF is parsed twice.
# body_engine: the engine that read the pages after the layout pages, and body_fallback why
# it is not extract.body_engine when that one failed. source_id: the paper's id in the
# source's own terms (a manifest's paper_id). extractor: what extracted the row (reader
# version + body engine; a row from another extractor is extracted again). modified_ns: the
# file's mtime when it was read: a re-run trusts a file whose path, size and mtime equal its row's.
PAPERS = _struct("paper_id string!, year int, path string!, size_bytes long, n_pages int, title string, "
                 "header_text string, header_layout string, full_text string, status string!, error string, "
                 "extract_seconds double, body_engine string, body_fallback string, source_id string, "
                 "extractor string, modified_ns long")

# One row per (paper, affiliation string, match); matched: the words of raw the rule matched.
AFFILIATIONS = _struct("paper_id string!, year int, raw string!, source string!, institution string, "
                       "country string, method string!, evidence string, score double, matched string")

_MATCH = _struct("institution string, country string, method string!, matched string, evidence string, score double")

# One row per paper: the first page's author block as read (silver), before it is
# exploded into affiliation rows. An author's tie says how the reader tied the author to
# those affiliations (paper.header.model.TIES); former holds the places a note says the
# work was not done at ('work done while at X': note former, later or intern), not counted.
_STRING = _struct("index int!, raw string!, source string!, marker string, matches matches, note string",
                  matches=ArrayType(_MATCH))
HEADERS = _struct(
    "paper_id string!, year int, title string, authors people, affiliations strings_read, emails strings, "
    "countries strings, former strings_read",
    people=ArrayType(_struct("name string!, markers strings, affiliations ints, tie string, former ints")),
    strings_read=ArrayType(_STRING))

# One row per (paper, author position: 1-based), from the header's markers or conference
# metadata; an author with no resolved affiliation has empty countries (silver).
# affiliations: indices into the paper's affiliation strings (headers.affiliations[].index),
# and affiliation_countries the countries each of those strings resolved to, in the same
# order; source: where the author's strings were read (block, footnote, email, metadata);
# tie: how the author was tied to them (marker, grid, named, shared, email, order, none;
# metadata when the conference's metadata says it). countries_by_source: what each source
# says of the author (pdf, metadata, virtual, submission, profile -> country codes; a
# source that lists the paper but places no one: empty); chosen_source: the source whose
# countries affiliation_countries and countries hold, the first of sources.precedence
# that places the author (null: none does); track: the paper's track where a paper list
# says it (main, datasets_benchmarks, position).
AUTHORS = _struct("paper_id string!, year int, position int!, n_authors int!, name string, affiliations ints, "
                  "affiliation_countries country_lists, countries strings, source string, tie string, "
                  "countries_by_source by_source, chosen_source string, track string",
                  country_lists=ArrayType(ArrayType(StringType())),
                  by_source=MapType(StringType(), ArrayType(StringType())))

# One row per (paper, term) found. count_body: mentions before the references, after running
# heads are taken out; sections: of those, how many per section kind; count_table: in table
# rows and captions. use: "used" when the paper uses the model, "cited" when it only names
# it (null when the body does not name it); use_signal says why, evidence is the deciding
# mention with its context and evidence_section its section (paper.mentions).
MENTIONS = _struct("paper_id string!, year int, term string!, count_full int!, count_body int!, use string, "
                   "use_signal string, evidence string, evidence_section string, count_table int, "
                   "sections per_section", per_section=MapType(StringType(), IntegerType()))

DISCOVERED = _struct("year int, files long!")

# One row per judgement a reviewer made (paperscope review import; report.review).
REVIEWS = _struct("review_id string!, reviewer string, reviewed_at string, run_id string, corpus string, "
                  "paper_id string!, raw string, verdict string, corrected_country string, us_correct boolean, "
                  "cn_correct boolean, run_us boolean, run_cn boolean, stratum string, note string, withdraws string")

# The gold tables, built in pandas on the driver (counting): their Spark types, so the
# tables keep one schema whatever pandas infers for a small year.
GOLD = {
    "collaboration": "year int, papers long, papers_ok long, with_us long, with_cn long, with_both long, "
                     "with_neither long, with_unknown long, share_us double, share_cn double, share_both double",
    "term_groups": "year int, term string, papers long, with_cn long, with_us long, with_both long, "
                   "with_neither long, with_unknown long, scope string, kind string, origin string, "
                   "origin_country string, papers_used long, with_cn_used long, with_us_used long, "
                   "with_both_used long, with_neither_used long, with_unknown_used long",
    "rules": "year int, rule string, china_policy string, dual_strings boolean, papers long, with_us double, "
             "with_cn double, with_both double, share double, with_unknown long",
    "paper_rules": "year int, paper_id string, china_policy string, dual_strings boolean, n_authors int, "
                   "author_countries array<string>, any_author boolean, distinct_authors boolean, first_last boolean, "
                   "first_or_last boolean, min_share boolean, min_authors boolean, fractional boolean, "
                   "fractional_weight double, unknown_any_author boolean, unknown_distinct_authors boolean, "
                   "unknown_first_last boolean, unknown_first_or_last boolean, unknown_min_share boolean, "
                   "unknown_min_authors boolean, unknown_fractional boolean, has_us boolean, has_cn boolean, "
                   "author_us boolean, author_cn boolean, us_fc double, cn_fc double",
    "institution_pairs": "year int, us_institution string, cn_institution string, papers long",
    "country_fractions": "year int, country string, fractional_count double",
    "track_rules": "year int, track string, rule string, china_policy string, dual_strings boolean, papers long, "
                   "with_us double, with_cn double, with_both double, share double, with_unknown long",
}


def struct(table: str) -> StructType | None:
    """The StructType a silver or bronze table is written with (registry.Table.schema), else None."""
    name = registry.table(table).schema
    return globals()[name] if name else None
