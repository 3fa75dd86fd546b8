"""Authors tied to affiliations that a first-page note gives (issue 22): ICML/PMLR footnotes,
IEEE 'X and Y are with', plain LaTeX \\thanks, ACM 'Authors' addresses', Springer LNCS and
journal institutes, AAAI/IJCAI blocks, and notes on marks that are no affiliation."""
from __future__ import annotations

from firstpage import abstract_and_body, authors, marked, read, sup_lead, text, two_columns_with_footnotes


def test_icml_many_authors_with_marks_and_the_places_in_the_footnote():
    def draw(c):
        text(c, 150, 700, "Test-Time Learning for Language Models", 14)
        marked(c, 70, 672, [("Jinwu Hu", "1 2 *"), " ", ("Zitian Zhang", "1 *"), " ", ("Chao Shuai", "3"), " ",
                            ("Wei Luo", "2 4 *")], 10, gap=8)
        marked(c, 150, 660, [("Bin Xiao", "5 †"), " ", ("Mingkui Tan", "1 4 †")], 10, gap=8)
        two_columns_with_footnotes(c, [
            "*Equal contribution 1School of Software Engineering,",
            "South China University of Technology, China 2Pazhou",
            "Laboratory, China 3Zhejiang University, China 4University",
            "of Toronto, Canada. 5Chongqing University, China.",
            "Correspondence to: Mingkui Tan <tan@scut.edu.cn>.",
            "Proceedings of the 42nd International Conference on",
            "Machine Learning, Vancouver, Canada. PMLR 267, 2025."])
    h = read(draw)
    assert authors(h) == [("Jinwu Hu", ["CN"], "marker"), ("Zitian Zhang", ["CN"], "marker"),
                          ("Chao Shuai", ["CN"], "marker"), ("Wei Luo", ["CA", "CN"], "marker"),
                          ("Bin Xiao", ["CN"], "marker"), ("Mingkui Tan", ["CA", "CN"], "marker")]
    assert {a.source for a in h.affiliations} == {"footnote"}


def test_ieee_is_with_footnotes_name_authors_by_initials():
    def draw(c):
        text(c, 100, 700, "Joint Face Detection and Alignment", 18)
        text(c, 50, 672, "Kaipeng Zhang, Zhanpeng Zhang, Zhifeng Li, Member, IEEE, and Yu Qiao, Senior Member, IEEE",
             10)
        two_columns_with_footnotes(c, [
            "• K.-P. Zhang, Z.-F. Li and Y. Q. are with the Multimedia",
            "Laboratory, Shenzhen Institutes of Advanced Technology,",
            "Shenzhen 518055, China. E-mail: kp@siat.ac.cn",
            "• Z.-P. Zhang is with the Department of Information",
            "Engineering, The Chinese University of Hong Kong, Hong",
            "Kong. Z.-F. Li is now with Google, Mountain View, CA.",
            "Manuscript received May 1, 2016; revised June 2, 2016."], top=640)
    h = read(draw)
    assert authors(h) == [("Kaipeng Zhang", ["CN"], "named"), ("Zhanpeng Zhang", ["HK"], "named"),
                          ("Zhifeng Li", ["CN"], "named"), ("Yu Qiao", ["CN"], "named")]
    assert h.countries() == ["CN", "HK"]  # not US: where an author went later is not counted
    assert [(a.note, h.authors[2].former) for a in h.former] == [("later", [0])]


def test_the_authors_are_with_one_place():
    def draw(c):
        text(c, 100, 700, "Cold-Start Product Recommendation", 18)
        text(c, 150, 672, "Wayne Xin Zhao, Member, IEEE, and Ji-Rong Wen", 10)
        two_columns_with_footnotes(c, ["• The authors are with the School of Information,",
                                       "Renmin University of China, Beijing, China.",
                                       "E-mail: {batmanfly, jrwen}@gmail.com."], top=640)
    assert authors(read(draw)) == [("Wayne Xin Zhao", ["CN"], "named"), ("Ji-Rong Wen", ["CN"], "named")]


