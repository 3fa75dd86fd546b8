"""The console as a reader meets it, without Spark: the answer's lines after a run, and
each command-line mistake answered in one line with exit 2 and its fix."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from paperscope.cli.commands import main, parser, where_lines
from paperscope.core.config import load_config
from paperscope.report.words import answer, console_lines

REPO = Path(__file__).resolve().parents[1]
AGG = {"headline_rule": "any_author", "rules": ["any_author", "first_last"], "min_share": 1 / 3, "min_authors": 2}


def _rules(rows):
    return pd.DataFrame([{"year": y, "rule": r, "china_policy": "mainland", "dual_strings": True, "papers": n,
                          "with_us": 0.0, "with_cn": 0.0, "with_both": float(b), "share": b / n, "with_unknown": u}
                         for y, r, n, b, u in rows])


def _collab(rows):
    return pd.DataFrame([{"year": y, "papers": n, "with_both": b, "with_unknown": u} for y, n, b, u in rows])


def test_the_answer_line_per_year_names_n_share_interval_and_the_closest_rule():
    collab = _collab([(2023, 1, 0, 0), (2024, 4497, 478, 12)])
    rules = _rules([(2023, "any_author", 1, 0, 0), (2023, "first_last", 1, 0, 0),
                    (2024, "any_author", 4497, 478, 12), (2024, "first_last", 4497, 135, 40)])
    refs = {2024: {"papers": 4497, "with_both": 134, "source": "WIRED"}}
    intervals = {2024: {"low": 450, "high": 490, "reviewed": 35}}
    got = answer(collab, {"rules": rules}, "mainland", AGG, refs, intervals, 10)
    assert console_lines(got) == [
        "2023: 0 of 1 papers (0.0%) US-China; under 10 papers: too few for a share",
        "2024: 478 of 4,497 papers (10.6%) US-China (+12 undecided); 95% interval 450-490 from 35 reviewed; "
        "WIRED: 134 (3.0%), closest rule first_last 135 (3.0%)"]
    a = got[1]
    assert a["sentence"] == "2024: 478 of 4,497 papers (10.6%) involve authors at both US and Chinese institutions."
    assert a["reference_sentence"] == ("WIRED reported 134 of 4,497 papers (3.0%) for 2024; the closest rule here is "
                                       "first_last, 135 (3.0%).")
    assert a["export"] == "papers_any_author_mainland_kept.csv" and got[0]["small"]
    first_last = answer(collab, {"rules": rules}, "mainland", {**AGG, "headline_rule": "first_last"}, refs,
                        intervals, 10)[1]
    assert first_last["sentence"].startswith("2024: 135 of 4,497 papers (3.0%) have their first author in one "
                                             "country and their last author in the other")
    assert first_last["interval"] is None  # the reviews bound any_author's flags, not first_last


def test_after_a_run_the_answer_comes_before_the_paths_and_the_rules_table_only_with_verbose(tmp_path):
    run_dir = tmp_path / "rep" / "r1"
    run_dir.mkdir(parents=True)
    answers = answer(_collab([(2025, 14, 5, 0)]), None, "mainland", AGG, {}, None, 10)
    (run_dir / "run.json").write_text(json.dumps({"answer": answers}))
    (run_dir / "summary.md").write_text("")
    rules = _rules([(2025, "any_author", 14, 5, 0), (2025, "first_last", 14, 4, 0)])
    run = SimpleNamespace(run_id="r1", run_dir=run_dir, cfg=load_config(None), counts={"rules": rules})
    lines = where_lines(run, "run", 0)
    assert lines[0] == "paperscope: run r1 passed"
    assert lines[1].startswith("  under any_author (aggregates.headline_rule")
    assert lines[2] == "  2025: 5 of 14 papers (35.7%) US-China"
    assert lines[3].startswith("  report:") and lines[4].startswith("  papers:") and lines[-1].startswith("  tables:")
    assert not any("dual strings" in line for line in lines)
    verbose = where_lines(run, "run", 0, verbose=True)
    table = [i for i, line in enumerate(verbose) if line.startswith("| year |")]
    assert table and table[0] < verbose.index("  2025: 5 of 14 papers (35.7%) US-China")
    assert any(line.startswith("dual strings: an affiliation string that by itself names both") for line in verbose)


def _mistake(capsys, argv) -> tuple[int, list[str]]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    return stop.value.code, capsys.readouterr().err.strip().splitlines()


def test_a_typo_gets_did_you_mean_and_the_subcommands_usage(capsys):
    code, err = _mistake(capsys, ["run", "--corpsu", "x"])
    assert code == 2 and err[-1] == "paperscope run: error: unknown flag --corpsu; did you mean --corpus?"
    assert err[0].startswith("usage: paperscope run ")
    code, err = _mistake(capsys, ["metadata", "--sorce=x.json"])
    assert code == 2 and err[-1] == "paperscope metadata: error: unknown flag --sorce; did you mean --source?"
    assert err[0].startswith("usage: paperscope metadata ")


def test_a_wrong_flag_shows_the_subcommands_usage_not_the_top_level_one(capsys):
    code, err = _mistake(capsys, ["extract", "--bogus"])
    assert code == 2 and err[-1] == "paperscope extract: error: unknown flag --bogus (see paperscope extract --help)"
    assert err[0].startswith("usage: paperscope extract ") and not any("STEP" in line for line in err)
    code, err = _mistake(capsys, ["--bogus"])  # no step: run
    assert code == 2 and err[-1].startswith("paperscope run: error: unknown flag --bogus")


def test_a_year_folder_as_the_corpus_is_one_line_naming_the_root(tmp_path, capsys):
    (tmp_path / "corpus" / "2024").mkdir(parents=True)
    (tmp_path / "corpus" / "2024" / "a.pdf").write_bytes(b"%PDF-1.4")
    year = tmp_path / "corpus" / "2024"
    assert main(["check", "--corpus", str(year)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"paperscope: error: corpus {year} is a year folder: pass the corpus root, not a year folder "
                   f"(--corpus {tmp_path / 'corpus'}, with --years 2024 for that year only)"]
    assert main(["check", "--corpus", str(tmp_path / "corpus")]) == 0


def test_job_flags_before_the_double_dash_are_one_line_exit_2():
    """./spark-submit.sh --corpus X: a job flag spark-submit would take as its own (it printed 80
    lines of its usage and exited 1, the code for a failed gate). Stops before any setup."""
    for args, flag, job in ((["--corpus", "x"], "--corpus", "run"), (["metadata", "--source=a.json"], "--source",
                                                                     "metadata")):
        out = subprocess.run(["bash", str(REPO / "spark-submit.sh"), *args], cwd=REPO, capture_output=True, text=True,
                             timeout=30)
        assert out.returncode == 2 and out.stdout == ""
        assert out.stderr.splitlines() == [f"paperscope: error: {flag} is a flag of the job: put job flags after -- "
                                           f"(./spark-submit.sh {job} -- {flag} ...)"]


def test_spark_submit_knows_every_job_flag():
    text = (REPO / "spark-submit.sh").read_text(encoding="utf-8")
    listed = set(re.search(r'^JOB_FLAGS="([^"]+)"', text, re.M).group(1).split())
    subs = parser()._subparsers._group_actions[0].choices
    flags = {o for p in subs.values() for a in p._actions for o in a.option_strings if o.startswith("--")}
    # The script's own (--master, --conf-file) and spark-submit's (--help, --verbose) are not job flags.
    assert listed == flags - {"--master", "--conf-file", "--help", "--verbose"}
