"""Recognise places of the Revier in a question: Ort -> Landkreis -> Land (gazetteer data)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources

from foerderberater.index.analysis import fold
from foerderberater.search.places import PlaceIndex

_CONTEXT = (
    r"(?:in|im|aus|bei|nahe|um|raum|region|stadt|grossraum|von|nach|standort|am standort|"
    r"uni|universitat|hochschule|stadtwerke|landkreis)\s+"
)


@dataclass(frozen=True)
class Region:
    matched: str  # the place as written in the gazetteer
    kreis: str | None
    land: str
    revier: bool

    def strip_from(self, text: str) -> str:
        """``text`` without the place ("… Bäckerei in Naumburg …" -> "… Bäckerei in …")."""
        return re.sub(rf"(?<!\w){re.escape(self.matched)}(?:es|s)?(?!\w)", " ", text, flags=re.I)

    def label(self) -> str:
        if self.kreis and self.kreis != self.matched:
            return f"{self.matched} → {self.kreis} → {self.land}"
        if self.kreis:
            return f"{self.kreis} → {self.land}"
        return self.land


class Gazetteer:
    def __init__(self, data: dict) -> None:
        self._entries: list[tuple[str, Region, bool]] = []  # folded alias, region, ambiguous
        ambiguous = {fold(a) for a in data.get("ambiguous", [])}
        kreise = data["kreise"]
        for kreis, info in kreise.items():
            for alias in info["aliases"]:
                self._add(alias, Region(alias, kreis, info["land"], info["revier"]), ambiguous)
        for kreis, orte in data["orte"].items():
            info = kreise[kreis]
            for ort in orte:
                self._add(ort, Region(ort, kreis, info["land"], info["revier"]), ambiguous)
        for land, aliases in data["laender"].items():
            for alias in aliases:
                self._add(alias, Region(land, None, land, False), ambiguous)
        self._entries.sort(key=lambda e: -len(e[0]))
        self.kreise = {k: v["land"] for k, v in kreise.items()}
        self._canonical: dict[str, str] = {}  # district spelling -> canonical name (memo)
        self._places: PlaceIndex | None = None  # the larger list, loaded on first use

    @property
    def places(self) -> PlaceIndex:
        if self._places is None:
            self._places = PlaceIndex.load()
        return self._places

    def locate(self, text: str) -> Region | None:
        """Like ``find``, then the larger place list of the three Länder (Projekt-Check)."""
        region = self.find(text)
        if region is not None and region.kreis:
            return region
        place = self.places.find(text)
        if place is None:
            return region
        if region is not None and region.land != place.land:
            return region  # a Land named explicitly wins over a place of another Land
        return Region(place.matched, place.kreis, place.land, self._revier(place.kreis))

    def _revier(self, kreis: str) -> bool:
        region = self.find(kreis)
        return bool(region and region.kreis == kreis and region.revier)

    def _add(self, alias: str, region: Region, ambiguous: set[str]) -> None:
        key = fold(alias)
        self._entries.append((key, region, key in ambiguous))

    @classmethod
    def load(cls) -> Gazetteer:
        raw = resources.files("foerderberater").joinpath("data/gazetteer.json").read_text("utf-8")
        return cls(json.loads(raw))

    def find_all(self, text: str) -> list[Region]:
        """All regions named in ``text``, most specific first (Ort/Kreis before Land)."""
        folded = fold(text)
        taken = [False] * len(folded)
        found: list[tuple[int, Region]] = []
        for key, region, ambiguous in self._entries:
            # a genitive ("des Saalekreises", "Leipzigs") names the place too
            pattern = (
                (_CONTEXT if ambiguous else "")
                + r"(?<![\w-])(?P<name>"
                + re.escape(key)
                + r")(?:e?s)?(?![\w-])"
            )
            for m in re.finditer(pattern, folded):
                start, end = m.span("name")
                if any(taken[start:end]):
                    continue
                taken[start:end] = [True] * (end - start)
                found.append((start, region))
        found.sort(key=lambda x: (x[1].kreis is None, x[0]))
        out: list[Region] = []
        for _, region in found:
            if region not in out:
                out.append(region)
        return out

    def find(self, text: str) -> Region | None:
        regions = self.find_all(text)
        return regions[0] if regions else None

    def canonical_kreis(self, name: str) -> str:
        """'Stadt Leipzig' -> 'Leipzig', 'Landkreis Nordsachsen' -> 'Nordsachsen'."""
        known = self._canonical.get(name)
        if known is None:
            region = self.find(name)
            known = region.kreis if region and region.kreis else None
            known = known or self.places.canonical(name) or name
            if len(self._canonical) < 10_000:  # district names: a small, bounded set
                self._canonical[name] = known
        return known

    def land_of(self, name: str) -> str | None:
        region = self.find(name)
        return region.land if region else None
