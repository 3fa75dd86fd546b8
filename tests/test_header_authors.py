"""Each author tied to his or her own affiliations in the author block, one layout class per
test (issue 22): marks of every kind, marks that are notes, grids and columns, one shared
affiliation, names set apart by gaps, e-mails, order. Each asserts every author's
countries and how the tie was made."""
from __future__ import annotations

from firstpage import abstract_and_body, authors, marked, prose, read, sup_lead, text, two_columns_with_footnotes


def test_numbered_marks_and_note_symbols_that_are_no_affiliation():
    def draw(c):
        text(c, 150, 700, "Sparse Preference Optimisation", 16)
        marked(c, 110, 672, [("Qing Yin", "1,2,*"), ", ", ("Chak Leong", "3,*"), ", ", ("Minju Zhu", "1"), ", ",
                             ("Yue Zhang", "2,†")])
        text(c, 150, 656, "1Westlake University 2University of Toronto 3The Hong Kong Polytechnic University", 9)
        text(c, 220, 644, "*Equal contribution †Corresponding author", 9)
        abstract_and_body(c, 610)
    h = read(draw)
    assert authors(h) == [("Qing Yin", ["CA", "CN"], "marker"), ("Chak Leong", ["HK"], "marker"),
                          ("Minju Zhu", ["CN"], "marker"), ("Yue Zhang", ["CA"], "marker")]
    assert h.countries() == ["CA", "CN", "HK"]


def test_symbol_marks_including_an_asterisk_that_leads_an_affiliation():
    def draw(c):
        text(c, 150, 700, "Mastering Games with Little Data", 16)
        marked(c, 130, 672, [("Wei Ye", "*"), " ", ("Tom Kurt", "†"), " ", ("Ann Page", "†"), " ",
                             ("Yang Gao", "*‡")])
        text(c, 150, 656, "*Tsinghua University, †UC Berkeley, ‡Shanghai Qi Zhi Institute", 9)
        abstract_and_body(c, 630)
    assert authors(read(draw)) == [("Wei Ye", ["CN"], "marker"), ("Tom Kurt", ["US"], "marker"),
                                   ("Ann Page", ["US"], "marker"), ("Yang Gao", ["CN"], "marker")]


def test_marks_glued_to_names_and_a_last_author_without_a_mark():
    def draw(c):
        text(c, 150, 700, "Detecting Malicious Calls", 16)
        text(c, 150, 672, "Yuhong Li#, Dongmei Hou#, Zhiguo Gong", 11)
        text(c, 200, 656, "#Security Department, Alibaba Group", 10)
        text(c, 200, 644, "Department of Computer Science, University of Macau", 10)
        abstract_and_body(c, 620)
    assert authors(read(draw)) == [("Yuhong Li", ["CN"], "marker"), ("Dongmei Hou", ["CN"], "marker"),
                                   ("Zhiguo Gong", ["MO"], "shared")]


def test_elsevier_superscript_letters():
    def draw(c):
        text(c, 100, 700, "Whole Slide Image Redundancy Reduction", 16)
        marked(c, 60, 672, [("Shijie Li", "a,b"), ", ", ("Zhineng Chen", "a,*"), ", ", ("Xieping Gao", "c")])
        sup_lead(c, 60, 656, "a", "College of Computer Science, Fudan University, Shanghai 200438, China", 8)
        sup_lead(c, 60, 646, "b", "Department of Computing, Imperial College London, London, UK", 8)
        sup_lead(c, 60, 636, "c", "Hunan Normal University, Changsha 410081, China", 8)
        abstract_and_body(c, 610)
    assert authors(read(draw)) == [("Shijie Li", ["CN", "GB"], "marker"), ("Zhineng Chen", ["CN"], "marker"),
                                   ("Xieping Gao", ["CN"], "marker")]


