"""A hostile corpus and a careless user, part two: nothing lost, nothing stale.

Each test is a case of issue 13 ("Data lost or wrong", "Also") that failed before: the
downloader (colliding names, a trickling server, Retry-After), metadata (an array on
the first line of JSON lines, values of the wrong type, a huge record, a half-written
pair of tables), the same PDF at two paths, named flags parsed as YAML, gold tables
from two runs, `.PDF`, files outside year folders and the size that was read. Fixtures
are generated here; the downloader talks to a server on 127.0.0.1.
"""
from __future__ import annotations

import csv
import email.utils
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_download import make_pdf

from paperscope import download
from paperscope.config import load_config

# -- downloader -------------------------------------------------------------------------


class Server:
    """PDFs under /a/ and /b/ with one file name, a server that trickles, and 503s with
    Retry-After (seconds, an HTTP date, an hour)."""

    def __init__(self):
        self.hits: dict[str, int] = {}
        self.pdfs = {p: make_pdf(f"Paper at {p}") for p in ("/a/paper.pdf", "/b/paper.pdf", "/c/paper.pdf",
                                                          "/busy.pdf", "/busy-date.pdf", "/busy-long.pdf")}
        srv = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, code, body=b"", headers=None):
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_HEAD(self):
                self.do_GET()

            def do_GET(self):
                path = self.path
                n = srv.hits[f"{self.command} {path}"] = srv.hits.get(f"{self.command} {path}", 0) + 1
                if path == "/trickle.pdf":
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    try:
                        for b in b"%PDF-1.4" + b" " * 992:
                            self.wfile.write(bytes([b]))
                            self.wfile.flush()
                            time.sleep(0.05)
                    except OSError:
                        pass
                    return None
                waits = {"/busy.pdf": "1", "/busy-long.pdf": "3600",
                         "/busy-date.pdf": email.utils.formatdate(time.time() + 2, usegmt=True)}
                if path in waits and n == 1 and self.command == "GET":
                    return self._send(503, b"busy", {"Retry-After": waits[path]})
                if path in srv.pdfs:
                    return self._send(200, srv.pdfs[path], {"Content-Type": "application/pdf"})
                return self._send(404, b"no")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def server():
    with Server() as s:
        yield s


def _opts(tmp_path, **kw):
    base = dict(corpus=str(tmp_path / "corpus"), concurrency=2, rate_per_s=500.0, retries=1, backoff_s=0.01,
                backoff_max_s=0.02, timeout_s=2.0, manifest=str(tmp_path / "manifest.csv"))
    return download.Options.from_config(load_config(), **{**base, **kw})


def _urls(tmp_path, server, paths, name="urls.csv"):
    f = tmp_path / name
    f.write_text("url,year\n" + "".join(f"{server.base}{p},2024\n" for p in paths), encoding="utf-8")
    return str(f)


@pytest.mark.unit
def test_two_urls_with_one_file_name_keep_both_papers(server, tmp_path):
    opts = _opts(tmp_path)
    first = download.run(opts, csv_path=_urls(tmp_path, server, ["/a/paper.pdf", "/b/paper.pdf"]))
    by_url = {r.item.url.removeprefix(server.base): r for r in first}
    assert {r.status for r in first} == {"fetched"}
    paths = {u: r.path for u, r in by_url.items()}
    assert len(set(paths.values())) == 2
    assert paths["/a/paper.pdf"].endswith("/2024/paper.pdf")  # the first keeps the plain name
    for url, path in paths.items():
        assert open(path, "rb").read() == server.pdfs[url]
    # a re-run finds each paper's own file; a third URL with the name takes a third file
    again = download.run(opts, csv_path=_urls(tmp_path, server, ["/b/paper.pdf", "/c/paper.pdf", "/a/paper.pdf"]))
    status = {r.item.url.removeprefix(server.base): (r.status, r.path) for r in again}
    assert status["/a/paper.pdf"] == ("present", paths["/a/paper.pdf"])
    assert status["/b/paper.pdf"] == ("present", paths["/b/paper.pdf"])
    assert status["/c/paper.pdf"][0] == "fetched" and status["/c/paper.pdf"][1] not in paths.values()
    for url, (_, path) in status.items():
        assert open(path, "rb").read() == server.pdfs[url]
    with open(opts.manifest_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 and len({r["path"] for r in rows}) == 3


@pytest.mark.unit
def test_a_server_that_trickles_is_cut_off_at_the_file_deadline(server, tmp_path):
    opts = _opts(tmp_path, file_deadline_s=0.6, retries=3)
    t0 = time.monotonic()
    [res] = download.run(opts, csv_path=_urls(tmp_path, server, ["/trickle.pdf"]))
    assert time.monotonic() - t0 < 5
    assert res.status == "failed" and "file_deadline_s" in res.error, res.error
    assert server.hits["GET /trickle.pdf"] <= 2  # HEAD is not made (no file), the deadline is not retried
    assert not [p for p in (tmp_path / "corpus").rglob("*") if p.is_file()]  # no file, no .part


@pytest.mark.unit
def test_retry_after_is_honoured_and_bounded(server, tmp_path):
    opts = _opts(tmp_path, retry_after_max_s=5.0)
    t0 = time.monotonic()
    [res] = download.run(opts, csv_path=_urls(tmp_path, server, ["/busy.pdf"]))
    assert res.status == "fetched" and time.monotonic() - t0 >= 0.9
    t0 = time.monotonic()
    [res] = download.run(opts, csv_path=_urls(tmp_path, server, ["/busy-date.pdf"], "date.csv"))
    assert res.status == "fetched" and time.monotonic() - t0 >= 0.9
    t0 = time.monotonic()
    [res] = download.run(opts, csv_path=_urls(tmp_path, server, ["/busy-long.pdf"], "long.csv"))
    assert res.status == "failed" and "retry_after_max_s" in res.error and time.monotonic() - t0 < 2
    assert server.hits["GET /busy-long.pdf"] == 1


@pytest.mark.unit
def test_retry_after_values():
    now = 1_700_000_000.0
    assert download.retry_after("120") == 120.0
    assert download.retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == pytest.approx(30, abs=1)
    assert download.retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0.0
    assert download.retry_after("soon") is None and download.retry_after(None) is None


# -- named flags are strings ---------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize("folder", ["yes", "2024", "[a]", "no #comment", "{x: 1}"])
def test_named_flags_are_strings_not_yaml(tmp_path, monkeypatch, capsys, folder):
    from paperscope import cli

    (tmp_path / folder / "2024").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--corpus", folder]) == 0, capsys.readouterr().err
    assert f"({folder})" in capsys.readouterr().out
    args = cli.parser().parse_args(["run", "--corpus", folder, "--warehouse", "/data/wh #prod",
                                    "--reports", "null", "--set", "quality.min_ok_share=0.5"])
    cfg = cli._config(args)
    assert (cfg.input.corpus, cfg.warehouse.path, cfg.reports.path) == (folder, "/data/wh #prod", "null")
    assert cfg.quality.min_ok_share == 0.5  # --set values are still YAML


@pytest.mark.unit
def test_metadata_year_flag_is_a_whole_number(capsys):
    from paperscope import cli

    args = cli.parser().parse_args(["metadata", "--source", "x.json", "--year", "2024"])
    assert cli._config(args).metadata.year == 2024
    with pytest.raises(SystemExit) as exc:
        cli.parser().parse_args(["metadata", "--source", "x.json", "--year", "soon"])
    assert exc.value.code == 2 and "invalid int value" in capsys.readouterr().err
