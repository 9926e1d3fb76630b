"""Project profile for the Projekt-Check: dataclass, EU SME class, parsing from text and YAML.

The profile is filled from explicit values (CLI flags, a dict/YAML file, the web form) and, where
those are missing, from a free-text description with simple deterministic rules. Every value taken
from the text is recorded in ``aus_text`` so the output can say what was recognised.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from foerderberater.analysis import fold
from foerderberater.errors import FoerderberaterError
from foerderberater.regions import Gazetteer
from foerderberater.schema import FOERDERART, RECHTSFORMEN, VORHABENART

ARTEN = (
    "Unternehmen",
    "Start-up",
    "Start-up in Gründung",
    "Forschungseinrichtung",
    "Hochschule",
    "Kommune",
    "Verein",
    "Privatperson",
)
UNTERNEHMERISCH = ("Unternehmen", "Start-up", "Start-up in Gründung")
TECHNOLOGIEFELDER = (
    "Erneuerbare Energien",
    "Wasserstoff",
    "Bioökonomie",
    "Kreislaufwirtschaft",
    "Big Data/KI",
    "XR",
    "Cybersicherheit",
    "Seethermie",
    "Geothermie/Wärmespeicher",
    "Energieeffizienz",
    "Wärmenetze",
    "Mobilität/Logistik",
    "Digitalisierung",
    "Chemie",
    "Mikroelektronik",
    "Gesundheit/Life Sciences",
    "Tourismus",
    "Handwerk",
)
GROESSEN = ("kleinst", "klein", "mittel", "gross")
GROESSE_LABEL = {
    "kleinst": "Kleinstunternehmen",
    "klein": "kleines Unternehmen",
    "mittel": "mittleres Unternehmen",
    "gross": "großes Unternehmen",
}
# EU-Empfehlung 2003/361/EG: (Beschäftigte unter, Umsatz bis Mio. €, Bilanzsumme bis Mio. €)
EU_LIMITS = {"kleinst": (10, 2.0, 2.0), "klein": (50, 10.0, 10.0), "mittel": (250, 50.0, 43.0)}


class ProfilError(FoerderberaterError):
    """A profile value is invalid; the message is German and names the field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"Angabe '{field_name}': {message}")
        self.field = field_name


# --------------------------------------------------------------------------- EU SME class


@dataclass(frozen=True)
class SizeClass:
    """EU size class; ``untergrenze``/``obergrenze`` bound it when facts are missing."""

    untergrenze: str | None
    obergrenze: str | None
    begruendung: str
    fehlt: tuple[str, ...] = ()

    @property
    def sicher(self) -> bool:
        return self.untergrenze is not None and self.untergrenze == self.obergrenze

    @property
    def klasse(self) -> str | None:
        """The exact class, or None while it is not decided."""
        return self.untergrenze if self.sicher else None

    @property
    def rate_class(self) -> str | None:
        """klein/mittel/gross as used by ``foerdersatz_nach_groesse`` (kleinst counts as klein)."""
        k = self.klasse
        return "klein" if k == "kleinst" else k

    @property
    def kmu(self) -> bool | None:
        """True/False when decided, None when the facts do not settle it."""
        if self.obergrenze is not None and self.obergrenze != "gross":
            return True
        if self.untergrenze == "gross":
            return False
        return None

    def label(self) -> str:
        if self.sicher:
            return GROESSE_LABEL[self.untergrenze or ""]
        if self.untergrenze is None:
            return "Größe unbekannt"
        low = GROESSE_LABEL[self.untergrenze]
        high = GROESSE_LABEL[self.obergrenze or "gross"]
        return f"mindestens {low}, höchstens {high} (noch offen)"


def _fin_ok(umsatz: float | None, bilanz: float | None, lu: float, lb: float) -> bool | None:
    """EU rule 'Umsatz ≤ lu ODER Bilanzsumme ≤ lb': True, False or None (not decidable)."""
    if (umsatz is not None and umsatz <= lu) or (bilanz is not None and bilanz <= lb):
        return True
    if umsatz is not None and bilanz is not None:
        return False
    return None


