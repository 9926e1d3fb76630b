"""Free-text evaluation (eval/check_freetext.yaml): which profile fields ``profile_from_text``
extracts from a description, field by field, reported for dev and holdout separately.

Core fields (issue 16: ≥ 90 %): size (``beschaeftigte``/``groesse``), place (``ort``, ``kreis``,
``land``), applicant (``art``), project kind (``vorhaben``), start (``beginn``, ``gestartet``)
and ``verbund``. ``null`` in the file means the field must stay unset.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from foerderberater.core.errors import FoerderberaterError
from foerderberater.index.analysis import fold
from foerderberater.profile import Profile, parse_date, profile_from_text
from foerderberater.search.regions import Gazetteer

CORE = (
    "beschaeftigte",
    "groesse",
    "ort",
    "kreis",
    "land",
    "art",
    "vorhaben",
    "beginn",
    "gestartet",
    "verbund",
)
FIELDS = (*CORE, "volumen_eur", "umsatz_mio", "hochschulgruendung", "technologien")


def load_texts(path: Path) -> tuple[dt.date, list[dict[str, Any]]]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FoerderberaterError(f"Freitext-Datei {path} nicht lesbar: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("texte"), list):
        raise FoerderberaterError(f"Freitext-Datei {path}: Liste 'texte' erwartet")
    if not data.get("stichtag"):
        raise FoerderberaterError(f"Freitext-Datei {path}: 'stichtag' fehlt")
    for i, item in enumerate(data["texte"], 1):
        name = item.get("id") or f"#{i}"
        if not item.get("text") or not isinstance(item.get("erwartet"), dict):
            raise FoerderberaterError(f"Freitext-Datei {path}: {name} ohne 'text'/'erwartet'")
        unknown = set(item["erwartet"]) - set(FIELDS)
        if unknown:
            raise FoerderberaterError(f"Freitext-Datei {path}: {name}: unbekannte Felder {unknown}")
    return parse_date(data["stichtag"], "stichtag"), data["texte"]


def _kreis(name: str | None) -> str | None:
    if name is None:
        return None
    return fold(re.sub(r"^(?:Landkreis|Stadt|Lutherstadt)\s+", "", name.split(" (")[0]))


def actual(profile: Profile, key: str, today: dt.date) -> Any:
    if key == "groesse":
        return profile.size().klasse
    if key == "gestartet":
        return profile.started(today)
    if key == "beginn":
        return profile.beginn.isoformat() if profile.beginn else None
    if key in ("vorhaben", "technologien"):
        return list(getattr(profile, key))
    return getattr(profile, key)


def matches(key: str, want: Any, got: Any) -> bool:
    if want is None:
        return got in (None, (), [])
    if key == "ort":
        return got is not None and (fold(want) in fold(got) or fold(got) in fold(want))
    if key == "kreis":
        return _kreis(got) == _kreis(want)
    if key in ("vorhaben", "technologien"):
        return set(want) <= set(got or [])
    if isinstance(want, int | float) and not isinstance(want, bool):
        return got is not None and abs(float(got) - float(want)) < 0.5
    return bool(got == want)


def evaluate_freetext(path: Path, gazetteer: Gazetteer) -> dict[str, Any]:
    """Field accuracy per split (dev/holdout) and per field, with every miss."""
    today, items = load_texts(path)
    total: dict[str, Counter[str]] = {"dev": Counter(), "holdout": Counter()}
    good: dict[str, Counter[str]] = {"dev": Counter(), "holdout": Counter()}
    misses = []
    for item in items:
        split = "holdout" if item.get("holdout") else "dev"
        profile = profile_from_text(item["text"], gazetteer, today=today)
        for key, want in item["erwartet"].items():
            got = actual(profile, key, today)
            ok = matches(key, want, got)
            total[split][key] += 1
            good[split][key] += ok
            if not ok:
                misses.append({"id": item["id"], "split": split, "feld": key, "erwartet": want})
                misses[-1]["ist"] = got
    splits = {}
    for split in ("dev", "holdout"):
        core_n = sum(total[split][k] for k in CORE)
        core_ok = sum(good[split][k] for k in CORE)
        all_n, all_ok = sum(total[split].values()), sum(good[split].values())
        splits[split] = {
            "texte": sum(1 for i in items if bool(i.get("holdout")) == (split == "holdout")),
            "kernfelder": [core_ok, core_n],
            "alle_felder": [all_ok, all_n],
            "felder": {k: [good[split][k], total[split][k]] for k in FIELDS if total[split][k]},
        }
    return {"stichtag": today.isoformat(), "teile": splits, "fehler": misses}


def _pct(pair: list[int]) -> str:
    return f"{pair[0]}/{pair[1]} ({pair[0] / pair[1]:.0%})" if pair[1] else "0/0"


def report_lines(result: dict[str, Any], path: Path) -> list[str]:
    lines = [
        f"[FEHLER] {m['id']} ({m['split']}): {m['feld']} erwartet {m['erwartet']!r}, "
        f"erkannt {m['ist']!r}"
        for m in result["fehler"]
    ]
    for split, r in result["teile"].items():
        fields = ", ".join(f"{k} {a}/{b}" for k, (a, b) in r["felder"].items())
        lines.append(
            f"Freitext {path} – {split}: {r['texte']} Texte, Kernfelder {_pct(r['kernfelder'])}, "
            f"alle Felder {_pct(r['alle_felder'])}; {fields}"
        )
    return lines


def passed(result: dict[str, Any], threshold: float = 0.9) -> bool:
    ok, n = (sum(r["kernfelder"][i] for r in result["teile"].values()) for i in (0, 1))
    return bool(n) and ok / n >= threshold
