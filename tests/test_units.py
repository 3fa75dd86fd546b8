"""Pure per-paper functions: pdf text, header parsing, gazetteer rules, config (mentions: test_mentions.py)."""
from __future__ import annotations

import pytest

from paperscope import pdf
from paperscope.config import ConfigError, load_config
from paperscope.gazetteer import default_gazetteer
from paperscope.header import emails, parse


@pytest.fixture(scope="module")
def gaz():
    return default_gazetteer()


def _countries(gaz, text):
    return sorted({m.country for m in gaz.match(text)})


# --- pdf ------------------------------------------------------------------------------

def test_extract_sample_pdf(repo):
    got = pdf.extract((repo / "sample/corpus/2024/neurips2024_01.pdf").read_bytes())
    assert got.status == pdf.OK and got.error is None
    assert got.n_pages >= 2
    assert got.title == "Scaling Laws for Retrieval-Augmented Reasoning"
    assert "Stanford University" in got.header_text
    assert len(got.full_text) > len(got.header_text)


@pytest.mark.parametrize("data, status", [
    (b"", pdf.EMPTY),
    (b"<html><body>not a pdf</body></html>", pdf.NOT_PDF),
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref\n%%EOF\n", pdf.CORRUPT),
])
def test_bad_input_becomes_a_status_not_an_exception(data, status):
    got = pdf.extract(data)
    assert got.status == status
    assert got.error


def test_truncated_pdf_is_reported(repo):
    data = (repo / "sample/corpus/2024/neurips2024_02.pdf").read_bytes()
    got = pdf.extract(data[: len(data) // 3])
    assert got.status == pdf.TRUNCATED
    assert got.error


def test_text_inside_form_xobjects_is_read(repo):
    # The EACL paper draws its whole first page inside a form XObject.
    got = pdf.extract((repo / "sample/corpus/2023/eacl-2023.eacl-main.121.pdf").read_bytes(), max_pages=1)
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
    got = pdf.extract((repo / "sample/corpus/2024/neurips2024_05.pdf").read_bytes(), max_pages=1)
    header = parse(got.header_text, got.title)
    assert header.countries() == ["CN", "US"]
    raws = [a.raw for a in header.affiliations]
    assert all(not r[0].isdigit() for r in raws), "footnote markers are stripped"
    assert not any("Abstract" in r for r in raws)


# --- config ----------------------------------------------------------------------------

def test_config_layers(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("quality:\n  min_ok_share: 0.5\ninput:\n  corpus: /data\n")
    cfg = load_config(f, ["quality.expected_papers={2025: 5290}"], input__years="2025,2024")
    assert cfg["quality"]["min_ok_share"] == 0.5
    assert cfg["quality"]["expected_papers"] == {2025: 5290}
    assert cfg["input"]["years"] == [2024, 2025]
    assert cfg["input"]["corpus"] == "/data"


@pytest.mark.parametrize("text, message", [
    ("input: [unclosed", "not valid YAML"),
    ("inptu:\n  corpus: x\n", "unknown config key 'inptu'"),
    ("quality:\n  min_ok_share: 2\n", "min_ok_share"),
    ("affiliations:\n  china_policy: asia\n", "china_policy"),
    ("- a\n- b\n", "mapping at the top"),
    ("extract:\n  max_tasks_per_core: 0\n", "'extract.max_tasks_per_core' must be a whole number >= 1"),
])
def test_malformed_config_is_one_clear_error(tmp_path, text, message):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(f)