def eu_size_class(
    beschaeftigte: float | None, umsatz_mio: float | None, bilanzsumme_mio: float | None
) -> SizeClass:
    """Classify per EU-Empfehlung 2003/361/EG (without partner/linked enterprises)."""
    order = list(GROESSEN)
    if beschaeftigte is None:
        if _fin_ok(umsatz_mio, bilanzsumme_mio, 50.0, 43.0) is False:
            return SizeClass(
                "gross",
                "gross",
                "Umsatz über 50 Mio. € und Bilanzsumme über 43 Mio. € → großes Unternehmen",
            )
        return SizeClass(None, None, "Beschäftigtenzahl fehlt", ("Beschäftigte",))
    if beschaeftigte >= 250:
        return SizeClass("gross", "gross", f"{beschaeftigte:g} Beschäftigte (ab 250 groß)")
    start = next(k for k in ("kleinst", "klein", "mittel") if beschaeftigte < EU_LIMITS[k][0])
    fin_text = _fin_text(umsatz_mio, bilanzsumme_mio)
    i = order.index(start)
    while order[i] != "gross":
        _, lu, lb = EU_LIMITS[order[i]]
        ok = _fin_ok(umsatz_mio, bilanzsumme_mio, lu, lb)
        if ok is True:
            why = f"{beschaeftigte:g} Beschäftigte{fin_text} → {GROESSE_LABEL[order[i]]}"
            return SizeClass(order[i], order[i], why)
        if ok is None:
            upper = next(
                (
                    k
                    for k in order[i + 1 : 3]
                    if _fin_ok(umsatz_mio, bilanzsumme_mio, *EU_LIMITS[k][1:]) is True
                ),
                "gross",
            )
            why = (
                f"{beschaeftigte:g} Beschäftigte{fin_text}; ohne Umsatz bzw. Bilanzsumme ist "
                "die Größenklasse nicht sicher"
            )
            return SizeClass(order[i], upper, why, ("Umsatz oder Bilanzsumme",))
        i += 1
    why = f"{beschaeftigte:g} Beschäftigte{fin_text}: Umsatz- und Bilanzgrenze überschritten"
    return SizeClass("gross", "gross", why + " → großes Unternehmen")


def _fin_text(umsatz: float | None, bilanz: float | None) -> str:
    parts = []
    if umsatz is not None:
        parts.append(f"{fmt_number(umsatz)} Mio. € Umsatz")
    if bilanz is not None:
        parts.append(f"{fmt_number(bilanz)} Mio. € Bilanzsumme")
    return (", " + ", ".join(parts)) if parts else ""


