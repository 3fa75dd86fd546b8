"""The first-page reader on generated PDFs, one layout class each (issue 11).

Each test draws a small page with reportlab the way a publisher's template lays it out,
extracts it with pdf.extract (which stores page one's lines with their geometry) and
reads it with header.parse as the pipeline does. Each asserts the countries found and
where they were found (block, footnote, email).
"""
from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from paperscope.paper.header import line_text, parse
from paperscope.paper.matcher import default_gazetteer
from paperscope.paper.pdf.extract import extract

PROSE = ("we study how models learn from noisy labels and show that the method improves the accuracy "
         "of the network on several benchmark data sets while the training time stays the same for all of them")


@pytest.fixture(scope="module")
def gaz():
    return default_gazetteer()


def _page(draw) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def _text(c, x, y, text, size=10.0, font="Times-Roman"):
    c.setFont(font, size)
    c.drawString(x, y, text)


def _prose(c, x, y_top, y_bottom, width_chars=52, size=10.0, words=PROSE):
    """A column of running text (body type) from y_top down to y_bottom."""
    tokens = words.split()
    y, k = y_top, 0
    while y >= y_bottom:
        line, n = [], 0
        while n < width_chars:
            w = tokens[k % len(tokens)]
            line.append(w)
            n += len(w) + 1
            k += 1
        _text(c, x, y, " ".join(line), size)
        y -= size * 1.2


def _read(gaz, data: bytes):
    got = extract(data, max_pages=1)
    assert got.status == "ok" and got.header_layout
    return parse(got.header_text, got.title, gaz, layout=got.header_layout)


def _by_source(header) -> dict[str, list[str]]:
    out: dict[str, set] = {}
    for a in header.affiliations:
        out.setdefault(a.source, set()).update(m.country for m in a.matches if m.country)
    return {k: sorted(v) for k, v in out.items()}


def test_icml_affiliations_only_in_the_first_page_footnote(gaz):
    def draw(c):
        _text(c, 150, 700, "Learning Robust Things from Noisy Data", 14)
        _text(c, 200, 660, "Alice Zhang 1 Bob Smith 2")
        _text(c, 150, 620, "Abstract", 12)
        _prose(c, 75, 600, 330, 44)
        _prose(c, 55, 310, 150, 48)
        _prose(c, 310, 600, 70, 48)
        _text(c, 65, 118, "1Department of Computer Science, University of Toronto,", 9)
        _text(c, 55, 108, "Toronto, Canada 2Google Research, Mountain View, CA, USA.", 9)
        _text(c, 55, 98, "Correspondence to: Alice Zhang <alice@cs.toronto.edu>.", 9)
        _text(c, 55, 80, "Proceedings of the 41st International Conference on Machine", 9)
        _text(c, 55, 70, "Learning, Vienna, Austria. PMLR 235, 2024. Copyright 2024 by", 9)
        _text(c, 55, 60, "the author(s).", 9)
    h = _read(gaz, _page(draw))
    assert h.countries() == ["CA", "US"]  # not AT: the venue sentence is no affiliation
    assert _by_source(h) == {"footnote": ["CA", "US"]}


def test_ieee_bullet_footnotes_say_who_is_with_what(gaz):
    def draw(c):
        _text(c, 100, 700, "Cascaded Networks for Joint Detection", 20)
        _text(c, 160, 670, "Anna Li, Bo Wang, and Carl Doe", 11)
        _text(c, 57, 640, "Abstract—We compare our detector with the systems of Google and Microsoft", 8)
        _text(c, 57, 630, "Research in Redmond and show that it is faster on every benchmark we tried.", 8)
        _prose(c, 47, 600, 130, 50)
        _prose(c, 313, 600, 40, 50)
        _text(c, 57, 106, "• A. Li and B. Wang are with the Department of Automation, Tsinghua", 8)
        _text(c, 47, 96, "University, Beijing, China (e-mail: ali@tsinghua.edu.cn).", 8)
        _text(c, 57, 86, "• C. Doe is with the School of Computing, National University of", 8)
        _text(c, 47, 76, "Singapore, Singapore. E-mail: doe@comp.nus.edu.sg", 8)
        _text(c, 57, 66, "• B. Wang is now with Google, Mountain View, CA, USA.", 8)
        _text(c, 47, 52, "Manuscript received May 1, 2020; revised June 2, 2020.", 8)
    h = _read(gaz, _page(draw))
    assert h.countries() == ["CN", "SG"]  # not US: where an author is now is not where the work was done
    assert _by_source(h) == {"footnote": ["CN", "SG"]}
    assert not any("are with" in a.raw for a in h.affiliations)


