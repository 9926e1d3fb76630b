"""The Projekt-Check evaluation set (eval/check_profiles.yaml): load, evaluate, report."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from foerderberater.core.errors import FoerderberaterError
from foerderberater.eligibility.corpus import programmes_for
from foerderberater.eligibility.engine import evaluate
from foerderberater.eligibility.model import OFFEN, STATUS_ORDER, VERLETZT, Programme
from foerderberater.profile import parse_date, profile_from_dict


def load_check_profiles(path: Path) -> tuple[dt.date | None, list[dict[str, Any]]]:
    """Read eval/check_profiles.yaml: ``stichtag`` and a list ``profile`` with ``erwartet``."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FoerderberaterError(f"Profil-Datei {path} nicht lesbar: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("profile"), list):
        raise FoerderberaterError(f"Profil-Datei {path}: Liste 'profile' erwartet")
    stichtag = data.get("stichtag")
    today = None
    if stichtag:
        today = parse_date(stichtag, "stichtag")
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
    gazetteer: Any,
    *,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Run every profile and compare with the expected status per programme."""
    file_today, items = load_check_profiles(path)
    today = today or file_today or dt.date.today()
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


def run_check_eval(advisor: Any, path: Path, *, as_json: bool = False) -> int:
    """``foerderberater eval check FILE``: exit code 1 unless every expectation holds."""
    programmes, _ = programmes_for(advisor)
    result = evaluate_check_profiles(path, programmes, advisor.gazetteer)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for row in result["rows"]:
            for c in row["checks"]:
                if not c["ok"]:
                    print(
                        f"[FEHLER] {row['id']}: {c['programm']} erwartet „{c['erwartet']}“, "
                        f"ist „{c['ist']}“ – {c['gruende']}"
                    )
        print(
            f"Projekt-Check {path}: {result['profile']} Profile, {result['erwartungen']} "
            f"Erwartungen, {result['bestanden']} bestanden ({result['quote']:.0%}), "
            f"Stichtag {result['stichtag']}"
        )
    return 0 if result["bestanden"] == result["erwartungen"] else 1
