"""Where the matcher's names come from: the packaged files, or a full ROR v2 dump.

Packaged (lib/paperscope/data, sources and licences in NOTICE.txt):
  institutions.tsv       curated aliases and acronyms of the labs and universities that
                         dominate ML papers, with their countries (hand-written);
  countries.tsv          country names in their usual spellings;
  places.tsv             US states, Chinese provinces and cities, tech hubs: strong places;
  organisations.tsv.gz   ROR 2021 + Hipo names (scripts/build_gazetteer.py);
  cities.tsv.gz          GeoNames cities of 100k+ people (big ones strong, others weak);
  word_cities.txt        those of them named like a common English word ('Mobile'), which
                         count only as their own address segment (scripts/word_cities.py);
  institutions_cjk.tsv   institutions' names in Chinese, Japanese and Korean script, with the
                         English name they resolve to (name, english, country);
  places_cjk.tsv         provinces, cities, regions and countries in those scripts (name, country, kind);
  ordinary_words.txt     ordinary English words: a name made only of them must be written as a
                         name (scripts/ordinary_words.py).
A ROR v2 JSON dump (`affiliations.ror_dump`) replaces organisations.tsv.gz; the curated
table, countries, places and cities still apply on top of it.

Building the index takes a couple of seconds, so the built object is pickled under
$PAPERSCOPE_CACHE (default ~/.cache/paperscope), keyed by the data and code it came from,
and kept per process: a Spark worker builds or unpickles it once, not once per batch.
"""
from __future__ import annotations

import gc
import gzip
import hashlib
import io
import json
import logging
import os
import pickle
import re
import zipfile
from importlib import resources
from pathlib import Path

from paperscope.paper.matcher.index import Gazetteer
from paperscope.paper.matcher.model import CITY, COUNTRY, INSTITUTION, PLACE, TERRITORIES, Entry
from paperscope.paper.matcher.text import is_acronym, is_generic, key

log = logging.getLogger(__name__)
_FILES = ("institutions.tsv", "countries.tsv", "places.tsv", "organisations.tsv.gz", "cities.tsv.gz",
          "word_cities.txt", "institutions_cjk.tsv", "places_cjk.tsv", "ordinary_words.txt")
# places_cjk.tsv kinds: a country name, else a strong place.
_NATIVE_KINDS = {"country": COUNTRY, "province": PLACE, "city": PLACE, "region": PLACE}
STRONG_CITY_POPULATION = 1_000_000
_LOADED: dict[tuple, Gazetteer] = {}
# A company suffix the English name of a native-script entry may be written without.
_COMPANY_SUFFIX = re.compile(r"\s+(?:Group|Technology|Tech|Robotics|Company|Corporation|Inc\.?|Co\.?,? Ltd\.?)$")


def _data(name: str) -> bytes:
    return resources.files("paperscope").joinpath(f"data/{name}").read_bytes()


