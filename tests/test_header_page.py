"""The author block's reading order on pages given as pdfminer lays them out (issue 22):
lines with their boxes, as pdf.extract stores them, where pdfminer groups or cuts them
in ways a generated PDF does not reproduce reliably."""
from __future__ import annotations

from paperscope.paper.header import parse
from paperscope.paper.header.names import is_name_line
from paperscope.paper.header.page import Line, Page, block


def _page(rows) -> Page:
    """rows: (x0, y_top, x1, size, box, text); a body paragraph is added below at y 500."""
    lines = [Line(x0, top - size, x1, top, size, box, text) for x0, top, x1, size, box, text in rows]
    body = "we study how models learn from noisy labels and show that the method improves the accuracy"
    lines += [Line(60, 480 - 12 * k, 550, 490 - 12 * k, 10.0, 99, body) for k in range(12)]
    lines.append(Line(280, 500, 330, 512, 12.0, 98, "Abstract"))
    return Page(612, 792, lines)


def _authors(header):
    return [(a.name, sorted({m.country for i in a.affiliations for m in header.affiliations[i].matches
                             if m.country}), a.tie) for a in header.authors]


def test_a_title_box_that_holds_the_middle_grid_cell_is_split_at_the_name():
    page = _page([
        (88, 709, 523, 17.2, 0, "CiteSee: Augmenting Citations in Scientific Papers with"),
        (124, 690, 487, 17.2, 0, "Persistent and Personalized Historical Context"),
        (270, 666, 342, 12.0, 0, "Amy X. Zhang"), (275, 652, 337, 10.0, 0, "axz@cs.uw.edu"),
        (254, 640, 359, 10.0, 0, "University of Washington"), (271, 628, 341, 10.0, 0, "Seattle, WA, USA"),
        (94, 666, 190, 12.0, 6, "Joseph Chang"), (101, 652, 183, 10.0, 6, "josephc@allenai.org"),
        (99, 640, 184, 10.0, 6, "Allen Institute for AI"), (107, 628, 177, 10.0, 6, "Seattle, WA, USA"),
        (432, 666, 508, 12.0, 10, "Jonathan Bragg"), (431, 652, 509, 10.0, 10, "jbragg@cmu.edu"),
        (427, 640, 513, 10.0, 10, "Carnegie Mellon University"), (435, 628, 505, 10.0, 10, "Pittsburgh, PA, USA"),
    ])
    texts = [ln.text for ln in block(page, None, is_name_line)]
    assert texts[2:6] == ["Joseph Chang", "josephc@allenai.org", "Allen Institute for AI", "Seattle, WA, USA"]
    assert texts[6:10] == ["Amy X. Zhang", "axz@cs.uw.edu", "University of Washington", "Seattle, WA, USA"]
    h = parse(None, "CiteSee: Augmenting Citations in Scientific Papers with Persistent and Personalized "
                    "Historical Context", layout=page)
    assert _authors(h) == [("Joseph Chang", ["US"], "grid"), ("Amy X. Zhang", ["US"], "grid"),
                           ("Jonathan Bragg", ["US"], "grid")]


def test_marks_set_as_lines_of_their_own_go_back_to_the_name_and_the_affiliation():
    page = _page([
        (73, 765, 521, 14.3, 33, "Robust Transformer Modeling for Tables"),
        (236, 739, 240, 8.0, 34, "∗"),  # raised above the name's top, a line of its own
        (163, 733, 236, 12.0, 34, "Jingfeng Yang"), (251, 734, 325, 12.0, 36, "Aditya Gupta†"),
        (172, 707, 176, 7.6, 3, "1"), (191, 708, 322, 10.0, 4, "Georgia Institute of Technology"),
        (335, 707, 339, 7.6, 5, "2"), (351, 708, 439, 10.0, 6, "Google Research"),
    ])
    texts = [ln.text for ln in block(page, None, is_name_line)]
    assert "Jingfeng Yang∗" in texts and "1Georgia Institute of Technology" in texts
    assert "2Google Research" in texts


def test_pieces_of_one_author_line_are_joined():
    page = _page([
        (154, 692, 458, 17.2, 0, "One-Step Effective Diffusion Network"),
        (158, 614, 236, 10.0, 2, "Rongyuan Wu1,2,⋆"), (237, 614, 317, 10.0, 4, ", Lingchen Sun1,⋆"),
        (318, 614, 386, 10.0, 5, ",∗, Lei Zhang2,†"),
        (161, 601, 324, 10.0, 2, "1The Hong Kong Polytechnic University"), (346, 601, 450, 10.0, 6, "2OPPO Research"),
    ])
    joined = [ln.text for ln in block(page, None, is_name_line)][1]
    assert joined == "Rongyuan Wu1,2,⋆, Lingchen Sun1,⋆,∗, Lei Zhang2,†"
    h = parse(None, "One-Step Effective Diffusion Network", layout=page)
    assert [(n, cs) for n, cs, _ in _authors(h)] == [("Rongyuan Wu", ["CN", "HK"]), ("Lingchen Sun", ["HK"]),
                                                     ("Lei Zhang", ["CN"])]


def test_ieee_journal_authors_beside_the_first_column_of_the_introduction():
    """The title and the authors in the left column; the right column's text starts at the top."""
    intro = "the image classification task on large data sets has seen much progress and is now largely solved"
    rows = [(26, 742, 276, 14.0, 0, "Learning from Noisy Web Data"),
            (42, 680, 260, 12.0, 3, "Jia Li, Senior Member, IEEE, Yafei Song,"),
            (58, 652, 241, 12.0, 3, "and Shumin Han")]
    page = _page(rows)
    page.lines += [Line(290, 729 - 11.5 * k, 541, 739 - 11.5 * k, 9.5, 95, intro) for k in range(12)]
    page.lines.append(Line(25, 613, 277, 621, 8.0, 14, "Abstract—Many advances of deep learning originate from"))
    texts = [ln.text for ln in block(page, "Learning from Noisy Web Data", is_name_line)]
    assert texts[1:] == ["Jia Li, Senior Member, IEEE, Yafei Song,", "and Shumin Han"]
