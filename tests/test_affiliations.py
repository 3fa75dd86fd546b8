"""The affiliation matcher and the author-block reader: rules, tricky strings, ROR v2 dumps,
and the `match` / `header` commands as installed in .venv/bin (no Spark)."""
from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from paperscope.cli.tools import match_record
from paperscope.core.config import load_config
from paperscope.paper.header import parse
from paperscope.paper.matcher import build_from_ror, default_gazetteer, load
from paperscope.paper.pdf.extract import extract

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / ".venv" / "bin"
ROR_V2 = REPO / "tests" / "fixtures" / "ror_v2_sample.json"


@pytest.fixture(scope="module")
def gaz():
    return default_gazetteer()


def countries(gaz, text):
    return match_record(text, gaz)["countries"]


@pytest.mark.parametrize("text, want", [
    # a written location beats the institution's home country
    ("Tencent AI Lab, Seattle", ["US"]),
    ("Huawei Noah's Ark Lab, London, UK", ["GB"]),
    ("Google Research, Zurich", ["CH"]),
    ("Microsoft Research Asia", ["CN"]),
    ("Microsoft Research Asia, Beijing, China", ["CN"]),
    ("The Chinese University of Hong Kong, Shenzhen", ["CN"]),
    ("The Chinese University of Hong Kong", ["HK"]),
    ("CUHK", ["HK"]),
    ("Hong Kong University of Science and Technology (Guangzhou)", ["CN"]),
    ("HKUST", ["HK"]),
    ("University of Macau", ["MO"]),
    ("Department of Computing, The Hong Kong Polytechnic University, Hong Kong, China", ["HK"]),
    ("Hanoi University of Science and Technology (HUST)", ["VN"]),
    ("NVIDIA, Santa Clara; University of Toronto", ["CA", "US"]),
    ("Concordia University / Mila", ["CA"]),
    ("Tencent America", ["US"]),
    ("National Tsing Hua University", ["TW"]),
    ("Tsinghua University", ["CN"]),
    ("Dept. of CS, National Tsing Hua University, Hsinchu", ["TW"]),
    # NTU needs context
    ("NTU, Singapore", ["SG"]),
    ("Department of Electrical Engineering, NTU, Taipei", ["TW"]),
    ("National Taiwan University", ["TW"]),
    ("Nanyang Technological University", ["SG"]),
    # the same name in two countries, settled by the place
    ("Northeastern University, Shenyang, China", ["CN"]),
    ("Northeastern University, Boston, MA", ["US"]),
    # acronyms, company labs
    ("SJTU", ["CN"]), ("USTC", ["CN"]), ("PKU", ["CN"]), ("KAIST", ["KR"]), ("MSRA", ["CN"]),
    ("FAIR, Meta", ["US"]), ("Google DeepMind", ["GB"]), ("Alibaba DAMO Academy", ["CN"]),
    ("ByteDance Seed", ["CN"]), ("Shanghai AI Lab", ["CN"]), ("DeepSeek-AI", ["CN"]),
    ("OpenAI", ["US"]), ("NVIDIA", ["US"]), ("UIUC", ["US"]), ("CMU", ["US"]), ("MIT CSAIL", ["US"]),
    # country spellings, US states and ZIP codes, Chinese cities and postcodes
    ("School of EECS, Beijing, P.R. China", ["CN"]),
    ("Dept. of Physics, PRC", ["CN"]),
    ("Lab of Things, U.S.A.", ["US"]),
    ("Department of Physics, Stanford, CA 94305", ["US"]),
    ("Some Institute, Pittsburgh, PA 15213", ["US"]),
    ("Institute for Something, Atlanta, Georgia", ["US"]),
    ("School of Computer Science, Hefei 230026, Anhui", ["CN"]),
    ("Taiwan, Province of China", ["TW"]),
    # several institutions in several countries: all of them
    ("Tsinghua University and Microsoft Research, Redmond, WA, USA", ["CN", "US"]),
    ("Mila, Université de Montréal & Google DeepMind", ["CA", "GB"]),
    ("Peking University; Stanford University", ["CN", "US"]),
    ("Imperial College London, FAU Erlangen-Nuremberg, Germany", ["DE", "GB"]),
    # a town named like a country, placed by its state
    ("Dartmouth-Hitchcock Medical Center, Lebanon, NH USA", ["US"]),
    # registry names (ROR 2021 / Hipo) with the usual noise
    ("Univ. of Malta#TAB#", ["MT"]),
    ("University of, Science and Technology of China, Hefei, China#TAB#", ["CN"]),
    ("Texas A&amp;amp;amp;M University", ["US"]),
    ("UniversityofMassachusettsAmherst,", ["US"]),
    # nothing known: empty, not a guess
    ("Lab of meta-learning and hit songs", []),
    ("Independent Researcher", []),
    ("", []),
])
def test_countries(gaz, text, want):
    assert countries(gaz, text) == want