def test_one_affiliation_shared_by_authors_over_two_lines_with_its_department_and_place():
    def draw(c):
        text(c, 150, 700, "Event Recommendation", 16)
        text(c, 120, 672, "Yi Liao, Xinshi Lin, Wai Lam, Ka Long Chui,", 11)
        text(c, 160, 658, "Kin Hong Wong and Hal Daumé III", 11)
        text(c, 120, 642, "Department of Systems Engineering and Engineering Management", 10)
        text(c, 170, 630, "The Chinese University of Hong Kong", 10)
        text(c, 220, 618, "Hong Kong", 10)
        text(c, 160, 606, "{yliao,xslin,wlam}@se.cuhk.edu.hk", 9)
        abstract_and_body(c, 580)
    h = read(draw)
    assert [a[0] for a in authors(h)][-1] == "Hal Daumé III"  # 'Hong Kong' is a place, not a sixth author
    assert authors(h) == [(n, ["HK"], "shared") for n in
                          ["Yi Liao", "Xinshi Lin", "Wai Lam", "Ka Long Chui", "Kin Hong Wong", "Hal Daumé III"]]
    assert len(h.affiliations) == 1


def test_names_set_apart_by_gaps_alone():
    def draw(c):
        text(c, 120, 700, "Agents that Explore the Web", 16)
        marked(c, 70, 672, [("Kaixin Ma", ""), ("Hongming Zhang", ""), ("Xiaoman Pan", ""), ("Dong Yu", "")],
               size=11, gap=14)
        text(c, 200, 656, "Tencent AI Lab, Bellevue, WA", 10)
        abstract_and_body(c, 630)
    assert authors(read(draw)) == [(n, ["US"], "shared") for n in
                                   ["Kaixin Ma", "Hongming Zhang", "Xiaoman Pan", "Dong Yu"]]


def test_acm_grid_cells_with_an_email_between_name_and_place():
    cells = [("Paul Viola", "viola@merl.com", "Mitsubishi Electric Research Labs", "Cambridge, MA 02139"),
             ("Mike Jones", "mjones@crl.dec.com", "Compaq CRL", "Cambridge, MA 02142"),
             ("Chika Sato", "sato@u-tokyo.ac.jp", "The University of Tokyo", "Tokyo, Japan"),
             ("Dirk Weber", "weber@ethz.ch", "ETH Zurich", "Zurich, Switzerland")]

    def draw(c):
        text(c, 120, 720, "Rapid Object Detection with Cascades", 16)
        for k, lines in enumerate(cells):
            x, y = (110 if k % 2 == 0 else 360), (690 if k < 2 else 630)
            text(c, x, y, lines[0], 12)
            for j, line in enumerate(lines[1:], 1):
                text(c, x, y - 12 * j, line, 10)
        abstract_and_body(c, 560)
    assert authors(read(draw)) == [("Paul Viola", ["US"], "grid"), ("Mike Jones", ["US"], "grid"),
                                   ("Chika Sato", ["JP"], "grid"), ("Dirk Weber", ["CH"], "grid")]


def test_one_institution_under_each_name_in_columns_and_two_under_the_last():
    def draw(c):
        text(c, 150, 700, "Point Voxel Networks", 16)
        for x, name, orgs in [(110, "Zhijian Liu*", ["MIT"]), (230, "Haotian Tang*", ["Shanghai Jiao Tong University"]),
                              (400, "Hal Daume", ["University of Maryland", "Microsoft Research, New York City"])]:
            text(c, x, 670, name, 11)
            for j, org in enumerate(orgs):
                text(c, x, 656 - 12 * j, org, 10)
        abstract_and_body(c, 600)
    assert authors(read(draw)) == [("Zhijian Liu", ["US"], "grid"), ("Haotian Tang", ["CN"], "grid"),
                                   ("Hal Daume", ["US"], "grid")]


def test_two_rows_of_names_set_in_columns_are_read_row_by_row():
    first = [("Xinlei Yu", "1"), ("Chengming Xu", "2"), ("Guibin Zhang", "1")]
    second = [("Yongbo He", "3"), ("Peng Jiang", "2"), ("Shuicheng Yan", "1")]

    def draw(c):
        text(c, 120, 720, "Latent Vision Memory", 16)
        for k in range(3):  # each column one text box: a name over a name
            marked(c, 120 + 130 * k, 690, [first[k]], 12)
            marked(c, 120 + 130 * k, 676, [second[k]], 12)
        sup_lead(c, 130, 658, "1", "National University of Singapore", 9)
        sup_lead(c, 300, 658, "2", "Fudan University", 9)
        sup_lead(c, 420, 658, "3", "Zhejiang University", 9)
        abstract_and_body(c, 620)
    assert [(n, cs) for n, cs, _ in authors(read(draw))] == [
        ("Xinlei Yu", ["SG"]), ("Chengming Xu", ["CN"]), ("Guibin Zhang", ["SG"]),
        ("Yongbo He", ["CN"]), ("Peng Jiang", ["CN"]), ("Shuicheng Yan", ["SG"])]


