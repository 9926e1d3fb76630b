"""The Projekt-Check evaluation set (eval/check_profiles.yaml): load and evaluate (data only).

The file's ``stichtag`` is the date of every check, so results are the same on any day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from foerderberater.core.errors import FoerderberaterError
from foerderberater.eligibility.engine import evaluate
from foerderberater.eligibility.model import Programme
from foerderberater.eligibility.programmes import programmes_from_index
from foerderberater.eligibility.verdicts import OFFEN, STATUS_ORDER, VERLETZT
from foerderberater.index.store import IndexVersion
from foerderberater.profile import parse_date, profile_from_dict
from foerderberater.search.regions import Gazetteer


def load_check_profiles(path: Path) -> tuple[dt.date, list[dict[str, Any]]]:
    """Read eval/check_profiles.yaml: ``stichtag`` and a list ``profile`` with ``erwartet``."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FoerderberaterError(f"Profil-Datei {path} nicht lesbar: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("profile"), list):
        raise FoerderberaterError(f"Profil-Datei {path}: Liste 'profile' erwartet")
    if not data.get("stichtag"):
        raise FoerderberaterError(f"Profil-Datei {path}: 'stichtag' (Prüfdatum JJJJ-MM-TT) fehlt")
    today = parse_date(data["stichtag"], "stichtag")
    items = data["profile"]
    for i, item in enumerate(items, 1):
        name = item.get("id") or f"#{i}"
        if not isinstance(item.get("erwartet"), dict) or not item["erwartet"]:
            raise FoerderberaterError(f"Profil-Datei {path}: {name} ohne 'erwartet'")
        bad = {v for v in item["erwartet"].values() if v not in STATUS_ORDER}
        if bad:
            raise FoerderberaterError(f"Profil-Datei {path}: {name}: unbekannter Status {bad}")
        if not isinstance(item.get("profil"), dict) and not item.get("text"):
            raise FoerderberaterError(f"Profil-Datei {path}: {name} ohne 'profil' oder 'text'")
    return today, items


def evaluate_check_profiles(
    path: Path,
    programmes: Sequence[Programme],
    gazetteer: Gazetteer,
) -> dict[str, Any]:
    """Run every profile on the file's ``stichtag``; compare with the expected status."""
    today, items = load_check_profiles(path)
    slugs = {p.slug for p in programmes}
    rows = []
    for i, item in enumerate(items, 1):
        data = dict(item.get("profil") or {})
        if item.get("text"):
            data["text"] = item["text"]
        profile = profile_from_dict(data, gazetteer, today=today)
        result = evaluate(profile, programmes, today=today, canon=gazetteer.canonical_kreis)
        checks = []
        for slug, expected in item["erwartet"].items():
            got = result.get(slug)
            actual = got.status if got else "unbekanntes Programm"
            why = ""
            if got and actual != expected:
                decisive = [r for r in got.gruende if r.ergebnis in (VERLETZT, OFFEN)]
                why = " | ".join(r.text for r in decisive) or "alle Bedingungen erfüllt"
            checks.append(
                {
                    "programm": slug,
                    "erwartet": expected,
                    "ist": actual,
                    "ok": actual == expected and slug in slugs,
                    "gruende": why,
                }
            )
        rows.append({"id": item.get("id") or f"#{i}", "checks": checks})
    total = sum(len(r["checks"]) for r in rows)
    passed = sum(c["ok"] for r in rows for c in r["checks"])
    return {
        "stichtag": today.isoformat(),
        "profile": len(rows),
        "erwartungen": total,
        "bestanden": passed,
        "quote": round(passed / total, 4) if total else 0.0,
        "rows": rows,
    }


def evaluate_check_file(version: IndexVersion, path: Path, gazetteer: Gazetteer) -> dict[str, Any]:
    """``evaluate_check_profiles`` over the programmes of an index version."""
    return evaluate_check_profiles(path, programmes_from_index(version), gazetteer)


def report_lines(result: dict[str, Any], path: Path) -> list[str]:
    """The failed expectations and a one-line summary, in German."""
    lines = [
        f"[FEHLER] {row['id']}: {c['programm']} erwartet „{c['erwartet']}“, ist „{c['ist']}“ "
        f"– {c['gruende']}"
        for row in result["rows"]
        for c in row["checks"]
        if not c["ok"]
    ]
    lines.append(
        f"Projekt-Check {path}: {result['profile']} Profile, {result['erwartungen']} "
        f"Erwartungen, {result['bestanden']} bestanden ({result['quote']:.0%}), "
        f"Stichtag {result['stichtag']}"
    )
    return lines
