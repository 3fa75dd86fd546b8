"""The quality gate: reviewed GX suites on Spark DataFrames, with Data Docs on every run.

GX on Spark costs seconds per run, so the gate runs three times in this module (a clean
run, a run that lost files, a run with several independent faults) and the tests read
those results; everything about suite files is checked without Spark.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from paperscope.quality.gate import ExpectationOutcome, GateResult, run_gate
from paperscope.quality.suites import PARAMETERS, SUITES, expectations_dir, load_suites, suite_parameters


PAPERS = (
    "paper_id string, year int, path string, size_bytes long, n_pages int, title string, "
    "header_text string, full_text string, status string, error string, extract_seconds double"
)
AFFILIATIONS = (
    "paper_id string, year int, raw string, institution string, country string, method string, "
    "evidence string, score double"
)
MENTIONS = "paper_id string, year int, term string, count_full int, count_body int, count_table int, use string"
AUTHORS = ("paper_id string, year int, position int, n_authors int, source string, tie string, "
           "countries_by_source map<string, array<string>>, chosen_source string, track string")
# rules.consistency of one year: first_last <= distinct_authors <= any_author <= papers.
CONSISTENCY = [(2024, "mainland", True, 3, 1.0, 1.0, 0.0, 2, 2.0)]
CONSISTENCY_COLUMNS = ("year int, china_policy string, dual_strings boolean, papers long, any_author double, "
                       "distinct_authors double, first_last double, papers_with_country long, fractional_sum double")
DISCOVERED = "year int, files long"


def paper(pid: str, year: int, status: str = "ok") -> tuple:
    error = None if status == "ok" else f"{status}: details"
    return (pid, year, f"/corpus/{year}/{pid}.pdf", 1000, 8, f"Title {pid}", "header", "full text", status, error, 0.1)


def quality_cfg(base_cfg, **quality_settings):
    return base_cfg.with_values({f"quality.{k}": v for k, v in quality_settings.items()})


def gate(spark, tmp_path_factory, cfg, papers, discovered, affiliations=(), mentions=(), relative=False):
    """One gate run in a fresh folder; relative=True passes the folder as the pipeline may,
    relative to the working directory."""
    run_dir = tmp_path_factory.mktemp("run")
    cwd = os.getcwd()
    if relative:
        os.chdir(run_dir.parent)
    try:
        return run_gate(
            spark,
            papers=spark.createDataFrame(papers, PAPERS),
            discovered=spark.createDataFrame(discovered, DISCOVERED),
            affiliations=spark.createDataFrame(list(affiliations), AFFILIATIONS),
            mentions=spark.createDataFrame(list(mentions), MENTIONS),
            authors=spark.createDataFrame([("p1", 2024, 1, 1, "block", "marker", {"pdf": ["US"]}, "pdf", None)],
                                          AUTHORS),
            rule_consistency=spark.createDataFrame(CONSISTENCY, CONSISTENCY_COLUMNS),
            cfg=cfg,
            run_dir=Path(run_dir.name) if relative else run_dir,
        )
    finally:
        os.chdir(cwd)


def failed_keys(result) -> set[tuple]:
    return {(o.suite, o.expectation, o.column or o.kwargs.get("column_A")) for o in result.failed()}


def outcome(result, suite, expectation, column) -> ExpectationOutcome:
    found = [
        o
        for o in result.outcomes
        if o.suite == suite and o.expectation == expectation and (o.column or o.kwargs.get("column_A")) == column
    ]
    assert len(found) == 1, found
    return found[0]


# --- three gate runs, shared by the tests below --------------------------------------------


@pytest.fixture(scope="module")
def clean(spark, base_cfg, tmp_path_factory):
    """Everything consistent; 3 of 4 papers ok, exactly at min_ok_share (GX: share >= mostly)."""
    cfg = quality_cfg(base_cfg, min_ok_share=0.75, expected_papers={2024: 2, 2025: 2}, allowed_years=[2024, 2025])
    return gate(
        spark,
        tmp_path_factory,
        cfg,
        papers=[paper("a1", 2024), paper("a2", 2024), paper("b1", 2025), paper("b2", 2025, "corrupt")],
        discovered=[(2024, 2), (2025, 2)],
        affiliations=[
            ("a1", 2024, "MIT", "MIT", "US", "exact", "MIT", 1.0),
            ("a1", 2024, "Somewhere", None, None, "none", "", 0.0),
            ("b1", 2025, "Tsinghua", "Tsinghua University", "CN", "alias", "Tsinghua", 0.95),
        ],
        mentions=[("a1", 2024, "gpt", 3, 2, 1, "used"), ("b1", 2025, "bert", 1, 1, 0, "cited")],
    )


@pytest.fixture(scope="module")
def lost(spark, base_cfg, tmp_path_factory):
    """2025: 3 files, 2 rows; 2024: a row but no file; 2023: a file but no row. No silver rows."""
    cfg = quality_cfg(base_cfg, min_ok_share=0.9, expected_papers={}, allowed_years=[2023, 2024, 2025])
    return gate(
        spark,
        tmp_path_factory,
        cfg,
        papers=[paper("a1", 2024), paper("b1", 2025), paper("b2", 2025)],
        discovered=[(2025, 3), (2023, 1)],
        relative=True,
    )


@pytest.fixture(scope="module")
def faulty(spark, base_cfg, tmp_path_factory):
    """Independent faults: a duplicate id, 3 of 5 ok against 0.9, 4 papers where 5 are
    expected, and a paper from 2031 outside the allowed years. Nothing is lost."""
    cfg = quality_cfg(base_cfg, min_ok_share=0.9, expected_papers={2025: 5}, allowed_years=[2024, 2025])
    return gate(
        spark,
        tmp_path_factory,
        cfg,
        papers=[
            paper("c1", 2025),
            paper("c1", 2025),
            paper("c2", 2025, "corrupt"),
            paper("c3", 2025, "empty"),
            paper("c9", 2031),
        ],
        discovered=[(2025, 4), (2031, 1)],
        affiliations=[("c1", 2025, "ETH", "ETH Zurich", "CH", "fuzzy", "ETH", 0.9)],
        mentions=[("c1", 2025, "llama", 2, 2, 0, "used")],
    )


# --- clean run ------------------------------------------------------------------------------


def test_clean_run_passes_with_every_expectation_evaluated(clean, base_cfg):
    assert clean.success, clean.describe_failures()
    assert clean.failed() == [] and clean.describe_failures() == ""
    suites = load_suites(base_cfg)
    for name, suite in suites.items():
        got = [o.expectation for o in clean.outcomes if o.suite == name]
        assert got == [e.expectation_type for e in suite.expectations], name  # reviewed file's order
    json.dumps([o.kwargs for o in clean.outcomes])  # JSON-serialisable, as the report needs


def test_clean_run_resolves_parameters_and_passes_at_the_threshold(clean):
    share = outcome(clean, "papers", "expect_column_values_to_be_in_set", "status")
    assert share.success and share.kwargs["mostly"] == 0.75
    assert share.observed.startswith("unexpected 1 of 4 (25.0%)")
    years = outcome(clean, "papers", "expect_column_values_to_be_in_set", "year")
    assert years.kwargs["value_set"] == [2024, 2025]
    # GX skips nulls for regex checks: the unresolved country does not fail.
    country = outcome(clean, "affiliations", "expect_column_values_to_match_regex", "country")
    assert country.success and country.observed.startswith("unexpected 0 of 2")


def test_clean_run_writes_data_docs_with_the_validation_results(clean):
    index = Path(clean.data_docs_index)
    assert index.name == "index.html" and index.parent.name == "data_docs" and index.is_file()
    html = index.read_text("utf-8")
    for name in SUITES:
        pages = list((index.parent / "validations" / name).rglob("*.html"))
        assert len(pages) == 1, name
        assert pages[0].relative_to(index.parent).as_posix() in html
        assert (index.parent / "expectations" / f"{name}.html").is_file()
    assert "Failed" not in html


# --- lost files -----------------------------------------------------------------------------


def test_lost_file_fails_papers_per_year_and_names_the_years(lost):
    assert not lost.success
    assert failed_keys(lost) == {("papers_per_year", "expect_column_pair_values_to_be_equal", "files")}
    message = lost.describe_failures()
    assert message.startswith("papers_per_year: expect_column_pair_values_to_be_equal() ")
    assert '"column_A": "files"' in message and '"column_B": "rows"' in message
    for year_row in ("year=2023 files=1 rows=0", "year=2024 files=0 rows=1", "year=2025 files=3 rows=2"):
        assert year_row in message
    assert len(message.splitlines()) == 1


def test_failed_run_still_writes_data_docs(lost):
    index = Path(lost.data_docs_index)
    assert index.is_absolute()  # the run folder was given relative to the working directory
    html = index.read_text("utf-8")
    assert "Failed" in html
    page = next((index.parent / "validations" / "papers_per_year").rglob("*.html"))
    assert page.relative_to(index.parent).as_posix() in html


def test_empty_silver_tables_pass_as_no_rows(lost):
    silver = [o for o in lost.outcomes if o.suite in ("affiliations", "mentions")]
    expectations = Path(__file__).resolve().parents[1] / "lib" / "paperscope" / "data" / "expectations"
    counted = sum(len(json.loads((expectations / f"{n}.json").read_text())["expectations"])
                  for n in ("affiliations", "mentions"))
    assert len(silver) == counted and all(o.success for o in silver)
    assert {o.observed for o in silver} == {"no rows"}


# --- independent faults ---------------------------------------------------------------------


def test_faulty_run_fails_exactly_the_expected_checks(faulty):
    assert not faulty.success
    assert failed_keys(faulty) == {
        ("papers_per_year", "expect_column_pair_values_to_be_equal", "expected"),
        ("papers_per_year", "expect_column_values_to_be_in_set", "year"),
        ("papers", "expect_column_values_to_be_unique", "paper_id"),
        ("papers", "expect_column_values_to_be_in_set", "year"),
        ("papers", "expect_column_values_to_be_in_set", "status"),
    }
    assert len(faulty.describe_failures().splitlines()) == 5


def test_duplicate_paper_id_fails(faulty):
    dup = outcome(faulty, "papers", "expect_column_values_to_be_unique", "paper_id")
    assert not dup.success and "'c1'" in dup.observed


def test_ok_share_below_threshold_fails(faulty):
    share = outcome(faulty, "papers", "expect_column_values_to_be_in_set", "status")
    assert not share.success and share.kwargs["mostly"] == 0.9
    assert share.observed.startswith("unexpected 2 of 5 (40.0%)")


def test_expected_papers_mismatch_fails(faulty):
    counted = outcome(faulty, "papers_per_year", "expect_column_pair_values_to_be_equal", "expected")
    assert not counted.success and "year=2025" in counted.observed
    assert outcome(faulty, "papers_per_year", "expect_column_pair_values_to_be_equal", "files").success


def test_year_outside_allowed_fails(faulty):
    papers_year = outcome(faulty, "papers", "expect_column_values_to_be_in_set", "year")
    assert not papers_year.success and papers_year.kwargs["value_set"] == [2024, 2025]
    assert "2031" in papers_year.observed
    assert "papers: expect_column_values_to_be_in_set(year)" in faulty.describe_failures()


# --- suite files (no Spark) -----------------------------------------------------------------


def test_repo_expectations_folder_links_to_the_packaged_suites(repo, base_cfg):
    link = repo / "expectations"
    assert link.is_symlink() and not Path(link.readlink()).is_absolute()
    packaged = expectations_dir(base_cfg)
    assert base_cfg.quality.expectations_dir is None
    assert link.resolve() == packaged.resolve()
    for name in SUITES:
        assert (packaged / f"{name}.json").is_file()


def test_packaged_suites_use_only_known_parameters(base_cfg):
    suites = load_suites(base_cfg)
    assert set(suites) == set(SUITES)
    used = {p for s in suites.values() for p in s.suite_parameter_options}
    assert used == set(PARAMETERS)
    assert set(suite_parameters(base_cfg)) == set(PARAMETERS)


@pytest.fixture
def suite_copy(tmp_path, base_cfg):
    folder = tmp_path / "expectations"
    shutil.copytree(expectations_dir(base_cfg), folder)
    return folder, quality_cfg(base_cfg, expectations_dir=str(folder))


def test_expectations_dir_is_read_instead_of_the_packaged_copy(suite_copy):
    folder, cfg = suite_copy
    data = json.loads((folder / "mentions.json").read_text())
    data["expectations"].append({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "year"}})
    (folder / "mentions.json").write_text(json.dumps(data))
    assert len(load_suites(cfg)["mentions"].expectations) == len(data["expectations"])


def _drop_file(folder):
    (folder / "papers.json").unlink()


def _bad_json(folder):
    (folder / "papers.json").write_text('{"name": "papers", "expectations": [')


def _edit(change):
    def apply(folder):
        data = json.loads((folder / "papers.json").read_text())
        change(data)
        (folder / "papers.json").write_text(json.dumps(data))

    return apply


@pytest.mark.parametrize(
    "breakage, words",
    [
        (_drop_file, "not found"),
        (_bad_json, "not valid JSON"),
        (_edit(lambda d: d.update(name="other")), '"name": "papers"'),
        (_edit(lambda d: d["expectations"][0].update(type="expect_no_such_thing")), "expectation #1"),
        (_edit(lambda d: d["expectations"][1]["kwargs"].pop("column")), "expectation #2"),
        (_edit(lambda d: d["expectations"][5]["kwargs"].update(mostly={"$PARAMETER": "typo_share"})), "typo_share"),
        (_edit(lambda d: d["expectations"][2].pop("kwargs")), "expectation #3"),
        (_edit(lambda d: d["expectations"][3].update(severity="fatal")), "expectation #4"),
    ],
    ids=["missing", "malformed", "wrong-name", "unknown-type", "bad-kwargs", "unknown-parameter", "no-kwargs", "bad-field"],
)
def test_broken_suite_file_raises_value_error_naming_it(suite_copy, breakage, words):
    folder, cfg = suite_copy
    breakage(folder)
    with pytest.raises(ValueError) as err:
        load_suites(cfg)
    assert str(folder / "papers.json") in str(err.value) and words in str(err.value)


def test_run_gate_refuses_broken_suites_before_touching_data(suite_copy, tmp_path):
    folder, cfg = suite_copy
    _bad_json(folder)
    with pytest.raises(ValueError, match="papers.json"):
        run_gate(None, papers=None, discovered=None, affiliations=None, mentions=None, cfg=cfg, run_dir=tmp_path)


def test_describe_failures_is_one_line_per_failure_with_long_lists_shortened():
    result = GateResult(
        success=False,
        outcomes=[
            ExpectationOutcome(
                "papers", "expect_column_values_to_be_in_set", "year",
                {"column": "year", "value_set": list(range(1900, 2101))}, False, "unexpected 1 of 3 (33.3%): [1850]",
            ),
            ExpectationOutcome("papers", "expect_column_values_to_not_be_null", "path", {"column": "path"}, True, "unexpected 0 of 3 (0.0%)"),
        ],
        data_docs_index=None,
    )
    assert result.describe_failures() == (
        'papers: expect_column_values_to_be_in_set(year) {"value_set": [1900, 1901, 1902, "...", 2100, "(201 values)"]}'
        " -> unexpected 1 of 3 (33.3%): [1850]"
    )
