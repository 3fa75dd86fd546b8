"""Every text file a user gives is read one way (core.textfile): a matrix of inputs x encodings.

Each input is written in UTF-8 and then in the forms editors and spreadsheets save:
with a UTF-8 byte-order mark, in UTF-16 and UTF-32 with a mark (both byte orders). Every
form reads exactly as the plain UTF-8 file does. UTF-16 without a mark, and Latin-1
bytes, are refused with one line that says to save the file as UTF-8; nothing is decoded
with replacement characters."""
from __future__ import annotations

import codecs
import json

import pandas as pd
import pytest

from paperscope.core.config import load_config
from paperscope.core.errors import InputError
from paperscope.core.settings import ConfigError
from paperscope.core.textfile import decode
from paperscope.paper.mentions import parse_terms, terms_text
from paperscope.report.review.sheet import ReviewError, read_sheet
from paperscope.sources.corpus.listing import read_manifest
from paperscope.sources.download.pages import from_csv
from paperscope.sources.metadata.formats import parse_text
from paperscope.sources.metadata.rows import read_file

pytestmark = pytest.mark.unit

ENCODINGS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8 with mark": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf-16-le with mark": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16-be with mark": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf-32-le with mark": lambda t: codecs.BOM_UTF32_LE + t.encode("utf-32-le"),
    "utf-32-be with mark": lambda t: codecs.BOM_UTF32_BE + t.encode("utf-32-be"),
}
REFUSED = {
    "utf-16-le without a mark": lambda t: t.encode("utf-16-le"),
    "latin-1": lambda t: t.encode("latin-1", "replace"),
}