def test_plain_article_thanks_footnotes_with_symbol_marks():
    def draw(c):
        text(c, 150, 700, "A Note on Sparse Recovery", 16)
        marked(c, 180, 672, [("Alice Martin", "*"), " ", ("Bruno Costa", "†"), " ", ("Carla Diaz", "*")], 11, gap=12)
        two_columns_with_footnotes(c, ["*Department of Mathematics, University of Lisbon, Portugal",
                                       "†Google Research, Zurich, Switzerland"])
    assert authors(read(draw)) == [("Alice Martin", ["PT"], "marker"), ("Bruno Costa", ["CH"], "marker"),
                                   ("Carla Diaz", ["PT"], "marker")]


def test_acm_authors_addresses_paragraph():
    def draw(c):
        text(c, 100, 700, "Informative Priors for Recommendation", 16)
        text(c, 150, 672, "Liang Hu, Jian Cao, and Dingyu Yang", 11)
        two_columns_with_footnotes(c, [
            "Authors' addresses: L. Hu (corresponding author),",
            "Advanced Analytics Institute, University of Technology",
            "Sydney, Australia; email: hu@uts.edu.au; J. Cao and D.",
            "Yang, Department of Computer Science, Shanghai Jiao",
            "Tong University, Shanghai, China; email: cao@sjtu.edu.cn.",
            "Permission to make digital or hard copies of this work",
            "is granted without fee."], size=7)
    assert authors(read(draw)) == [("Liang Hu", ["AU"], "named"), ("Jian Cao", ["CN"], "named"),
                                   ("Dingyu Yang", ["CN"], "named")]


def test_springer_lncs_numbered_institutes_with_emails_between():
    def draw(c):
        text(c, 150, 700, "Information Synthesis for Answer Validation", 14)
        marked(c, 200, 676, [("Rui Wang", "1"), " and ", ("Günter Neumann", "2")], 11)
        text(c, 240, 660, "1 Saarland University", 9)
        text(c, 220, 650, "66123 Saarbrücken, Germany", 9)
        text(c, 230, 640, "rwang@coli.uni-sb.de", 8)
        text(c, 240, 628, "2 LT-Lab, DFKI", 9)
        text(c, 180, 618, "Stuhlsatzenhausweg 3, 66123 Saarbrücken, Germany", 9)
        text(c, 230, 608, "neumann@dfki.de", 8)
        abstract_and_body(c, 580)
    h = read(draw)
    assert authors(h) == [("Rui Wang", ["DE"], "marker"), ("Günter Neumann", ["DE"], "marker")]
    assert len(h.affiliations) == 2


def test_springer_journal_institutes_only_as_numbered_footnotes():
    def draw(c):
        text(c, 100, 700, "Temporal Action Localization", 16)
        marked(c, 100, 672, [("Dingfeng Shi", "1"), ", ", ("Qiong Cao", "2,*"), ", ", ("Shan An", "2"), ", ",
                             ("Dacheng Tao", "3")], 11)
        text(c, 100, 656, "Received: date / Accepted: date", 9)
        two_columns_with_footnotes(c, ["*Work done during an internship at JD.com", "1 Beihang University",
                                       "2 JD.com", "3 University of Sydney"])
    h = read(draw)
    assert authors(h) == [("Dingfeng Shi", ["CN"], "marker"), ("Qiong Cao", ["CN"], "marker"),
                          ("Shan An", ["CN"], "marker"), ("Dacheng Tao", ["AU"], "marker")]
    assert [(a.note, a.marker) for a in h.former] == [("intern", "*")] and h.authors[1].former == [0]


