"""Corpus consistency: every number of the rate/amount fields stands in the programme text by its
qualifier – for all programmes, and a mutated copy of each structured figure is caught."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from foerderberater.core.errors import FrontMatterError
from foerderberater.evaluation.consistency import FileCheck, check_corpus
from foerderberater.evaluation.numbers import has_number, tokens

ROOT = Path(__file__).resolve().parents[1]
PROGRAMMES = sorted((ROOT / "corpus" / "programme").glob("*.md"))
FIGURES = ("satz_prozent", "betrag_max_eur", "betrag_min_eur", "betrag_eur", "kosten_max_eur")


@pytest.mark.parametrize("path", PROGRAMMES, ids=lambda p: p.stem)
def test_programme_figures_stand_in_the_text(path: Path) -> None:
    assert FileCheck(path).run() == []


def test_numbers_with_units_ranges_and_words() -> None:
    text = "bis 35 % für KMU, 0,5 bis 15 Mio. Euro, 1.750 Euro, weniger als fünf Millionen Euro"
    assert has_number(text, 35, "pct") and not has_number(text, 35, "eur")
    assert has_number(text, 500_000, "eur") and has_number(text, 15_000_000, "eur")
    assert has_number(text, 1750, "eur") and has_number(text, 5_000_000, "eur")
    assert [t.kind for t in tokens("60/50/40 %")] == ["pct", "pct", "pct"]


def _split(path: Path) -> tuple[dict[str, Any], str]:
    m = re.match(r"^---\s*\n(.*?)\n---\s*\n(.*)$", path.read_text("utf-8"), re.S)
    assert m, path
    return yaml.safe_load(m[1]), m[2]


def _mutations(meta: dict[str, Any]) -> list[tuple[str, Any]]:
    """(description, mutated front matter): each figure and size of each entry changed."""
    out = []
    for i, entry in enumerate(meta.get("foerdersaetze") or []):
        changes: list[tuple[str, Any]] = []
        for key in FIGURES:
            if entry.get(key) is not None:
                delta = 5 if key == "satz_prozent" else max(1000, entry[key] * 0.2)
                changes.append((key, entry[key] + delta))
        other = [s for s in ("klein", "mittel", "gross") if s not in (entry.get("groesse") or [])]
        if entry.get("groesse") and other:
            changes.append(("groesse", [other[0]]))
        for key, value in changes:
            mutated = yaml.safe_load(yaml.safe_dump(meta, allow_unicode=True))
            mutated["foerdersaetze"][i][key] = value
            out.append((f"foerdersaetze[{i}].{key}={value}", mutated))
    for i, cond in enumerate(meta.get("bedingungen") or []):
        if cond.get("wert") is not None:
            mutated = yaml.safe_load(yaml.safe_dump(meta, allow_unicode=True))
            mutated["bedingungen"][i]["wert"] = cond["wert"] + 100
            out.append((f"bedingungen[{i}].wert", mutated))
    return out


def test_every_mutated_figure_is_caught(tmp_path: Path) -> None:
    survived, total = [], 0
    for path in PROGRAMMES:
        meta, body = _split(path)
        for what, mutated in _mutations(meta):
            total += 1
            copy = tmp_path / path.name
            front = yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False)
            copy.write_text(f"---\n{front}---\n{body}", "utf-8")
            try:
                errors = FileCheck(copy).run()
            except FrontMatterError:  # e.g. a rate above 100 %: the schema catches it
                errors = ["schema"]
            if not errors:
                survived.append(f"{path.stem}: {what}")
    assert total > 200
    assert not survived


def test_a_quote_that_is_not_in_the_text_and_a_wrong_single_field(tmp_path: Path) -> None:
    meta, body = _split(ROOT / "corpus" / "programme" / "forschungszulage.md")
    meta["foerdersaetze"][0]["beleg"] = "ein Satz, den es nicht gibt"
    meta["foerdersatz_max_prozent"] = 40
    path = tmp_path / "programme" / "forschungszulage.md"
    path.parent.mkdir()
    path.write_text(f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{body}", "utf-8")
    errors = check_corpus(path.parent)["forschungszulage"]
    assert any("nicht wörtlich" in e for e in errors)
    assert any(e.startswith("foerdersatz_max_prozent 40") for e in errors)


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        ({"art": "Geschenk"}, "foerdersaetze[0].art", "nicht erlaubt"),
        ({"farbe": "rot"}, "foerdersaetze[0]", "unbekannte Schlüssel"),
        ({"groesse": ["riesig"]}, "foerdersaetze[0].groesse", "unbekannte Werte"),
        ({"satz_prozent": 120}, "foerdersaetze[0].satz_prozent", "0–100"),
        ({"art": "Darlehen", "bezug": "Jahr"}, "foerdersaetze[0].bezug", "Darlehensanteil"),
    ],
)
def test_schema_errors_name_file_and_entry(change: dict, where: str, message: str) -> None:
    from foerderberater.core.schema import parse_meta

    meta, _ = _split(ROOT / "corpus" / "programme" / "forschungszulage.md")
    meta["foerdersaetze"][0].update(change)
    with pytest.raises(FrontMatterError) as err:
        parse_meta(meta, "programme/forschungszulage.md", "Programm")
    text = str(err.value)
    assert "programme/forschungszulage.md" in text and f"'{where}'" in text and message in text


def test_schema_errors_of_conditions() -> None:
    from foerderberater.core.schema import parse_meta

    meta, _ = _split(ROOT / "corpus" / "programme" / "zim.md")
    meta["bedingungen"][0].pop("wert")
    with pytest.raises(FrontMatterError, match=r"'bedingungen\[0\]'.*braucht wert"):
        parse_meta(meta, "programme/zim.md", "Programm")
    meta["bedingungen"] = [{"typ": "ausgeschlossene_vorhaben", "werte": ["Urlaub"], "beleg": "x"}]
    with pytest.raises(FrontMatterError, match="unbekannte Werte"):
        parse_meta(meta, "programme/zim.md", "Programm")