def fmt_number(value: float) -> str:
    """German number: 1.234.567 or 2,5."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return (
        f"{value:,.2f}".rstrip("0")
        .rstrip(".")
        .replace(",", "X")
        .replace(".", ",")
        .replace("X", ".")
    )


def fmt_eur(value: float) -> str:
    return f"{fmt_number(round(value))} €"


# --------------------------------------------------------------------------- profile


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
            return self.beginn <= today
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


# --------------------------------------------------------------------------- value parsing

_ART_ALIASES = {
    "unternehmen": "Unternehmen",
    "kmu": "Unternehmen",
    "firma": "Unternehmen",
    "betrieb": "Unternehmen",
    "startup": "Start-up",
    "start-up": "Start-up",
    "junges unternehmen": "Start-up",
    "start-up in gründung": "Start-up in Gründung",
    "startup in gründung": "Start-up in Gründung",
    "gründung": "Start-up in Gründung",
    "gründer": "Start-up in Gründung",
    "gründerin": "Start-up in Gründung",
    "existenzgründung": "Start-up in Gründung",
    "forschungseinrichtung": "Forschungseinrichtung",
    "institut": "Forschungseinrichtung",
    "hochschule": "Hochschule",
    "universität": "Hochschule",
    "uni": "Hochschule",
    "kommune": "Kommune",
    "gemeinde": "Kommune",
    "stadt": "Kommune",
    "zweckverband": "Kommune",
    "verein": "Verein",
    "verband": "Verein",
    "privatperson": "Privatperson",
}
_VORHABEN_ALIASES = {
    "fue": "Forschung und Entwicklung",
    "f&e": "Forschung und Entwicklung",
    "forschung": "Forschung und Entwicklung",
    "entwicklung": "Forschung und Entwicklung",
    "digital": "Digitalisierung",
    "effizienz": "Energieeffizienz",
    "weiterbildung": "Qualifizierung",
    "investitionen": "Investition",
}
_TECH_ALIASES = {
    "h2": "Wasserstoff",
    "elektrolyse": "Wasserstoff",
    "ki": "Big Data/KI",
    "künstliche intelligenz": "Big Data/KI",
    "big data": "Big Data/KI",
    "erneuerbare": "Erneuerbare Energien",
    "photovoltaik": "Erneuerbare Energien",
    "pv": "Erneuerbare Energien",
    "recycling": "Kreislaufwirtschaft",
    "geothermie": "Geothermie/Wärmespeicher",
    "wärmespeicher": "Geothermie/Wärmespeicher",
    "wärmenetz": "Wärmenetze",
    "mobilität": "Mobilität/Logistik",
    "logistik": "Mobilität/Logistik",
    "gesundheit": "Gesundheit/Life Sciences",
    "life sciences": "Gesundheit/Life Sciences",
    "it-sicherheit": "Cybersicherheit",
    "elektronik": "Mikroelektronik",
}
_FOERDERART_ALIASES = {"kredit": "Darlehen", "zuschüsse": "Zuschuss", "eigenkapital": "Beteiligung"}
_RECHTSFORM_ALIASES = {
    "gmbh": "Kapitalgesellschaft",
    "ug": "Kapitalgesellschaft",
    "ag": "Kapitalgesellschaft",
    "se": "Kapitalgesellschaft",
    "kgaa": "Kapitalgesellschaft",
    "gbr": "Personengesellschaft",
    "ohg": "Personengesellschaft",
    "kg": "Personengesellschaft",
    "gmbh & co. kg": "Personengesellschaft",
    "e.k.": "Einzelunternehmen",
    "einzelunternehmer": "Einzelunternehmen",
    "eg": "Genossenschaft",
    "e.v.": "Verein",
    "körperschaft des öffentlichen rechts": "öffentlich-rechtlich",
}


def _pick(name: str, value: Any, allowed: tuple[str, ...], aliases: Mapping[str, str]) -> str:
    text = str(value).strip()
    for option in allowed:
        if text.casefold() == option.casefold():
            return option
    hit = aliases.get(text.casefold())
    if hit:
        return hit
    raise ProfilError(name, f"unbekannter Wert {text!r}; erlaubt: {', '.join(allowed)}")


def _pick_list(
    name: str, value: Any, allowed: tuple[str, ...], aliases: Mapping[str, str]
) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    raw_items = [value] if isinstance(value, str) else value
    if not isinstance(raw_items, list | tuple):
        raise ProfilError(name, "Text oder Liste erwartet")
    items = [
        part
        for item in raw_items
        for part in (re.split(r"\s*[,;]\s*", item) if isinstance(item, str) else [item])
        if part != ""
    ]
    out: list[str] = []
    for item in items:
        picked = _pick(name, item, allowed, aliases)
        if picked not in out:
            out.append(picked)
    return tuple(out)


_AMOUNT = re.compile(
    r"^\s*(?P<num>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)\s*"
    r"(?P<unit>mrd\.?|milliarden?|mio\.?|millionen?|tsd\.?|tausend|t€|k)?\s*(?:€|euro|eur)?\s*$",
    re.I,
)
_UNIT = {
    "mrd": 1e9,
    "mil": 1e9,
    "mio": 1e6,
    "mill": 1e6,
    "tsd": 1e3,
    "tau": 1e3,
    "t€": 1e3,
    "k": 1e3,
}


def _number(raw: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", raw):
        raw = raw.replace(".", "")
    return float(raw.replace(",", "."))


def _unit_factor(unit: str | None) -> float:
    if not unit:
        return 1.0
    u = unit.casefold().rstrip(".")
    for key, factor in _UNIT.items():
        if u.startswith(key):
            return factor
    return 1.0


def parse_amount(value: Any, name: str = "volumen") -> float:
    """'2 Mio.', '2.000.000', '2,5 Mio. €', '500 Tsd', 300000 → euros."""
    if isinstance(value, bool):
        raise ProfilError(name, "Betrag erwartet")
    if isinstance(value, int | float):
        amount = float(value)
    else:
        m = _AMOUNT.match(str(value))
        if not m:
            raise ProfilError(name, f"kein Betrag: {value!r} (z. B. 2000000 oder '2 Mio.')")
        amount = _number(m["num"]) * _unit_factor(m["unit"])
    if amount < 0:
        raise ProfilError(name, "darf nicht negativ sein")
    return amount


def _mio(value: Any, name: str) -> float:
    """Mio. € field: small plain numbers are millions; '8 Mio.', '800.000 €' and plain numbers
    from 100.000 on are read as euros and converted."""
    if isinstance(value, bool):
        raise ProfilError(name, "Zahl erwartet (Angabe in Mio. €)")
    if isinstance(value, int | float):
        number = float(value)
    else:
        m = _AMOUNT.match(str(value))
        if not m:
            raise ProfilError(name, f"keine Zahl: {value!r} (Angabe in Mio. €)")
        if m["unit"]:
            return _number(m["num"]) * _unit_factor(m["unit"]) / 1e6
        number = _number(m["num"])
    if number < 0:
        raise ProfilError(name, "darf nicht negativ sein")
    return number / 1e6 if number >= 100_000 else number


def _int(value: Any, name: str) -> int:
    try:
        number = float(str(value).replace(",", ".")) if not isinstance(value, int) else value
    except ValueError:
        raise ProfilError(name, f"ganze Zahl erwartet, nicht {value!r}") from None
    if isinstance(value, bool) or number < 0 or not float(number).is_integer():
        raise ProfilError(name, f"ganze Zahl ≥ 0 erwartet, nicht {value!r}")
    return int(number)


_MONTHS = {
    "januar": 1,
    "jänner": 1,
    "februar": 2,
    "märz": 3,
    "maerz": 3,
    "april": 4,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "august": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "dezember": 12,
}


def parse_date(value: Any, name: str = "beginn") -> dt.date:
    """ISO date, 01.03.2027, 'März 2027' or '2027-03'."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if m:
        return _date(int(m[3]), int(m[2]), int(m[1]), name, text)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if m:
        return _date(int(m[1]), int(m[2]), 1, name, text)
    m = re.fullmatch(r"([A-Za-zÄÖÜäöü]+)\s+(\d{4})", text)
    if m and m[1].casefold() in _MONTHS:
        return _date(int(m[2]), _MONTHS[m[1].casefold()], 1, name, text)
    raise ProfilError(name, f"kein Datum: {text!r} (JJJJ-MM-TT, TT.MM.JJJJ oder 'März 2027')")


