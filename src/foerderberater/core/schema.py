"""Front-matter schema of programme texts (see corpus/README.md) and its validation."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from foerderberater.core.errors import FrontMatterError

FOERDERART = (
    "Zuschuss",
    "Darlehen",
    "Bürgschaft",
    "Beteiligung",
    "Steuerliche Förderung",
    "Beratung",
    "Sonstiges",
)
FOERDERGEBIET = ("Bund", "EU", "Sachsen", "Sachsen-Anhalt", "Thüringen")
LAENDER = ("Sachsen", "Sachsen-Anhalt", "Thüringen")
FOERDERBERECHTIGTE = (
    "KMU",
    "Großunternehmen",
    "Start-ups",
    "Forschungseinrichtungen",
    "Hochschulen",
    "Kommunen",
    "Verbände/Vereine",
    "Privatpersonen",
)
VORHABENART = (
    "Investition",
    "Forschung und Entwicklung",
    "Gründung",
    "Beratung",
    "Energieeffizienz",
    "Infrastruktur",
    "Qualifizierung",
    "Digitalisierung",
)
# controlled vocabulary of `technologiefelder` (plus "technologieoffen"), see corpus/README.md
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
DOKUMENTTYP = ("Programm", "Studie")

REQUIRED_PROGRAMME = (
    "titel",
    "kurzname",
    "foerdergeber",
    "antragsstelle",
    "foerderart",
    "foerdergebiet",
    "foerderberechtigte",
    "vorhabenart",
    "technologiefelder",
    "antragsfrist",
    "stand",
    "quellen",
)
_ENUM_LISTS = {
    "foerderart": FOERDERART,
    "foerdergebiet": FOERDERGEBIET,
    "foerderberechtigte": FOERDERBERECHTIGTE,
    "vorhabenart": VORHABENART,
}
_STR_LISTS = (
    "technologiefelder",
    "quellen",
    "landkreise",
    "kumulierbar_mit",
    "nicht_kumulierbar_mit",
    "autoren",
)
_NUMBERS = (
    "foerdersatz_max_prozent",
    "max_betrag_eur",
    "max_beschaeftigte",
    "jahr",
    # eligibility (Projekt-Check)
    "max_umsatz_mio_eur",
    "max_bilanzsumme_mio_eur",
    "max_unternehmensalter_jahre",
    "min_volumen_eur",
    "max_volumen_eur",
)
_BOOLS = (
    "nur_kmu",
    "antrag_vor_vorhabenbeginn",
    "de_minimis",
    "nur_vor_gruendung",
    "nur_hochschulgruendung",
    "freie_berufe",
)
_TEXTS = ("vorhabenbeginn_hinweis", "kumulierung_hinweis")
RECHTSFORMEN = (
    "Kapitalgesellschaft",
    "Personengesellschaft",
    "Einzelunternehmen",
    "Genossenschaft",
    "Verein",
    "öffentlich-rechtlich",
)
_SIZES = {"klein", "mittel", "gross"}
_URL = re.compile(r"^https?://\S+$")


def iso_date(value: Any) -> str | None:
    """Return an ISO date string for a date/datetime/ISO string, else None."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return None
    return None


def _fail(path: str, field: str, message: str) -> FrontMatterError:
    return FrontMatterError(path, f"Feld '{field}': {message}")


