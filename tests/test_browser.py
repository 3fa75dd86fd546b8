"""The report as a reader opens it, in headless Chromium with every host name unresolvable:
the sample run's report answers in the first screen, its audit page filters, its Data Docs
show a pass status offline; a generated 5,000-paper report stays small and opens fast.

One browser for the module; the sample run is the session's (conftest.sample_run)."""
from __future__ import annotations

import hashlib
import random
import shutil
import time

import pandas as pd
import pytest

pytestmark = pytest.mark.e2e
SCREEN = (1200, 900)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.skip("no chromium + chromedriver on PATH (as root, `make setup-test` installs Debian's chromium and "
                    "chromium-driver)")
    pytest.importorskip("selenium", reason="selenium not installed (pip install -e '.[dev]')")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={SCREEN[0]},{SCREEN[1]}", "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(service=Service(driver), options=options)
    yield session
    session.quit()


def _open(browser, path) -> float:
    """Load a file; the milliseconds from navigation start to the load event."""
    browser.get(path.resolve().as_uri())
    return browser.execute_script("const t = performance.getEntriesByType('navigation')[0]; return t.loadEventEnd;")


def _errors(browser) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def _filter(browser, column: int, text: str) -> str:
    from selenium.webdriver.common.by import By

    box = browser.find_elements(By.CSS_SELECTOR, "thead input")[column]
    box.clear()
    box.send_keys(text)
    return browser.find_element(By.CSS_SELECTOR, ".audit-bar span").text


def test_the_sample_report_answers_in_the_first_screen_and_its_lists_filter(sample_run, browser):
    from selenium.webdriver.common.by import By

    code, run, _ = sample_run
    assert code == 0
    _open(browser, run.run_dir / "index.html")
    first = browser.find_element(By.CSS_SELECTOR, "#answer .answer")
    assert first.text.startswith("2025: 5 of 14 papers (35.7%) involve authors at both US and Chinese institutions.")
    box = browser.execute_script("return arguments[0].getBoundingClientRect().bottom;", first)
    assert box <= SCREEN[1] - 100, f"the answer ends {box:.0f} px down, below the first screen"
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth;")
    link = first.find_element(By.LINK_TEXT, "The papers").get_attribute("href")
    assert link.endswith("papers_any_author_mainland_kept.csv")
    papers = pd.read_csv(run.run_dir / "papers_any_author_mainland_kept.csv")
    assert len(papers[papers["year"] == 2025]) == 5
    assert not _errors(browser)

    _open(browser, run.run_dir / "audit.html")
    bar = browser.find_element(By.CSS_SELECTOR, ".audit-bar span").text
    assert bar.startswith("29 of 29 rows")
    titles = browser.find_elements(By.CSS_SELECTOR, "thead tr:first-child th")
    title_col = [t.text for t in titles].index("title")
    assert _filter(browser, title_col, "<script>").startswith("1 of 29 rows")  # the hostile title, as text
    cell = browser.find_element(By.CSS_SELECTOR, f"tbody tr td:nth-child({title_col + 1})").text
    assert "<script>" in cell and not browser.find_elements(By.CSS_SELECTOR, "tbody script")
    assert not _errors(browser)


def test_the_data_docs_show_a_pass_status_offline(sample_run, browser):
    from selenium.webdriver.common.by import By

    _, run, _ = sample_run
    _open(browser, run.run_dir / "data_docs" / "index.html")
    time.sleep(0.3)  # bootstrap-table draws after the load event
    rows = browser.find_elements(By.CSS_SELECTOR, "table tbody tr")
    assert len(rows) >= 6, "the index lists every suite's validation result"
    icon = browser.find_element(By.CSS_SELECTOR, "tbody .fa-check-circle")
    style = browser.execute_script(
        "const s = getComputedStyle(arguments[0], '::before'); return [s.content, s.fontFamily];", icon)
    assert style[0] not in ("", "none", "normal") and "Font Awesome" in style[1]
    assert browser.execute_script("return getComputedStyle(document.body).fontFamily;") != "Times New Roman"
    logo = browser.find_element(By.CSS_SELECTOR, "img")
    assert browser.execute_script("return arguments[0].naturalWidth > 0;", logo)
    assert not _errors(browser)