def test_marks_drawn_apart_from_their_affiliation_and_names_cut_into_pieces():
    def draw(c):
        text(c, 120, 700, "Prompt Learning in the Real World", 16)
        x = marked(c, 150, 672, [("Weixian Xu", "1,2,*")])
        x = marked(c, x + 0.5, 672, [", ", ("Shilong Liu", "2,†")])
        marked(c, x + 0.5, 672, [", and ", ("Mengdi Wang", "2,†")])
        text(c, 160, 660, "1", 7)
        text(c, 172, 656, "Shanghai Jiao Tong University", 10)
        text(c, 330, 660, "2", 7)
        text(c, 342, 656, "Princeton University", 10)
        abstract_and_body(c, 620)
    assert authors(read(draw)) == [("Weixian Xu", ["CN", "US"], "marker"), ("Shilong Liu", ["US"], "marker"),
                                   ("Mengdi Wang", ["US"], "marker")]


def test_braced_affiliations_with_a_shared_tail_and_marks_run_together():
    def draw(c):
        text(c, 150, 700, "Multimodal Language in the Wild", 16)
        marked(c, 100, 672, [("Amir Zadeh", "1"), ", ", ("Paul Liang", "2"), ", ", ("Soujanya Poria", "3"), ", ",
                             ("Song-Chun Zhu", "134")])
        text(c, 100, 656, "{1- Language Technologies Institute, 2- Machine Learning Department}, CMU, USA", 10)
        text(c, 100, 644, "{3- A*STAR, 4- Nanyang Technological University}, Singapore", 10)
        abstract_and_body(c, 620)
    assert authors(read(draw)) == [("Amir Zadeh", ["US"], "marker"), ("Paul Liang", ["US"], "marker"),
                                   ("Soujanya Poria", ["SG"], "marker"), ("Song-Chun Zhu", ["SG", "US"], "marker")]


def test_acm_journal_capitalised_name_then_affiliation_on_each_line():
    def draw(c):
        text(c, 60, 700, "Learning Informative Priors for Cold-Start Users", 14)
        text(c, 60, 676, "LIANG HU, University of Technology Sydney and Shanghai Jiao Tong University", 8)
        text(c, 60, 665, "JIAN CAO and ZHIPING GU, Shanghai Jiao Tong University", 8)
        text(c, 60, 654, "CHONG CHEN*, Huawei Cloud BU, China", 8)
        prose(c, 60, 630, 60, 100, 8)
    assert authors(read(draw)) == [("LIANG HU", ["AU", "CN"], "grid"), ("JIAN CAO", ["CN"], "shared"),
                                   ("ZHIPING GU", ["CN"], "shared"), ("CHONG CHEN", ["CN"], "grid")]


def test_emails_tie_authors_when_affiliations_carry_no_marks():
    def draw(c):
        text(c, 150, 700, "Transferring Social Knowledge", 16)
        text(c, 130, 672, "Zhou Zhao, James Cheng, Furu Wei, Yingjun Wu", 11)
        text(c, 100, 656, "Department of Computer Science, Hong Kong University of Science and Technology", 9)
        text(c, 100, 645, "Microsoft Research Asia, Beijing, China", 9)
        text(c, 100, 634, "School of Computing, National University of Singapore, Singapore", 9)
        text(c, 100, 622, "{zhaozhou, jcheng}@cse.ust.hk, fuwei@microsoft.com, yingjun@comp.nus.edu.sg", 9)
        abstract_and_body(c, 596)
    assert authors(read(draw)) == [("Zhou Zhao", ["HK"], "email"), ("James Cheng", ["HK"], "email"),
                                   ("Furu Wei", ["CN"], "email"), ("Yingjun Wu", ["SG"], "email")]


