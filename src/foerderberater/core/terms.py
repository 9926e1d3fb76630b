"""Structured funding terms of a programme: rates/amounts (``Foerdersatz``) and text rules
(``Bedingung``), the item types of ``ProgrammeMeta.foerdersaetze`` and ``.bedingungen``.

Both are frozen pydantic models with a closed set of keys. Every check raises ``invalid(...)``
with a German message and the key as a path relative to the entry, so ``schema.parse_meta``
names file, list and key (``foerdersaetze[3].art``). The docstring under a field is its
description in the generated tables of corpus/README.md.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from foerderberater.core.fields import Typ, invalid
from foerderberater.core.vocab import (
    ANTRAGSTELLERARTEN,
    BEDINGUNG_TYPEN,
    BEZUEGE,
    FOERDERBERECHTIGTE,
    GROESSEN_SATZ,
    SATZARTEN,
    TECHNOLOGIEFELDER,
    VORHABENART,
)

AMOUNT_KEYS = ("betrag_max_eur", "betrag_min_eur", "betrag_eur", "kosten_max_eur")
LOAN_SHARE_BEZUG = ("Finanzierungsbedarf", "Vorhaben")  # what a Darlehen share may refer to


def _num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _choice(allowed: tuple[str, ...]) -> Any:
    def check(value: Any) -> str:
        if value not in allowed:
            raise invalid(f"{value!r} nicht erlaubt; erlaubt: {', '.join(allowed)}")
        return str(value)

    return BeforeValidator(check)


def _choices(allowed: tuple[str, ...] | None) -> Any:
    """A value or a list of values (``None``: free text, e.g. region names)."""

    def check(value: Any) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not items:
            raise invalid("Text oder nicht-leere Liste erwartet")
        if not all(isinstance(v, str) and v.strip() for v in items):
            raise invalid("Liste von Texten erwartet")
        bad = [v for v in items if allowed is not None and v not in allowed]
        if bad:
            raise invalid(f"unbekannte Werte {bad}; erlaubt: {', '.join(allowed or ())}")
        return tuple(items)

    return BeforeValidator(check)


def _amount(value: Any) -> float | int:
    if not _num(value) or value < 0:
        raise invalid(f"Betrag in Euro (Zahl ≥ 0) erwartet, nicht {value!r}")
    return value


def _rate(value: Any) -> float | int | None:
    if value is None:
        return None
    if not _num(value) or not 0 <= value <= 100:
        raise invalid(f"Prozent 0–100 oder null erwartet, nicht {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid("nicht-leerer Text erwartet")
    return value.strip()


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise invalid("true oder false erwartet")
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise invalid(f"ganze Zahl ≥ 0 erwartet, nicht {value!r}")
    return value


Text = Annotated[str, BeforeValidator(_text)]
OptText = Annotated[str | None, BeforeValidator(_text)]
Amount = Annotated[float | int | None, BeforeValidator(_amount), Typ("Zahl")]


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    @model_validator(mode="before")
    @classmethod
    def _closed(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise invalid("Objekt mit Schlüsseln erwartet")
        unknown = sorted(set(map(str, data)) - set(cls.model_fields))
        if unknown:
            raise invalid(f"unbekannte Schlüssel {unknown}; erlaubt: {', '.join(cls.model_fields)}")
        missing = [k for k, f in cls.model_fields.items() if f.is_required() and k not in data]
        if missing:
            raise invalid("Pflichtschlüssel fehlen: " + ", ".join(missing))
        return data


class Foerdersatz(_Entry):
    """One rate or amount the programme text states, with the qualifiers it applies to."""

    art: Annotated[str, _choice(SATZARTEN), Typ("Text", SATZARTEN)]
    """Art der Zahl (Zuschussanteil = Zuschuss als Anteil eines Kredits):"""
    bezug: Annotated[str, _choice(BEZUEGE), Typ("Text", BEZUEGE)]
    """worauf sich Satz und Beträge beziehen:"""
    beleg: Text
    """wörtliche Stelle im Programmtext (Zitat der Zahl)"""
    satz_prozent: Annotated[float | int | None, BeforeValidator(_rate), Typ("Zahl")] = None
    """Zuschuss/Steuer: % der förderfähigen Kosten; Darlehen: Anteil am Finanzierungsbedarf (nie
    ein Fördersatz); Bürgschaft: verbürgter Anteil; `null` = laut Text nicht beziffert"""
    betrag_max_eur: Amount = None
    """Obergrenze des Betrags dieser Art je `bezug`"""
    betrag_min_eur: Amount = None
    """Untergrenze (Mindestkredit, Mindestbeteiligung)"""
    betrag_eur: Amount = None
    """fester Betrag je `bezug` (Pauschale, Stipendium, Prämie)"""
    kosten_max_eur: Amount = None
    """Obergrenze der förderfähigen Kosten, auf die der Satz angewendet wird"""
    groesse: Annotated[tuple[str, ...], _choices(GROESSEN_SATZ), Typ("Liste", GROESSEN_SATZ)] = ()
    """nur für Unternehmen dieser EU-Größenklassen (kleinst zählt als klein):"""
    region: Annotated[tuple[str, ...], _choices(None), Typ("Liste")] = ()
    """nur an diesen Standorten (Landkreis/kreisfreie Stadt oder Land)"""
    vorhabenart: Annotated[tuple[str, ...], _choices(VORHABENART), Typ("Liste")] = ()
    """nur für diese Vorhabenarten (Werte wie `vorhabenart`)"""
    antragsteller: Annotated[tuple[str, ...], _choices(FOERDERBERECHTIGTE), Typ("Liste")] = ()
    """nur für diese Antragsteller (Werte wie `foerderberechtigte`)"""
    verbund: Annotated[bool | None, BeforeValidator(_flag), Typ("bool")] = None
    """`true` nur im Verbund-/Kooperationsprojekt, `false` nur als Einzelprojekt"""
    modul: OptText = None
    """Modul (Beschriftung)"""
    kategorie: OptText = None
    """Kategorie oder Fall (Beschriftung)"""
    hinweis: OptText = None
    """Erläuterung, die mit der Zahl angezeigt wird"""

    @model_validator(mode="after")
    def _figure(self) -> Foerdersatz:
        if not self.has_rate and all(getattr(self, k) is None for k in AMOUNT_KEYS):
            raise invalid("weder satz_prozent noch ein Betrag (" + ", ".join(AMOUNT_KEYS) + ")")
        loan_share = self.art == "Darlehen" and self.satz_prozent is not None
        if loan_share and self.bezug not in LOAN_SHARE_BEZUG:
            raise invalid(
                "ein Darlehensanteil bezieht sich auf " + " oder ".join(LOAN_SHARE_BEZUG),
                "bezug",
            )
        return self

    @property
    def has_rate(self) -> bool:
        """True when the entry states a rate – also ``null`` (= not quantified)."""
        return "satz_prozent" in self.model_fields_set

    @property
    def selectors(self) -> tuple[str, ...]:
        keys = ("groesse", "region", "vorhabenart", "antragsteller")
        return tuple(k for k in keys if getattr(self, k)) + (
            ("verbund",) if self.verbund is not None else ()
        )


# typ -> (required parameters, optional parameters; one optional needed when any, meaning)
BEDINGUNGEN: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "max_beschaeftigte_ohne_partner": (
        ("wert",),
        (),
        "mehr als `wert` Beschäftigte nur mit Partner (Verbund)",
    ),
    "nur_groesse_in_region": (
        ("region", "groessen"),
        (),
        "in diesen Landkreisen nur Unternehmen dieser Größenklassen",
    ),
    "ausgeschlossene_vorhaben": (("werte",), (), "diese Vorhabenarten sind ausgeschlossen"),
    "vorhaben_nur_mit": (
        ("vorhaben",),
        ("vorhabenarten", "technologien"),
        "die Vorhabenart `vorhaben` zählt nur zusammen mit einer der `vorhabenarten` oder "
        "`technologien`",
    ),
    "ausgeschlossene_antragsteller": (
        ("werte",),
        (),
        "diese Antragsteller (Werte wie das Profilfeld `art`) sind ausgeschlossen",
    ),
}
assert set(BEDINGUNGEN) == set(BEDINGUNG_TYPEN)


class Bedingung(_Entry):
    """A rule of the programme text that the single fields cannot express, with its quote."""

    typ: Annotated[str, _choice(BEDINGUNG_TYPEN), Typ("Text", BEDINGUNG_TYPEN)]
    """Art der Regel:"""
    beleg: Text
    """wörtliche Stelle im Programmtext"""
    wert: Annotated[int | None, BeforeValidator(_count), Typ("Zahl")] = None
    """Beschäftigtengrenze"""
    region: Annotated[tuple[str, ...], _choices(None), Typ("Liste")] = ()
    """Landkreise/kreisfreie Städte"""
    groessen: Annotated[tuple[str, ...], _choices(GROESSEN_SATZ), Typ("Liste")] = ()
    """Größenklassen klein, mittel, gross"""
    werte: Annotated[tuple[str, ...], _choices(None), Typ("Liste")] = ()
    """ausgeschlossene Vorhabenarten bzw. Antragsteller"""
    vorhaben: Annotated[str | None, _choice(VORHABENART), Typ("Text")] = None
    """die eingeschränkte Vorhabenart"""
    vorhabenarten: Annotated[tuple[str, ...], _choices(VORHABENART), Typ("Liste")] = ()
    """Vorhabenarten, mit denen `vorhaben` zählt"""
    technologien: Annotated[tuple[str, ...], _choices(TECHNOLOGIEFELDER), Typ("Liste")] = ()
    """Technologiefelder, mit denen `vorhaben` zählt"""

    @model_validator(mode="after")
    def _parameters(self) -> Bedingung:
        required, optional, _ = BEDINGUNGEN[self.typ]
        given = {k for k in self.model_fields_set if k not in ("typ", "beleg")}
        missing = [k for k in required if k not in given]
        if missing:
            raise invalid(f"{self.typ} braucht " + ", ".join(missing))
        extra = sorted(given - set(required) - set(optional))
        if extra:
            raise invalid(f"{self.typ} kennt keine Schlüssel {extra}")
        if optional and not given & set(optional):
            raise invalid(f"{self.typ} braucht " + " oder ".join(optional))
        allowed = {
            "ausgeschlossene_vorhaben": VORHABENART,
            "ausgeschlossene_antragsteller": ANTRAGSTELLERARTEN,
        }.get(self.typ)
        bad = [v for v in self.werte if allowed is not None and v not in allowed]
        if bad:
            raise invalid(f"unbekannte Werte {bad}; erlaubt: {', '.join(allowed or ())}", "werte")
        return self