def test_block_ends_at_a_run_in_abstract(gaz):
    def draw(c):
        _text(c, 120, 700, "Fast Pooling for Any Image Size", 20)
        _text(c, 200, 672, "Wei Chen", 11)
        _text(c, 180, 658, "Peking University, Beijing, China", 10)
        _text(c, 57, 630, "Abstract—Systems such as those of Microsoft Research, Redmond, WA, USA and", 9)
        _text(c, 57, 620, "Stanford University need a fixed input size; we remove that need here.", 9)
        _prose(c, 57, 600, 60, 100)
    h = _read(gaz, _page(draw))
    assert h.countries() == ["CN"]
    assert _by_source(h) == {"block": ["CN"]}


def test_block_ends_at_a_teaser_caption_and_figure_text_is_no_affiliation(gaz):
    def draw(c):
        _text(c, 120, 720, "A Model That Reasons Longer", 18)
        _text(c, 230, 694, "Jane Roe", 11)
        _text(c, 200, 680, "University of Oxford, Oxford, UK", 10)
        c.beginForm("teaser")
        _text(c, 150, 600, "Qwen3 DeepSeek-R1 Tencent Hunyuan", 7)
        _text(c, 150, 590, "Baidu ERNIE Moonshot Kimi", 7)
        c.endForm()
        c.doForm("teaser")
        _text(c, 72, 560, "Figure 1: Accuracy of our model against Qwen and DeepSeek from Alibaba Group.", 9)
        _prose(c, 72, 540, 60, 100)
    h = _read(gaz, _page(draw))
    assert h.countries() == ["GB"]
    assert _by_source(h) == {"block": ["GB"]}


def test_acm_author_grid_is_read_cell_by_cell_before_the_abstract(gaz):
    cells = [("Alice Zhang", "Tsinghua University", "Beijing, China"),
             ("Bob Smith", "Carnegie Mellon University", "Pittsburgh, PA, USA"),
             ("Chika Sato", "The University of Tokyo", "Tokyo, Japan"),
             ("Dirk Weber", "ETH Zurich", "Zurich, Switzerland")]

    def draw(c):
        _text(c, 120, 720, "Graph Networks at Scale for Ranking", 18)
        for k, (name, org, place) in enumerate(cells):
            x, y = (110 if k % 2 == 0 else 360), (680 if k < 2 else 620)
            _text(c, x, y, name, 12)
            _text(c, x, y - 13, org, 10)
            _text(c, x, y - 25, place, 10)
        _text(c, 54, 560, "ABSTRACT", 10, "Times-Bold")
        _prose(c, 54, 545, 130, 50, 9)
        _prose(c, 318, 560, 60, 50, 9)
        _text(c, 54, 80, "KDD '19, August 4-8, 2019, Anchorage, AK, USA", 7)
        _text(c, 54, 70, "© 2019 Association for Computing Machinery. ACM, New York, NY, USA.", 7)
    h = _read(gaz, _page(draw))
    assert h.countries() == ["CH", "CN", "JP", "US"]
    assert _by_source(h) == {"block": ["CH", "CN", "JP", "US"]}
    # Each cell stays whole: the place under an organisation is that organisation's.
    raws = {a.raw for a in h.affiliations}
    assert "The University of Tokyo, Tokyo, Japan" in raws
    assert "Carnegie Mellon University, Pittsburgh, PA, USA" in raws


def test_arxiv_margin_stamp_does_not_fill_the_block(gaz):
    stamp = "arXiv:2401.01234v2 [cs.CL] 5 Jan 2024"

    def draw(c):
        for k, ch in enumerate(stamp):
            _text(c, 20, 560 - 11 * k, ch, 14 if ch.isupper() else 10)
        _text(c, 150, 700, "Small Models Can Plan", 16)
        _text(c, 220, 672, "Kim Min-jun", 11)
        _text(c, 120, 658, "Korea Advanced Institute of Science and Technology, Daejeon, Korea", 10)
        _text(c, 280, 630, "Abstract", 12)
        _prose(c, 90, 610, 60, 90)
    h = _read(gaz, _page(draw))
    assert h.countries() == ["KR"]
    assert _by_source(h) == {"block": ["KR"]}


def test_venue_and_funding_banners_are_not_affiliations(gaz):
    def draw(c):
        _text(c, 72, 750, "Proceedings of the 62nd Annual Meeting of the Association for Computational "
                          "Linguistics, Bangkok, Thailand", 8)
        _text(c, 72, 740, "RecSys'13, October 12-16, 2013, Hong Kong, China", 8)
        _text(c, 150, 700, "Answer Validation by Synthesis", 16)
        _text(c, 230, 672, "Rui Wang", 11)
        _text(c, 170, 658, "Saarland University, Saarbrücken, Germany", 10)
        _text(c, 140, 644, "Supported by the Research Grants Council of the Hong Kong SAR", 9)
        _text(c, 280, 616, "Abstract", 12)
        _prose(c, 90, 600, 60, 90)
    h = _read(gaz, _page(draw))
    assert h.countries() == ["DE"]


