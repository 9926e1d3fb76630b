"""Metadata filters over documents (programme front matter, document type, region)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from foerderberater.core.errors import ConfigError
from foerderberater.core.schema import FOERDERART, FOERDERBERECHTIGTE, LAENDER, VORHABENART


@dataclass(frozen=True)
class Filters:
    land: str | None = None
    kreis: str | None = None  # Landkreis/kreisfreie Stadt (programmes with `landkreise`)
    foerderberechtigte: str | None = None
    foerderart: str | None = None
    technologiefeld: str | None = None
    vorhabenart: str | None = None
    dokumenttyp: str | None = None  # "Programm" | "Studie"
    ebene: str | None = None  # "Bund" (Bund/EU programmes) | "Land" (Land programmes)

    def __post_init__(self) -> None:
        checks = {
            "land": LAENDER,
            "foerderberechtigte": FOERDERBERECHTIGTE,
            "foerderart": FOERDERART,
            "vorhabenart": VORHABENART,
            "dokumenttyp": ("Programm", "Studie", "Text"),
        }
        for name, allowed in checks.items():
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise ConfigError(
                    name, f"unbekannter Wert {value!r}; erlaubt: {', '.join(allowed)}"
                )

    def active(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}

    def programme_only(self) -> bool:
        return (
            any((self.foerderberechtigte, self.foerderart, self.technologiefeld, self.vorhabenart))
            or self.dokumenttyp == "Programm"
        )

    def matches(
        self, kind: str, meta: dict[str, Any], canon: Callable[[str], str] | None = None
    ) -> bool:
        """Does a document pass? ``canon`` maps district spellings to one canonical name."""
        doctype = meta.get("dokumenttyp") or kind.capitalize()
        if self.dokumenttyp and doctype != self.dokumenttyp:
            return False
        is_programme = kind == "programm"
        if not is_programme:
            # studies and texts are about the whole Revier: only programme filters exclude them
            return not self.programme_only()
        gebiet = meta.get("foerdergebiet") or []
        # A Land programme (even if EU co-financed) is only open in its Land;
        # pure Bund/EU programmes are open everywhere.
        laender = [g for g in gebiet if g in LAENDER]
        if self.ebene and bool(laender) != (self.ebene == "Land"):
            return False
        if self.land and laender and self.land not in laender:
            return False
        kreise = meta.get("landkreise") or []
        if self.kreis and kreise:
            norm = canon or (lambda name: name)
            if norm(self.kreis) not in {norm(k) for k in kreise}:
                return False
        for field, key in (
            ("foerderberechtigte", "foerderberechtigte"),
            ("foerderart", "foerderart"),
            ("vorhabenart", "vorhabenart"),
        ):
            wanted = getattr(self, field)
            if wanted and wanted not in (meta.get(key) or []):
                return False
        if self.technologiefeld:
            felder = meta.get("technologiefelder") or []
            if self.technologiefeld not in felder and "technologieoffen" not in felder:
                return False
        return True
