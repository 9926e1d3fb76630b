"""Parsing single profile values (choices, amounts, Mio. €, integers, dates, yes/no)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from foerderberater.core.errors import ProfilError

ART_ALIASES = {
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
VORHABEN_ALIASES = {
    "fue": "Forschung und Entwicklung",
    "f&e": "Forschung und Entwicklung",
    "forschung": "Forschung und Entwicklung",
    "entwicklung": "Forschung und Entwicklung",
    "digital": "Digitalisierung",
    "effizienz": "Energieeffizienz",
    "weiterbildung": "Qualifizierung",
    "investitionen": "Investition",
}
TECH_ALIASES = {
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
FOERDERART_ALIASES = {"kredit": "Darlehen", "zuschüsse": "Zuschuss", "eigenkapital": "Beteiligung"}
RECHTSFORM_ALIASES = {
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


def pick(name: str, value: Any, allowed: tuple[str, ...], aliases: Mapping[str, str]) -> str:
    text = str(value).strip()
    for option in allowed:
        if text.casefold() == option.casefold():
            return option
    hit = aliases.get(text.casefold())
    if hit:
        return hit
    raise ProfilError(name, f"unbekannter Wert {text!r}; erlaubt: {', '.join(allowed)}")


def pick_list(
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
        picked = pick(name, item, allowed, aliases)
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


def parse_number(raw: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", raw):
        raw = raw.replace(".", "")
    return float(raw.replace(",", "."))


def unit_factor(unit: str | None) -> float:
    if not unit:
        return 1.0
    u = unit.casefold().rstrip(".")
    for key, factor in _UNIT.items():
        if u.startswith(key):
            return factor
    return 1.0


def _read_amount(value: Any, name: str, what: str, hint: str) -> tuple[float, bool]:
    """(number, with unit) of a plain number or a text like '2,5 Mio. €' (unit applied)."""
    if isinstance(value, bool):
        raise ProfilError(name, f"{what} erwartet{hint}")
    if isinstance(value, int | float):
        return float(value), False
    m = _AMOUNT.match(str(value))
    if not m:
        raise ProfilError(
            name, f"{'kein' if what == 'Betrag' else 'keine'} {what}: {value!r}{hint}"
        )
    return parse_number(m["num"]) * unit_factor(m["unit"]), bool(m["unit"])


def parse_amount(value: Any, name: str = "volumen") -> float:
    """'2 Mio.', '2.000.000', '2,5 Mio. €', '500 Tsd', 300000 → euros."""
    if isinstance(value, bool):
        raise ProfilError(name, "Betrag erwartet")
    amount, _ = _read_amount(value, name, "Betrag", " (z. B. 2000000 oder '2 Mio.')")
    if amount < 0:
        raise ProfilError(name, "darf nicht negativ sein")
    return amount


def parse_mio(value: Any, name: str) -> float:
    """Mio. € field: small plain numbers are millions; '8 Mio.', '800.000 €' and plain numbers
    from 100.000 on are read as euros and converted."""
    number, with_unit = _read_amount(value, name, "Zahl", " (Angabe in Mio. €)")
    if with_unit:
        return number / 1e6
    if number < 0:
        raise ProfilError(name, "darf nicht negativ sein")
    return number / 1e6 if number >= 100_000 else number


def parse_int(value: Any, name: str) -> int:
    try:
        number = float(str(value).replace(",", ".")) if not isinstance(value, int) else value
    except ValueError:
        raise ProfilError(name, f"ganze Zahl erwartet, nicht {value!r}") from None
    if isinstance(value, bool) or number < 0 or not float(number).is_integer():
        raise ProfilError(name, f"ganze Zahl ≥ 0 erwartet, nicht {value!r}")
    return int(number)


MONTHS = {
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
    if m and m[1].casefold() in MONTHS:
        return _date(int(m[2]), MONTHS[m[1].casefold()], 1, name, text)
    raise ProfilError(name, f"kein Datum: {text!r} (JJJJ-MM-TT, TT.MM.JJJJ oder 'März 2027')")


def _date(year: int, month: int, day: int, name: str, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ProfilError(name, f"ungültiges Datum {text!r}") from None


def parse_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("ja", "true", "1", "yes", "j"):
        return True
    if text in ("nein", "false", "0", "no", "n"):
        return False
    raise ProfilError(name, f"ja oder nein erwartet, nicht {value!r}")
