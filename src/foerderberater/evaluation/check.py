"""Projekt-Check evaluation sets (eval/check_profiles.yaml, eval/check_text_profiles.yaml).

Each profile expects verdicts (``erwartet``) and optionally the shown figures:
``erwartet_satz`` (highest Fördersatz, ``[min, max]``, ``null`` = none or not quantified, or
``{Zuschussanteil|Bürgschaft: %}``), ``erwartet_betrag`` (indicative grant/tax amount, ``null``,
or ``{Darlehen|Zuschussanteil|Bürgschaft|Beteiligung: €}``) and ``erwartet_bezug``. Profiles
marked ``holdout: true`` are reported separately. The file's ``stichtag`` is the date of every
check, so results are the same on any day.
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
from foerderberater.eligibility.results import ProgrammeCheck
from foerderberater.eligibility.verdicts import OFFEN, STATUS_ORDER, VERLETZT
from foerderberater.index.store import IndexVersion
from foerderberater.profile import parse_date, profile_from_dict
from foerderberater.search.regions import Gazetteer

KINDS = ("urteil", "satz", "betrag", "bezug")
SPLITS = ("dev", "holdout")


def load_check_profiles(path: Path) -> tuple[dt.date, list[dict[str, Any]]]:
    """Read a profile file: ``stichtag`` and a list ``profile`` with ``erwartet``."""
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
        for key in ("erwartet_satz", "erwartet_betrag", "erwartet_bezug"):
            if not isinstance(item.get(key, {}), dict):
                raise FoerderberaterError(
                    f"Profil-Datei {path}: {name}: '{key}' muss Slug: Wert sein"
                )
    return today, items


def shown_rate(check: ProgrammeCheck) -> Any:
    """The rate as the eval files write it: number, [min, max], null or {art: %}."""
    rate = check.foerdersatz
    if rate is not None:
        if rate.prozent_max is None or rate.prozent_min == rate.prozent_max:
            return rate.prozent_max
        return [rate.prozent_min, rate.prozent_max]
    shares = {
        a.art: a.prozent if a.prozent_min in (None, a.prozent) else [a.prozent_min, a.prozent]
        for a in check.weitere
        if a.prozent is not None and a.art in ("Zuschussanteil", "Bürgschaft")
    }
    return shares or None


def shown_amount(check: ProgrammeCheck) -> Any:
    """The indicative amount: grant/tax amount, or {art: €} of the other kinds, or null."""
    if check.foerdersatz is not None or check.betrag is not None:
        value = check.betrag.betrag_eur if check.betrag else None
        return None if value is None else round(value)
    other = {a.art: round(a.betrag_eur) for a in check.weitere if a.betrag_eur is not None}
    return other or None


def _same(kind: str, want: Any, got: Any) -> bool:
    if kind == "satz" and isinstance(want, int | float) and isinstance(got, list):
        return got[1] == want  # a number expects the upper end of a shown range
    if isinstance(want, dict) and isinstance(got, dict):
        return {k: got.get(k) for k in want} == want
    return got == want


def _actual(kind: str, check: ProgrammeCheck) -> Any:
    if kind == "satz":
        return shown_rate(check)
    if kind == "betrag":
        return shown_amount(check)
    figure = check.betrag or check.foerdersatz
    return figure.bezug if figure else None


def evaluate_check_profiles(
    path: Path,
    programmes: Sequence[Programme],
    gazetteer: Gazetteer,
) -> dict[str, Any]:
    """Run every profile on the file's ``stichtag``; compare verdicts and figures."""
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
                    "art": "urteil",
                    "programm": slug,
                    "erwartet": expected,
                    "ist": actual,
                    "ok": actual == expected and slug in slugs,
                    "gruende": why,
                }
            )
        for kind in ("satz", "betrag", "bezug"):
            for slug, expected in (item.get(f"erwartet_{kind}") or {}).items():
                got = result.get(slug)
                actual = _actual(kind, got) if got else "unbekanntes Programm"
                figure = (got.foerdersatz or got.betrag) if got else None
                checks.append(
                    {
                        "art": kind,
                        "programm": slug,
                        "erwartet": expected,
                        "ist": actual,
                        "ok": got is not None and _same(kind, expected, actual),
                        "gruende": figure.text if figure else "",
                    }
                )
        split = "holdout" if item.get("holdout") else "dev"
        rows.append({"id": item.get("id") or f"#{i}", "split": split, "checks": checks})
    total = sum(len(r["checks"]) for r in rows)
    passed = sum(c["ok"] for r in rows for c in r["checks"])
    return {
        "stichtag": today.isoformat(),
        "profile": len(rows),
        "erwartungen": total,
        "bestanden": passed,
        "quote": round(passed / total, 4) if total else 0.0,
        "nach_art": _counts(rows, None),
        "teile": {s: _counts(rows, s) for s in SPLITS if any(r["split"] == s for r in rows)},
        "rows": rows,
    }


def _counts(rows: list[dict[str, Any]], split: str | None) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for row in rows:
        if split is not None and row["split"] != split:
            continue
        for c in row["checks"]:
            ok_total = out.setdefault(c["art"], [0, 0])
            ok_total[0] += c["ok"]
            ok_total[1] += 1
    return out


def evaluate_check_file(version: IndexVersion, path: Path, gazetteer: Gazetteer) -> dict[str, Any]:
    """``evaluate_check_profiles`` over the programmes of an index version."""
    return evaluate_check_profiles(path, programmes_from_index(version), gazetteer)


LABELS = {"urteil": "Urteile", "satz": "Sätze", "betrag": "Beträge", "bezug": "Bezug"}


def _summary(counts: dict[str, list[int]]) -> str:
    return ", ".join(f"{LABELS[k]} {c[0]}/{c[1]}" for k, c in counts.items())


def report_lines(result: dict[str, Any], path: Path) -> list[str]:
    """The failed expectations and a summary (overall, per kind, dev/holdout), in German."""
    lines = [
        f"[FEHLER] {row['id']}: {c['programm']} {LABELS[c['art']]}: erwartet "
        f"„{c['erwartet']}“, ist „{c['ist']}“ – {c['gruende']}"
        for row in result["rows"]
        for c in row["checks"]
        if not c["ok"]
    ]
    lines.append(
        f"Projekt-Check {path}: {result['profile']} Profile, {result['erwartungen']} "
        f"Erwartungen, {result['bestanden']} bestanden ({result['quote']:.0%}), "
        f"Stichtag {result['stichtag']}"
    )
    lines.append("  gesamt: " + _summary(result["nach_art"]))
    for split, counts in result["teile"].items():
        if len(result["teile"]) > 1:
            lines.append(f"  {split}: " + _summary(counts))
    return lines