def test_as_many_affiliation_lines_as_authors_and_nothing_else_is_order():
    def draw(c):
        text(c, 150, 700, "Answer Validation by Synthesis", 16)
        text(c, 200, 672, "Rui Wang and Anna Berg", 11)
        text(c, 170, 658, "Saarland University, Saarbrücken, Germany", 10)
        text(c, 170, 646, "University of Oslo, Oslo, Norway", 10)
        abstract_and_body(c, 620)
    assert authors(read(draw)) == [("Rui Wang", ["DE"], "order"), ("Anna Berg", ["NO"], "order")]


def test_no_way_to_tell_whose_affiliation_is_whose_leaves_authors_untied():
    def draw(c):
        text(c, 150, 700, "Answer Validation by Synthesis", 16)
        text(c, 180, 672, "Rui Wang, Anna Berg and Carl Doe", 11)
        text(c, 170, 658, "Saarland University, Saarbrücken, Germany", 10)
        text(c, 170, 646, "University of Oslo, Oslo, Norway", 10)
        abstract_and_body(c, 620)
    h = read(draw)
    assert authors(h) == [("Rui Wang", [], "none"), ("Anna Berg", [], "none"), ("Carl Doe", [], "none")]
    assert h.countries() == ["DE", "NO"]  # the paper's countries still count


def test_ieee_member_grades_are_no_persons_and_a_team_byline_is_none():
    def draw(c):
        text(c, 150, 700, "Cascaded Networks", 16)
        text(c, 60, 672, "Kaipeng Zhang, Zhifeng Li, Senior Member, IEEE, and Yu Qiao, Fellow, IEEE", 11)
        text(c, 170, 658, "Shenzhen Institutes of Advanced Technology, Shenzhen, China", 10)
        abstract_and_body(c, 630)
    assert authors(read(draw)) == [(n, ["CN"], "shared") for n in ["Kaipeng Zhang", "Zhifeng Li", "Yu Qiao"]]

    def team(c):
        text(c, 150, 700, "An Efficient Attention Architecture", 16)
        text(c, 250, 672, "Kimi Team", 12)
        text(c, 200, 656, "Moonshot AI, Beijing, China", 10)
        abstract_and_body(c, 630)
    h = read(team)
    assert h.authors == [] and h.countries() == ["CN"]


def test_work_done_elsewhere_is_recorded_not_counted():
    def draw(c):
        text(c, 150, 700, "Rethinking Generalisation", 16)
        marked(c, 160, 672, [("Chiyuan Zhang", "1,†"), ", ", ("Moritz Hardt", "2")])
        text(c, 150, 656, "1Massachusetts Institute of Technology 2University of Toronto", 9)
        text(c, 150, 644, "†Work done while at Google Brain, Mountain View", 9)
        abstract_and_body(c, 620)
    h = read(draw)
    assert authors(h) == [("Chiyuan Zhang", ["US"], "marker"), ("Moritz Hardt", ["CA"], "marker")]
    assert h.countries() == ["CA", "US"]
    [former] = h.former
    assert former.note == "former" and "Google Brain" in former.raw
    assert h.authors[0].former == [0] and h.authors[1].former == []


def test_ieee_conference_ordinal_names_in_columns():
    def draw(c):
        text(c, 150, 700, "Federated Learning at the Edge", 16)
        for x, lines in [(90, ["1st Jane Doe", "dept. of Computer Science", "University of Toronto", "Toronto, Canada",
                               "jane@cs.toronto.edu"]),
                         (330, ["2nd Wei Chen", "School of Software", "Tsinghua University", "Beijing, China",
                                "chenwei@tsinghua.edu.cn"])]:
            text(c, x, 672, lines[0], 11)
            for j, line in enumerate(lines[1:], 1):
                text(c, x, 672 - 11 * j, line, 10)
        abstract_and_body(c, 600)
    assert authors(read(draw)) == [("Jane Doe", ["CA"], "grid"), ("Wei Chen", ["CN"], "grid")]


def test_affiliation_in_brackets_after_each_name():
    def draw(c):
        text(c, 150, 700, "Evaluating Language Agents", 16)
        text(c, 90, 672, "Jane Doe (University of Oxford), John Roe (Google Research, Zurich)", 11)
        abstract_and_body(c, 640)
    assert authors(read(draw)) == [("Jane Doe", ["GB"], "grid"), ("John Roe", ["CH"], "grid")]