def _manifest(tmp_path, data: bytes):
    (tmp_path / "2024").mkdir(exist_ok=True)
    (tmp_path / "2024" / "a.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    path = tmp_path / "manifest.csv"
    path.write_bytes(data)
    rows, problems = read_manifest(str(path), None, 4096)
    return [(r["path"].rsplit("/", 2)[-2:], r["year"], r["title_hint"]) for r in rows], problems


def _urls(tmp_path, data: bytes):
    path = tmp_path / "urls.csv"
    path.write_bytes(data)
    return [(i.url, i.year, i.title, i.error) for i in from_csv(str(path), None, 0, 4096)]


def _metadata(tmp_path, data: bytes):
    path = tmp_path / "nips2024.json"
    path.write_bytes(data)
    read = read_file(str(path))
    return [(p["title"], p["status"]) for p in read.papers], sorted(a["raw"] for a in read.affiliations)


def _config(tmp_path, data: bytes):
    path = tmp_path / "conf.yaml"
    path.write_bytes(data)
    cfg = load_config(path)
    return cfg.input.corpus, cfg.reports.references


def _terms(tmp_path, data: bytes):
    path = tmp_path / "terms.yaml"
    path.write_bytes(data)
    return [(t.name, t.kind, t.origin) for t in parse_terms(terms_text(path))]


def _sheet(tmp_path, data: bytes):
    path = tmp_path / "sheet.csv"
    path.write_bytes(data)
    return read_sheet(path).to_dict("records")


INPUTS = {
    "manifest": (_manifest, 'path,year,title\n2024/a.pdf,2024,"Réseaux de neurones, 第一"\n', (InputError,)),
    "URL list": (_urls, "url,year,title\nhttps://example.org/a.pdf,2024,Überblick\n", (InputError,)),
    "metadata, JSON lines": (_metadata, json.dumps({"title": "Über Netze", "authors": [
        {"name": "José Ñandú", "affiliation": "Universität Zürich"}]}, ensure_ascii=False) + "\n", (InputError,)),
    "metadata, JSON array": (_metadata, json.dumps([{"title": "Über Netze", "authors": [
        {"name": "José Ñandú", "affiliation": "清华大学"}]}], ensure_ascii=False), (InputError,)),
    "config": (_config, "input:\n  corpus: corpus/Café\nreports:\n  references: {2024: {papers: 4497, with_both: 134, "
                        "source: \"Wired, Ü\"}}\n", (ConfigError,)),
    "terms": (_terms, "terms:\n  - name: Llama\n    kind: model family\n    origin: {organisation: Méta, country: US}\n"
                      "    case_sensitive: true\n    variants: ['Llama']\n",
              (ValueError,)),
    "review sheet": (_sheet, "run_id,corpus,paper_id,raw,note\nr1,/c,p1,Universität Zürich,déjà vu\n", (ReviewError,)),
}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("kind", list(INPUTS))
def test_every_input_reads_the_same_in_every_encoding_with_a_mark(kind, encoding, tmp_path):
    read, text, _ = INPUTS[kind]
    plain, other = tmp_path / "plain", tmp_path / "other"
    plain.mkdir()
    other.mkdir()
    assert read(other, ENCODINGS[encoding](text)) == read(plain, ENCODINGS["utf-8"](text))


@pytest.mark.parametrize("encoding", list(REFUSED))
@pytest.mark.parametrize("kind", list(INPUTS))
def test_text_that_is_not_utf8_is_refused_with_one_line(kind, encoding, tmp_path):
    read, text, errors = INPUTS[kind]
    with pytest.raises(errors) as err:
        read(tmp_path, REFUSED[encoding](text))
    assert "save it as UTF-8" in str(err.value) and "\n" not in str(err.value)


def test_the_first_bad_byte_is_named():
    with pytest.raises(InputError, match=r"byte 3: invalid continuation byte"):
        decode(b"abc\xe9def", "manifest m.csv")


def test_a_manifest_row_given_twice_is_one_row_and_one_line(tmp_path):
    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "a.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    path = tmp_path / "m.csv"
    path.write_text("path,year\n2024/a.pdf,2024\n./2024/../2024/a.pdf,2024\n2024/a.pdf,2025\n", encoding="utf-8")
    rows, problems = read_manifest(str(path))
    assert [r["year"] for r in rows] == [2024]
    assert [p.split(": ", 1)[1] for p in problems] == [
        f"the same file as the row ending at line 2 ({tmp_path / '2024' / 'a.pdf'}); read once"] * 2


def test_an_oversized_manifest_field_is_refused_and_named(tmp_path):
    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "a.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    path = tmp_path / "m.csv"
    pd.DataFrame([{"path": "2024/a.pdf", "year": 2024, "title": "x" * 50_000},
                  {"path": "y" * 50_000, "year": 2024, "title": "t"}]).to_csv(path, index=False)
    rows, problems = read_manifest(str(path), None, 4096)
    assert [(r["title_hint"], r["year"]) for r in rows] == [(None, 2024)]
    assert "title of 50,000 characters is over input.max_field_chars (4,096); left out" in problems[0]
    assert "path of 50,000 characters is over input.max_field_chars (4,096); row skipped" in problems[1]


def test_parse_text_is_given_text_without_its_mark(tmp_path):
    """The metadata parser sees text; a mark left in it would hide the first record's array."""
    fmt, records = parse_text(decode(codecs.BOM_UTF8 + b'[{"title": "T", "authors": []}]', "m"))
    assert fmt == "nips-json" and [r.title for r in records] == ["T"]


@pytest.mark.slow
def test_the_header_command_stops_a_pdf_that_hangs_at_the_time_limit(tmp_path, monkeypatch):
    """`paperscope header` reads through the extraction child, under extract.timeout_seconds."""
    import time

    from paperscope.cli.tools import header_record
    from paperscope.paper.matcher import default_gazetteer
    from paperscope.paper.pdf import sandbox
    from paperscope.paper.pdf.limits import Limits

    pdf = tmp_path / "hangs.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    gaz = default_gazetteer()
    monkeypatch.setattr(sandbox, "extract", lambda *a, **k: time.sleep(600))  # the forked child inherits it
    start = time.monotonic()
    rec = header_record(pdf, gaz, limits=Limits.from_config(timeout_seconds=1, papers_per_child=3))
    assert rec["status"] == "timeout" and "extract.timeout_seconds=1" in rec["error"]
    assert time.monotonic() - start < 10 and rec["authors"] == []


def test_match_on_stdin_gives_every_line_a_record(tmp_path):
    """`paperscope match` reads stdin as bytes: a mark is taken, a line that is not UTF-8 or
    is over input.max_field_chars is an error record with its number, the rest are read."""
    import io

    from paperscope.cli.tools import match_lines

    stream = io.BytesIO(codecs.BOM_UTF8 + b"MIT, Cambridge, MA\n" + "Universit\xe9 Laval\n".encode("latin-1")
                        + b"x" * 50 + b"\r\n" + b"Tsinghua University, Beijing")
    got = list(match_lines(stream, max_chars=40))
    assert [(n, t) for n, t, e in got if e is None] == [(1, "MIT, Cambridge, MA"), (4, "Tsinghua University, Beijing")]
    errors = {n: e for n, _, e in got if e}
    assert set(errors) == {2, 3}
    assert "not UTF-8" in errors[2] and "byte 9" in errors[2]
    assert "50 characters, over input.max_field_chars (40)" in errors[3]
