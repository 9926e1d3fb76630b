"""Does ``dateparser`` add anything on top of the rule-based German start dates?

Compares, on (a) the dev texts of eval/check_freetext.yaml (fields ``beginn`` and ``gestartet``;
the holdout is never used for this decision) and (b) a list of further start phrases written
here, three variants: the rules alone (profile/dates.py), dateparser alone
(``search_dates``, German, relative to the Stichtag, future preferred) and the rules with
dateparser as a fallback when the rules find no date. Also times dateparser's import and a call.

Usage: pip install dateparser && python tools/dateparser_ablation.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from foerderberater.profile.dates import find_start  # noqa: E402

TODAY = dt.date(2026, 11, 25)
# phrase -> expected start (conventions of eval/check_freetext.yaml; None: no start date)
PHRASES = {
    "Wir wollen im dritten Quartal 2027 starten.": "2027-07-01",
    "Projektbeginn Q3/2027": "2027-07-01",
    "Start ab 07/2027": "2027-07-01",
    "Beginn zum 15. März 2027": "2027-03-15",
    "Los geht es am 1. Juli 2027.": "2027-07-01",
    "Geplant ist der 01.02.2027.": "2027-02-01",
    "Wir beginnen im März 2027.": "2027-03-01",
    "Start Ende 2027": "2027-10-01",
    "frühestens 2028": "2028-01-01",
    "Baubeginn kommenden Herbst": "2027-09-01",
    "Wir starten nächstes Jahr.": "2027-01-01",
    "Umsetzung übernächstes Jahr": "2028-01-01",
    "Start nächsten Monat": "2026-12-01",
    "Wir fangen in zwei Monaten an.": "2027-01-25",
    "Beginn Anfang nächsten Jahres": "2027-01-01",
    "im Sommer 2027": "2027-06-01",
    "ab Januar": "2027-01-01",
    "Die Firma wurde 2019 gegründet und hat 40 Mitarbeiter.": None,
    "Wir suchen einen Zuschuss für eine neue Halle.": None,
    "Wir sind seit 1998 am Markt.": None,
}


def rules(text: str) -> str | None:
    day = find_start(text, TODAY).beginn
    return day.isoformat() if day else None


def dateparser_date(text: str) -> str | None:
    from dateparser.search import search_dates

    found = search_dates(
        text,
        languages=["de"],
        settings={
            "RELATIVE_BASE": dt.datetime.combine(TODAY, dt.time()),
            "PREFER_DATES_FROM": "future",
            "PREFER_DAY_OF_MONTH": "first",
        },
    )
    return found[0][1].date().isoformat() if found else None


def combined(text: str) -> str | None:
    return rules(text) or dateparser_date(text)


def score(cases: list[tuple[str, str | None]]) -> dict[str, int]:
    out = {}
    for name, fn in (("Regeln", rules), ("dateparser", dateparser_date), ("beide", combined)):
        out[name] = sum(fn(text) == want for text, want in cases)
    return out


def main() -> int:
    try:
        started = time.perf_counter()
        import dateparser.search  # noqa: F401

        load = time.perf_counter() - started
    except ImportError:
        print("dateparser ist nicht installiert: pip install dateparser", file=sys.stderr)
        return 2
    data = yaml.safe_load((ROOT / "eval" / "check_freetext.yaml").read_text("utf-8"))
    dev = [
        (item["text"], item["erwartet"].get("beginn"))
        for item in data["texte"]
        if not item.get("holdout") and "beginn" in item["erwartet"]
    ]
    extra = list(PHRASES.items())
    timings = []
    for text, _ in extra:
        t0 = time.perf_counter()
        dateparser_date(text)
        timings.append(time.perf_counter() - t0)
    print(f"dev-Texte mit beginn: {len(dev)} – richtig: {score(dev)}")
    print(f"weitere Formulierungen: {len(extra)} – richtig: {score(extra)}")
    for text, want in extra:
        got = (rules(text), dateparser_date(text))
        if got[0] != want or got[1] != want:
            print(f"  {text!r}: erwartet {want}, Regeln {got[0]}, dateparser {got[1]}")
    per_text = statistics.median(timings) * 1000
    print(f"dateparser: Import {load:.2f} s, Median je Text {per_text:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