def test_one_name_then_its_affiliation_on_each_line():
    def draw(c):
        text(c, 150, 700, "Evaluating Language Agents", 16)
        text(c, 150, 672, "Jane Doe, Stanford University", 11)
        text(c, 150, 658, "John Roe, University of Edinburgh", 11)
        abstract_and_body(c, 630)
    assert authors(read(draw)) == [("Jane Doe", ["US"], "grid"), ("John Roe", ["GB"], "grid")]


def test_a_trailing_team_byline_and_numbers_in_brackets_as_marks():
    def draw(c):
        text(c, 150, 700, "A Large Model Report", 16)
        text(c, 120, 672, "Jane Doe (1), John Roe (2), and the Atlas Team", 11)
        text(c, 120, 658, "(1) University of Oxford; (2) University of Tokyo", 10)
        abstract_and_body(c, 630)
    assert authors(read(draw)) == [("Jane Doe", ["GB"], "marker"), ("John Roe", ["JP"], "marker")]


def test_footnote_affiliations_whose_marks_no_name_carries_all_in_one_country():
    def draw(c):
        text(c, 150, 700, "A Note on Sparse Recovery", 16)
        text(c, 200, 672, "Alice Martin and Bruno Costa", 11)
        two_columns_with_footnotes(c, ["*Department of Mathematics, University of Lisbon, Portugal.",
                                       "†Instituto Superior Técnico, Lisbon, Portugal."])
    assert authors(read(draw)) == [("Alice Martin", ["PT"], "shared"), ("Bruno Costa", ["PT"], "shared")]


def test_bracketed_notes_native_spellings_cjk_names_and_banner_words_are_no_persons():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))

    def draw(c):
        text(c, 250, 730, "Original Article", 10)
        text(c, 150, 700, "Graph Learning for Molecules", 16)
        text(c, 60, 672, "Wei Zhang", 11)
        x = text(c, 113, 672, "(张伟)", 11, "STSong-Light")
        text(c, x + 3, 672, "1, Bob Jones2 (*equal contribution), Li Na1 and", 11)
        x = text(c, 180, 658, "王芳", 11, "STSong-Light")
        text(c, x, 662, "2", 7)
        text(c, 150, 644, "1Tsinghua University 2University of Oxford", 10)
        abstract_and_body(c, 620)
    assert authors(read(draw)) == [("Wei Zhang", ["CN"], "marker"), ("Bob Jones", ["GB"], "marker"),
                                   ("Li Na", ["CN"], "marker"), ("王芳", ["GB"], "marker")]


def test_affiliations_set_apart_by_gaps_under_names_set_apart_by_gaps():
    def draw(c):
        text(c, 150, 700, "Stochastic Bandits Revisited", 16)
        marked(c, 110, 672, [("Alice Martin", ""), ("Wei Chen", ""), ("Kenji Sato", "")], 11, gap=14)
        marked(c, 90, 658, [("University of Lisbon", ""), ("Peking University", ""), ("Kyoto University", "")], 10,
               gap=14)
        abstract_and_body(c, 630)
    assert authors(read(draw)) == [("Alice Martin", ["PT"], "order"), ("Wei Chen", ["CN"], "order"),
                                   ("Kenji Sato", ["JP"], "order")]


def test_names_interleaved_with_their_emails_on_one_line():
    def draw(c):
        text(c, 150, 700, "Learning to Plan with Language", 16)
        text(c, 60, 672, "Alice Smith alice@stanford.edu Bob Jones bob@cs.stanford.edu", 11)
        text(c, 150, 658, "Stanford University, Stanford, CA", 10)
        abstract_and_body(c, 630)
    assert authors(read(draw)) == [("Alice Smith", ["US"], "shared"), ("Bob Jones", ["US"], "shared")]


def test_an_aside_in_brackets_after_a_name_is_no_affiliation():
    def draw(c):
        text(c, 150, 700, "Learning to Plan with Language", 16)
        text(c, 100, 672, "Alice Smith (now at Google), Bob Jones and Carl Doe", 11)
        text(c, 150, 658, "University of Oxford, Oxford, UK", 10)
        abstract_and_body(c, 630)
    h = read(draw)
    assert authors(h) == [(n, ["GB"], "shared") for n in ["Alice Smith", "Bob Jones", "Carl Doe"]]
    assert h.countries() == ["GB"]


