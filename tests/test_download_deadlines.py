"""Deadlines wherever the downloader reads the network (issue 25).

A generated matrix: each item the downloader reads (the index page, a paper page, a PDF)
against each way a server can stall it (a body sent a byte at a time, a status line and
headers sent a byte at a time, a steady transfer under the low-speed limit, silence).
Every case ends near its bound with a line that names the setting that ended it; the
server is on 127.0.0.1 and sends for far longer than the bounds.
"""
from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import pytest

from paperscope.core.config import load_config
from paperscope.sources.download.client import DownloadError
from paperscope.sources.download.fetch import run
from paperscope.sources.download.papers import Options
from support import slow_except
from test_download import LocalServer, make_pdf

pytestmark = pytest.mark.unit

ITEMS = ("index", "page", "pdf")
# stall -> (the options that bound it, words the failure line holds)
STALLS = {
    "body": ({"file_deadline_s": 0.8}, "download.file_deadline_s"),
    "headers": ({"file_deadline_s": 0.8}, "download.file_deadline_s"),
    "slow": ({"speed_limit_bps": 400.0, "speed_time_s": 0.3, "retries": 1}, "download.speed_limit_bps"),
    "silent": ({"timeout_s": 0.3, "retries": 1}, "download.timeout_s"),
}
SENDS_FOR_S = 20  # far past every bound above: only the client can end a case


class StallingSite(LocalServer):
    """/<stall>/<item>/...: the named item stalls in the named way, the others answer."""

    def __init__(self):
        pdf = make_pdf("A paper")

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _drip(self, data: bytes, every: float) -> None:
                t0 = time.monotonic()
                try:
                    for i in range(len(data)):
                        if time.monotonic() - t0 > SENDS_FOR_S:
                            return
                        self.wfile.write(data[i:i + 1])
                        self.wfile.flush()
                        time.sleep(every)
                except OSError:
                    pass  # the client gave up, as it should

            def do_GET(self):
                _, stall, item, rest = self.path.split("/", 3)
                this = ("index" if rest == "year-2024.html" else "page" if rest.endswith("-Abstract.html") else "pdf")
                if this == "index":
                    body, ctype = f'<a href="/{stall}/{item}/p1-Abstract.html">P1</a>'.encode(), "text/html"
                elif this == "page":
                    body, ctype = f'<a href="/{stall}/{item}/p1-Paper.pdf">PDF</a>'.encode(), "text/html"
                else:
                    body, ctype = pdf, "application/pdf"
                if this != item:
                    self.send_response(200)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                head = (f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nX-Padding: {'x' * 400}\r\n"
                        f"Content-Length: 100000\r\n\r\n").encode()
                tail = body + b" " * (100000 - len(body))
                if stall == "silent":
                    time.sleep(SENDS_FOR_S)
                elif stall == "headers":
                    self._drip(head + tail, 0.05)
                elif stall == "body":
                    self.wfile.write(head)
                    self._drip(tail, 0.05)
                else:  # slow: 200 bytes a second, steadily, under the 400 bytes/s limit
                    self.wfile.write(head)
                    self._drip(tail, 0.005)
                self.close_connection = True

        self._serve(Handler)


@pytest.fixture(scope="module")
def site():
    with StallingSite() as s:
        yield s


def _opts(tmp_path, **kw):
    base = dict(corpus=str(tmp_path / "corpus"), concurrency=2, rate_per_s=500.0, retries=3, backoff_s=0.01,
                backoff_max_s=0.02, timeout_s=5.0, file_deadline_s=30.0, speed_limit_bps=0.0,
                manifest=str(tmp_path / "manifest.csv"), paper_link=r"-Abstract\.html$", pdf_link=r"-Paper\.pdf$")
    return Options.from_config(load_config(), **{**base, **kw})


# Each case waits out its bound: one (a PDF body that drips) in make test-fast, all in make test.
FAST = ("pdf", "body")


@pytest.mark.parametrize("item, stall", slow_except([(item, stall) for stall in sorted(STALLS) for item in ITEMS],
                                                  lambda case: case == FAST, ids="-".join))
def test_every_item_is_bounded_however_the_server_stalls(site, tmp_path, item, stall):
    bounds, words = STALLS[stall]
    opts = _opts(tmp_path, **bounds)
    t0 = time.monotonic()
    index = f"{site.base}/{stall}/{item}/year-2024.html"
    if item == "index":
        with pytest.raises(DownloadError) as err:
            run(opts, index=index)
        line = str(err.value)
    else:
        [res] = run(opts, index=index)
        assert res.status == "failed"
        line = res.error
        assert line.startswith("paper page: ") == (item == "page"), line
        assert not [p for p in (tmp_path / "corpus").rglob("*") if p.is_file() and p.suffix != ".csv"]
    took = time.monotonic() - t0
    assert words in line, line
    assert took < 3, f"{item}/{stall} took {took:.1f} s: {line}"
