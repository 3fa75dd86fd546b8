"""The matcher package: its structure, its method set, and the string classes its rules cover.

Pure Python, no Spark: every case is generated here, nothing is read from the development data beside the repo.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import paperscope
from paperscope.core.config import load_config
from paperscope.paper import matcher
from paperscope.paper.matcher import RULES, Method, default_gazetteer

THRESHOLD = load_config().affiliations.fuzzy_threshold

PKG = Path(matcher.__file__).parent
DATA = Path(paperscope.__file__).parent / "data"


@pytest.fixture(scope="module")
def gaz():
    return default_gazetteer()


def countries(gaz, text):
    return sorted({m.country for m in gaz.match(text) if m.country})


def test_modules_import_without_a_cycle():
    graph = {}
    for path in PKG.glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("paperscope.paper.matcher."):
                deps.add(node.module.rsplit(".", 1)[1])
            elif isinstance(node, ast.ImportFrom) and node.module == "paperscope.paper.matcher":
                deps.update(a.name for a in node.names)
        graph[path.stem] = deps - {path.stem}
    done: set[str] = set()

    def visit(name, stack):
        assert name not in stack, f"import cycle: {' -> '.join(stack + [name])}"
        if name in done or name not in graph or name == "__init__":
            return
        for dep in graph[name]:
            visit(dep, stack + [name])
        done.add(name)

    for name in graph:
        if name != "__init__":
            visit(name, [])


def test_the_rules_are_one_ordered_list_of_named_functions():
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    assert names.index("phrases") < names.index("plausible") < names.index("countries") < names.index("unclaimed")
    assert all(callable(r.apply) and r.apply.__doc__ for r in RULES)


def test_the_expectation_suite_allows_exactly_the_methods_of_the_enum():
    suite = json.loads((DATA / "expectations" / "affiliations.json").read_text("utf-8"))
    sets = [e["kwargs"]["value_set"] for e in suite["expectations"] if e["kwargs"].get("column") == "method"]
    assert sets and set(sets[0]) == {m.value for m in Method}


def test_every_match_method_is_a_plain_string_of_the_enum(gaz):
    for text in ("Tsinghua University", "Tencent AI Lab, Seattle", "Somewhere, Brazil", "Stanford, CA 94305"):
        for m in gaz.match(text):
            assert type(m.method) is str and m.method in matcher.METHODS
    with pytest.raises(ValueError):
        matcher.Match(None, "US", "guess", "", 0.1)


# --- class: a place written in the string beats the headquarters ------------------------------
# Campuses, joint schools and labs abroad: generated from (organisation, place, country) so that
# each organisation is tried with places other than its home.
_ABROAD = [("Google", "US"), ("Microsoft Research", "US"), ("Amazon", "US"), ("Meta", "US"),
           ("Tencent AI Lab", "CN"), ("Alibaba Group", "CN"), ("ByteDance", "CN"), ("Huawei", "CN"),
           ("Georgia Tech Europe", "US"), ("University of Chicago Center", "US")]
_PLACES = [("Beijing", "CN"), ("Singapore", "SG"), ("Zurich, Switzerland", "CH"), ("Seattle, WA", "US"),
           ("Metz, France", "FR"), ("Montreal, Canada", "CA")]


@pytest.mark.parametrize("org, home", _ABROAD)
@pytest.mark.parametrize("place, country", _PLACES)
def test_a_written_place_beats_the_headquarters(gaz, org, home, place, country):
    assert countries(gaz, f"{org}, {place}") == [country]


@pytest.mark.parametrize("text, want", [
    ("Duke-NUS Medical School, Singapore", ["SG"]),
    ("SUTD-MIT International Design Centre, Singapore", ["SG"]),
    ("Amazon AWS AI Lab, Shanghai, China", ["CN"]),
    ("Georgia Tech Europe, Metz, France", ["FR"]),
    ("Microsoft Research Asia", ["CN"]),
    # joined names with no place keep their own countries
    ("University of Michigan-Shanghai Jiao Tong University Joint Institute", ["CN", "US"]),
    # a place in a segment of its own after an unknown name is that name's, not the institution's
    ("Imperial College London, FAU Erlangen-Nuremberg, Germany", ["DE", "GB"]),
])
def test_joint_schools_and_campuses_take_the_place_written_after_them(gaz, text, want):
    assert countries(gaz, text) == want


# --- class: names in Chinese, Japanese and Korean script -----------------------------------------
def _rows(name):
    lines = (DATA / name).read_text("utf-8").splitlines()
    return [line.split("\t") for line in lines[1:] if line.strip() and not line.startswith("#")]


def _first_of_each(rows, *columns):
    """Every row as a case; the first of each (columns) value in make test-fast, the rest slow."""
    seen: set = set()
    cases = []
    for row in rows:
        key = tuple(row[c] for c in columns)
        cases.append(pytest.param(*row, marks=() if key not in seen else pytest.mark.slow))
        seen.add(key)
    return cases


# A department written after the name, in the name's own script, with no space between.
_SUFFIX = {"KR": " 컴퓨터학과", "JP": "大学院情報理工学系研究科", "TW": "資訊工程學系", "HK": "計算機系"}


@pytest.mark.parametrize("name, english, country",
                         _first_of_each(_rows("institutions_cjk.tsv"), 2))
def test_native_script_institutions_are_found_inside_longer_text(gaz, name, english, country):
    for text in (name, name + _SUFFIX.get(country, "计算机科学与技术学院"), f"Department of Computer Science, {name}"):
        got = gaz.match(text)
        assert {m.country for m in got} == {country}, text
        assert {m.method for m in got} <= {"alias", "exact"}, text


@pytest.mark.parametrize("name, country, kind", _first_of_each(_rows("places_cjk.tsv"), 1, 2))
def test_native_script_places_are_addresses(gaz, name, country, kind):
    got = gaz.match(f"某某研究所, {name}")
    assert [m.country for m in got] == [country]
    assert got[0].method == ("country-name" if kind == "country" else "address")


@pytest.mark.parametrize("text, want", [
    ("浙江大学计算机科学与技术学院", ["CN"]),          # the province 浙江 inside the name is not read apart
    ("香港科技大学", ["HK"]),
    ("國立清華大學", ["TW"]),                          # traditional characters
    ("国立清华大学", ["TW"]),                          # the same name in simplified ones
    ("고려대학교 컴퓨터학과", ["KR"]),
    ("東京大学", ["JP"]),
    ("Google, 北京", ["CN"]),                          # a native place beats the headquarters
    ("Tsinghua University (清华大学), Beijing", ["CN"]),
])
def test_native_script_strings(gaz, text, want):
    assert countries(gaz, text) == want


def test_native_script_evidence_names_the_rule(gaz):
    [m] = gaz.match("浙江大学计算机科学与技术学院")
    assert (m.institution, m.method, m.matched) == ("Zhejiang University", "alias", "浙江大学")
    assert "native-script" in m.evidence
    [m] = gaz.match("某某研究所, 杭州")
    assert m.method == "address" and "native-script" in m.evidence


# --- class: names that are everyday English ------------------------------------------------------
def _ordinary(gaz, name):
    from paperscope.paper.matcher.text import GENERIC, fold, tokens

    toks = tokens(fold(name))
    return len(toks) >= 2 and all(t[1].lower() in gaz.ordinary or t[0] in GENERIC for t in toks)


def _registry_phrases(gaz):
    names = sorted({e.name for e in gaz.entries if e.kind == matcher.INSTITUTION and e.source != "curated"
                    and not e.case_sensitive and e.name.isascii() and _ordinary(gaz, e.name)})
    return names[::max(1, len(names) // 40)]


def test_a_registry_name_made_of_ordinary_words_does_not_match_in_running_text(gaz):
    phrases = _registry_phrases(gaz)
    assert len(phrases) >= 20
    as_names = 0
    for name in phrases:
        sentence = f"In this paper we study {name.lower()} at a scale not seen before."
        assert name not in {m.institution for m in gaz.match(sentence)}, sentence
        as_names += name in {m.institution for m in gaz.match(f"{name}, Paris, France")}
    assert as_names >= len(phrases) // 2   # written as a name, most of them still count


def _ordinary_aliases(gaz):
    rows = (DATA / "institutions.tsv").read_text("utf-8").splitlines()
    out = set()
    for row in rows:
        if row.startswith("#") or not row.strip():
            continue
        name, _, aliases, *_ = (row.split("\t") + ["", ""])[:4]
        for word in [name, *aliases.split("|")]:
            if word.isalpha() and word.lower() in gaz.ordinary and not word.isupper():
                out.add(word)
    return sorted(out)


def test_a_lowercase_common_word_equal_to_an_alias_does_not_match_in_a_sentence(gaz):
    words = _ordinary_aliases(gaz)
    assert {"Apple", "Meta"} <= set(words)
    for word in words:
        low = word.lower()
        assert countries(gaz, f"we apply {low} learning to graphs") == [], word
        assert countries(gaz, f"We apply {low} learning to graphs") == [], word
        # written as a name it still counts: capitalised, or beginning its own segment
        assert any(m.institution for m in gaz.match(f"{word} Inc., Paris, France")), word
        assert any(m.institution for m in gaz.match(f"{low}, paris, france")), word


# --- class: a known name with its tail left off ---------------------------------------------------
@pytest.mark.parametrize("text, want", [
    ("University of Eastern Piedmont", ("University of Eastern Piedmont Amadeo Avogadro", "IT")),
    ("Baikal State University", ("Baikal State University of Economics and Law", "RU")),
    ("Ben Gurion University, Beer Sheva", ("Ben-Gurion University of the Negev", "IL")),
])
def test_the_leading_words_of_exactly_one_name_are_that_name(gaz, text, want):
    [m] = [m for m in gaz.match(text) if m.institution]
    assert (m.institution, m.country, m.method) == (*want, "fuzzy")
    assert "name-prefix" in m.evidence


def test_leading_words_shared_by_several_names_are_no_name():
    g = matcher.Gazetteer(THRESHOLD)
    g.add_institution("Zorblax Institute of Optics", ["FR"], source="ror")
    g.add_institution("Zorblax Institute of Optics and Lasers", ["DE"], source="ror")
    g.add_institution("Quennick Research Institute of Marine Biology", ["NO"], source="ror")
    assert [m.country for m in g.match("Quennick Research Institute")] == ["NO"]
    assert g.match("Zorblax Institute of") == []
    assert g.match("Quennick Research") == []    # two words: too little of the name


# --- class: abbreviated words (Web of Science style) ----------------------------------------------
@pytest.mark.parametrize("word, short", [("Association", "Assoc."), ("Society", "Soc."), ("Computer", "Comp."),
                                         ("Physics", "Phys."), ("Chemistry", "Chem."), ("Mathematics", "Math."),
                                         ("Foundation", "Fdn."), ("Electrical", "Elect."), ("School", "Sch.")])
def test_abbreviated_words_read_as_the_word(word, short):
    g = matcher.Gazetteer(THRESHOLD)
    g.add_institution(f"Quennick {word} Group of Vardø", ["NO"], source="ror")
    assert [(m.institution, m.country) for m in g.match(f"Quennick {short} Group of Vardø")] == \
        [(f"Quennick {word} Group of Vardø", "NO")]


# --- class: words run together or split apart -------------------------------------------------------
def _curated_names():
    rows = (DATA / "institutions.tsv").read_text("utf-8").splitlines()
    out = []
    for row in rows:
        if row.startswith("#") or not row.strip():
            continue
        name, countries = row.split("\t")[:2]
        words = name.split()
        if len(words) >= 3 and name.replace(" ", "").isalpha() and len(name.replace(" ", "")) >= 15:
            out.append((name, countries.split("|")[0]))
    return out


@pytest.mark.parametrize("name, country", _curated_names())
def test_a_name_with_its_spacing_lost_is_still_the_name(gaz, name, country):
    words = name.split()
    for text in (words[0] + words[1] + " " + " ".join(words[2:]), " ".join(words[:-1]) + words[-1]):
        assert countries(gaz, text) == [country], text


@pytest.mark.parametrize("text, want", [
    ("Wu Han University", "Wuhan University"),
    ("Shang hai Jiao Tong University", "Shanghai Jiao Tong University"),
    ("Duke KunshanUniversity", "Duke Kunshan University"),
])
def test_a_split_or_glued_name_is_read_unspaced(gaz, text, want):
    [m] = gaz.match(text)
    assert (m.institution, m.method) == (want, "fuzzy") and "(spacing)" in m.evidence


# --- class: words of one country's language, when nothing else is known ---------------------------
@pytest.mark.parametrize("text", ["State Key Laboratory of Integrated Services Networks",
                                  "National Key Laboratory of General Artificial Intelligence",
                                  "Key Lab of Machine Perception", "Northwest Minzu University", "Zhongguo Daxue"])
def test_chinese_institution_types_and_pinyin_are_a_weak_cue(gaz, text):
    [m] = gaz.match(text)
    assert (m.country, m.method) == ("CN", "address") and m.score < 0.5


# --- class: a university word of another language leads the name ---------------------------------
@pytest.mark.parametrize("head", ["Universidad", "Université", "Universität", "Universidade", "Università",
                                  "Universiteit", "Uniwersytet"])
def test_a_foreign_head_word_first_finds_the_name_written_with_it_last(head):
    g = matcher.Gazetteer(THRESHOLD)
    g.add_institution("Quennick Vardo University", ["NO"], source="ror")
    [m] = g.match(f"{head} Quennick – Vardo, Department of Physics")
    assert (m.institution, m.country, m.method) == ("Quennick Vardo University", "NO", "alias")
    assert "(head-order)" in m.evidence


# --- class: a one-word registry name followed by generic unit words or a company suffix ---------
def _one_word_registry_names(gaz):
    names = sorted({e.name for e in gaz.entries if e.kind == matcher.INSTITUTION and e.whole_segment
                    and e.name.isalpha() and e.name[:1].isupper() and not e.name.isupper()
                    and e.name.lower() not in gaz.ordinary and len(e.countries) == 1})
    return names[::max(1, len(names) // 30)]


_UNITS = ["{} AI Lab", "{} Research Lab", "{} AI Research", "{} Labs", "{} Research Center", "{} Inc.",
          "{}, Inc.", "{} Co., Ltd.", "{} Technology Co., Ltd."]


def test_a_one_word_registry_name_with_unit_words_takes_its_country(gaz):
    names = _one_word_registry_names(gaz)
    assert len(names) >= 20
    for name in names:
        home = countries(gaz, name)
        if not home or gaz.match(name)[0].institution != name:
            continue
        for unit in _UNITS:
            text = unit.format(name)
            assert countries(gaz, text) == home, text
        assert countries(gaz, f"{name} Research Lab, Montreal, Canada") == ["CA"]


def test_unit_words_need_a_capitalised_non_word_name_and_a_generic_unit():
    g = matcher.Gazetteer(THRESHOLD)
    g.ordinary = frozenset({"harbor"})
    for name in ("Quennick", "Harbor", "QXV"):
        g.add_institution(name, ["NO"], source="ror")
    assert [m.country for m in g.match("Quennick AI Lab")] == ["NO"]
    assert [m.country for m in g.match("Quennick Research Center")] == ["NO"]
    for text in ("Harbor AI Lab",            # an ordinary word
                 "QXV Lab",                  # an acronym lab is often a university's own
                 "Qxv Research Lab",         # nor a name in capitals written otherwise (a person's lab)
                 "Quennick AI",              # 'X AI' is a company's name, not X's unit
                 "Quennick Robotics Lab",    # not a generic unit word
                 "Quennick Technology",      # may be another company; only 'Technology Co.' is a suffix
                 "Department of Quennick Research",  # not where its segment begins
                 "quennick ai lab"):         # not capitalised
        assert g.match(text) == [], text


# --- class: a company and its unit in one segment share the place written after them ------------
def _company_unit_gazetteer():
    g = matcher.Gazetteer(THRESHOLD)
    g.add_country("CA", ["Canada"])
    g.add_country("DE", ["Germany"])
    g.add_place("Toronto", "CA")
    g.add_place("Munich", "DE")
    for company, home in (("Quennick", "US"), ("Vardomatic", "CN"), ("Lorvex", "JP")):
        g.add_institution(company, [home])
    for unit, home in (("Advanced Mobility Group", "NO"), ("Autonomy Systems Division", "FR")):
        g.add_institution(unit, [home], source="ror")
    g.add_institution("Quennick University", ["US"])
    return g


@pytest.mark.parametrize("company", ["Quennick", "Vardomatic", "Lorvex"])
@pytest.mark.parametrize("unit", ["Advanced Mobility Group", "Autonomy Systems Division"])
@pytest.mark.parametrize("place, country", [("Toronto ON, Canada", "CA"), ("Munich, Germany", "DE")])
def test_a_company_unit_takes_the_place_written_after_it(company, unit, place, country):
    g = _company_unit_gazetteer()
    got = g.match(f"{company} {unit}, {place}")
    assert {m.country for m in got} == {country}
    # a second organisation in a segment of its own keeps its own country
    got = g.match(f"Quennick University, {company} {unit}, {place}")
    assert {m.country for m in got} == {"US", country}
    # a curated name after another, no comma between, is an organisation of its own, not a unit
    got = g.match(f"Quennick University {company}, {place}")
    assert {m.country for m in got} == {"US", country}


# --- class: a joint lab placed inside one of its partners is that partner's ---------------------
_UNIVERSITIES = [("CUHK", "The Chinese University of Hong Kong", "HK"), ("SJTU", "Shanghai Jiao Tong University", "CN"),
                 ("NUS", "National University of Singapore", "SG"), ("KAIST", "KAIST", "KR")]
_COMPANIES = [("SenseTime", "CN"), ("Google", "US"), ("Huawei", "CN"), ("Samsung", "KR")]
_LABS = ["Joint Laboratory", "Joint Lab", "Joint Research Center", "Joint Institute for AI"]


@pytest.mark.parametrize("short, full, home", _UNIVERSITIES)
@pytest.mark.parametrize("company, company_home", _COMPANIES)
@pytest.mark.parametrize("lab", _LABS)
def test_a_joint_lab_inside_its_host_is_the_hosts(gaz, short, full, home, company, company_home, lab):
    assert countries(gaz, f"{short}-{company} {lab}, {full}") == [home]
    assert countries(gaz, f"{company}-{short} {lab}, {full}") == [home]
    assert countries(gaz, f"{short}-{company} {lab}, {company}") == [company_home]
    both = sorted({home, company_home})
    assert countries(gaz, f"{short}-{company} {lab}") == both        # no host named: both partners
    assert countries(gaz, f"{short}-{company} {lab}; {company}") == both  # a second affiliation
    assert countries(gaz, f"{full}; {company}") == both


# --- class: English names of the native-script list, as curated names --------------------------
def _cjk_english():
    return sorted({(row[1], row[2]) for row in _rows("institutions_cjk.tsv")})


@pytest.fixture(scope="module")
def gaz_without_cjk_english():
    """The bundled index as it was before the English names of the native-script list."""
    from paperscope.paper.matcher import sources

    keep = sources._native_english
    sources._native_english = lambda g: None
    try:
        return sources.build_bundled(THRESHOLD)
    finally:
        sources._native_english = keep


@pytest.mark.slow  # builds a second bundled index
def test_english_names_of_the_native_script_list_are_names_too(gaz, gaz_without_cjk_english):
    added = 0
    for english, country in _cjk_english():
        if matcher.key(english) in gaz_without_cjk_english.index:   # known already: never overridden
            assert countries(gaz, english) == countries(gaz_without_cjk_english, english), english
            continue
        if matcher.is_generic(english):   # generic words only ('Industrial Technology Research Institute')
            continue
        added += 1
        for text in (english, f"{english} Inc.", f"{english} Co., Ltd.", f"Department of AI, {english}"):
            assert countries(gaz, text) == [country], text
    assert added >= 30


@pytest.mark.parametrize("suffix", [" Technology", " Group", " Robotics", " Inc."])
def test_a_company_suffix_of_a_native_script_english_name_may_be_left_off(suffix, monkeypatch):
    from paperscope.paper.matcher import sources

    rows = [["name", "english", "country"], ["虚构科技", f"Quennick{suffix}", "CN"],
            ["虚构智能", f"QXV{suffix}", "CN"], ["东北虚构", "Northeastern University", "CN"]]
    real = sources._rows
    monkeypatch.setattr(sources, "_rows", lambda name, data=None: iter(rows) if name == "institutions_cjk.tsv"
                        else real(name, data))
    g = matcher.Gazetteer(THRESHOLD)
    g.add_institution("Northeastern University", ["US", "CN"])
    sources._native_english(g)
    assert [m.country for m in g.match("Quennick Co., Ltd., Hangzhou")] == ["CN"]
    assert [m.country for m in g.match("QXV Inc.")] == ["CN"]
    assert g.match("qxv") == []                             # the bare acronym needs its capitals
    assert [m.country for m in g.match("Northeastern University")] == ["US"]


# --- class: a registry name that reads as generic words only is no phrase ------------------------
@pytest.mark.parametrize("name", ["Nasional University", "Universidad Nacional", "Intelligent Systems Research",
                                  "Instituto de Ciencias Tecnológicas"])
@pytest.mark.parametrize("template", ["{} of Quennick", "National University of Quennick",
                                      "Center for {}, Vardø University", "Department of Computer Science, {} Lab"])
def test_a_registry_name_of_generic_words_only_is_no_phrase_but_keeps_its_domain(name, template):
    g = matcher.Gazetteer(THRESHOLD)
    g.add_institution(name, ["ID"], source="ror")
    g.add_institution(name, ["ID"], domains=["quennick.ac.id"], source="hipo")
    assert all(m.institution != name for m in g.match(template.format(name))), template.format(name)
    assert g.match_domain("cs.quennick.ac.id").institution == name


# --- class: a qualifier before a name led by a generic word makes it another name ---------------
@pytest.mark.parametrize("qualifier", ["National", "Royal", "Federal", "State", "International", "Central"])
@pytest.mark.parametrize("name", ["University of Quennick", "Institute of Vardø Studies", "Academy of Lorvex"])
def test_a_qualified_name_is_not_the_name_it_contains(qualifier, name):
    g = matcher.Gazetteer(THRESHOLD)
    g.add_institution(name, ["NO"], source="ror")
    assert g.match(f"{qualifier} {name} Technology") == []
    assert [m.country for m in g.match(f"Department of Physics, {name}")] == ["NO"]
    assert [m.country for m in g.match(f"{qualifier} Lab, {name}")] == ["NO"]   # a segment of its own


# --- class: British and American spellings are one name -----------------------------------------
@pytest.mark.parametrize("british, american", [("Defence", "Defense"), ("Organisation", "Organization"),
                                               ("Programme", "Program"), ("Behavioural", "Behavioral")])
@pytest.mark.parametrize("template", ["Quennick {} Research Agency", "Institute of {} Studies Vardø"])
def test_british_and_american_spellings_are_one_name(british, american, template):
    for known, written in ((british, american), (american, british)):
        g = matcher.Gazetteer(THRESHOLD)
        g.add_institution(template.format(known), ["NO"], source="ror")
        assert [m.country for m in g.match(template.format(written))] == ["NO"]


# --- class: 'universitet' is Danish, Norwegian and Swedish: the genitive place decides ------------
@pytest.mark.parametrize("place, country", [("Lund", "SE"), ("Stockholm", "SE"), ("Aarhus", "DK"), ("Danmark", "DK"),
                                            ("Oslo", "NO"), ("Bergen", "NO"), ("Norge", "NO")])
@pytest.mark.parametrize("template", ["{}s universitet", "{}s Tekniske Universitet", "{}s universitetet",
                                      "Institutt for informatikk, {}s universitet"])
def test_a_nordic_university_is_placed_by_the_genitive_before_it(gaz, place, country, template):
    assert countries(gaz, template.format(place)) == [country]


@pytest.mark.parametrize("text", ["Quennicks universitet", "Tekniske Universitet", "Vardøs universitet"])
def test_a_nordic_university_word_alone_names_no_country(gaz, text):
    assert countries(gaz, text) == []


# --- class: a region named after another country or state is its own country's ------------------
@pytest.mark.parametrize("region, country", [("New England", "US"), ("Baja California", "MX"),
                                             ("New South Wales", "AU"), ("New Mexico", "US"), ("Mexico City", "MX"),
                                             ("Jersey City", "US"), ("Northern Ireland", "GB")])
@pytest.mark.parametrize("template", ["Quennick Robotics Lab, {}", "Department of Physics, Vardø Institute, {}"])
def test_a_region_named_after_another_country_is_its_own(gaz, region, country, template):
    assert countries(gaz, template.format(region)) == [country]


# --- class: a place after a hard break, behind an unknown name, is that other affiliation's -----
@pytest.mark.parametrize("org, home", [("University of Cambridge", "GB"), ("LG AI Research", "KR"),
                                       ("Tencent AI Lab", "CN"), ("Google Research", "US")])
@pytest.mark.parametrize("sep", [" | ", "; ", " / "])
@pytest.mark.parametrize("other, country", [("University of Tuebingen", "DE"), ("U. Michigan", "US"),
                                            ("Quennick Lab, Zurich, Switzerland", "CH")])
def test_a_place_of_another_affiliation_does_not_move_the_first(gaz, org, home, sep, other, country):
    assert countries(gaz, f"{org}{sep}{other}") == sorted({home, country})


@pytest.mark.parametrize("sep", [" / ", "; "])
def test_a_place_alone_after_a_hard_break_still_places_the_institution(gaz, sep):
    assert countries(gaz, f"Google Research{sep}Zurich, Switzerland") == ["CH"]


# --- class: one organisation named twice, once placed: the placed unit ----------------------------
@pytest.mark.parametrize("org, unit, home", [
    ("Samsung", "Samsung AI Center", "KR"), ("Google", "Google Research", "US"),
    ("Huawei", "Huawei Noah's Ark Lab", "CN"), ("Tencent", "Tencent AI Lab", "CN")])
@pytest.mark.parametrize("place, country", [("Toronto, Canada", "CA"), ("London, UK", "GB"), ("Zurich", "CH"),
                                            ("Beijing, China", "CN")])
def test_an_organisation_named_twice_once_placed_is_the_placed_unit(gaz, org, unit, home, place, country):
    assert countries(gaz, f"{unit}, {place}, {org}") == [country]
    assert countries(gaz, f"{unit}, {place}; {org}") == sorted({home, country})   # two affiliations
