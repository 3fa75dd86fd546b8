"""Pure per-paper functions: pdf text, header parsing, gazetteer rules, config (mentions: test_mentions.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from paperscope.core.config import ConfigError, load_config
from paperscope.paper.header import emails, parse
from paperscope.paper.matcher import default_gazetteer
from paperscope.paper.pdf.extract import extract
from paperscope.paper.pdf.limits import CORRUPT, EMPTY, NOT_PDF, OK, TRUNCATED

LOCAL_CONF = Path(__file__).resolve().parents[1] / "conf" / "local.yaml"


@pytest.fixture(scope="module")
def gaz():
    return default_gazetteer()


def _countries(gaz, text):
    return sorted({m.country for m in gaz.match(text)})


# --- pdf ------------------------------------------------------------------------------

def test_extract_sample_pdf(repo):
    got = extract((repo / "sample/corpus/2024/neurips2024_01.pdf").read_bytes())
    assert got.status == OK and got.error is None
    assert got.n_pages >= 2
    assert got.title == "Scaling Laws for Retrieval-Augmented Reasoning"
    assert "Stanford University" in got.header_text
    assert len(got.full_text) > len(got.header_text)


@pytest.mark.parametrize("data, status", [
    (b"", EMPTY),
    (b"<html><body>not a pdf</body></html>", NOT_PDF),
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref\n%%EOF\n", CORRUPT),
])
def test_bad_input_becomes_a_status_not_an_exception(data, status):
    got = extract(data)
    assert got.status == status
    assert got.error


def test_truncated_pdf_is_reported(repo):
    data = (repo / "sample/corpus/2024/neurips2024_02.pdf").read_bytes()
    got = extract(data[: len(data) // 3])
    assert got.status == TRUNCATED
    assert got.error


def test_text_inside_form_xobjects_is_read(repo):
    # The EACL paper draws its whole first page inside a form XObject.
    got = extract((repo / "sample/corpus/2023/eacl-2023.eacl-main.121.pdf").read_bytes(), max_pages=1)
    assert "University of Massachusetts Amherst" in got.header_text
    assert got.n_pages == 1


# --- gazetteer --------------------------------------------------------------------------

# Most matcher cases live in test_affiliations.py; these two are not repeated there.
@pytest.mark.parametrize("text, countries", [
    ("The Chinese University of Hong Kong, Hong Kong", ["HK"]),
    ("Dept. of Physics, U.S.A.", ["US"]),
])
def test_match_countries(gaz, text, countries):
    assert _countries(gaz, text) == countries


def test_match_says_which_rule_matched(gaz):
    [m] = gaz.match("Stanford University")
    assert m.method == "exact" and m.score == 1.0
    [m] = gaz.match("CMU")
    assert m.institution == "Carnegie Mellon University"


def test_email_brace_groups():
    assert emails("{alice, bob}@cs.x.edu carol@y.edu.cn") == ["alice@cs.x.edu", "bob@cs.x.edu", "carol@y.edu.cn"]


def test_header_parse_sample_paper(repo):
    got = extract((repo / "sample/corpus/2024/neurips2024_05.pdf").read_bytes(), max_pages=1)
    header = parse(got.header_text, got.title, layout=got.header_layout)
    assert header.countries() == ["CN", "US"]
    raws = [a.raw for a in header.affiliations]
    assert all(not r[0].isdigit() for r in raws), "footnote markers are stripped"
    assert not any("Abstract" in r for r in raws)


# --- config ----------------------------------------------------------------------------

def test_config_layers(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("quality:\n  min_ok_share: 0.5\ninput:\n  corpus: /data\n")
    cfg = load_config(f, ["quality.expected_papers={2025: 5290}"], input__years="2025,2024")
    assert cfg.quality.min_ok_share == 0.5
    assert cfg.quality.expected_papers == {2025: 5290}
    assert cfg.input.years == [2024, 2025]
    assert cfg.input.corpus == "/data" == cfg.input.corpus
    assert cfg.extract.driver_hash_bytes == 268435456  # the YAML's value: no default in code contradicts it


def test_settings_are_frozen_and_derived_copies_are_validated():
    from pydantic import ValidationError

    cfg = load_config(LOCAL_CONF)
    with pytest.raises(ValidationError):
        cfg.extract.timeout_seconds = 1
    other = cfg.with_values({"warehouse.path": "/elsewhere", "spark.conf": {}})
    assert (other.warehouse.path, other.spark.conf, cfg.warehouse.path) == ("/elsewhere", {}, "warehouse")
    with pytest.raises(ConfigError, match=r"extract.timeout_seconds must be >= 0 \(got -1\)"):
        cfg.with_values({"extract.timeout_seconds": -1})
    with pytest.raises(ConfigError, match="unknown config key 'extract.nope'"):
        cfg.with_values({"extract.nope": 1})


def test_metadata_year_comes_from_the_file_name_once():
    assert load_config(None, ["metadata.source=/x/nips2024.json"]).metadata.year == 2024
    assert load_config(None, ["metadata.source=/x/papers.json"]).metadata.year is None
    assert load_config(None, ["metadata.source=/x/nips2024.json", "metadata.year=2023"]).metadata.year == 2023


@pytest.mark.parametrize("setting, message", [
    ("extract.timeout_seconds=-1", "config --set: extract.timeout_seconds must be >= 0 (got -1)"),
    ("extract.timeout_seconds=soon", "extract.timeout_seconds must be a number (got 'soon')"),
    ("extract.timeout_seconds=.nan", "extract.timeout_seconds must be a finite number"),
    ("extract.page_limit=-3", "extract.page_limit must be >= 0 (got -3)"),
    ("extract.max_tasks_per_core=0", "extract.max_tasks_per_core must be >= 1 (got 0)"),
    ("extract.header_chars=1.5", "extract.header_chars must be a whole number (got 1.5)"),
    ("extract.max_pages=true", "extract.max_pages must be a whole number (got True)"),
    ("extract.reextract=maybe", "extract.reextract must be true or false (got 'maybe')"),
    ("input.glob=3", "input.glob must be a string (got 3)"),
    ("input.glob=", "input.glob must be a string (got None)"),
    ("input.years=abc", "input.years must be a list of years"),
    ("input.corpus=null", "config: set 'input.corpus' or 'input.manifest'"),
    ("warehouse.catalog=main", "set both 'warehouse.catalog' and 'warehouse.schema'"),
    ("warehouse.tables.papers=", "warehouse.tables.papers must be a string"),
    ("review.strata.rest=-1", "review.strata.rest must be >= 0"),
    ("spark.conf=3", "spark.conf must be a mapping of Spark settings"),
    ("delta.jars=[{coordinate: x, sha1: y}]", "delta.jars.0.coordinate must match"),
    ("affiliations.china_policy=asia", "affiliations.china_policy must be one of 'mainland' or 'greater' (got 'asia')"),
    ("affiliations.fuzzy_threshold=102", "affiliations.fuzzy_threshold must be <= 101"),
    ("affiliations.fuzzy_threshold=yes", "affiliations.fuzzy_threshold must be a number (got True)"),
    ("download.concurrency=0", "download.concurrency must be >= 1"),
    ("download.rate_per_s=0", "download.rate_per_s must be > 0"),
    ("download.backoff_s=-1", "download.backoff_s must be >= 0"),
    ("download.backoff_max_s=-0.5", "download.backoff_max_s must be >= 0"),
    ("download.timeout_s=0", "download.timeout_s must be > 0"),
    ("download.max_bytes=-5", "download.max_bytes must be > 0"),
    ("download.retries=-1", "download.retries must be >= 0"),
    ("download.pdf_link=([", "download.pdf_link must be a valid regex"),
    ("download.paper_link=*x", "download.paper_link must be a valid regex"),
    ("metadata.format=csv", "metadata.format must be one of 'auto', 'nips-json', 'paperlists' or 'sources'"),
    ("metadata.year=1700", "metadata.year must be >= 1900"),
    ("mentions.scope=abstract", "mentions.scope must be one of 'body' or 'full'"),
    ("quality.engine=excel", "quality.engine must be one of 'pandas' or 'spark'"),
    ("quality.reuse_unchanged=2", "quality.reuse_unchanged must be true or false"),
    ("quality.min_ok_share=2", "quality.min_ok_share must be <= 1 (got 2)"),
    ("quality.expected_papers={a: 1}", "quality.expected_papers must map years to counts"),
    ("quality.expected_papers={2025: -1}", "quality.expected_papers.2025 must be >= 0"),
    ("quality.allowed_years=[x]", "quality.allowed_years must be a list of years"),
    ("extract.nope=1", "unknown config key 'extract.nope'"),
    ("extract=1", "config key 'extract' must be a mapping"),
])
def test_each_refused_setting_is_one_line_naming_the_key(setting, message):
    with pytest.raises(ConfigError) as err:
        load_config(LOCAL_CONF, [setting])
    assert message in str(err.value) and "\n" not in str(err.value)


def test_the_layer_that_set_a_bad_value_is_named(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text("extract:\n  timeout_seconds: -1\n")
    with pytest.raises(ConfigError, match=rf"^config {f}: extract.timeout_seconds must be >= 0 \(got -1\)$"):
        load_config(f)
    with pytest.raises(ConfigError, match=r"^config command line: input.years must be a list of years"):
        load_config(None, input__years="soon")


def test_yaml_tags_are_refused(tmp_path):
    f = tmp_path / "tag.yaml"
    f.write_text("input: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(f)


@pytest.mark.parametrize("text, message", [
    ("input: [unclosed", "not valid YAML"),
    ("inptu:\n  corpus: x\n", "unknown config key 'inptu'"),
    ("quality:\n  min_ok_share: 2\n", "min_ok_share"),
    ("affiliations:\n  china_policy: asia\n", "china_policy"),
    ("- a\n- b\n", "mapping at the top"),
    ("extract:\n  max_tasks_per_core: 0\n", "extract.max_tasks_per_core must be >= 1"),
])
def test_malformed_config_is_one_clear_error(tmp_path, text, message):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(f)


# --- policy: each fact once ---------------------------------------------------------------

def test_china_policy_and_flags_are_defined_once():
    import typing
    from importlib import resources

    from paperscope.core import policy
    from paperscope.core.settings import Affiliations

    assert policy.china_codes("mainland") == ("CN",) and policy.china_codes("greater") == ("CN", "HK", "MO", "TW")
    assert policy.flags(["US", "HK"], "mainland") == {"has_us": True, "has_cn": False}
    assert policy.flags(["HK"], "greater") == {"has_us": False, "has_cn": True}
    assert set(typing.get_args(Affiliations.model_fields["china_policy"].annotation)) == set(policy.CHINA_POLICIES)
    assert policy.china_rule("greater") == "China means CN, HK, MO and TW together (affiliations.china_policy: greater)."
    # No other module of the package (subpackages included) spells the set out again.
    pending = [resources.files("paperscope")]
    while pending:
        for f in pending.pop().iterdir():
            if f.is_dir() and f.name != "data":
                pending.append(f)
            elif f.name.endswith(".py") and f.name != "policy.py":
                assert '"HK", "MO"' not in f.read_text("utf-8"), f.name


def test_year_in_a_name_is_one_pattern():
    from paperscope.core import policy
    from paperscope.sources.download.papers import _year_in
    from paperscope.sources.metadata.rows import year_from_name

    assert policy.year_in_name("nips2023-papers-2024.json") == 2024
    assert policy.year_in_name("papers-12024.json") is None and policy.year_in_name("v1979.json") is None
    assert year_from_name("/x/2019/neurips2024.json") == 2024
    assert _year_in("https://papers.nips.cc/paper_files/paper/2024/hash/x.html") == 2024