def _date(year: int, month: int, day: int, name: str, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ProfilError(name, f"ungültiges Datum {text!r}") from None


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("ja", "true", "1", "yes", "j"):
        return True
    if text in ("nein", "false", "0", "no", "n"):
        return False
    raise ProfilError(name, f"ja oder nein erwartet, nicht {value!r}")


# --------------------------------------------------------------------------- location


def resolve_location(
    gazetteer: Gazetteer, ort: str | None, land: str | None = None
) -> dict[str, Any]:
    """Ort/Landkreis → canonical Kreis, Land, Revier (explicit names need no 'in' context)."""
    if not ort:
        return {"ort": None, "kreis": None, "land": land, "revier": None}
    region = gazetteer.find(ort) or gazetteer.find(f"in {ort}")
    if region is None:
        return {"ort": ort, "kreis": None, "land": land, "revier": None}
    return {
        "ort": region.matched,
        "kreis": region.kreis,
        "land": region.land,
        "revier": region.revier if region.kreis else None,
    }


# --------------------------------------------------------------------------- dict / YAML

_KEYS = {
    "ort": "ort",
    "standort": "ort",
    "landkreis": "ort",
    "land": "land",
    "art": "art",
    "rechtsform": "rechtsform",
    "beschaeftigte": "beschaeftigte",
    "beschäftigte": "beschaeftigte",
    "mitarbeiter": "beschaeftigte",
    "umsatz_mio": "umsatz_mio",
    "umsatz": "umsatz_mio",
    "bilanzsumme_mio": "bilanzsumme_mio",
    "bilanzsumme": "bilanzsumme_mio",
    "vorhaben": "vorhaben",
    "vorhabenart": "vorhaben",
    "technologie": "technologien",
    "technologien": "technologien",
    "technologiefeld": "technologien",
    "volumen": "volumen_eur",
    "volumen_eur": "volumen_eur",
    "investitionsvolumen": "volumen_eur",
    "projektkosten": "volumen_eur",
    "beginn": "beginn",
    "projektbeginn": "beginn",
    "begonnen": "begonnen",
    "gruendungsjahr": "gruendungsjahr",
    "gründungsjahr": "gruendungsjahr",
    "verbund": "verbund",
    "freier_beruf": "freier_beruf",
    "hochschulgruendung": "hochschulgruendung",
    "ausgruendung": "hochschulgruendung",
    "foerderart": "foerderart",
    "förderart": "foerderart",
    "text": "text",
    "beschreibung": "text",
}


def profile_from_dict(
    data: Mapping[str, Any], gazetteer: Gazetteer, *, today: dt.date | None = None
) -> Profile:
    """Build a profile from explicit values; a 'text' fills whatever is still missing."""
    today = today or dt.date.today()
    values: dict[str, Any] = {}
    for key, raw in data.items():
        target = _KEYS.get(str(key).strip().casefold())
        if target is None:
            raise ProfilError(str(key), "unbekanntes Feld; erlaubt: " + ", ".join(sorted(_KEYS)))
        if raw is None or raw == "" or raw == []:
            continue
        values[target] = raw
    out: dict[str, Any] = {}
    loc = resolve_location(gazetteer, _str(values.get("ort")), None)
    if values.get("land"):
        land = _pick("land", values["land"], ("Sachsen", "Sachsen-Anhalt", "Thüringen"), {})
        if loc["land"] and loc["land"] != land:
            raise ProfilError("land", f"{loc['ort']} liegt in {loc['land']}, nicht in {land}")
        loc["land"] = land
    out.update({k: v for k, v in loc.items() if v is not None})
    if "art" in values:
        out["art"] = _pick("art", values["art"], ARTEN, _ART_ALIASES)
    if "rechtsform" in values:
        out["rechtsform"] = _pick(
            "rechtsform", values["rechtsform"], RECHTSFORMEN, _RECHTSFORM_ALIASES
        )
    if "beschaeftigte" in values:
        out["beschaeftigte"] = _int(values["beschaeftigte"], "beschaeftigte")
    for key in ("umsatz_mio", "bilanzsumme_mio"):
        if key in values:
            out[key] = _mio(values[key], key)
    if "volumen_eur" in values:
        out["volumen_eur"] = parse_amount(values["volumen_eur"], "volumen")
    if "vorhaben" in values:
        out["vorhaben"] = _pick_list("vorhaben", values["vorhaben"], VORHABENART, _VORHABEN_ALIASES)
    if "technologien" in values:
        out["technologien"] = _pick_list(
            "technologie", values["technologien"], TECHNOLOGIEFELDER, _TECH_ALIASES
        )
    if "foerderart" in values:
        out["foerderart"] = _pick_list(
            "foerderart", values["foerderart"], FOERDERART, _FOERDERART_ALIASES
        )
    if "beginn" in values:
        out["beginn"] = parse_date(values["beginn"])
    for key in ("begonnen", "verbund", "freier_beruf", "hochschulgruendung"):
        if key in values:
            out[key] = _bool(values[key], key)
    if "gruendungsjahr" in values:
        year = _int(values["gruendungsjahr"], "gruendungsjahr")
        if not 1800 <= year <= today.year + 1:
            raise ProfilError("gruendungsjahr", f"unplausibles Jahr {year}")
        out["gruendungsjahr"] = year
    explicit = Profile(**out)
    text = _str(values.get("text")) or ""
    if not text:
        return explicit
    return merge(profile_from_text(text, gazetteer, today=today), explicit, text=text)


def _str(value: Any) -> str | None:
    return None if value is None else str(value).strip() or None


def load_profile(path: Path, gazetteer: Gazetteer, *, today: dt.date | None = None) -> Profile:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FoerderberaterError(f"Profil-Datei {path} nicht lesbar: {exc}") from exc
    if not isinstance(data, dict):
        raise FoerderberaterError(f"Profil-Datei {path}: Schlüssel: Wert-Paare erwartet")
    return profile_from_dict(data, gazetteer, today=today)


def merge(base: Profile, override: Profile, *, text: str | None = None) -> Profile:
    """Values of ``override`` win; empty ones fall back to ``base``."""
    changes: dict[str, Any] = {}
    from_text = []
    for f in fields(Profile):
        if f.name in ("aus_text", "text"):
            continue
        value = getattr(override, f.name)
        if value is None or value == ():
            base_value = getattr(base, f.name)
            changes[f.name] = base_value
            if f.name in base.aus_text:
                from_text.append(f.name)
        else:
            changes[f.name] = value
    changes["text"] = text if text is not None else (override.text or base.text)
    changes["aus_text"] = tuple(from_text)
    return replace(override, **changes)


# --------------------------------------------------------------------------- free text

_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
_MONEY = re.compile(
    rf"(?P<num>{_NUM})\s*(?P<unit>Mrd\.?|Milliarden?|Mio\.?|Millionen?|Tsd\.?|Tausend|T€|k)?"
    r"\s*(?P<cur>€|Euro\b|EUR\b)?",
    re.I,
)
_EMPLOYEES = re.compile(
    r"(\d{1,3}(?:\.\d{3})*|\d+)\s*(?:Mitarbeiter\w*|Mitarbeitende\w*|Beschäftigte\w*|"
    r"Angestellte\w*|MA\b|Vollzeitkräfte\w*|Leute|Personen)"
    r"|(?:Mitarbeiter\w*|Beschäftigte\w*|Belegschaft)\s*(?::|von|mit)?\s*(?:rund|ca\.?|etwa)?\s*"
    r"(\d{1,3}(?:\.\d{3})*|\d+)\b",
    re.I,
)
_UMSATZ_AFTER = re.compile(r"^\s*(?:\w+\s+)?(?:Jahres)?umsatz", re.I)
_UMSATZ_BEFORE = re.compile(
    r"(?:jahres)?umsatz\w*\s*(?:von|:|liegt bei|beträgt|in höhe von|mit|bei)?\s*"
    r"(?:ca\.?|rund|etwa|knapp|über|unter)?\s*$",
    re.I,
)
_BILANZ_AFTER = re.compile(r"^\s*(?:\w+\s+)?Bilanzsumme", re.I)
_BILANZ_BEFORE = re.compile(
    r"bilanzsumme\w*\s*(?:von|:|liegt bei|beträgt|in höhe von|mit|bei)?\s*"
    r"(?:ca\.?|rund|etwa|knapp|über|unter)?\s*$",
    re.I,
)
_ART_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Start-up in Gründung",
        re.compile(
            r"gründung(?!sjahr)|\bgründen\b|wollen uns selbstständig|selbständig machen|"
            r"in gründung",
            re.I,
        ),
    ),
    (
        "Kommune",
        re.compile(r"\b(?:Kommune|Gemeinde|Stadtverwaltung|Zweckverband|Stadtwerke)\b", re.I),
    ),
    ("Hochschule", re.compile(r"\b(?:Hochschule|Universität|Uni|TU|HTWK)\b", re.I)),
    (
        "Forschungseinrichtung",
        re.compile(
            r"\b(?:Forschungseinrichtung|Forschungsinstitut|Fraunhofer|Leibniz|Max-Planck|"
            r"Helmholtz)\b",
            re.I,
        ),
    ),
    ("Verein", re.compile(r"\b(?:Verein|Verband|e\.\s?V\.)", re.I)),
    ("Start-up", re.compile(r"\b(?:Start-?up|junges Unternehmen)\b", re.I)),
    (
        "Unternehmen",
        re.compile(
            r"(?:Betrieb|Unternehmen|Firma|Mittelständler|GmbH|\bAG\b|Hersteller|Zulieferer|"
            r"Werk\b|Fabrik|Handwerk|Ingenieurbüro|Dienstleister|Softwarehaus|Bäckerei|Hotel)",
            re.I,
        ),
    ),
)
_VORHABEN_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Investition",
        re.compile(
            r"investi|anschaff|\bkaufen\b|Maschine|Anlage\b|Anlagen\b|(?:Produktions|Lager|"
            r"Fertigungs|Werk)halle|neue Halle|Neubau|Erweiterung|"
            r"erweitern|Elektrolyseur|Produktionslinie|Fertigungslinie|bauen\b|errichten",
            re.I,
        ),
    ),
    (
        "Forschung und Entwicklung",
        re.compile(
            r"Forschung|entwickeln|Entwicklung|FuE|F&E|Prototyp|Machbarkeit|Erprobung", re.I
        ),
    ),
    ("Gründung", re.compile(r"gründung(?!sjahr)|\bgründen\b|Nachfolge|übernehmen", re.I)),
    ("Beratung", re.compile(r"Beratung|beraten|Berater|Coaching", re.I)),
    (
        "Energieeffizienz",
        re.compile(r"Energieeffizien|Energie sparen|Energieeinsparung|Abwärme|Wärmepumpe", re.I),
    ),
    (
        "Infrastruktur",
        re.compile(
            r"Infrastruktur|Gewerbegebiet|Wärmenetz|Fernwärme|Breitband|Leitung|Tankstelle", re.I
        ),
    ),
    ("Qualifizierung", re.compile(r"Qualifizier|Weiterbildung|Schulung|Meisterprüfung", re.I)),
    ("Digitalisierung", re.compile(r"Digitalisier|\bERP\b|Software|digital", re.I)),
)
_TECH_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Wasserstoff", re.compile(r"Wasserstoff|\bH2\b|Elektroly|Brennstoffzelle", re.I)),
    (
        "Erneuerbare Energien",
        re.compile(r"Photovoltaik|\bPV\b|Solar|Windkraft|Windpark|erneuerbare|Biogas", re.I),
    ),
    ("Bioökonomie", re.compile(r"Bioökonomie|biobasiert|Bioraffinerie|Biomasse|Biopolymer", re.I)),
    ("Kreislaufwirtschaft", re.compile(r"Recycling|Kreislauf|Wiederverwertung", re.I)),
    (
        "Big Data/KI",
        re.compile(r"\bKI\b|künstliche[rn]? Intelligenz|Big Data|Machine Learning|\bAI\b", re.I),
    ),
    ("XR", re.compile(r"\bXR\b|\bVR\b|\bAR\b|Virtual Reality|Augmented Reality", re.I)),
    ("Cybersicherheit", re.compile(r"Cyber|IT-Sicherheit|Informationssicherheit", re.I)),
    ("Seethermie", re.compile(r"Seethermie|Seewasser", re.I)),
    ("Geothermie/Wärmespeicher", re.compile(r"Geothermie|Wärmespeicher", re.I)),
    ("Energieeffizienz", re.compile(r"Energieeffizien|Abwärme|Wärmepumpe|Druckluft", re.I)),
    ("Wärmenetze", re.compile(r"Wärmenetz|Fernwärme|Nahwärme", re.I)),
    (
        "Mobilität/Logistik",
        re.compile(r"Mobilität|Logistik|\bLkw\b|Fahrzeug|Tankstelle|Elektrobus", re.I),
    ),
    ("Digitalisierung", re.compile(r"Digitalisier|\bERP\b|Software|digital", re.I)),
    ("Chemie", re.compile(r"Chemie|chemisch|Katalysator", re.I)),
    ("Mikroelektronik", re.compile(r"Mikroelektronik|Halbleiter|Elektronik|Sensor", re.I)),
    (
        "Gesundheit/Life Sciences",
        re.compile(r"Medizin|Gesundheit|Biotech|Pharma|Life Science", re.I),
    ),
    ("Tourismus", re.compile(r"Tourismus|Hotel|Gastronomie|Pension|Gasthof", re.I)),
    ("Handwerk", re.compile(r"Handwerk|Meisterbetrieb|Tischlerei|Bäckerei|Metallbau", re.I)),
)
_STARTED = re.compile(
    r"(?:bereits|schon)\s+(?:begonnen|gestartet|angefangen|losgelegt|bestellt|beauftragt)|"
    r"hat\s+(?:bereits|schon)\s+begonnen|läuft\s+(?:bereits|schon)|"
    r"(?:bereits|schon)\s+(?:\w+\s+){0,3}(?:begonnen|gestartet|angefangen|bestellt|beauftragt)",
    re.I,
)
_NOT_STARTED = re.compile(r"noch nicht (?:begonnen|gestartet|angefangen|bestellt)", re.I)
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_DOT_DATE = re.compile(r"\b(\d{1,2}\.\d{1,2}\.\d{4})\b")
_MONTH_DATE = re.compile(
    r"\b(?:(Anfang|Mitte|Ende)\s+)?(" + "|".join(_MONTHS) + r")\s+(\d{4})\b", re.I
)
_YEAR_DATE = re.compile(r"\b(ab|Anfang|Mitte|Ende|Start|Beginn|im Jahr|in)\s+(20\d\d)\b", re.I)
_FOUNDED = re.compile(
    r"(?:gegründet|Gründungsjahr|am Markt seit|seit)\s*(?:im\s+Jahr\s+|:)?\s*(\d{4})\b"
    r"|(\d{4})\s+gegründet",
    re.I,
)
_FOUNDED_AGO = re.compile(
    r"vor\s+(\d+|einem|zwei|drei|vier|fünf)\s+Jahre?n?\s+gegründet|seit\s+(\d+|einem|zwei|drei|"
    r"vier|fünf)\s+Jahre?n?\s+(?:am Markt|selbstständig|tätig)",
    re.I,
)
_WORDS = {"einem": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5}
_VERBUND = re.compile(
    r"Verbund|Kooperation|gemeinsam mit|zusammen mit|mit einer Hochschule|mit einem Institut|"
    r"mit der Uni|Partner",
    re.I,
)
_RECHTSFORM_TEXT: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Personengesellschaft", re.compile(r"GmbH\s*&\s*Co\.?\s*KG|\bGbR\b|\bOHG\b|\bKG\b")),
    ("Kapitalgesellschaft", re.compile(r"\bGmbH\b|\bUG\b|\bAG\b|\bKGaA\b")),
    ("Einzelunternehmen", re.compile(r"\be\.\s?K\.|Einzelunternehm", re.I)),
    ("Genossenschaft", re.compile(r"\beG\b|Genossenschaft")),
)
_SCIENCE = re.compile(
    r"\bUni\b|Universität|Hochschule|\bTU\b|HTWK|Forschungsinstitut|Fraunhofer|Leibniz|"
    r"Max-Planck|Helmholtz|Absolvent|Wissenschaftler|Doktorand|Studierende|Studenten|"
    r"Ausgründung|Spin-?off",
    re.I,
)
_FREIER_BERUF = re.compile(
    r"freiberuf|Freie[rn]? Beruf|Ingenieurbüro|Architekturbüro|Steuerberat|Arztpraxis", re.I
)


