"""≥ 200 German benchmark questions: the gold-set questions plus seeded template variants."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

VORHABEN = [
    "Forschung und Entwicklung",
    "eine neue Produktionshalle",
    "die Digitalisierung unserer Verwaltung",
    "ein Wasserstoffprojekt",
    "eine Photovoltaikanlage auf dem Firmendach",
    "ein Wärmenetz",
    "die Gründung eines Start-ups",
    "die Einstellung von Fachkräften",
    "die Betriebsnachfolge im Handwerk",
    "Energieeffizienz in der Produktion",
    "eine Unternehmensberatung",
    "Beteiligungskapital",
    "eine Bürgschaft für einen Kredit",
    "ein Innovationsprojekt mit einer Hochschule",
    "Maschinen und Anlagen",
    "ein Projekt zur Kreislaufwirtschaft",
    "ein KI-Projekt",
    "Cybersicherheit",
    "ein Seethermie-Projekt",
    "eine Machbarkeitsstudie",
]
ORTE = [
    "Leipzig",
    "Halle",
    "Zeitz",
    "Altenburg",
    "Borna",
    "Merseburg",
    "Weißenfels",
    "Bitterfeld-Wolfen",
    "Jena",
    "Naumburg",
    "Leuna",
    "Delitzsch",
    "Grimma",
    "Dessau",
    "Sachsen",
    "Sachsen-Anhalt",
    "Thüringen",
    "dem Burgenlandkreis",
    "dem Saalekreis",
    "dem Landkreis Leipzig",
]
WER = [
    "ein kleines Unternehmen",
    "ein mittelständischer Betrieb mit 120 Beschäftigten",
    "ein Handwerksbetrieb",
    "ein Start-up",
    "eine Kommune",
    "ein Verein",
    "eine Hochschule",
    "ein Chemieunternehmen",
    "ein Softwarehaus",
    "ein Stadtwerk",
]
TEMPLATES = [
    "Welche Förderung gibt es für {vorhaben} in {ort}?",
    "Wir sind {wer} in {ort} und planen {vorhaben}. Welche Programme passen?",
    "Gibt es Zuschüsse für {vorhaben}?",
    "Welche Kredite oder Darlehen gibt es für {vorhaben} in {ort}?",
    "Wie hoch ist die Förderquote für {vorhaben}, wenn wir {wer} sind?",
    "{vorhaben} in {ort} – wer fördert das?",
    "Kann {wer} Fördermittel für {vorhaben} beantragen?",
    "Was sagen die Studien zum Strukturwandel über {thema}?",
    "Welche Bundesprogramme unterstützen {vorhaben}?",
    "Gibt es ein Landesprogramm in {ort} für {vorhaben}?",
]
THEMEN = [
    "Fachkräfte im Revier",
    "Wasserstoffnetze in Mitteldeutschland",
    "Gewerbeflächen",
    "die Braunkohlewirtschaft",
    "Industriekultur",
    "die Schieneninfrastruktur",
    "Aquiferspeicher",
    "das Handwerk",
    "die Digitalisierung",
    "die Bevölkerung bis 2040",
]


def gold_questions(*paths: Path) -> list[str]:
    out: list[str] = []
    for path in paths:
        data = yaml.safe_load(path.read_text("utf-8"))
        for item in data.get("fragen", data) if isinstance(data, dict) else data:
            out.append(str(item["frage"]))
    return out


def benchmark_questions(n: int = 240, seed: int = 42) -> list[str]:
    """Gold questions first, then template variants until ``n`` distinct questions exist."""
    rng = random.Random(seed)
    questions = list(dict.fromkeys(gold_questions(ROOT / "eval" / "gold.yaml")))
    seen = set(questions)
    while len(questions) < n:
        q = rng.choice(TEMPLATES).format(
            vorhaben=rng.choice(VORHABEN),
            ort=rng.choice(ORTE),
            wer=rng.choice(WER),
            thema=rng.choice(THEMEN),
        )
        q = q[0].upper() + q[1:]
        if q not in seen:
            seen.add(q)
            questions.append(q)
    return questions[:n]


if __name__ == "__main__":
    for q in benchmark_questions():
        print(q)