def big_report(run_dir, n: int = 5000):
    """A conference-sized run through the real writer: n papers over two years, three or four
    affiliation rows each, every rule's flags; no Spark."""
    from paperscope.core.config import load_config
    from paperscope.counting import rules
    from paperscope.report.writer import RunReport, versions, write

    rnd = random.Random(0)
    countries = ["US", "CN", "GB", "DE", "SG", "HK", None]
    audit, flags = [], []
    for i in range(n):
        pid = hashlib.sha256(str(i).encode()).hexdigest()
        year = 2024 + i % 2
        placed = [rnd.choice(countries) for _ in range(3 + i % 2)]
        title = " ".join(rnd.choice(["Scaling", "Laws", "Diffusion", "Agents", "Sparse", "Graph"]) for _ in range(8))
        for j, c in enumerate(placed):
            audit.append((pid, year, title, f"/c/{year}/p{i:05d}.pdf", "ok", f"Department {j}, University {i % 500}",
                          "block", f"University {i % 500}", c, "alias" if c else "none", f"University {i % 500}", 1.0,
                          "evidence"))
        us, cn = "US" in placed, "CN" in placed
        for policy in ("mainland", "greater"):
            cn_p = cn or (policy == "greater" and "HK" in placed)
            for dual in (True, False):
                both = us and cn_p
                row = {"year": year, "paper_id": pid, "china_policy": policy, "dual_strings": dual,
                       "n_authors": len(placed), "author_countries": [c or "" for c in placed],
                       "any_author": both, "distinct_authors": both, "first_last": both and placed[0] != placed[-1],
                       "first_or_last": both and placed[0] in ("US", "CN"), "min_share": both, "min_authors": False,
                       "fractional": both, "fractional_weight": 0.5 if both else 0.0,
                       **{f"unknown_{r}": None in placed for r in rules.RULES}, "has_us": us, "has_cn": cn_p,
                       "author_us": us, "author_cn": cn_p, "us_fc": 0.25 * us, "cn_fc": 0.25 * cn_p}
                flags.append(row)
    audit = pd.DataFrame(audit, columns=["paper_id", "year", "title", "path", "status", "raw", "source", "institution",
                                         "country", "method", "matched", "score", "evidence"])
    per = pd.DataFrame(flags, columns=rules.PAPER_RULE_COLUMNS)
    papers = audit.drop_duplicates("paper_id")[["paper_id", "year"]]
    counts = rules.count_rules(papers, audit, pd.DataFrame(columns=["paper_id"]), per_paper=per, min_share=1 / 3,
                               min_authors=2)
    kept = per[(per["china_policy"] == "mainland") & per["dual_strings"]]
    collab = kept.groupby("year").agg(papers=("paper_id", "size"), with_us=("has_us", "sum"),
                                      with_cn=("has_cn", "sum"), with_both=("any_author", "sum"),
                                      with_unknown=("unknown_any_author", "sum")).reset_index()
    collab = collab.assign(papers_ok=collab["papers"], with_neither=0, share_us=0.0, share_cn=0.0,
                           share_both=(collab["with_both"] / collab["papers"]).round(4))
    pairs = pd.DataFrame([(2024, f"US University {k}", f"CN University {k}", 30 - k) for k in range(20)],
                         columns=rules.PAIR_COLUMNS)
    mentions = pd.DataFrame([(pid, t, 3, 2) for pid in papers["paper_id"][::3] for t in ("Llama", "Qwen")],
                            columns=["paper_id", "term", "count_full", "count_body"])
    cfg = load_config(None, ["reports.references={2024: {papers: 4497, with_both: 134, source: WIRED}}"])
    meta = {"run_id": "big", "started": "2026-12-01T00:00:00+00:00", "conf_file": None, "status": "passed",
            "message": None, "years": [2024, 2025], "input": "/c", "warehouse": "/w", "china_policy": "mainland",
            "mention_scope": "body", "durations": {"extract": 1.0}, "config": cfg.as_dict(), "data_docs": None,
            "versions": versions("4.1.1")}
    inputs = pd.DataFrame({"year": [2024, 2025], "files": [n // 2, n - n // 2], "ok": [n // 2, n - n // 2]})
    write(run_dir, RunReport(meta=meta, inputs=inputs, gold={"collaboration": collab, "rules": counts,
                                                              "paper_rules": per, "institution_pairs": pairs},
                             audit=audit, mentions=mentions, reports=cfg.reports, review=cfg.review))
    return counts


def test_a_5000_paper_report_is_small_and_opens_in_under_2_s(tmp_path, browser):
    from selenium.webdriver.common.by import By

    run_dir = tmp_path / "run"
    counts = big_report(run_dir)
    size = (run_dir / "index.html").stat().st_size
    assert size < 300 * 1024, f"index.html is {size / 1024:.0f} KB"
    for r in counts[counts["rule"] != "fractional"].itertuples():
        name = f"papers_{r.rule}_{r.china_policy}_{'kept' if r.dual_strings else 'left_out'}.csv"
        got = pd.read_csv(run_dir / name, usecols=["year"])
        assert (got["year"] == r.year).sum() == r.with_both, name

    loaded = _open(browser, run_dir / "index.html")
    assert loaded < 2000, f"index.html loaded in {loaded:.0f} ms"
    first = browser.find_element(By.CSS_SELECTOR, "#answer .answer")
    assert first.text.startswith("2025: ") and browser.execute_script(
        "return arguments[0].getBoundingClientRect().bottom;", first) <= SCREEN[1]

    loaded = _open(browser, run_dir / "audit.html")
    drawn = int(browser.execute_script("return document.documentElement.dataset.drawnMs;"))
    assert loaded < 2000 and drawn < 2000, f"audit.html: load event {loaded:.0f} ms, first rows {drawn} ms"
    assert browser.find_element(By.CSS_SELECTOR, ".audit-bar span").text == "5000 of 5000 rows, page 1 of 50"
    assert len(browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 100
    assert _filter(browser, 1, "=2025").startswith("2500 of 5000 rows")
    assert not _errors(browser)
