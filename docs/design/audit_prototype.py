"""Prototype of the report's audit page: 5,000 papers, sortable, filterable, paged, no CDN.

Writes OUT/audit.html (the rows as JSON in the page, the report's table.js inlined)
and, with --time, opens it five times in headless Chromium (selenium and Debian's
chromium + chromedriver, as tests/test_review.py; every host name unresolvable) and prints
the median time to the first rendered page, then filters, sorts and pages it.

    .venv/bin/python docs/design/audit_prototype.py OUT [--time]
"""
import argparse
import hashlib
import json
import random
import statistics
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TABLE_JS = HERE.parents[1] / "lib" / "paperscope" / "data" / "report" / "table.js"
COUNTRIES = ["US", "CN", "US;CN", "GB", "DE", "SG", "HK", "", "US;GB", "CN;HK", "JP", "KR", "CA", "FR"]
METHODS = ["alias", "exact", "fuzzy", "address", "country-name", "domain", "none", "review"]
WORDS = ["Scaling", "Laws", "for", "Diffusion", "Models", "Retrieval", "Agents", "Sparse", "Attention", "Graph",
         "Neural", "Reasoning", "Benchmark", "Efficient"]
COLUMNS = ["paper", "year", "title", "countries", "with_us", "with_cn", "any_author", "first_last", "weakest rule",
           "strings"]
CSS = """body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}th{cursor:pointer;background:#f4f4f4}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}thead tr+tr th{cursor:auto}
thead input{width:95%;font-size:12px}.audit-bar{margin:.5em 0;display:flex;gap:.6em;align-items:center}"""


def rows(n: int = 5000) -> list[list]:
    rnd = random.Random(0)
    out = []
    for i in range(n):
        c = rnd.choice(COUNTRIES)
        title = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(4, 10)))
        if i == 7:  # a hostile title: must show as text
            title = '<script>alert("x")</script> =HYPERLINK("http://e.x") </script><b>bold?</b>'
        us, cn = "US" in c, "CN" in c
        flags = [us, cn, us and cn, us and cn and rnd.random() < 0.3]
        out.append([hashlib.sha256(str(i).encode()).hexdigest()[:12], 2024 + i % 2, title, c or None,
                    *("yes" if f else "no" for f in flags), rnd.choice(METHODS), rnd.randint(1, 9)])
    return out


def json_in_html(obj) -> str:
    """JSON for <script type="application/json">: no "</script>" or "<!--" can appear; JSON.parse reads it back."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page(data: list[list]) -> str:
    script = TABLE_JS.read_text(encoding="utf-8")
    return f"""<!doctype html><html lang="en"><meta charset="utf-8"><title>Audit: {len(data):,} papers</title>
<style>{CSS}</style><h1>Audit: the papers behind each figure</h1>
<table id="audit"></table>
<script type="application/json" id="audit-data">{json_in_html({"columns": COLUMNS, "rows": data})}</script>
<script>{script}</script>
<script>auditTable("audit", {{pageSize: 100}}); window.__ready = performance.now();</script>
</html>"""


def timed(path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND"):
        opts.add_argument(a)
    opts.binary_location = "/usr/bin/chromium"
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        ready, wall = [], []
        for _ in range(5):
            t = time.perf_counter()
            drv.get(path.resolve().as_uri())
            wall.append((time.perf_counter() - t) * 1000)
            ready.append(drv.execute_script("return window.__ready"))
        print(f"open: first page drawn {statistics.median(ready):.0f} ms after navigation start "
              f"(median of 5; driver.get returned after {statistics.median(wall):.0f} ms)")
        bar = lambda: drv.find_element(By.CSS_SELECTOR, ".audit-bar span").text  # noqa: E731
        drv.find_elements(By.CSS_SELECTOR, "thead input")[3].send_keys("cn")
        print("filter countries 'cn':", bar())
        drv.find_elements(By.CSS_SELECTOR, "thead input")[1].send_keys("=2025")
        print("and year '=2025':", bar())
        th = drv.find_elements(By.CSS_SELECTOR, "thead tr:first-child th")[9]
        th.click()
        th.click()
        print("sorted by strings:", th.get_attribute("aria-sort"), "- first row:",
              drv.find_element(By.CSS_SELECTOR, "tbody tr td:nth-child(10)").text)
        drv.find_elements(By.CSS_SELECTOR, ".audit-bar button")[1].click()
        print("next page:", bar())
    finally:
        drv.quit()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", type=Path)
    p.add_argument("--time", action="store_true")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "audit.html"
    path.write_text(page(rows()), encoding="utf-8")
    print(f"{path.name}: {path.stat().st_size // 1024} KiB")
    if args.time:
        timed(path)


if __name__ == "__main__":
    main()