def test_a_given_name_that_is_also_an_organisation_and_a_brand_line_under_names():
    def grid(c):
        text(c, 150, 720, "Video Understanding at Scale", 16)
        for x, lines in [(110, ["Yale Song", "Meta AI", "New York, NY, USA"]),
                         (360, ["Duke Lee", "KAIST", "Daejeon, Korea"])]:
            text(c, x, 690, lines[0], 12)
            for j, line in enumerate(lines[1:], 1):
                text(c, x, 690 - 12 * j, line, 10)
        abstract_and_body(c, 620)
    assert authors(read(grid)) == [("Yale Song", ["US"], "grid"), ("Duke Lee", ["KR"], "grid")]

    def shared(c):
        text(c, 150, 700, "Composable Image Synthesis", 16)
        text(c, 170, 672, "Jonghyun Lee, Hansam Cho", 11)
        text(c, 220, 658, "NAVER Cloud", 10)
        abstract_and_body(c, 630)
    h = read(shared)
    assert authors(h) == [("Jonghyun Lee", ["KR"], "shared"), ("Hansam Cho", ["KR"], "shared")]


def test_two_columns_each_of_authors_stacked_with_their_affiliations():
    def draw(c):
        text(c, 150, 720, "Language Models as Planners", 16)
        for x, people in [(100, [("Alice Smith", "Stanford University", "alice@stanford.edu"),
                                 ("Bob Jones", "University of Toronto", "bob@cs.toronto.edu")]),
                          (350, [("Chen Wei", "Tsinghua University", "cw@tsinghua.edu.cn"),
                                 ("Kenji Sato", "Kyoto University", "sato@kyoto-u.ac.jp")])]:
            y = 690
            for name, org, mail in people:
                text(c, x, y, name, 11)
                text(c, x, y - 11, org, 10)
                text(c, x, y - 22, mail, 9)
                y -= 36
        abstract_and_body(c, 600)
    assert authors(read(draw)) == [("Alice Smith", ["US"], "grid"), ("Bob Jones", ["CA"], "grid"),
                                   ("Chen Wei", ["CN"], "grid"), ("Kenji Sato", ["JP"], "grid")]


def test_a_title_the_extraction_missed_is_no_author():
    def draw(c):
        text(c, 200, 740, "Signal Processing and Control", 14)  # the journal's name, the largest type: taken as title
        text(c, 200, 700, "Mastering Atari Games", 13.4)
        marked(c, 200, 672, [("Shijie Li", "a"), ", ", ("Xieping Gao", "b")], 10.6)
        sup_lead(c, 60, 656, "a", "College of Computer Science, Fudan University, Shanghai 200438, China", 8)
        sup_lead(c, 60, 646, "b", "Hunan Normal University, Changsha 410081, China", 8)
        abstract_and_body(c, 610)
    assert [a[0] for a in authors(read(draw))] == ["Shijie Li", "Xieping Gao"]


def test_page_text_alone_names_run_together_and_running_text_are_no_affiliations():
    """Rows extracted before page one's layout was stored: only pdfminer's text is read."""
    from paperscope.paper.header import parse

    page_text = ("LASER: Agents with State-Space Exploration\n"
                 "Kaixin Ma Hongming Zhang Xiaoman Pan Dong Yu\n"
                 "Mila, Montreal, Canada\n"
                 "other state-of-the-art approaches. The results show the superiority of our model over others.\n")
    h = parse(page_text, "LASER: Agents with State-Space Exploration")
    assert h.countries() == ["CA"]  # not CN ('Xiaoman' is also a company) nor US ('state-of-the-art')


def test_the_authors_suite_allows_exactly_the_ties_the_reader_gives():
    import json
    from importlib import resources

    from paperscope.paper.header.model import TIES
    from paperscope.sources.metadata.rows import SOURCE

    suite = json.loads(resources.files("paperscope").joinpath("data/expectations/authors.json").read_text())
    [tie] = [e for e in suite["expectations"] if e["kwargs"].get("column") == "tie"]
    assert set(tie["kwargs"]["value_set"]) == set(TIES) | {SOURCE}