def profile_from_text(text: str, gazetteer: Gazetteer, *, today: dt.date | None = None) -> Profile:
    """Fill a profile from a free-text question with deterministic rules."""
    today = today or dt.date.today()
    found: dict[str, Any] = {}
    region = gazetteer.find(text)
    if region is not None:
        found.update(
            ort=region.matched,
            kreis=region.kreis,
            land=region.land,
            revier=region.revier if region.kreis else None,
        )
    for art, pattern in _ART_RULES:
        if pattern.search(text):
            found["art"] = art
            break
    m = _EMPLOYEES.search(text)
    if m:
        found["beschaeftigte"] = int((m[1] or m[2]).replace(".", ""))
    money_umsatz, money_bilanz, volumen = _money(text)
    if money_umsatz is not None:
        found["umsatz_mio"] = money_umsatz / 1e6
    if money_bilanz is not None:
        found["bilanzsumme_mio"] = money_bilanz / 1e6
    if volumen is not None:
        found["volumen_eur"] = volumen
    vorhaben = tuple(name for name, p in _VORHABEN_RULES if p.search(text))
    if found.get("art") == "Start-up in Gründung" and "Gründung" not in vorhaben:
        vorhaben = ("Gründung", *vorhaben)
    if vorhaben:
        found["vorhaben"] = vorhaben
    tech = tuple(name for name, p in _TECH_RULES if p.search(text))
    if tech:
        found["technologien"] = tech
    if _NOT_STARTED.search(text):
        found["begonnen"] = False
    elif _STARTED.search(text):
        found["begonnen"] = True
    beginn = _beginn(text)
    if beginn is not None:
        found["beginn"] = beginn
    year = _founded(text, today)
    if year is not None:
        found["gruendungsjahr"] = year
        if found.get("art") == "Start-up in Gründung":
            found["art"] = "Start-up" if today.year - year <= 5 else "Unternehmen"
    if _VERBUND.search(text):
        found["verbund"] = True
    for form, pattern in _RECHTSFORM_TEXT:
        if pattern.search(text):
            found["rechtsform"] = form
            break
    if _FREIER_BERUF.search(text):
        found["freier_beruf"] = True
    if _SCIENCE.search(text):
        found["hochschulgruendung"] = True
    return Profile(**found, text=text, aus_text=tuple(found))