def _rows(name: str, data: bytes | None = None):
    data = data if data is not None else _data(name)
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    for line in data.decode("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.split("\t")


def _split(field: str) -> list[str]:
    return [x for x in field.split("|") if x]


def _base(g: Gazetteer) -> None:
    """Countries and places first: a registry name never shadows them."""
    for code, names, *_ in _rows("countries.tsv"):
        g.add_country(code, _split(names))
    for place, country, *_ in _rows("places.tsv"):
        g.add_place(place, country)
    for row in _rows("institutions.tsv"):
        name, countries, aliases, domains = (row + ["", "", ""])[:4]
        g.add_institution(name, _split(countries), _split(aliases), _split(domains), source="curated")
    _native(g)
    g.ordinary = frozenset(row[0] for row in _rows("ordinary_words.txt"))
    words = {row[0] for row in _rows("word_cities.txt")}
    for name, country, population in _rows("cities.tsv.gz"):
        g.add_place(name, country, CITY, strong=int(population) >= STRONG_CITY_POPULATION,
                    address_only=name in words)


def _native(g: Gazetteer) -> None:
    """Institution and place names in Chinese, Japanese and Korean script (header line first)."""
    for name, english, country, *_ in list(_rows("institutions_cjk.tsv"))[1:]:
        g.add_native(name, Entry(INSTITUTION, english, (TERRITORIES.get(country, country),), "curated"))
    for name, country, kind, *_ in list(_rows("places_cjk.tsv"))[1:]:
        g.add_native(name, Entry(_NATIVE_KINDS.get(kind, PLACE), name, (TERRITORIES.get(country, country),)))


def _native_english(g: Gazetteer) -> None:
    """The English names of the native-script list as curated names too ('4Paradigm', 'Hikvision',
    'YITU Technology': ML companies no registry lists), added after the registry and only where
    the index knows nothing by that name, so they never override an entry of another country
    ('Northeastern University'). An acronym must be written in capitals, as curated ones must; a
    company suffix may be left off ('YITU', 'Trip.com')."""
    for english, country in dict.fromkeys((en, c) for _, en, c, *_ in list(_rows("institutions_cjk.tsv"))[1:]):
        countries = (TERRITORIES.get(country, country),)
        short = _COMPANY_SUFFIX.sub("", english)
        for name in dict.fromkeys((english, short)):
            k = key(name)
            if not k or k in g.index or is_generic(name) or (len(k) == 1 and name.lower() in g.ordinary):
                continue
            if is_acronym(name):
                g.add(name, Entry(INSTITUTION, english, countries, "curated", case_sensitive=True))
            else:
                one = len(k) == 1 and name[:1].isalpha()   # 'Sogou' needs its capital; '4Paradigm' has none
                g.add(name, Entry(INSTITUTION, english, countries, "curated", capitalized=one))


def build_bundled(fuzzy_threshold: float) -> Gazetteer:
    g = Gazetteer(fuzzy_threshold)
    _base(g)
    for name, countries, sources, domains in _rows("organisations.tsv.gz"):
        by_country: dict[str, list[str]] = {}
        for pair in _split(domains):
            domain, _, country = pair.rpartition(":")
            by_country.setdefault(country, []).append(domain)
        g.add_institution(name, _split(countries), source=sources.split("|")[0])
        for country, doms in by_country.items():
            g.add_institution(name, [country], domains=doms, source="hipo")
    _native_english(g)
    return g


def ror_v2_records(path: str | Path):
    """Records of a ROR schema v2 dump: a JSON array, as .json or inside the release .zip."""
    path = Path(path)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            member = next(n for n in z.namelist() if n.endswith(".json"))
            return json.load(io.TextIOWrapper(z.open(member), encoding="utf-8"))
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def build_from_ror(path: str | Path, fuzzy_threshold: float) -> Gazetteer:
    """Curated names, countries and places, plus every organisation of a ROR v2 dump."""
    g = Gazetteer(fuzzy_threshold)
    _base(g)
    for rec in ror_v2_records(path):
        if rec.get("status") == "withdrawn":
            continue
        names = rec.get("names") or []
        display = next((n["value"] for n in names if "ror_display" in n.get("types", [])), None)
        if not display:
            continue
        countries = list(dict.fromkeys(
            (loc.get("geonames_details") or {}).get("country_code") for loc in rec.get("locations") or []))
        aliases = [n["value"] for n in names if {"alias", "label"} & set(n.get("types", [])) and n["value"] != display]
        acronyms = [n["value"] for n in names if "acronym" in n.get("types", [])]
        domains = list(rec.get("domains") or [])
        for link in rec.get("links") or []:
            host = str(link.get("value", "")).split("//")[-1].split("/")[0].lower()
            domains.append(host[4:] if host.startswith("www.") else host)
        g.add_institution(display, [c for c in countries if c], aliases, [d for d in domains if d],
                          source="ror-v2", acronyms=acronyms)
    _native_english(g)
    return g


def _cache_dir(configured: str | None) -> Path | None:
    """$PAPERSCOPE_CACHE, else cache.dir; None: no cache (build in memory)."""
    found = os.environ.get("PAPERSCOPE_CACHE") or configured
    return Path(found).expanduser() if found else None


def cache_key() -> str:
    """The data files and the code that build the index (followed through calls, so a
    comment keeps the cache and a rule change rebuilds it)."""
    from paperscope.core import codedigest

    h = hashlib.sha256()
    for name in _FILES:
        h.update(_data(name))
    h.update(codedigest.digest("paperscope.paper.matcher.sources:build_bundled",
                               "paperscope.paper.matcher.index:Gazetteer").encode())
    return h.hexdigest()[:20]


def _bundled_cached(fuzzy_threshold: float, cache_dir: str | None) -> Gazetteer:
    folder = _cache_dir(cache_dir)
    if folder is None:
        return build_bundled(fuzzy_threshold)
    path = folder / f"gazetteer-{cache_key()}.pickle"
    try:
        with open(path, "rb") as f:
            g = pickle.load(f)
        g.fuzzy_threshold = fuzzy_threshold
        return g
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        pass
    g = build_bundled(fuzzy_threshold)
    g._word_index()
    g.packed_names()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(g, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only home on an executor: build in memory every time
        log.info("gazetteer cache not written (%s)", exc)
    return g


def load(ror_dump: str | None, fuzzy_threshold: float, cache_dir: str | None = None) -> Gazetteer:
    """The gazetteer for these settings, built once per process."""
    k = (ror_dump or None, float(fuzzy_threshold))
    if k not in _LOADED:
        # Hundreds of thousands of small objects: the cyclic GC only slows building them.
        enabled = gc.isenabled()
        gc.disable()
        try:
            if ror_dump:
                log.info("gazetteer: ROR v2 dump %s", ror_dump)
                _LOADED[k] = build_from_ror(ror_dump, fuzzy_threshold)
            else:
                _LOADED[k] = _bundled_cached(fuzzy_threshold, cache_dir)
        finally:
            if enabled:
                gc.enable()
    return _LOADED[k]


def from_config(cfg) -> Gazetteer:
    """The gazetteer the settings ask for (affiliations.ror_dump, affiliations.fuzzy_threshold)."""
    return load(cfg.affiliations.ror_dump, cfg.affiliations.fuzzy_threshold, cfg.cache.dir)


def default_gazetteer() -> Gazetteer:
    """The gazetteer of the packaged settings (built or unpickled once per process)."""
    from paperscope.core.config import load_config

    return from_config(load_config())
