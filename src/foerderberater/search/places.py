"""The larger place list of Sachsen, Sachsen-Anhalt and Thüringen (data/orte_mitteldeutschland.json,
built by tools/build_places.py from the official district keys): Ort -> Landkreis -> Land.

It complements the hand-made gazetteer (search/regions.py) for places outside the Revier, e.g.
Plauen or Wittenberg. Because the list is long and some names are ordinary words, a place only
counts after a location cue („in“, „aus“, „Standort“ …, optionally with an article); district
names such as „Vogtlandkreis“ or „Landkreis Meißen“ count anywhere.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources

from foerderberater.index.analysis import fold

_CUE = (
    r"(?:\bin|\bim|\baus|\bbei|\bnahe|\bum|\braum|\bregion|\bstandort|\bsitz|\bsitzen in|"
    r"\bbetrieb in|\bstadt|\bgemeinde|\bnach|\bvon)\s+(?:(?:der|dem|den|die|unserem|unserer)\s+)?"
)
_DISTRICT_WORD = re.compile(r"kreis|landkreis|\blk\b|stadt ")


@dataclass(frozen=True)
class Place:
    matched: str
    kreis: str
    land: str


class PlaceIndex:
    """Find places of the larger list in free text (first mention wins)."""

    def __init__(self, data: dict) -> None:
        self.kreise: dict[str, str] = {k: v["land"] for k, v in data["kreise"].items()}
        self._alias: dict[str, str] = {}
        free, cued = [], []
        for kreis, info in data["kreise"].items():
            for alias in info["aliases"]:
                key = fold(alias)
                self._alias[key] = kreis
                (free if _DISTRICT_WORD.search(key) else cued).append(key)
        self._orte: dict[str, str] = {}
        self._names: dict[str, str] = {fold(a): k for k in data["kreise"] for a in [k]}
        for name, kreis in data["orte"].items():
            key = fold(name)
            self._orte[key] = kreis
            self._names[key] = name
            cued.append(key)
        self._free = self._compile(free, "")
        self._cued = self._compile(cued, _CUE)

    @staticmethod
    def _compile(keys: list[str], prefix: str) -> re.Pattern[str]:
        names = "|".join(re.escape(k) for k in sorted(set(keys), key=len, reverse=True))
        return re.compile(rf"{prefix}(?<![\w-])(?P<name>{names})(?![\w-])")

    @classmethod
    def load(cls) -> PlaceIndex:
        path = resources.files("foerderberater").joinpath("data/orte_mitteldeutschland.json")
        return cls(json.loads(path.read_text("utf-8")))

    def _place(self, key: str) -> Place:
        kreis = self._alias.get(key) or self._orte[key]
        return Place(self._names.get(key, kreis), kreis, self.kreise[kreis])

    def find(self, text: str) -> Place | None:
        """The first place named in ``text`` (its name in the list), or None."""
        folded = fold(text)
        hits = [m for rx in (self._free, self._cued) for m in rx.finditer(folded)]
        if not hits:
            return None
        return self._place(min(hits, key=lambda h: h.start("name"))["name"])

    def canonical(self, name: str) -> str | None:
        """'Landkreis Meißen' -> 'Meißen', 'Stadt Chemnitz' -> 'Chemnitz' (None if unknown)."""
        return self._alias.get(fold(name.strip()))