def _money(text: str) -> tuple[float | None, float | None, float | None]:
    umsatz = bilanz = volumen = None
    for m in _MONEY.finditer(text):
        if not (m["unit"] or m["cur"]):
            continue
        if m["unit"] and m["unit"].casefold() == "k" and not m["cur"]:
            continue
        try:
            amount = _number(m["num"]) * _unit_factor(m["unit"])
        except ValueError:
            continue
        before, after = text[max(0, m.start() - 40) : m.start()], text[m.end() : m.end() + 25]
        if _UMSATZ_AFTER.search(after) or _UMSATZ_BEFORE.search(before):
            umsatz = umsatz if umsatz is not None else amount
        elif _BILANZ_AFTER.search(after) or _BILANZ_BEFORE.search(before):
            bilanz = bilanz if bilanz is not None else amount
        elif volumen is None:
            volumen = amount
    return umsatz, bilanz, volumen


def _beginn(text: str) -> dt.date | None:
    m = _ISO_DATE.search(text)
    if m:
        try:
            return dt.date.fromisoformat(m[1])
        except ValueError:
            pass
    m = _DOT_DATE.search(text)
    if m:
        try:
            return parse_date(m[1])
        except ProfilError:
            pass
    m = _MONTH_DATE.search(text)
    if m:
        return dt.date(int(m[3]), _MONTHS[m[2].casefold()], 1)
    for m in _YEAR_DATE.finditer(text):
        before = text[max(0, m.start() - 20) : m.start()].casefold()
        if "gegründet" in before or "gründung" in before or "seit" in before:
            continue
        month = {"mitte": 7, "ende": 10}.get(m[1].casefold(), 1)
        return dt.date(int(m[2]), month, 1)
    return None


def _founded(text: str, today: dt.date) -> int | None:
    m = _FOUNDED.search(text)
    if m:
        year = int(m[1] or m[2])
        if 1800 <= year <= today.year:
            return year
    m = _FOUNDED_AGO.search(text)
    if m:
        raw = (m[1] or m[2]).casefold()
        years = _WORDS.get(raw) or int(raw)
        return today.year - years
    return None


# --------------------------------------------------------------------------- missing facts

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
