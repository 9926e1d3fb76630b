"""The bundled starter corpus: schema of every file, required slugs, reproducible study PDFs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from foerderberater.core.schema import ProgrammeMeta, StudyMeta, parse_meta
from foerderberater.index.ingest import discover, load_document, split_front_matter

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
REQUIRED_PROGRAMMES = [
    "zim",
    "kmu-innovativ",
    "forschungszulage",
    "exist-gruendungsstipendium",
    "exist-forschungstransfer",
    "stark",
    "unternehmen-revier",
    "bew",
    "eew",
    "kfw-erp-foerderkredit-kmu",
    "kfw-270-erneuerbare-energien",
    "klimaschutzvertraege",
    "nip-wasserstoff",
    "fnr-nachwachsende-rohstoffe",
    "invkg",
    "grw-sachsen",
    "grw-sachsen-anhalt",
    "grw-thueringen",
    "jtf-sachsen",
    "jtf-sachsen-anhalt",
    "innopraemie-sachsen",
    "technologiefoerderung-sachsen",
    "thueringen-invest",
    "fti-thueringen",
    "digitalbonus-thueringen",
]
REQUIRED_STUDIES = [
    "technologiefeldanalyse",
    "sozio-oekonomische-perspektive-2040",
    "fachkraefteentwicklung-2025",
    "pfadabhaengigkeiten-braunkohlewirtschaft",
    "digitaler-strukturwandel",
    "seethermie-zwenkauer-see",
    "aquistore",
    "schieneninfrastruktur-dreilaendereck",
    "gewerbeflaechen-potenzialstudie",
    "zukunftsfaktor-handwerk",
    "industriekultur",
    "revierkompass",
]
SECTIONS = [
    "Kurzbeschreibung",
    "Wer wird gefördert",
    "Was wird gefördert",
    "Art und Höhe der Förderung",
    "Voraussetzungen",
    "Antragsverfahren",
    "Hinweise",
]
PROGRAMMES = sorted((CORPUS / "programme").glob("*.md"))


def test_required_slugs_exist() -> None:
    programmes = {p.stem for p in PROGRAMMES}
    studies = {p.stem for p in (CORPUS / "studien").glob("*.pdf")}
    assert not set(REQUIRED_PROGRAMMES) - programmes
    assert not set(REQUIRED_STUDIES) - studies
    assert len(programmes) >= 40


@pytest.mark.parametrize("path", PROGRAMMES, ids=lambda p: p.stem)
def test_programme_schema_and_sections(path: Path) -> None:
    meta, body = split_front_matter(path.read_text(encoding="utf-8"), path.name)
    meta = parse_meta(meta, path.name, "Programm")
    assert isinstance(meta, ProgrammeMeta) and meta.quellen, "mindestens eine Quelle"
    headings = [line[3:].strip() for line in body.splitlines() if line.startswith("## ")]
    assert headings == SECTIONS, f"{path.name}: Abschnitte {headings}"
    slugs = {p.stem for p in PROGRAMMES}
    for key, named in (
        ("kumulierbar_mit", meta.kumulierbar_mit),
        ("nicht_kumulierbar_mit", meta.nicht_kumulierbar_mit),
    ):
        assert set(named) <= slugs, f"{path.name}: {key} nennt unbekannte Slugs"


@pytest.mark.parametrize("path", sorted((CORPUS / "studien").glob("*.yaml")), ids=lambda p: p.stem)
def test_study_sidecar(path: Path) -> None:
    meta = parse_meta(yaml.safe_load(path.read_text("utf-8")), path.name, "Studie")
    assert isinstance(meta, StudyMeta)
    for key in ("titel", "jahr", "auftraggeber", "autoren", "quellen", "stand"):
        assert meta.json_value(key), f"{path.name}: {key} fehlt"
    assert path.with_suffix(".pdf").exists()


def test_every_corpus_file_ingests_without_warnings() -> None:
    files = discover(CORPUS)
    assert len(files) >= 52
    for path in files:
        doc = load_document(path, CORPUS)
        assert sum(len(p.text) for p in doc.pages) > 500, path.name
        if path.suffix == ".pdf":
            assert doc.kind == "Studie"
            assert 2 <= len(doc.pages) <= 6
            assert doc.pages[0].text.count("Zusammenfassung") >= 1
            # running header/footer removed by ingestion
            assert not any("Seite 2 von" in p.text for p in doc.pages)


@pytest.mark.integration
def test_study_pdfs_are_reproducible() -> None:
    pytest.importorskip("pyphen")
    pytest.importorskip("fpdf")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_studien.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.integration
def test_corpus_readme_lists_every_document() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "corpus_readme.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    readme = (CORPUS / "README.md").read_text("utf-8")
    for path in PROGRAMMES + sorted((CORPUS / "studien").glob("*.pdf")):
        assert f"`{path.stem}`" in readme
