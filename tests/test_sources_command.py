"""`paperscope sources virtual|openreview` end to end against the loopback server: the
files it writes, what a re-run asks (nothing), the exit codes, and the way the output
feeds `paperscope download` (its URL list) and the metadata path (format sources, to_rows)."""
from __future__ import annotations

import csv
import json

import pytest

from fixtures.openreview_api import LoopbackOpenReview
from fixtures.sources_world import DB, MAIN, make_world
from paperscope.sources.program import command, output


@pytest.fixture(scope="module")
def world():
    return make_world(200, 600, seed=3)


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = command.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_openreview_writes_papers_summary_and_download_list_and_reruns_from_cache(world, tmp_path, capsys, monkeypatch):
    for var in ("OPENREVIEW_USERNAME", "OPENREVIEW_PASSWORD", "OPENREVIEW_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    with LoopbackOpenReview(world) as srv:
        argv = ["openreview", "--venue", MAIN, "--venue", DB, "--api", srv.url, "--warehouse", str(tmp_path / "wh"),
                "--rate", "0", "--page-size", "50"]
        code, out, _ = _run(capsys, *argv)
        asked = len(srv.log)
        code2, out2, _ = _run(capsys, *argv)
        assert len(srv.log) == asked
    assert code == code2 == 0
    assert "neurips 2025: 200 papers (datasets_benchmarks " in out and "0 requests" in out2
    where = output.paths(tmp_path / "wh" / "sources", "openreview", "neurips", 2025)
    papers = output.read(where["papers"])
    assert {p.id for p in papers} == {n["id"] for n in world.notes}
    assert json.loads(where["summary"].read_text("utf-8"))["papers"] == 200
    rows = list(csv.DictReader(where["download"].open(encoding="utf-8")))
    assert len(rows) == 200 and rows[0]["url"].startswith("https://openreview.net/pdf/") and rows[0]["year"] == "2025"
    from paperscope.sources.download.pages import from_csv

    items = from_csv(str(where["download"]))
    assert all(i.error is None and i.year == 2025 for i in items) and {i.paper_id for i in items} == {p.id for p in papers}
    assert any(ch in where["papers"].read_text("utf-8") for ch in ("ü", "é", "伟"))  # UTF-8, not escapes


def test_virtual_from_url_and_from_file(world, tmp_path, capsys):
    with LoopbackOpenReview(world) as srv:
        code, out, _ = _run(capsys, "virtual", "--conference", "neurips", "--year", "2025", "--url", srv.program_url,
                            "--warehouse", str(tmp_path / "wh"), "--rate", "0")
    assert code == 0 and "200 papers" in out
    saved = tmp_path / "program.json"
    saved.write_text(json.dumps({"count": len(world.events), "results": world.events}), "utf-8")
    code, out, _ = _run(capsys, "virtual", "--conference", "neurips", "--year", "2025", "--file", str(saved),
                        "--out", str(tmp_path / "out"))
    assert code == 0 and (tmp_path / "out" / "virtual" / "neurips-2025.jsonl").is_file()


def test_errors_are_one_line_with_exit_2(world, tmp_path, capsys):
    with LoopbackOpenReview(world) as srv:
        code, _, err = _run(capsys, "openreview", "--venue", "NeurIPS.cc/2052/Conference", "--api", srv.url,
                            "--warehouse", str(tmp_path), "--rate", "0")
    assert code == 2 and err.count("\n") == 1 and "no venue 'NeurIPS.cc/2052/Conference'" in err
    code, _, err = _run(capsys, "virtual", "--year", "2025", "--warehouse", str(tmp_path))
    assert code == 2 and "--conference" in err


def test_conference_and_year_come_from_the_venue_id():
    assert command.conference_year("NeurIPS.cc/2025/Conference") == ("neurips", 2025)
    assert command.conference_year("ICLR.cc/2024/Conference") == ("iclr", 2024)
    assert command.conference_year("thecvf.com/ECCV/2026/Conference") == ("thecvf", 2026)


@pytest.mark.slow
def test_the_output_becomes_metadata_rows(world, tmp_path, capsys):
    """A paper list is a metadata file of format sources: papers, affiliation and authors rows,
    the profile's stated country resolved as the country of the string, each author's
    provenance and track kept."""
    from paperscope.sources.metadata.rows import read_file

    with LoopbackOpenReview(world) as srv:
        _run(capsys, "openreview", "--venue", MAIN, "--venue", DB, "--api", srv.url, "--out", str(tmp_path),
             "--cache", str(tmp_path / "c"), "--rate", "0")
    path = output.paths(tmp_path, "openreview", "neurips", 2025)["papers"]
    papers = output.read(path)
    read = read_file(str(path), precedence=("pdf", "submission", "profile"))
    assert read.stats["format"] == "sources" and read.stats["year"] == 2025
    assert read.stats["metadata"] == len(papers)
    records = output.to_metadata_records(papers, ("submission", "profile"))
    for rec, p in zip(records, papers):
        assert rec.source_id == p.id and rec.title == p.title and rec.track == p.track
        for ra, a in zip(rec.authors, p.authors):
            profile = [f for f in a.affiliations if f.provenance == "profile"]
            assert ra.affiliations == [output.affiliation_string(f) for f in profile]
            assert ra.provenance == ("profile" if profile else None)
    rows = {(r["paper_id"], r["position"]): r for r in read.authors}
    assert {r["track"] for r in read.authors} == {"main", "datasets_benchmarks"}
    placed = [r for r in read.authors if r["countries"]]
    assert placed and all(r["chosen_source"] == "profile" and r["countries_by_source"]["profile"] == r["countries"]
                          for r in placed)
    pid = {row["source_id"]: row["paper_id"] for row in read.papers}
    stated_cn = [(p, a) for p in papers for a in p.authors
                 if [f.country for f in a.affiliations] == ["CN"] and a.affiliations[0].country_stated == "China"]
    assert stated_cn and all(rows[(pid[p.id], a.position)]["countries"] == ["CN"] for p, a in stated_cn[:50])
    countries = {c for row in read.authors for c in row["countries"]}
    assert {"US", "CN"} <= countries


def test_affiliation_string_appends_the_stated_country_once():
    from paperscope.sources.program.base import Affiliation

    assert output.affiliation_string(Affiliation("profile", "Peking University", country_stated="China")) == \
        "Peking University, China"
    assert output.affiliation_string(Affiliation("profile", "Microsoft Research, USA", country_stated="USA")) == \
        "Microsoft Research, USA"
    assert output.affiliation_string(Affiliation("profile", None, domain="mit.edu")) == "mit.edu"
    assert output.affiliation_string(Affiliation("virtual", None)) is None


def test_the_metadata_layouts_behind_the_same_interface(tmp_path, capsys):
    path = tmp_path / "papers-2024.json"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"id": "p1", "title": "One", "author": "Ann;Bo", "aff": "Peking University;MIT+Stanford",
         "aff_country_unique": "China;United States", "aff_country_unique_index": "0;1+1"},
        {"id": "p1", "title": "One", "author": "Ann;Bo", "aff": "Peking University;MIT"},
        {"title": "", "author": "x", "aff": "y"}]) + "\n", "utf-8")
    code, out, _ = _run(capsys, "metadata", "--conference", "neurips", "--file", str(path), "--out", str(tmp_path))
    assert code == 0 and "neurips 2024: 1 papers" in out
    (p,) = output.read(output.paths(tmp_path, "metadata", "neurips", 2024)["papers"])
    assert p.id == "p1" and [[(f.name, f.country) for f in a.affiliations] for a in p.authors] == [
        [("Peking University", "CN")], [("MIT", "US"), ("Stanford", "US")]]
    summary = json.loads(output.paths(tmp_path, "metadata", "neurips", 2024)["summary"].read_text("utf-8"))
    assert (summary["duplicate"], summary["malformed"], summary["format"]) == (1, 1, "paperlists")


@pytest.mark.slow
def test_a_new_paper_list_makes_the_next_run_a_real_one(tmp_path):
    """The fast re-run (no Spark when nothing changed) counts the paper lists a run reconciles with."""
    from paperscope.cli import rerun
    from support import settings

    corpus = tmp_path / "corpus" / "2025"
    corpus.mkdir(parents=True)
    (corpus / "a.pdf").write_bytes(b"%PDF-1.4\n")
    cfg = settings({"input.corpus": str(tmp_path / "corpus"), "warehouse.path": str(tmp_path / "wh")})
    before = rerun.inputs_state(cfg)
    path = output.paths(tmp_path / "wh" / "sources", "virtual", "neurips", 2025)["papers"]
    path.parent.mkdir(parents=True)
    path.write_text("{}\n", "utf-8")
    assert rerun.inputs_state(cfg)["config"] != before["config"]