def validate_metadata(meta: dict[str, Any], path: str, *, programme: bool) -> dict[str, Any]:
    """Validate known keys, normalise dates to ISO strings, keep unknown keys as they are."""
    out = dict(meta)
    if programme:
        missing = [k for k in REQUIRED_PROGRAMME if out.get(k) in (None, "", [])]
        if missing:
            raise FrontMatterError(path, "Pflichtfeld(er) fehlen: " + ", ".join(missing))
    for key in ("titel", "kurzname", "foerdergeber", "antragsstelle", "rechtsgrundlage"):
        if key in out and out[key] is not None and not isinstance(out[key], str | int | float):
            raise _fail(path, key, "muss ein Text sein")
        if key in out and out[key] is not None:
            out[key] = str(out[key]).strip()
    for key, allowed in _ENUM_LISTS.items():
        if key not in out:
            continue
        value = out[key]
        if isinstance(value, str):
            raise _fail(path, key, f"muss eine Liste sein, z. B. [{value}]")
        if not isinstance(value, list) or not value:
            raise _fail(path, key, "muss eine nicht-leere Liste sein")
        bad = [v for v in value if v not in allowed]
        if bad:
            raise _fail(path, key, f"unbekannte Werte {bad}; erlaubt: {', '.join(allowed)}")
    for key in _STR_LISTS:
        if key in out:
            value = out[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise _fail(path, key, "muss eine Liste von Texten sein")
    urls = [("quellen", u) for u in out.get("quellen", [])]
    if out.get("url"):
        urls.append(("url", out["url"]))
    for key, url in urls:
        if not isinstance(url, str) or not _URL.match(url):
            raise _fail(path, key, f"keine gültige URL: {url!r}")
    for key in _NUMBERS:
        value = out.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise _fail(path, key, f"muss eine Zahl sein, nicht {out[key]!r}")
    for key in _BOOLS:
        if key in out and not isinstance(out[key], bool):
            raise _fail(path, key, "muss true oder false sein")
    if "foerdersatz_nach_groesse" in out:
        rates = out["foerdersatz_nach_groesse"]
        if not isinstance(rates, dict) or not set(rates) <= {"klein", "mittel", "gross"}:
            raise _fail(path, "foerdersatz_nach_groesse", "erwartet {klein, mittel, gross}")
        for k, v in rates.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 100:
                raise _fail(path, f"foerdersatz_nach_groesse.{k}", "muss 0–100 sein")
    _validate_eligibility(out, path)
    rate = out.get("foerdersatz_max_prozent")
    if rate is not None and not 0 <= rate <= 100:
        raise _fail(path, "foerdersatz_max_prozent", "muss zwischen 0 und 100 liegen")
    if "stand" in out:
        iso = iso_date(out["stand"])
        if iso is None:
            raise _fail(path, "stand", f"kein ISO-Datum (JJJJ-MM-TT): {out['stand']!r}")
        out["stand"] = iso
    if "antragsfrist" in out:
        value = out["antragsfrist"]
        iso = iso_date(value)
        if iso is not None:
            out["antragsfrist"] = iso
        elif value != "laufend":
            raise _fail(path, "antragsfrist", f"'laufend' oder ISO-Datum erwartet, nicht {value!r}")
    if "dokumenttyp" in out and out["dokumenttyp"] not in DOKUMENTTYP:
        raise _fail(path, "dokumenttyp", f"erlaubt: {', '.join(DOKUMENTTYP)}")
    # Anything else (dates in unknown keys, also nested ones) must stay JSON-serialisable.
    return {key: _json_safe(value) for key, value in out.items()}


def _rate_ok(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and 0 <= value <= 100


def _validate_eligibility(out: dict[str, Any], path: str) -> None:
    """Optional eligibility fields used by the Projekt-Check (see corpus/README.md)."""
    for key in _NUMBERS:
        value = out.get(key)
        if value is not None and value < 0:
            raise _fail(path, key, "darf nicht negativ sein")
    low, high = out.get("min_volumen_eur"), out.get("max_volumen_eur")
    if low is not None and high is not None and low > high:
        raise _fail(path, "min_volumen_eur", "ist größer als max_volumen_eur")
    for key in _TEXTS:
        if key in out and not isinstance(out[key], str):
            raise _fail(path, key, "muss ein Text sein")
    if "nur_im_verbund" in out:
        value = out["nur_im_verbund"]
        if not isinstance(value, list) or not value:
            raise _fail(path, "nur_im_verbund", "muss eine nicht-leere Liste sein")
        bad = [v for v in value if v not in FOERDERBERECHTIGTE]
        if bad:
            raise _fail(
                path,
                "nur_im_verbund",
                f"unbekannte Werte {bad}; erlaubt: {', '.join(FOERDERBERECHTIGTE)}",
            )
    if "rechtsform" in out:
        value = out["rechtsform"]
        if not isinstance(value, list) or not value or any(v not in RECHTSFORMEN for v in value):
            raise _fail(path, "rechtsform", f"Liste aus: {', '.join(RECHTSFORMEN)}")
    if "foerdersatz_nach_region" in out:
        regions = out["foerdersatz_nach_region"]
        field = "foerdersatz_nach_region"
        if not isinstance(regions, dict) or not regions:
            raise _fail(path, field, "erwartet {Landkreis oder Land: Satz}")
        for name, value in regions.items():
            where = f"{field}.{name}"
            if value is None or _rate_ok(value):
                continue
            if not isinstance(value, dict) or not value or not set(value) <= _SIZES:
                raise _fail(path, where, "Zahl 0–100, {klein, mittel, gross} oder null erwartet")
            if not all(_rate_ok(v) for v in value.values()):
                raise _fail(path, where, "Sätze müssen 0–100 sein")


def _json_safe(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return value


def is_stale(meta: dict[str, Any], today: dt.date, stale_days: int) -> bool:
    """True when the document's ``stand`` is more than ``stale_days`` before ``today``."""
    try:
        return (today - dt.date.fromisoformat(str(meta["stand"]))).days > stale_days
    except (KeyError, ValueError):
        return False


def deadline_passed(meta: dict[str, Any], today: dt.date) -> bool:
    """True when ``antragsfrist`` is an ISO date before ``today`` ("laufend" never passes)."""
    frist = meta.get("antragsfrist")
    if not frist or frist == "laufend":
        return False
    try:
        return dt.date.fromisoformat(str(frist)) < today
    except ValueError:
        return False
