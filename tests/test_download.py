"""The downloader against a fixture proceedings site on 127.0.0.1 (started and stopped here):
retries on a 500 and a truncated body, a 500 and a timeout that never recover, a redirect
to a non-http scheme, resume, the manifest, the CSV input and the User-Agent."""
from __future__ import annotations

import csv
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from paperscope import __version__
from paperscope.core.config import load_config
from paperscope.sources.corpus.listing import check_inputs
from paperscope.sources.download.fetch import run
from paperscope.sources.download.papers import Options
from support import settings

YEAR = 2024
TIMEOUT = 0.3


def make_pdf(text: str) -> bytes:
    """A small valid one-page PDF with the text on it."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


# paper key -> how its PDF behaves
PAPERS = {
    "aaa1": "ok", "bbb2": "ok", "flaky": "500-once", "dead": "500-always",
    "slow": "timeout", "cut": "truncated-once", "ftp": "redirect-ftp", "nolink": "no-pdf-link",
}


class LocalServer:
    """An HTTP server on 127.0.0.1 in a thread, for the downloader's tests: `with` starts and stops it."""

    def _serve(self, handler) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        # shutdown() waits for the serving loop to look up: at the default poll (0.5 s) that
        # was half a second of every test that starts a server, waiting on nothing.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


class Site(LocalServer):
    """A NeurIPS-like proceedings site: year page -> paper pages -> PDFs."""

    def __init__(self):
        self.hits: Counter = Counter()
        self.agents: set[str] = set()
        self.pdfs = {k: make_pdf(f"Paper {k}") for k in PAPERS}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, code, body=b"", ctype="text/html", headers=None, length=None):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    try:
                        self.wfile.write(body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the client gave up (the timeout case)

            def do_HEAD(self):
                self.do_GET()

            def do_GET(self):
                path = self.path
                site.hits[(self.command, path)] += 1
                site.agents.add(self.headers.get("User-Agent", ""))
                n = site.hits[(self.command, path)]
                if path == f"/paper_files/paper/{YEAR}":
                    items = "".join(
                        f'<li class="conference"><div class="paper-content"><a title="Paper {k} &amp; more" '
                        f'href="/paper_files/paper/{YEAR}/hash/{k}-Abstract-Conference.html">Paper {k} &amp; more</a>'
                        f'<span class="paper-authors">A. Author</span></div></li>' for k in PAPERS)
                    return self._send(200, f'<html><body><a href="/">Home</a><ul class="paper-list">{items}</ul>'
                                           f'</body></html>'.encode())
                if path.startswith(f"/paper_files/paper/{YEAR}/hash/"):
                    key = path.rsplit("/", 1)[1].split("-")[0]
                    links = '<a href="/paper_files/paper/2024/file/%s-Supplemental-Conference.zip">Supplemental</a>' % key
                    if PAPERS[key] != "no-pdf-link":
                        links += (f'<a class="btn" href="/paper_files/paper/{YEAR}/file/{key}-Paper-Conference.pdf">'
                                  f'Paper</a>')
                    return self._send(200, f"<html><body><h4>Paper {key}</h4>{links}</body></html>".encode())
                if path.startswith(f"/paper_files/paper/{YEAR}/file/") and path.endswith(".pdf"):
                    key = path.rsplit("/", 1)[1].split("-")[0]
                    body, kind = site.pdfs[key], PAPERS[key]
                    if self.command == "GET" and (kind == "500-always" or (kind == "500-once" and n == 1)):
                        return self._send(500, b"server error")
                    if kind == "timeout" and self.command == "GET":
                        time.sleep(TIMEOUT * 3)
                        return self._send(200, body, "application/pdf")
                    if kind == "truncated-once" and n == 1 and self.command == "GET":
                        self._send(200, body[:200], "application/pdf", length=len(body))
                        self.close_connection = True
                        return None
                    if kind == "redirect-ftp":
                        return self._send(302, b"", headers={"Location": "ftp://127.0.0.1/x.pdf"})
                    return self._send(200, body, "application/pdf")
                if path == "/to-file":
                    return self._send(301, b"", headers={"Location": "file:///etc/passwd"})
                return self._send(404, b"not here")

        self._serve(Handler)


@pytest.fixture()
def site():
    with Site() as s:
        yield s


def _opts(tmp_path, **kw):
    base = dict(corpus=str(tmp_path / "corpus"), concurrency=3, rate_per_s=200.0, retries=2, backoff_s=0.05,
                backoff_max_s=0.1, timeout_s=TIMEOUT, contact="https://example.org/contact")
    return Options.from_config(load_config(), **{**base, **kw})


def _manifest(opts) -> dict[str, dict]:
    with open(opts.manifest_path, newline="", encoding="utf-8") as fh:
        return {row["paper_id"]: row for row in csv.DictReader(fh)}


@pytest.mark.slow  # waits out a timeout three times
def test_index_fetch_retries_failures_and_manifest(site, tmp_path):
    opts = _opts(tmp_path)
    results = run(opts, index=f"{site.base}/paper_files/paper/{YEAR}")
    rows = _manifest(opts)
    assert len(results) == len(PAPERS) == len(rows)
    by_key = {pid.split("-")[0]: row for pid, row in rows.items()}
    for key in ("aaa1", "bbb2", "flaky", "cut"):
        row = by_key[key]
        assert row["status"] == "fetched", row
        data = open(row["path"], "rb").read()
        assert data == site.pdfs[key] and int(row["bytes"]) == len(data)
        assert row["path"].endswith(f"/corpus/{YEAR}/{key}-Paper-Conference.pdf")
        assert row["year"] == str(YEAR) and row["title"] == f"Paper {key} & more"
        assert row["url"].endswith(f"/{key}-Paper-Conference.pdf") and len(row["sha256"]) == 64
    # the 500 and the truncated body were retried once each
    assert site.hits[("GET", f"/paper_files/paper/{YEAR}/file/flaky-Paper-Conference.pdf")] == 2
    assert site.hits[("GET", f"/paper_files/paper/{YEAR}/file/cut-Paper-Conference.pdf")] == 2
    assert by_key["dead"]["status"] == "failed" and "HTTP 500" in by_key["dead"]["error"]
    assert "after 3 tries" in by_key["dead"]["error"]
    assert by_key["slow"]["status"] == "failed" and "timed out" in by_key["slow"]["error"]
    assert by_key["ftp"]["status"] == "failed" and "non-http(s)" in by_key["ftp"]["error"]
    assert site.hits[("GET", f"/paper_files/paper/{YEAR}/file/ftp-Paper-Conference.pdf")] == 1  # not retried
    assert by_key["nolink"]["status"] == "failed" and "no PDF" in by_key["nolink"]["error"]
    for key in ("dead", "slow", "ftp"):
        assert not (tmp_path / "corpus" / str(YEAR) / f"{key}-Paper-Conference.pdf").exists()
    assert not list((tmp_path / "corpus").rglob("*.part"))
    assert site.agents == {f"paperscope/{__version__} (+https://example.org/contact)"}
    # the manifest is a paperscope input manifest as it stands
    check_inputs(settings({"input.manifest": str(opts.manifest_path)}))


def test_resume_skips_files_already_there(site, tmp_path):
    # retries: a good file that misses the short timeout on a busy machine is fetched. The first
    # two papers (both good) only: the failing ones are the test above's, and here each of the
    # four runs would wait out the slow paper's timeouts again.
    opts = _opts(tmp_path, limit=2)
    index = f"{site.base}/paper_files/paper/{YEAR}"
    run(opts, index=index)
    good = f"/paper_files/paper/{YEAR}/file/aaa1-Paper-Conference.pdf"
    first = site.hits[("GET", good)]
    again = run(opts, index=index)
    status = {r.item.paper_id.split("-")[0]: r.status for r in again}
    assert status["aaa1"] == status["bbb2"] == "present"
    assert site.hits[("GET", good)] == first  # not downloaded again
    # a file whose bytes no longer match the manifest is fetched again
    path = tmp_path / "corpus" / str(YEAR) / "bbb2-Paper-Conference.pdf"
    path.write_bytes(b"%PDF-1.4 damaged")
    third = {r.item.paper_id.split("-")[0]: r for r in run(opts, index=index)}
    assert third["bbb2"].status == "fetched" and path.read_bytes() == site.pdfs["bbb2"]
    # a file the manifest does not know is kept when the server announces the same size
    opts.manifest_path.unlink()
    fourth = {r.item.paper_id.split("-")[0]: r for r in run(opts, index=index)}
    assert fourth["aaa1"].status == "present"
    assert site.hits[("HEAD", good)] == 1


def test_csv_of_urls_and_refused_schemes(site, tmp_path):
    urls = tmp_path / "urls.csv"
    urls.write_text(
        "url,year,paper_id,title\n"
        f"{site.base}/paper_files/paper/{YEAR}/file/aaa1-Paper-Conference.pdf,2023,p1,First\n"
        "ftp://127.0.0.1/paper.pdf,2023,p2,Second\n"
        f"{site.base}/to-file,2023,p3,Third\n"
        f"{site.base}/paper_files/paper/{YEAR}/file/bbb2-Paper-Conference.pdf,,p4,No year\n", encoding="utf-8")
    opts = _opts(tmp_path, retries=0, manifest=str(tmp_path / "m.csv"))
    run(opts, csv_path=str(urls))
    rows = _manifest(opts)
    assert rows["p1"]["status"] == "fetched" and rows["p1"]["path"].endswith("/corpus/2023/p1.pdf")
    assert rows["p2"]["status"] == "failed" and "only http(s)" in rows["p2"]["error"]
    assert rows["p3"]["status"] == "failed" and "file:///etc/passwd" in rows["p3"]["error"]
    assert rows["p4"]["status"] == "failed" and "no year" in rows["p4"]["error"]


def test_command_line(site, tmp_path, capsys):
    from paperscope.cli.commands import main

    corpus = tmp_path / "c"
    code = main(["download", "--index", f"{site.base}/paper_files/paper/{YEAR}", "--corpus", str(corpus),
                 "--retries", "0", "--timeout", str(TIMEOUT), "--rate", "100", "--limit", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2 papers, 2 fetched" in out and len(list((corpus / str(YEAR)).glob("*.pdf"))) == 2
    assert main(["download", "--index", "file:///etc/passwd", "--corpus", str(corpus)]) == 2
    assert "only http(s)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["download", "--help"])
    assert "manifest" in capsys.readouterr().out