def test_every_rule_is_named_with_its_evidence(gaz):
    assert match_record("CMU", gaz)["method"] == "alias"
    assert match_record("Stanford University", gaz)["method"] == "exact"
    assert match_record("Sun Yet-sen University", gaz)["method"] == "fuzzy"
    assert match_record("Tencent AI Lab, Seattle", gaz)["method"] == "address"
    assert match_record("Somewhere, Brazil", gaz)["method"] == "country-name"
    assert match_record("Kowloon Tong", gaz)["method"] == "address"
    assert match_record("no idea", gaz)["method"] == "none"
    [m] = gaz.match("Tencent AI Lab, Seattle")
    assert (m.institution, m.country, m.matched) == ("Tencent", "US", "Tencent AI Lab")
    assert "Seattle" in m.evidence and m.score < 1
    assert gaz.match_domain("mails.tsinghua.edu.cn").method == "domain"


def test_acronyms_need_their_case(gaz):
    assert gaz.match("Robotics Institute, CMU")[0].institution == "Carnegie Mellon University"
    assert gaz.match("we use cmu data") == []
    assert gaz.match("a hit record") == []  # HIT (Harbin) only in capitals


def test_email_domains(gaz):
    assert gaz.match_domain("mails.tsinghua.edu.cn").country == "CN"
    assert gaz.match_domain("cs.stanford.edu").institution == "Stanford University"
    assert gaz.match_domain("link.cuhk.edu.cn").country == "CN"  # CUHK-Shenzhen, not Hong Kong
    assert gaz.match_domain("ox.ac.uk").country == "GB"
    assert gaz.match_domain("lab.ai") is None
    assert gaz.match_domain("gmail.com") is None


def test_fuzzy_only_when_exact_fails_and_only_above_the_threshold(gaz):
    got = gaz.match("Huazhong University ofscience and Technology")
    assert [(m.institution, m.method) for m in got] == [("Huazhong University of Science and Technology", "fuzzy")]
    assert 0.9 <= got[0].score < 1
    assert all(m.method != "fuzzy" for m in gaz.match("Huazhong University of Science and Technology"))
    strict = load(None, 101)
    assert strict.match("Huazhong University ofscience and Technology") == []
    # candidates come from a word index; common words have no bucket, big buckets are dropped
    words = gaz._word_index()
    assert "university" not in words and "paris" not in words
    assert max(len(ids) for ids in words.values()) <= 200


def test_ror_v2_dump_replaces_the_bundled_registry_names():
    g = build_from_ror(ROR_V2, load_config().affiliations.fuzzy_threshold)
    assert countries(g, "Example Institute of Learning Systems") == ["HK"]
    [m] = g.match("Dept. of AI, EILS")
    assert (m.institution, m.country, m.method) == ("Example Institute of Learning Systems", "HK", "alias")
    assert g.match("eils is lower case") == []
    assert countries(g, "Learning Systems Institute Kowloon") == ["HK"]
    assert countries(g, "Beispielzentrum für Rechnen") == ["CH"]
    assert g.match_domain("cs.eils.example.edu.hk").institution == "Example Institute of Learning Systems"
    assert g.match("Withdrawn Placeholder Laboratory") == []
    assert countries(g, "Cold Spring Harbor Laboratory") == []  # a bundled registry name: gone
    assert countries(g, "Tencent AI Lab, Seattle") == ["US"]  # curated names and places stay
    assert countries(default_gazetteer(), "Cold Spring Harbor Laboratory") == ["US"]


def test_config_points_at_a_ror_dump(tmp_path):
    from paperscope.core.config import ConfigError, load_config
    from paperscope.paper.matcher import from_config

    cfg = load_config(None, [f"affiliations.ror_dump={ROR_V2}"])
    assert countries(from_config(cfg), "EILS") == ["HK"]
    with pytest.raises(ConfigError, match="fuzzy_threshold"):
        load_config(None, ["affiliations.fuzzy_threshold=high"])


# --- the author block -------------------------------------------------------------------

def test_header_links_authors_to_affiliations_by_marker(gaz):
    text = ("A Title\nAlice Zhang1,2, Bob Smith2∗ and Carol Díaz3\n"
            "1Tsinghua University, Beijing, China 2Google Research, Mountain View, CA\n"
            "3Department of Statistics,\nUniversity of Oxford, UK\n"
            "{alice, bob}@example.edu carol@stats.ox.ac.uk\nAbstract\nWe study things.")
    h = parse(text, "A Title", gaz)
    assert [a.name for a in h.authors] == ["Alice Zhang", "Bob Smith", "Carol Díaz"]
    raws = [a.raw for a in h.affiliations]
    assert raws == ["Tsinghua University, Beijing, China", "Google Research, Mountain View, CA",
                    "Department of Statistics, University of Oxford, UK"]
    assert [a.affiliations for a in h.authors] == [[0, 1], [1], [2]]
    assert h.emails == ["alice@example.edu", "bob@example.edu", "carol@stats.ox.ac.uk"]
    assert h.countries() == ["CN", "GB", "US"]


