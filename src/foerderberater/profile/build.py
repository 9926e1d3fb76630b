"""Build a profile from explicit values (dict, YAML file, web form) and merge profiles.

Explicit values win; a free-text ``text`` fills whatever is still missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import yaml

from foerderberater.core.errors import FoerderberaterError
from foerderberater.core.vocab import (
    FOERDERART,
    LAENDER,
    RECHTSFORMEN,
    TECHNOLOGIEFELDER,
    VORHABENART,
)
from foerderberater.profile.model import ARTEN, Profile
from foerderberater.profile.parse import (
    ART_ALIASES,
    FOERDERART_ALIASES,
    RECHTSFORM_ALIASES,
    TECH_ALIASES,
    VORHABEN_ALIASES,
    ProfilError,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
    parse_mio,
    pick,
    pick_list,
)
from foerderberater.profile.text import profile_from_text
from foerderberater.search.regions import Gazetteer


def resolve_location(
    gazetteer: Gazetteer, ort: str | None, land: str | None = None
) -> dict[str, Any]:
    """Ort/Landkreis → canonical Kreis, Land, Revier (explicit names need no 'in' context)."""
    if not ort:
        return {"ort": None, "kreis": None, "land": land, "revier": None}
    region = gazetteer.locate(ort) or gazetteer.locate(f"in {ort}")
    if region is None:
        return {"ort": ort, "kreis": None, "land": land, "revier": None}
    return {
        "ort": region.matched,
        "kreis": region.kreis,
        "land": region.land,
        "revier": region.revier if region.kreis else None,
    }


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


# single choices: profile field -> (vocabulary, aliases)
_CHOICES = {"art": (ARTEN, ART_ALIASES), "rechtsform": (RECHTSFORMEN, RECHTSFORM_ALIASES)}
# lists: profile field -> (name in messages, vocabulary, aliases)
_LISTS = {
    "vorhaben": ("vorhaben", VORHABENART, VORHABEN_ALIASES),
    "technologien": ("technologie", TECHNOLOGIEFELDER, TECH_ALIASES),
    "foerderart": ("foerderart", FOERDERART, FOERDERART_ALIASES),
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
        land = pick("land", values["land"], LAENDER, {})
        if loc["land"] and loc["land"] != land:
            raise ProfilError("land", f"{loc['ort']} liegt in {loc['land']}, nicht in {land}")
        loc["land"] = land
    out.update({k: v for k, v in loc.items() if v is not None})
    for key, (allowed, aliases) in _CHOICES.items():
        if key in values:
            out[key] = pick(key, values[key], allowed, aliases)
    for key, (name, allowed, aliases) in _LISTS.items():
        if key in values:
            out[key] = pick_list(name, values[key], allowed, aliases)
    if "beschaeftigte" in values:
        out["beschaeftigte"] = parse_int(values["beschaeftigte"], "beschaeftigte")
    for key in ("umsatz_mio", "bilanzsumme_mio"):
        if key in values:
            out[key] = parse_mio(values[key], key)
    if "volumen_eur" in values:
        out["volumen_eur"] = parse_amount(values["volumen_eur"], "volumen")
    if "beginn" in values:
        out["beginn"] = parse_date(values["beginn"])
    for key in ("begonnen", "verbund", "freier_beruf", "hochschulgruendung"):
        if key in values:
            out[key] = parse_bool(values[key], key)
    if "gruendungsjahr" in values:
        year = parse_int(values["gruendungsjahr"], "gruendungsjahr")
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
