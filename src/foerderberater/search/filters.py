"""Metadata filters over documents (programme metadata, document type, region).

``FILTER_CHOICES`` (the values a filter accepts) and ``FILTER_LABELS`` (how people see its
name) come from the vocabularies of the metadata model; CLI options, UI dropdowns and the
validation in ``Filters`` are all generated from them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from foerderberater.core.errors import ConfigError
from foerderberater.core.schema import Meta, ProgrammeMeta
from foerderberater.core.vocab import (
    DOKUMENTTYP,
    FOERDERART,
    FOERDERBERECHTIGTE,
    LAENDER,
    TECHNOLOGIEFELDER,
    TECHNOLOGIEOFFEN,
    VORHABENART,
)

# filter name -> allowed values (the user-facing filters, in display order)
FILTER_CHOICES: dict[str, tuple[str, ...]] = {
    "land": LAENDER,
    "foerderberechtigte": FOERDERBERECHTIGTE,
    "foerderart": FOERDERART,
    "technologiefeld": TECHNOLOGIEFELDER,
    "vorhabenart": VORHABENART,
    "dokumenttyp": DOKUMENTTYP,
}
FILTER_LABELS = {
    "land": "Land",
    "kreis": "Kreis",
    "foerderberechtigte": "Förderberechtigte",
    "foerderart": "Förderart",
    "technologiefeld": "Technologiefeld",
    "vorhabenart": "Vorhabenart",
    "dokumenttyp": "Dokumenttyp",
}
# list fields of ProgrammeMeta that a filter value must be contained in
_LIST_FILTERS = ("foerderberechtigte", "foerderart", "vorhabenart")


@dataclass(frozen=True)
class Filters:
    land: str | None = None
    kreis: str | None = None  # Landkreis/kreisfreie Stadt (programmes with `landkreise`)
    foerderberechtigte: str | None = None
    foerderart: str | None = None
    technologiefeld: str | None = None
    vorhabenart: str | None = None
    dokumenttyp: str | None = None  # "Programm" | "Studie" | "Text"
    ebene: str | None = None  # "Bund" (Bund/EU programmes) | "Land" (Land programmes)

    def __post_init__(self) -> None:
        for name, allowed in FILTER_CHOICES.items():
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

    def matches(self, meta: Meta, canon: Callable[[str], str] | None = None) -> bool:
        """Does a document pass? ``canon`` maps district spellings to one canonical name."""
        if self.dokumenttyp and meta.dokumenttyp != self.dokumenttyp:
            return False
        if not isinstance(meta, ProgrammeMeta):
            # studies and texts are about the whole Revier: only programme filters exclude them
            return not self.programme_only()
        # A Land programme (even if EU co-financed) is only open in its Land;
        # pure Bund/EU programmes are open everywhere.
        laender = meta.laender
        if self.ebene and bool(laender) != (self.ebene == "Land"):
            return False
        if self.land and laender and self.land not in laender:
            return False
        if self.kreis and meta.landkreise:
            norm = canon or (lambda name: name)
            if norm(self.kreis) not in {norm(k) for k in meta.landkreise}:
                return False
        for name in _LIST_FILTERS:
            wanted = getattr(self, name)
            if wanted and wanted not in getattr(meta, name):
                return False
        felder = meta.technologiefelder
        return not (
            self.technologiefeld
            and self.technologiefeld not in felder
            and TECHNOLOGIEOFFEN not in felder
        )
