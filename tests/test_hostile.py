"""A hostile corpus: odd file names, folders that cannot be listed, symlink loops, manifests.

Each case ends as one row (or one clear line) naming the file, never a lost or doubled
file. Fixtures are generated in tmp_path; only the last test starts Spark.
"""
from __future__ import annotations

import logging
import os

import pytest

from paperscope.core.paths import local_path
from paperscope.sources.corpus.listing import _local_listing, discover, executor_path, read_files, read_manifest
from support import settings


def _pdf(path, text: str = "A hostile corpus") -> None:
    from reportlab.pdfgen import canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path))
    c.drawString(72, 720, text)
    c.save()


def _cfg(root, years=()):
    return settings({"input.corpus": str(root), "input.years": list(years)})


def _listed(root, years=()) -> list[str]:
    return [local_path(p) for p, _ in _local_listing(_cfg(root, years))]


# -- 1. file names with URL characters -------------------------------------------------

@pytest.mark.parametrize("name", ["a#1.pdf", "what?.pdf", "line\nbreak.pdf", "100%25.pdf", "sp ace;x=1.pdf"])
def test_url_characters_in_file_names_are_read(tmp_path, name):
    _pdf(tmp_path / "corpus" / "2024" / name)
    [(path, size)] = _local_listing(_cfg(tmp_path / "corpus"))
    local = executor_path(path)
    assert local == str(tmp_path / "corpus" / "2024" / name) and size > 0
    with open(local, "rb") as fh:
        assert fh.read(5) == b"%PDF-"


def test_local_path_strips_only_a_real_file_scheme():
    assert local_path("file:/x/a#b?c.pdf") == "/x/a#b?c.pdf"
    assert local_path("file:///x/a\nb.pdf") == "/x/a\nb.pdf"
    assert local_path("file://localhost/x/y.pdf") == "/x/y.pdf"
    assert local_path("/x/file:y#.pdf") == "/x/file:y#.pdf"
    assert local_path("rel/a?.pdf") == "rel/a?.pdf"


# -- 2. folders that cannot be listed --------------------------------------------------

def _deny(monkeypatch, tmp_path, blocked):
    """chmod 000, and as root (who reads through it) a scandir that refuses the folder."""
    os.chmod(blocked, 0)
    if os.geteuid() == 0:
        real = os.scandir

        def scandir(path="."):
            if os.path.abspath(os.fspath(path)) == str(blocked):
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(os, "scandir", scandir)


@pytest.mark.parametrize("blocked_rel", ["2024", "2024/sub"])
def test_unreadable_folder_is_reported(tmp_path, monkeypatch, caplog, blocked_rel):
    root = tmp_path / "corpus"
    _pdf(root / "2023" / "ok.pdf")
    _pdf(root / "2024" / "top.pdf")
    _pdf(root / "2024" / "sub" / "deep.pdf")
    blocked = root / blocked_rel
    _deny(monkeypatch, tmp_path, blocked)
    try:
        with caplog.at_level(logging.WARNING, logger="paperscope.sources.corpus"):
            listed = _listed(root)
    finally:
        os.chmod(blocked, 0o755)
    assert str(blocked) + "/" in listed
    assert str(root / "2023" / "ok.pdf") in listed
    assert any("cannot list folder" in r.getMessage() and str(blocked) in r.getMessage() for r in caplog.records)
    if blocked_rel == "2024/sub":
        assert str(root / "2024" / "top.pdf") in listed


# -- 3. symlink loops ------------------------------------------------------------------

def test_symlink_loops_list_each_file_once(tmp_path):
    root = tmp_path / "corpus"
    _pdf(root / "2024" / "a.pdf")
    _pdf(root / "2024" / "x" / "b.pdf")
    os.symlink(".", root / "2024" / "self")                      # a link to its own folder
    os.symlink("..", root / "2024" / "x" / "up")                 # a link to its parent
    os.symlink(str(root), root / "2024" / "x" / "root")          # a link to the corpus root
    os.symlink("a.pdf", root / "2024" / "z-link.pdf")            # one file, two names
    listed = _listed(root)
    assert listed == [str(root / "2024" / "a.pdf"), str(root / "2024" / "x" / "b.pdf")]


