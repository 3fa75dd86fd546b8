"""Format and coverage of the CJK name lists (institutions_cjk.tsv, places_cjk.tsv): pure Python, no Spark."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from importlib.resources import files

import pytest

DATA = files("paperscope") / "data"
# CJK ideographs (with extension A and compatibility forms), kana, Hangul syllables and jamo
NATIVE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
KINDS = {"province", "city", "region", "country"}
MIN_INSTITUTIONS = {("CN",): 150, ("TW",): 20, ("HK", "MO"): 15, ("JP",): 30, ("KR",): 20}


def _codes() -> set[str]:
    rows = DATA.joinpath("countries.tsv").read_text(encoding="utf-8").splitlines()
    return {r.split("\t")[0] for r in rows if r and not r.startswith("#")}


def _rows(name: str, header: list[str]) -> list[list[str]]:
    lines = DATA.joinpath(name).read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == header
    rows = [line.split("\t") for line in lines[1:]]
    for r in rows:
        assert len(r) == 3 and all(f and f == f.strip() for f in r), r
        assert '"' not in "".join(r), r
    return rows


@pytest.fixture(scope="module")
def institutions():
    return _rows("institutions_cjk.tsv", ["name", "english", "country"])


@pytest.fixture(scope="module")
def places():
    return _rows("places_cjk.tsv", ["name", "country", "kind"])


def _one_country_per_name(pairs):
    seen = defaultdict(set)
    for name, country in pairs:
        seen[name].add(country)
    assert {n: c for n, c in seen.items() if len(c) > 1} == {}
    dup = [k for k, n in Counter(pairs).items() if n > 1]
    assert dup == []


def test_institutions_format(institutions):
    codes = _codes()
    assert {r[2] for r in institutions} <= codes
    assert [r[0] for r in institutions if not NATIVE.search(r[0])] == []
    assert [r[1] for r in institutions if NATIVE.search(r[1])] == []
    _one_country_per_name([(r[0], r[2]) for r in institutions])


def test_institutions_coverage(institutions):
    for countries, least in MIN_INSTITUTIONS.items():
        distinct = {r[1] for r in institutions if r[2] in countries}
        assert len(distinct) >= least, (countries, len(distinct))


def test_places_format(places):
    codes = _codes()
    assert {r[1] for r in places} <= codes
    assert {r[2] for r in places} <= KINDS
    assert [r[0] for r in places if not NATIVE.search(r[0])] == []
    _one_country_per_name([(r[0], r[1]) for r in places])


def test_places_coverage(places):
    by_country = Counter(r[1] for r in places)
    assert by_country["CN"] >= 200 and by_country["JP"] >= 25 and by_country["KR"] >= 20
    names = {r[0]: r[1] for r in places}
    for name, country in [("北京", "CN"), ("廣東", "CN"), ("香港", "HK"), ("澳门", "MO"), ("臺灣", "TW"),
                          ("台北", "TW"), ("東京", "JP"), ("서울", "KR"), ("대한민국", "KR"), ("美国", "US")]:
        assert names.get(name) == country, name


def test_no_name_is_an_institution_and_a_place_of_different_countries(institutions, places):
    place_country = {r[0]: r[1] for r in places}
    assert [r for r in institutions if place_country.get(r[0], r[2]) != r[2]] == []


def test_ambiguous_forms_left_out(institutions):
    """Traditional forms shared by mainland and Taiwanese universities must not be listed."""
    names = {r[0]: r[2] for r in institutions}
    for gone in ["清華大學", "中山大學", "東華大學", "中央大学", "中科院", "中科大", "成大"]:
        assert gone not in names, gone
    assert names["清华大学"] == "CN" and names["國立清華大學"] == "TW"
    assert names["中山大学"] == "CN" and names["國立中山大學"] == "TW"