def test_glued_words_and_split_accents_are_repaired(gaz):
    # Glyphs as pdfminer gives them: no space characters, only gaps between the words.
    def glyphs(words, x=0.0, size=10.0, gap=3.0):
        out = []
        for w in words:
            for ch in w:
                out.append((ch, x, x + 5.0, 100.0, size))
                x += 5.0
            x += gap
        return out

    assert line_text(glyphs(["1Google", "Inc.,", "Mountain", "View,", "United", "States"]), 10.0) == \
        "1Google Inc., Mountain View, United States"
    # TeX draws an accent as its own glyph over (or next to) the letter.
    chars = glyphs(["Universit"], gap=0.0) + [("´", 45.5, 48.0, 104.0, 10.0), ("e", 45.0, 50.0, 100.0, 10.0)]
    assert line_text(chars, 10.0) == "Université"
    assert line_text([("ﬁ", 0, 5, 100, 10), ("ne", 5, 15, 100, 10)], 10.0) == "fine"

    def draw(c):
        _text(c, 150, 700, "Deep Learning of Representations", 16)
        _text(c, 230, 672, "Yann Roux", 11)
        c.setFont("Times-Roman", 10)
        x = 180.0
        for word in ["Universit", "´", "e", " de Montr", "´", "eal,", " Montr", "´", "eal,", " Canada"]:
            c.drawString(x - (2.2 if word == "´" else 0), 660 + (2 if word == "´" else 0), word.strip("´") or word)
            x += c.stringWidth(word, "Times-Roman", 10) if word != "´" else 0
        _text(c, 280, 630, "Abstract", 12)
        _prose(c, 90, 610, 60, 90)
    h = _read(gaz, _page(draw))
    assert h.countries() == ["CA"]
    assert any("Montréal" in a.raw for a in h.affiliations)


def test_names_wrapped_over_two_lines_are_read_as_one(gaz):
    def draw(c):
        _text(c, 150, 700, "Mixture Models for Retrieval", 16)
        _text(c, 220, 672, "Lei Chen", 11)
        _text(c, 200, 658, "Hong Kong University of", 10)
        _text(c, 200, 646, "Science and Technology, Hong Kong", 10)
        _text(c, 280, 616, "Abstract", 12)
        _prose(c, 90, 600, 60, 90)
    h = _read(gaz, _page(draw))
    assert h.countries() == ["HK"]
    names = [m.institution for a in h.affiliations for m in a.matches if m.institution]
    assert len(names) == 1 and "Science and Technology" in names[0]  # HKUST, not HKU


def test_superscript_marker_before_a_name_that_starts_with_a_digit(gaz):
    def draw(c):
        _text(c, 150, 700, "Training With Extremely Noisy Labels", 16)
        _text(c, 200, 672, "Bo Han", 11)
        _text(c, 236, 677, "1", 7)
        _text(c, 245, 672, "Quanming Yao", 11)
        _text(c, 312, 677, "2", 7)
        _text(c, 180, 658, "1University of Technology Sydney;", 10)
        _text(c, 338, 663, "2", 6)
        _text(c, 342, 658, "4Paradigm Inc.", 10)
        _text(c, 280, 630, "Abstract", 12)
        _prose(c, 90, 610, 60, 90)
    h = _read(gaz, _page(draw))
    raws = [a.raw for a in h.affiliations]
    assert "4Paradigm Inc." in raws  # the superscript 2 is the marker, the 4 is the name
    assert [a.marker for a in h.affiliations] == ["1", "2"]


def test_no_affiliation_line_means_no_countries(gaz):
    def draw(c):
        _text(c, 150, 700, "Scaling Laws Revisited", 16)
        _text(c, 220, 672, "Anonymous Author(s)", 11)
        _text(c, 280, 640, "Abstract", 12)
        _text(c, 90, 620, "We compare with models from Google, Meta in Menlo Park, CA and Alibaba Group in", 10)
        _text(c, 90, 608, "Hangzhou, China, and find that the scaling exponent is the same for each of them.", 10)
        _prose(c, 90, 596, 60, 90)
    h = _read(gaz, _page(draw))
    assert h.countries() == []
    assert h.affiliations == []


def test_content_footnotes_are_not_affiliations(gaz):
    def draw(c):
        _text(c, 150, 700, "Reasoning in Continuous Space", 14)
        _text(c, 200, 660, "Jeffrey Cheng 1 Ben Durme 1")
        _text(c, 150, 620, "Abstract", 12)
        _prose(c, 75, 600, 330, 44)
        _prose(c, 55, 310, 150, 48)
        _prose(c, 310, 600, 70, 48)
        _text(c, 65, 118, "1We use the Qwen models of Alibaba Group in Hangzhou, China.", 9)
        _text(c, 65, 108, "2Code: https://github.com/example/ccot", 9)
    h = _read(gaz, _page(draw))
    assert h.countries() == []