def test_dangling_link_is_still_listed(tmp_path):
    root = tmp_path / "corpus"
    (root / "2024").mkdir(parents=True)
    os.symlink("gone.pdf", root / "2024" / "dangling.pdf")
    assert _listed(root) == [str(root / "2024" / "dangling.pdf")]


# -- 4. manifests ----------------------------------------------------------------------

def test_downloader_manifest_reads_back(tmp_path, monkeypatch):
    from paperscope.sources.download.papers import write_manifest

    title = 'Commas, "quotes"\nand a newline'
    _pdf(tmp_path / "pdfs" / "2024" / "p1.pdf")
    _pdf(tmp_path / "pdfs" / "2024" / "p2.pdf")
    manifest = tmp_path / "meta" / "manifest.csv"
    write_manifest(manifest, [
        {"path": "../pdfs/2024/p1.pdf", "year": 2024, "paper_id": "p1", "title": title, "status": "fetched",
         "url": "https://x/p1.pdf", "bytes": 10},
        {"path": str(tmp_path / "pdfs" / "2024" / "p2.pdf"), "year": 2024, "paper_id": "p2", "title": "Plain",
         "status": "present"},
    ])
    monkeypatch.chdir(tmp_path / "pdfs")  # relative paths are the manifest's, not the CWD's
    rows, problems = read_manifest(str(manifest))
    assert problems == []
    assert [(r["path"], r["year"], r["title_hint"], r["source_id"]) for r in rows] == [
        ("file:" + str(tmp_path / "pdfs" / "2024" / "p1.pdf"), 2024, title, "p1"),
        ("file:" + str(tmp_path / "pdfs" / "2024" / "p2.pdf"), 2024, "Plain", "p2")]


def test_manifest_reports_every_unusable_row(tmp_path):
    _pdf(tmp_path / "a.pdf")
    _pdf(tmp_path / "b.pdf")
    manifest = tmp_path / "m.csv"
    manifest.write_text('path,year,title\n'
                        'a.pdf,2024,"fine, ""quoted"""\n'
                        ',2024,no path\n'
                        'b.pdf,20x4,bad year\n'
                        'missing.pdf,2024,not there\n', encoding="utf-8")
    rows, problems = read_manifest(str(manifest))
    assert len(problems) == 3
    assert "no path" in problems[0]
    assert "'20x4'" in problems[1]
    assert "file not found" in problems[2] and str(tmp_path / "missing.pdf") in problems[2]
    assert [(r["year"], r["title_hint"]) for r in rows] == [(2024, 'fine, "quoted"'), (None, "bad year"),
                                                            (2024, "not there")]
    rows, _ = read_manifest(str(manifest), years=[2024])
    assert len(rows) == 2


# -- one Spark check: the listing and the manifest reach discovery --------------------

def test_hostile_inputs_reach_discovery(spark, base_cfg, tmp_path):
    root = tmp_path / "corpus"
    _pdf(root / "2024" / "a#1.pdf")
    _pdf(root / "2024" / "b?.pdf")
    os.symlink(".", root / "2024" / "loop")
    cfg = base_cfg.with_values({"input.corpus": str(root)})
    assert {(r.year, r.files) for r in discover(spark, cfg).collect()} == {(2024, 2)}
    manifest = tmp_path / "m.csv"
    manifest.write_text('path,year,title\ncorpus/2024/a#1.pdf,2024,"x\ny"\ncorpus/2024/gone.pdf,2024,z\n'
                        'corpus/2024/b?.pdf,bad,w\n', encoding="utf-8")
    cfg = base_cfg.with_values({"input.manifest": str(manifest)})
    assert sorted(((r.year or 0), r.files) for r in discover(spark, cfg).collect()) == [(0, 1), (2024, 2)]
    files = read_files(spark, cfg, with_content=False).collect()
    by_path = {local_path(r.path): r for r in files}
    assert by_path[str(root / "2024" / "a#1.pdf")].title_hint == "x\ny"
    assert by_path[str(root / "2024" / "gone.pdf")].size_bytes == 0
