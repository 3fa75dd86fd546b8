"""Conference scale (issue 16): the driver's code cache, progress lines, the report's
size with thousands of papers, one definition of the driver's JVM options, and re-runs
that trust (path, size, mtime) or start no Spark at all."""
from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys

import pandas as pd
import pytest

from paperscope.pipeline import progress
from paperscope.report.writer import RunReport, versions, write

REPO = __import__("pathlib").Path(__file__).resolve().parents[1]


# --- the driver JVM's options: one definition, a code cache a long run does not fill ----


def test_submit_script_takes_the_driver_options_from_the_config():
    """spark-submit.sh names no JVM flag itself: it asks the config, as the in-process
    session does, so the two cannot drift apart."""
    script = (REPO / "spark-submit.sh").read_text()
    assert "-XX:" not in script
    assert "paperscope.core.config spark.conf.spark.driver.extraJavaOptions" in script
    out = subprocess.run([sys.executable, "-m", "paperscope.core.config", "spark.conf.spark.driver.extraJavaOptions",
                          str(REPO / "conf" / "local.yaml")], capture_output=True, text=True, check=True).stdout
    assert "-XX:TieredStopAtLevel=1" in out and "-XX:ReservedCodeCacheSize=256m" in out


def test_config_key_printer_refuses_unknown_keys():
    proc = subprocess.run([sys.executable, "-m", "paperscope.core.config", "spark.nope"], capture_output=True, text=True)
    assert proc.returncode == 2 and "no setting spark.nope" in proc.stderr