def test_header_without_markers_links_by_order(gaz):
    text = ("Jane Doe\njane@cs.x.edu\nStanford University\nStanford, CA, USA\n"
            "John Roe\nShanghai Jiao Tong University\nShanghai, China\nAbstract\n")
    h = parse(text, None, gaz)
    assert [(a.name, a.affiliations) for a in h.authors] == [("Jane Doe", [0]), ("John Roe", [1])]
    assert [a.raw for a in h.affiliations] == ["Stanford University, Stanford, CA, USA",
                                               "Shanghai Jiao Tong University, Shanghai, China"]


def test_header_without_affiliations_falls_back_to_email_domain(gaz):
    h = parse("A Title\nJane Doe\njane@cs.tsinghua.edu.cn\nAbstract\nText", "A Title", gaz)
    assert h.countries() == ["CN"]
    assert h.affiliations[0].source == "email"


def test_header_of_a_real_paper_with_symbol_markers(gaz):
    got = extract((REPO / "sample/corpus/2023/eacl-2023.eacl-main.121.pdf").read_bytes(), max_pages=1)
    h = parse(got.header_text, got.title, gaz, layout=got.header_layout)
    names = {a.name: [h.affiliations[i].raw for i in a.affiliations] for a in h.authors}
    assert names["Kalpesh Krishna"] == ["University of Massachusetts Amherst"]
    assert names["Arman Cohan"] == ["Allen Institute for AI", "Yale University"]
    assert "kalpesh@cs.umass.edu" in h.emails
    assert not any("Association for Computational Linguistics" in a.raw for a in h.affiliations)


def test_every_sample_paper_gets_its_ground_truth_countries(gaz):
    with open(REPO / "sample/ground_truth.csv", encoding="utf-8", newline="") as f:
        truth = list(csv.DictReader(f))
    wrong = []
    for row in truth:
        got = extract((REPO / "sample/corpus" / row["file"]).read_bytes(), max_pages=1)
        h = parse(got.header_text, got.title, gaz, layout=got.header_layout)
        want = sorted(c for c in row["countries"].split(",") if c)
        if h.countries() != want:
            wrong.append((row["file"], want, h.countries()))
    assert wrong == []


# --- the commands, as installed ---------------------------------------------------------

def _run(cmd, stdin=None):
    return subprocess.run(cmd, cwd=REPO, input=stdin, capture_output=True, text=True, timeout=120)


