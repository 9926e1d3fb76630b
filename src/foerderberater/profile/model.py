"""The project profile: vocabularies, the ``Profile`` dataclass and the missing-fact texts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

from foerderberater.core.vocab import ANTRAGSTELLERARTEN, UNTERNEHMERISCH
from foerderberater.index.analysis import fold
from foerderberater.profile.size import SizeClass, eu_size_class

ARTEN = ANTRAGSTELLERARTEN  # the vocabulary lives in core.vocab


@dataclass(frozen=True)
class Profile:
    ort: str | None = None
    kreis: str | None = None  # canonical Landkreis/kreisfreie Stadt (gazetteer)
    land: str | None = None
    revier: bool | None = None
    art: str | None = None  # one of ARTEN
    beschaeftigte: int | None = None
    umsatz_mio: float | None = None
    bilanzsumme_mio: float | None = None
    vorhaben: tuple[str, ...] = ()  # VORHABENART values
    technologien: tuple[str, ...] = ()  # TECHNOLOGIEFELDER values
    volumen_eur: float | None = None
    beginn: dt.date | None = None
    begonnen: bool | None = None
    gruendungsjahr: int | None = None
    verbund: bool | None = None  # Verbund-/Kooperationsprojekt geplant
    rechtsform: str | None = None  # one of RECHTSFORMEN
    freier_beruf: bool | None = None
    hochschulgruendung: bool | None = None  # Gründung aus Hochschule/Forschungseinrichtung
    foerderart: tuple[str, ...] = ()  # gewünschte Förderarten (leer = alle)
    text: str = ""
    aus_text: tuple[str, ...] = field(default=(), compare=False)  # fields filled from text

    # ----------------------------------------------------------------- derived facts
    @property
    def unternehmerisch(self) -> bool:
        return self.art in UNTERNEHMERISCH

    def size(self) -> SizeClass:
        if self.art == "Start-up in Gründung":
            return SizeClass(
                "kleinst", "kleinst", "Gründungsvorhaben – noch kein Unternehmen, gilt als klein"
            )
        return eu_size_class(self.beschaeftigte, self.umsatz_mio, self.bilanzsumme_mio)

    def started(self, today: dt.date) -> bool | None:
        """Has the project begun? Explicit flag first, else a start date in the past."""
        if self.begonnen is not None:
            return self.begonnen
        if self.beginn is not None:
            return self.beginn < today  # a project that starts today has not begun yet
        return None

    def alter_jahre(self, today: dt.date) -> int | None:
        if self.art == "Start-up in Gründung":
            return 0
        if self.gruendungsjahr is None:
            return None
        return max(0, today.year - self.gruendungsjahr)

    def standort_label(self) -> str:
        if self.kreis and self.ort and fold(self.ort) not in fold(self.kreis):
            return f"{self.ort} ({self.kreis}, {self.land})"
        if self.kreis:
            return f"{self.kreis} ({self.land})"
        if self.land:
            return self.land
        return self.ort or "unbekannt"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


FACT_LABELS = {
    "standort": "Standort (Ort oder Landkreis)",
    "art": "Art des Antragstellers (Unternehmen, Start-up, Hochschule, Kommune …)",
    "beschaeftigte": "Zahl der Beschäftigten",
    "umsatz": "Jahresumsatz oder Bilanzsumme – für die KMU-Einstufung",
    "vorhaben": "Vorhabenart (z. B. Investition, Forschung und Entwicklung)",
    "technologie": "Technologiefeld",
    "volumen": "Investitionsvolumen bzw. Projektkosten",
    "beginn": "geplanter Projektbeginn bzw. ob schon begonnen",
    "alter": "Gründungsjahr des Unternehmens",
    "verbund": "ob ein Verbund-/Kooperationsprojekt geplant ist",
    "rechtsform": "Rechtsform",
    "kreis": "Landkreis bzw. kreisfreie Stadt",
    "hochschulgruendung": "ob die Gründung aus einer Hochschule/Forschungseinrichtung kommt",
}
FACT_QUESTIONS = {
    "standort": "Wo liegt der Standort des Vorhabens (Ort oder Landkreis)?",
    "art": (
        "Wer stellt den Antrag – Unternehmen, Start-up (auch in Gründung), Hochschule, "
        "Forschungseinrichtung, Kommune oder Verein?"
    ),
    "beschaeftigte": "Wie viele Beschäftigte hat Ihr Unternehmen?",
    "umsatz": "Wie hoch sind Jahresumsatz oder Bilanzsumme (in Mio. €)?",
    "vorhaben": "Was planen Sie – Investition, Forschung und Entwicklung, Gründung, Beratung …?",
    "technologie": "In welchem Technologiefeld liegt das Vorhaben (z. B. Wasserstoff)?",
    "volumen": "Wie hoch sind Investitionsvolumen bzw. Projektkosten?",
    "beginn": "Wann soll das Vorhaben beginnen – oder hat es schon begonnen?",
    "alter": "In welchem Jahr wurde das Unternehmen gegründet?",
    "verbund": "Planen Sie ein Verbundprojekt mit Partnern (z. B. KMU oder Hochschule)?",
    "rechtsform": "Welche Rechtsform hat Ihr Unternehmen (z. B. GmbH, GbR)?",
    "kreis": "In welchem Landkreis bzw. welcher kreisfreien Stadt liegt der Standort?",
    "hochschulgruendung": "Kommt die Gründung aus einer Hochschule oder Forschungseinrichtung?",
}