def test_driver_jvm_has_a_code_cache_a_long_run_does_not_fill(spark):
    """C1-only compilation shrinks the default code cache to 48 MB, which a 400-paper run
    filled (and crashed in). The running driver reserves 256 MB, and what this test
    session has compiled so far (every test before this one) uses a small part of it."""
    jvm = spark.sparkContext._jvm
    factory = jvm.java.lang.management.ManagementFactory
    bean = factory.getPlatformMXBean(jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean"))
    reserved = int(bean.getVMOption("ReservedCodeCacheSize").getValue())
    assert reserved >= 256 * 2**20
    assert str(bean.getVMOption("TieredStopAtLevel").getValue()) == "1"
    pools = [p for p in factory.getMemoryPoolMXBeans() if "Code" in p.getName()]
    assert pools, "no code cache memory pool"
    peak = sum(int(p.getPeakUsage().getUsed()) for p in pools)
    assert peak < reserved * 0.8, f"code cache peak {peak / 2**20:.0f} MB of {reserved / 2**20:.0f} MB"


# --- progress lines -----------------------------------------------------------------------


def test_progress_line_says_done_of_total_rate_and_time_left():
    assert progress.format_progress("extract", 40, 100, 20.0) == "extract: 40/100 tasks (40%), 2.0/s, about 30 s left"
    assert progress.format_progress("extract", 0, 100, 3.0) == "extract: 0/100 tasks (0%), starting"
    assert progress.format_progress("extract", 1, 1000, 30.0) == (
        "extract: 1/1000 tasks (0%), 2.0/min, about 8 h 19 min left")
    assert progress.format_progress("x", 100, 100, 125.0).endswith("done in 2 min 05 s")
    assert progress.format_progress("x", 3, 10, 60.0, unit="files") == "x: 3/10 files (30%), 3.0/min, about 2 min 20 s left"


def test_progress_is_on_for_a_terminal_or_when_asked():
    class Tty:
        def isatty(self):
            return True

    assert progress.enabled("auto", Tty()) and not progress.enabled("auto", object())
    assert progress.enabled("always", object()) and not progress.enabled("never", Tty())


@pytest.mark.slow  # tasks that sleep under a 0.3 s progress clock
def test_a_running_stage_logs_progress_lines(spark, caplog):
    """The real thread on the real status tracker: a stage of slow tasks is reported."""
    def slow(batches):
        import time

        for batch in batches:
            time.sleep(0.4)
            yield batch

    caplog.set_level(logging.INFO, logger="paperscope.pipeline.progress")
    progress.CURRENT["step"] = "extract"
    from paperscope.core.config import load_config

    cfg = load_config(None, ["spark.progress=always", "spark.progress_interval_s=0.3"])
    with progress.progress_for(spark, cfg) as thread:
        spark.range(0, 8, 1, 8).mapInPandas(slow, "id long").count()
    progress.CURRENT["step"] = None
    lines = [r.getMessage() for r in caplog.records if r.name == "paperscope.pipeline.progress"]
    assert thread.lines >= 1 and lines
    assert re.match(r"progress: extract \(stage \d+\): \d/8 tasks", lines[0])


# --- the report with a conference's worth of rows -------------------------------------------


@pytest.mark.e2e
def test_report_of_20000_audit_rows_keeps_index_small_with_every_row_in_the_csv(tmp_path):
    """index.html holds no list (under 300 KB); audit.html pages every paper, audit.csv has every row."""
    n_papers = 6000
    rows = []
    for i in range(n_papers):
        pid = f"{i:064x}"
        for j in range(3 + (i % 2)):
            rows.append((pid, 2024 + i % 2, f"A study of things number {i}", f"/c/{2024 + i % 2}/paper-{i:05d}.pdf",
                         "ok", f"Department {j}, University {i % 500}, City {i % 97}", "block",
                         f"University {i % 500}", ["US", "CN", "GB", None][(i + j) % 4], "alias",
                         f"'University {i % 500}' -> University {i % 500}", 1.0))
    audit = pd.DataFrame(rows, columns=["paper_id", "year", "title", "path", "status", "raw", "source", "institution",
                                        "country", "method", "evidence", "score"])
    assert len(audit) >= 20000
    mentions = pd.DataFrame([(f"{i:064x}", t, 3, 2) for i in range(0, n_papers, 2) for t in ("Llama", "Qwen")],
                            columns=["paper_id", "term", "count_full", "count_body"])
    inputs = pd.DataFrame({"year": [2024, 2025], "files": [3000, 3000], "ok": [3000, 3000]})
    from paperscope.core.config import load_config

    meta = {"run_id": "big", "started": "2026-11-30T00:00:00+00:00", "conf_file": None, "status": "passed",
            "message": None, "years": [2024, 2025], "input": "/c", "warehouse": "/w", "china_policy": "mainland",
            "mention_scope": "body", "durations": {}, "config": {}, "data_docs": None,
            "versions": versions("4.1.1")}
    write(tmp_path / "run", RunReport(meta=meta, inputs=inputs, audit=audit, mentions=mentions,
                                      failures=pd.DataFrame(columns=["year", "path", "status", "error"]),
                                      reports=load_config(None).reports))
    html = (tmp_path / "run" / "index.html")
    assert html.stat().st_size < 300 * 1024, f"index.html is {html.stat().st_size / 1024:.0f} KB"
    text = html.read_text(encoding="utf-8")
    assert "audit.csv" in text and "audit.html" in text
    assert f"{n_papers:,} rows" in (tmp_path / "run" / "audit.html").read_text(encoding="utf-8")
    assert len(pd.read_csv(tmp_path / "run" / "audit.csv")) == len(audit)
    for name in ("review.html", "summary.md", "run.json"):
        path = tmp_path / "run" / name
        if path.exists():
            assert path.stat().st_size < 5 * 2**20, name


# --- re-runs trust (path, size, mtime) ---------------------------------------------------------


def _papers(spark, cfg):
    from paperscope.storage import tables

    rows = tables.read_years(spark, cfg, "papers", [2025]).select("path", "paper_id", "modified_ns").collect()
    return {os.path.basename(r.path): (r.paper_id, r.modified_ns) for r in rows}


def _same_size_other_bytes(path):
    """New bytes, same size, the old mtime put back: only reading the file can tell."""
    st = os.stat(path)
    data = path.read_bytes()
    path.write_bytes(data[:-1] + (b"\n" if data[-1:] != b"\n" else b" "))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.e2e
def test_rerun_trusts_path_size_and_mtime_and_hashes_only_touched_files(spark, base_cfg, tmp_path):
    import shutil

    from paperscope.pipeline.papers import refresh_papers

    corpus = tmp_path / "corpus" / "2025"
    corpus.mkdir(parents=True)
    sources = sorted((REPO / "sample" / "corpus" / "2025").glob("*.pdf"))[:3]
    for src in sources[:2]:
        shutil.copy(src, corpus / src.name)
    a, b = (corpus / s.name for s in sources[:2])
    cfg = base_cfg.with_values({"input.corpus": str(tmp_path / "corpus"), "warehouse.path": str(tmp_path / "wh")})
    first = refresh_papers(spark, cfg, [2025])
    assert (first.extracted, first.trusted) == (2, 0)
    stored = _papers(spark, cfg)
    assert stored[a.name][1] == os.stat(a).st_mtime_ns

    # Same path, size and mtime: trusted, not read (the changed bytes go unseen), on the
    # driver path (small corpus) ...
    _same_size_other_bytes(a)
    again = refresh_papers(spark, cfg, [2025])
    assert (again.extracted, again.trusted, again.written) == (0, 2, False)
    assert _papers(spark, cfg) == stored
    # ... and on the executors (a new file sends the run there): still not read.
    shutil.copy(sources[2], corpus / sources[2].name)
    third = refresh_papers(spark, cfg, [2025])
    assert (third.extracted, third.trusted) == (1, 2)
    now = _papers(spark, cfg)
    assert now[a.name] == stored[a.name] and now[b.name] == stored[b.name]

    # A touched file (new mtime, same bytes) is hashed again, found stored, not extracted;
    # its new mtime is recorded so the next run trusts it.
    os.utime(b, ns=(os.stat(b).st_atime_ns, os.stat(b).st_mtime_ns + 10**9))
    touched = refresh_papers(spark, cfg, [2025])
    assert (touched.extracted, touched.trusted) == (0, 2)
    after = _papers(spark, cfg)
    assert after[b.name] == (stored[b.name][0], os.stat(b).st_mtime_ns)
    assert refresh_papers(spark, cfg, [2025]).trusted == 3

    # extract.reextract reads, hashes and extracts everything: a's new bytes are seen.
    forced = refresh_papers(spark, cfg.with_values({"extract.reextract": True}), [2025])
    assert (forced.extracted, forced.trusted) == (3, 0)
    assert _papers(spark, cfg)[a.name][0] != stored[a.name][0]


# --- a re-run with nothing changed starts no Spark ----------------------------------------------


@pytest.mark.e2e
def test_unchanged_rerun_starts_no_spark_and_any_change_runs_again(spark, tmp_path, capsys):
    import shutil

    from paperscope.cli import commands as cli
    from paperscope.cli import rerun
    from paperscope.core.config import load_config

    corpus = tmp_path / "corpus" / "2025"
    corpus.mkdir(parents=True)
    for src in sorted((REPO / "sample" / "corpus" / "2025").glob("*.pdf"))[:3]:
        shutil.copy(src, corpus / src.name)
    flags = ["--conf-file", str(REPO / "conf" / "local.yaml"), "--corpus", str(tmp_path / "corpus"),
             "--warehouse", str(tmp_path / "wh"), "--reports", str(tmp_path / "reports"),
             "--set", f"delta.jar_cache={REPO / '.cache' / 'jars'}"]
    assert cli.main(["run", *flags]) == 0
    first = capsys.readouterr().out
    stamp = json.loads((tmp_path / "wh" / rerun.STAMP).read_text())
    assert stamp["exit_code"] == 0 and stamp["files"] == 3 and stamp["run_id"] in first

    assert cli.main(["run", *flags]) == 0
    out = capsys.readouterr().out
    assert "Spark not started" in out and stamp["run_id"] in out
    assert len(list((tmp_path / "reports").glob("2*"))) == 1  # no new report

    cfg = load_config(REPO / "conf" / "local.yaml", [f"delta.jar_cache={REPO / '.cache' / 'jars'}"],
                      input__corpus=str(tmp_path / "corpus"), warehouse__path=str(tmp_path / "wh"),
                      reports__path=str(tmp_path / "reports"))
    assert rerun.unchanged(cfg, rerun.inputs_state(cfg)) is not None
    # A changed setting, a touched file or a forced re-extraction each mean a real run.
    assert rerun.unchanged(cfg.with_values({"mentions.scope": "full"}),
                           rerun.inputs_state(cfg.with_values({"mentions.scope": "full"}))) is None
    assert not rerun.applies(cfg.with_values({"extract.reextract": True}), "run", None)
    assert not rerun.applies(cfg, "run", "job-run-7") and not rerun.applies(cfg, "extract", None)
    victim = next(corpus.glob("*.pdf"))
    os.utime(victim, ns=(os.stat(victim).st_atime_ns, os.stat(victim).st_mtime_ns + 10**9))
    assert rerun.unchanged(cfg, rerun.inputs_state(cfg)) is None


def test_local_listing_without_spark_is_what_read_files_gives(spark, base_cfg, tmp_path):
    """The run lists a local corpus in Python (no Spark job); read_files gives those rows too."""
    from paperscope.sources.corpus.listing import discover, file_counts, local_files, outside_years, read_files

    for rel in ("2024/a.pdf", "2024/sub/b.PDF", "2025/c.pdf", "misc/d.pdf", "e.pdf", "2025/notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"%PDF-1.4 " + rel.encode())
    for years in ([], [2025]):
        cfg = base_cfg.with_values({"input.corpus": str(tmp_path), "input.years": years})
        expected = sorted((r.asDict() for r in read_files(spark, cfg, with_content=False).collect()),
                          key=lambda r: r["path"])
        assert sorted(local_files(cfg), key=lambda r: r["path"]) == expected
        assert file_counts(spark, cfg) == sorted((r.year, r.files) for r in discover(spark, cfg).collect())
    cfg = base_cfg.with_values({"input.corpus": str(tmp_path), "input.years": []})
    assert outside_years(spark, cfg) == [str(tmp_path / "e.pdf"), str(tmp_path / "misc" / "d.pdf")]
    assert [r["year"] for r in local_files(cfg)] == [2024, 2024, 2025]