@pytest.mark.e2e
@pytest.mark.parametrize("cmd", [[str(BIN / "paperscope"), "match"], [str(BIN / "paperscope-match")]])
def test_match_command(cmd):
    out = _run(cmd, "Tencent AI Lab, Seattle\nPeking University; Stanford University\nnothing here\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["countries"] for r in rows] == [["US"], ["CN", "US"], []]
    assert rows[0]["affiliation"] == "Tencent AI Lab, Seattle" and rows[0]["institutions"] == ["Tencent"]
    assert [r["method"] for r in rows] == ["address", "exact", "none"]


@pytest.mark.e2e
def test_match_command_with_a_ror_dump():
    out = _run([str(BIN / "paperscope-match"), "--set", f"affiliations.ror_dump={ROR_V2}"], "EILS\n")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["countries"] == ["HK"]


@pytest.mark.e2e
def test_bad_ror_dump_is_one_line():
    out = _run([str(BIN / "paperscope-match"), "--set", "affiliations.ror_dump=/no/such/ror.json"], "MIT\n")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == "paperscope: error: cannot read /no/such/ror.json: No such file or directory"
    out = _run([str(BIN / "paperscope"), "check", "--set", "affiliations.ror_dump=/no/such/ror.json"])
    assert out.returncode == 2 and "affiliations.ror_dump: no such file" in out.stderr


@pytest.mark.e2e
def test_header_command():
    files = ["sample/corpus/2024/neurips2024_05.pdf", "sample/corpus/2020/acl-2020.acl-main.447.pdf"]
    out = _run([str(BIN / "paperscope-header"), *files])
    assert out.returncode == 0, out.stderr
    a, b = (json.loads(line) for line in out.stdout.splitlines())
    assert a["file"] == files[0] and a["title"] == "Calibrated Uncertainty for Large Language Model Judges"
    assert (a["countries"], a["has_us"], a["has_cn"]) == (["CN", "US"], True, True)
    by_name = {x["name"]: x["affiliations"] for x in a["authors"]}
    assert a["affiliations"][by_name["Lei Huang"][0]]["countries"] == ["CN"]
    assert b["has_us"] and not b["has_cn"]
    assert {"text", "institutions", "countries"} <= set(b["affiliations"][0])
    weld = next(x for x in b["authors"] if x["name"] == "Daniel S. Weld")
    assert len(weld["affiliations"]) == 2


@pytest.mark.e2e
def test_commands_do_not_import_spark():
    code = ("import sys, io; from paperscope.cli import commands as cli; sys.stdin = io.StringIO('MIT\\n'); "
            "cli.main(['match']); print('pyspark' in sys.modules)")
    out = _run([str(BIN / "python"), "-c", code])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
    out = _run([str(BIN / "paperscope"), "header", "missing.pdf"])
    assert out.returncode == 1 and json.loads(out.stdout)["status"] == "unreadable"



def test_cities_named_like_words_count_only_as_an_address_segment(gaz):
    # 'Mobile' and 'Enterprise' are Alabama cities and English words (data/word_cities.txt)
    assert countries(gaz, "vivo Mobile Communication Co., Ltd") != ["US"]
    assert countries(gaz, "Agency Enterprise Studio") == []
    assert countries(gaz, "Mobile") == []
    assert countries(gaz, "Acme Robotics, Mobile") == ["US"]
    assert countries(gaz, "Acme Robotics, Enterprise, Alabama") == ["US"]
    # cities that are no such word still count inside a name
    assert countries(gaz, "Magdeburg University") == ["DE"]


def test_fuzzy_keeps_compass_points_and_numbers(gaz):
    assert all(m.institution != "Southwest Minzu University" for m in gaz.match("Northwest Minzu University"))
    # same point, other spelling: still the near-identical name
    got = gaz.match("Northwest Polytechnical University")
    assert [(m.institution, m.method) for m in got] == [("Northwestern Polytechnical University", "fuzzy")]


def test_misspelt_head_words_fold_to_the_word(gaz):
    # a misspelt 'Technological' used to leave only the Chinese city Nanyang
    assert countries(gaz, "Nanyang Techonological University") == ["SG"]
    assert gaz.match("Georgia Institute of Techonology")[0].institution == "Georgia Institute of Technology"
    assert gaz.match("The Univeristy of Hongkong")[0].institution == "The University of Hong Kong"
    # words merely near a head word stay themselves
    from paperscope.paper.matcher import key
    assert key("Universal Rational Institution") == ("universal", "rational", "institution")
    assert countries(gaz, "Shanghai New York Univeristy") == ["CN"]  # NYU Shanghai's own name


def test_a_bare_state_code_is_no_address(gaz):
    assert countries(gaz, "MT") == [] and countries(gaz, "IN") == []
    assert countries(gaz, "Acme Robotics, MT") == ["US"]
    assert countries(gaz, "MT 59715") == ["US"]


def test_a_compass_point_before_a_generic_name_makes_it_another(gaz):
    # 'Western Institute for Advanced Study' is not the Institute for Advanced Study (Princeton)
    assert countries(gaz, "Western Institute for Advanced Study") == []
    assert countries(gaz, "Institute for Advanced Study, Princeton") == ["US"]
    assert countries(gaz, "South-Ural State Medical University") == ["RU"]  # the point is the place's
    assert countries(gaz, "Eastern Institute for Advanced Study") == ["CN"]  # EIT Ningbo, curated


def test_bare_acronyms_of_companies_outside_ml_are_not_aliases(gaz):
    assert countries(gaz, "AIG") == []  # an author group at Peking University, not the insurer
    assert countries(gaz, "American International Group") == ["US"]


def test_a_name_of_several_countries_yields_to_a_string_that_names_none_of_them(gaz):
    # MSU is Michigan State or Moscow State; in Shenzhen it is neither
    assert countries(gaz, "Shenzhen MSU-BIT University") == ["CN"]
    assert countries(gaz, "MSU") == ["US"]
    assert countries(gaz, "MSU, Moscow, Russia") == ["RU"]


def test_multinationals_count_in_their_home_country_unless_a_lab_is_named(gaz):
    # the registry files them in every country they have an office in, the US first
    assert countries(gaz, "Mitsubishi Electric Corporation") == ["JP"]
    assert countries(gaz, "Mitsubishi Electric Research Laboratories (MERL)") == ["US"]
    assert countries(gaz, "Machine Learning Research Lab, Volkswagen Group") == ["DE"]


def test_fuzzy_keeps_every_distinctive_word(gaz):
    assert all(m.institution != "ENSAE Paris" for m in gaz.match("ENSTA Paris"))
    assert gaz.match("Max Plank Institute for Software Systems")[0].institution == \
        "Max Planck Institute for Software Systems"