def test_aaai_marks_after_a_comma_and_affiliations_after_all_names():
    def draw(c):
        text(c, 120, 700, "Hill Climbing on Value Estimates", 16)
        marked(c, 90, 672, [("Yangchen Pan", ""), ",", ("", "1"), " ", ("Hengshuai Yao", ""), ",", ("", "2"), " ",
                            ("Martha White", ""), ",", ("", "1,3")], 11)
        sup_lead(c, 150, 656, "1", "Department of Computing Science, University of Alberta, Canada", 9)
        sup_lead(c, 150, 645, "2", "Huawei Noah's Ark Lab, Beijing, China", 9)
        sup_lead(c, 150, 634, "3", "Amii, Edmonton, Canada", 9)
        text(c, 150, 622, "pan6@ualberta.ca, hengshuai.yao@huawei.com, whitem@ualberta.ca", 8)
        abstract_and_body(c, 596)
    assert authors(read(draw)) == [("Yangchen Pan", ["CA"], "marker"), ("Hengshuai Yao", ["CN"], "marker"),
                                   ("Martha White", ["CA"], "marker")]


def test_a_mark_whose_affiliation_is_only_in_a_footnote():
    def draw(c):
        text(c, 150, 700, "Unsupervised Machine Translation", 16)
        marked(c, 150, 672, [("Guillaume Lample", "1,2"), ", ", ("Myle Ott", "1")], 11)
        sup_lead(c, 200, 656, "1", "Facebook AI Research, Menlo Park, CA, USA", 9)
        two_columns_with_footnotes(c, ["2Sorbonne Université, Paris, France"], top=620)
    assert authors(read(draw)) == [("Guillaume Lample", ["FR", "US"], "marker"), ("Myle Ott", ["US"], "marker")]


def test_note_sentences_sorted_by_kind():
    from paperscope.paper.header import notes

    got = notes.read([
        "*Equal contribution 1School of Software, South China University of Technology, China 2Pazhou Lab, China",
        "• A. Li and B. Wang are with Tsinghua University, Beijing, China, and also with Peng Cheng Laboratory, "
        "Shenzhen. C. Doe was with Google, Mountain View, CA. B. Wang is now with Meta, Menlo Park, CA.",
        "†Work done during an internship at Microsoft Research Asia.",
        "‡Work done while at Apple, Cupertino, CA.",
        "Authors' addresses: L. Hu (corresponding author), University of Technology Sydney, Australia; "
        "email: hu@uts.edu.au; J. Cao, Shanghai Jiao Tong University, China.",
    ])
    assert got.lines == ["1School of Software, South China University of Technology, China", "2Pazhou Lab, China"]
    assert got.named == [("A. Li and B. Wang", "Tsinghua University, Beijing, China"),
                         ("A. Li and B. Wang", "Peng Cheng Laboratory, Shenzhen")]
    assert got.elsewhere_named == [("C. Doe", "Google, Mountain View, CA", "former"),
                                   ("B. Wang", "Meta, Menlo Park, CA", "later")]
    assert got.elsewhere == [("†", "Microsoft Research Asia", "intern"), ("‡", "Apple, Cupertino, CA", "former")]
    assert got.entries == ["L. Hu, University of Technology Sydney, Australia",
                           "J. Cao, Shanghai Jiao Tong University, China"]


def test_an_affiliations_paragraph_at_the_foot_of_the_page():
    def draw(c):
        text(c, 150, 700, "Scaling Retrieval for Agents", 16)
        marked(c, 170, 672, [("Alice Martin", "1"), ", ", ("Wei Chen", "2"), " and ", ("Kenji Sato", "1,3")], 11)
        two_columns_with_footnotes(c, ["Affiliations: 1University of Edinburgh; 2Fudan University;",
                                       "3RIKEN AIP, Tokyo, Japan."])
    assert authors(read(draw)) == [("Alice Martin", ["GB"], "marker"), ("Wei Chen", ["CN"], "marker"),
                                   ("Kenji Sato", ["GB", "JP"], "marker")]


def test_a_glyph_pdfminer_cannot_name_leads_a_note_as_a_bullet_or_as_a_mark():
    from paperscope.paper.header import notes

    got = notes.read(["(cid:1) W.X. Zhao is with Renmin University of China, Beijing, China.",
                      "(cid:63)Georgia Institute of Technology, Atlanta, GA"])
    assert got.named == [("W.X. Zhao", "Renmin University of China, Beijing, China")]
    assert got.lines == ["(cid:63)Georgia Institute of Technology, Atlanta, GA"]
