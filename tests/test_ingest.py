"""Reading corpus files: PDFs (fpdf2-made), Markdown with front matter, plain text, bad input."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter

from foerderberater.core.errors import FrontMatterError, IngestError
from foerderberater.core.schema import ProgrammeMeta, StudyMeta, TextMeta, load_meta
from foerderberater.index.ingest import discover, file_sha256, load_document, split_front_matter

# --------------------------------------------------------------------------- PDF


def test_pdf_running_lines_hyphenation_soft_hyphen_nfc(
    tmp_path: Path, make_pdf: Callable[..., Path]
) -> None:
    path = make_pdf(tmp_path / "studien" / "seethermie.pdf", title="Seethermie am Geiseltalsee")
    raw = [p.extract_text() for p in PdfReader(str(path)).pages]
    # preconditions: the raw text layer really has what ingestion must clean up
    assert all("Seethermie-Studie Geiseltal" in r and "von 3" in r for r in raw)
    assert "Förder-\nprogramm" in raw[0] and "\u00ad" in raw[0] and "\u0308" in raw[0]

    doc = load_document(path, tmp_path)
    assert doc.doc_id == "studien/seethermie.pdf" and doc.slug == "seethermie"
    assert doc.title == "Seethermie am Geiseltalsee"
    assert doc.kind == "Studie" and doc.meta.seiten == 3
    assert [p.number for p in doc.pages] == [1, 2, 3] and doc.has_pages
    text = "\n".join(p.text for p in doc.pages)
    assert "Seethermie-Studie Geiseltal" not in text  # running header gone
    assert "Seite" not in text and "von 3" not in text  # running footer gone
    assert "Förderprogramm" in doc.pages[0].text
    assert "Sachsen-Anhalt" in doc.pages[0].text
    assert "Wärmeversorgung" in doc.pages[0].text and "\u00ad" not in text
    assert "Mücheln" in doc.pages[0].text and unicodedata.is_normalized("NFC", text)
    assert doc.pages[1].text.startswith("2. Ergebnisse") and "Braunsbedra" in doc.pages[1].text
    assert doc.pages[2].text.startswith("3. Fazit")


def test_pdf_title_falls_back_to_first_line_and_sidecar_metadata(
    tmp_path: Path, make_pdf: Callable[..., Path]
) -> None:
    path = make_pdf(tmp_path / "studie.pdf")
    assert load_document(path, tmp_path).title == "1. Einleitung"
    path.with_suffix(".yaml").write_text(
        "titel: Seethermie im Geiseltal\njahr: 2024\nautoren: [A. Muster]\n"
        "herausgeber: Testinstitut\nveroeffentlicht: 2024-03-01\n",
        encoding="utf-8",
    )
    doc = load_document(path, tmp_path)
    assert doc.title == "Seethermie im Geiseltal"
    assert isinstance(doc.meta, StudyMeta) and doc.meta.jahr == 2024
    assert doc.meta.autoren == ("A. Muster",)
    assert doc.meta.model_extra == {  # unknown keys kept, dates made JSON-safe
        "herausgeber": "Testinstitut",
        "veroeffentlicht": "2024-03-01",
    }


def test_pdf_title_skips_letterhead_lines(tmp_path: Path, make_pdf: Callable[..., Path]) -> None:
    lines = [
        "Telefon: 0341 123-45",
        "Tel. 0341 123-46",
        "Datum: 01.02.2025",
        "Bericht zur kommunalen Wärmeplanung",
        "Die Stadt prüft den Anschluss an das Fernwärmenetz.",
    ]
    path = make_pdf(tmp_path / "brief.pdf", [lines], header=None, footer=False)
    assert load_document(path, tmp_path).title == "Bericht zur kommunalen Wärmeplanung"


def test_sidecar_changes_the_file_hash(tmp_path: Path, make_pdf: Callable[..., Path]) -> None:
    path = make_pdf(tmp_path / "studie.pdf")
    before = file_sha256(path)
    path.with_suffix(".yaml").write_text("titel: Neu\n", encoding="utf-8")
    assert file_sha256(path) != before


def test_broken_sidecar_is_reported(tmp_path: Path, make_pdf: Callable[..., Path]) -> None:
    path = make_pdf(tmp_path / "studie.pdf")
    path.with_suffix(".yaml").write_text("titel: [offen\n", encoding="utf-8")
    with pytest.raises(FrontMatterError, match="studie.yaml"):
        load_document(path, tmp_path)


# --------------------------------------------------------------------------- Markdown / text


def test_valid_programme_front_matter(tmp_path: Path, programme_md: Callable[..., str]) -> None:
    path = tmp_path / "programme" / "waermenetz.md"
    path.parent.mkdir()
    text = programme_md(
        {
            "stand": "2025-06-05",
            "antragsfrist": "2026-03-31",
            "foerdersatz_max_prozent": 40,
            "foerdersatz_nach_groesse": {"klein": 40, "mittel": 30, "gross": 20},
            "interne_notiz": "bitte jährlich prüfen",
            "termine": ["2025-01-15", "2025-07-15"],
            "kontakt": {"name": "Frau Muster", "seit": "2020-01-01"},
        }
    )
    # unquoted YAML dates everywhere (top level, in a list, in a mapping)
    text = text.replace("'2025-06-05'", "2025-06-05").replace("'2026-03-31'", "2026-03-31")
    text = text.replace("'2025-01-15'", "2025-01-15").replace("'2020-01-01'", "2020-01-01")
    path.write_text(text, encoding="utf-8")
    doc = load_document(path, tmp_path)
    assert doc.kind == "Programm" and doc.slug == "waermenetz"
    assert doc.doc_id == "programme/waermenetz.md"
    assert doc.title == "Wärmenetz-Förderung Mitteldeutschland"
    assert doc.pages[0].number == 0 and not doc.has_pages
    assert doc.pages[0].text.startswith("## Kurzbeschreibung")
    assert "titel:" not in doc.pages[0].text
    meta = doc.meta
    assert isinstance(meta, ProgrammeMeta)
    assert meta.stand == dt.date(2025, 6, 5) and meta.antragsfrist == dt.date(2026, 3, 31)
    assert meta.foerdergebiet == ("Sachsen", "Sachsen-Anhalt")
    assert meta.foerdersatz_nach_groesse == {"klein": 40, "mittel": 30, "gross": 20}
    assert meta.dokumenttyp == "Programm"
    assert meta.interne_notiz == "bitte jährlich prüfen"  # unknown keys are kept
    assert meta.termine == ["2025-01-15", "2025-07-15"]
    assert meta.kontakt == {"name": "Frau Muster", "seit": "2020-01-01"}
    stored = json.loads(json.dumps(meta.to_json()))  # the store writes metadata as JSON
    assert stored["stand"] == "2025-06-05" and stored["kontakt"]["seit"] == "2020-01-01"
    assert load_meta(stored, "test") == meta


def test_front_matter_with_crlf_line_endings(
    tmp_path: Path, programme_md: Callable[..., str]
) -> None:
    path = tmp_path / "windows.md"
    path.write_bytes(programme_md().replace("\n", "\r\n").encode("utf-8"))
    doc = load_document(path, tmp_path)
    assert doc.kind == "Programm" and doc.meta.kurzname == "WNF"
    assert "\r" not in doc.pages[0].text


def test_markdown_and_text_without_front_matter(tmp_path: Path) -> None:
    md = tmp_path / "notiz.md"
    md.write_text(
        "# Revierfonds " + unicodedata.normalize("NFD", "Thüringen") + "\n\nDer Fonds "
        "unterstützt Gründungen im Altenburger Land.\n",
        encoding="utf-8",
    )
    doc = load_document(md, tmp_path)
    assert doc.title == "Revierfonds Thüringen" and unicodedata.is_normalized("NFC", doc.title)
    assert doc.kind == "Text" and doc.meta == TextMeta()
    assert "Altenburger Land" in doc.pages[0].text

    txt = tmp_path / "hinweise.txt"
    txt.write_text("\ufeffHinweise zur Antragstellung im Mitteldeutschen Revier.\n", "utf-8")
    doc = load_document(txt, tmp_path)
    assert doc.title == "hinweise" and doc.kind == "Text"
    assert doc.pages[0].text == "Hinweise zur Antragstellung im Mitteldeutschen Revier."


def test_text_file_with_dashes_is_not_front_matter(tmp_path: Path) -> None:
    txt = tmp_path / "liste.txt"
    txt.write_text("---\nkein: yaml hier\n---\nDies ist ein ganz normaler Text.\n", "utf-8")
    doc = load_document(txt, tmp_path)
    assert "kein: yaml hier" in doc.pages[0].text


def test_study_markdown_with_front_matter_is_not_a_programme(tmp_path: Path) -> None:
    path = tmp_path / "studie.md"
    path.write_text(
        "---\ntitel: Fachkräfte im Revier\ndokumenttyp: Studie\njahr: 2025\n---\n"
        "Die Studie beschreibt den Fachkräftebedarf bis 2030.\n",
        encoding="utf-8",
    )
    doc = load_document(path, tmp_path)
    assert doc.kind == "Studie" and doc.title == "Fachkräfte im Revier"
    assert doc.meta.jahr == 2025


SCHEMA_VIOLATIONS: list[tuple[dict[str, Any], str, str]] = [
    ({"foerderart": "Zuschuss"}, "foerderart", "Liste"),
    ({"foerderart": ["Geschenk"]}, "foerderart", "Geschenk"),
    ({"foerdergebiet": ["Bayern"]}, "foerdergebiet", "Bayern"),
    ({"foerderberechtigte": []}, "foerderberechtigte", "Pflichtfeld"),
    ({"vorhabenart": ["Urlaub"]}, "vorhabenart", "Urlaub"),
    ({"technologiefelder": "Wasserstoff"}, "technologiefelder", "Liste"),
    ({"stand": "gestern"}, "stand", "ISO-Datum"),
    ({"antragsfrist": "bald"}, "antragsfrist", "laufend"),
    ({"quellen": ["ftp://example.org/x"]}, "quellen", "URL"),
    ({"url": 123}, "url", "URL"),
    ({"foerdersatz_max_prozent": 150}, "foerdersatz_max_prozent", "100"),
    ({"foerdersatz_max_prozent": "viel"}, "foerdersatz_max_prozent", "Zahl"),
    ({"max_betrag_eur": True}, "max_betrag_eur", "Zahl"),
    ({"nur_kmu": "ja"}, "nur_kmu", "true oder false"),
    ({"dokumenttyp": "Broschüre"}, "dokumenttyp", "Programm"),
    ({"titel": ["a", "b"]}, "titel", "Text"),
    ({"foerdersatz_nach_groesse": {"klein": 120}}, "foerdersatz_nach_groesse.klein", "0–100"),
    ({"foerdersatz_nach_groesse": {"riesig": 10}}, "foerdersatz_nach_groesse", "klein"),
]


@pytest.mark.parametrize(
    ("override", "field", "hint"), SCHEMA_VIOLATIONS, ids=[v[1] for v in SCHEMA_VIOLATIONS]
)
def test_schema_violation_names_file_and_field(
    tmp_path: Path,
    programme_md: Callable[..., str],
    override: dict[str, Any],
    field: str,
    hint: str,
) -> None:
    path = tmp_path / "programme" / "kaputt.md"
    path.parent.mkdir()
    path.write_text(programme_md(override), encoding="utf-8")
    with pytest.raises(FrontMatterError) as info:
        load_document(path, tmp_path)
    err = info.value
    assert err.path == "programme/kaputt.md"
    assert "programme/kaputt.md" in str(err)
    assert field in err.reason and hint in err.reason, err.reason


def test_missing_required_fields_are_all_named(
    tmp_path: Path, programme_md: Callable[..., str]
) -> None:
    path = tmp_path / "programm.md"
    path.write_text(programme_md(drop=("antragsstelle", "stand")), encoding="utf-8")
    with pytest.raises(FrontMatterError) as info:
        load_document(path, tmp_path)
    assert "Pflichtfeld" in info.value.reason
    assert "antragsstelle" in info.value.reason and "stand" in info.value.reason
    assert info.value.path == "programm.md"


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        ("---\ntitel: [offen\nfoerderart: x\n---\nText genug für ein Dokument.\n", "Zeile"),
        ("---\ntitel: Ohne Ende\nText genug für ein Dokument.\n", "nicht mit '---' abgeschlossen"),
        ("---\n- nur\n- eine Liste\n---\nText genug für ein Dokument.\n", "Schlüssel"),
        ("---\ntitel: 'a\n---\nText genug für ein Dokument.\n", "fehlerhaft"),
    ],
)
def test_broken_yaml_front_matter(tmp_path: Path, raw: str, hint: str) -> None:
    path = tmp_path / "defekt.md"
    path.write_text(raw, encoding="utf-8")
    with pytest.raises(FrontMatterError) as info:
        load_document(path, tmp_path)
    assert info.value.path == "defekt.md" and hint in info.value.reason


def test_yaml_error_reports_line_in_file() -> None:
    raw = "---\ntitel: gut\nkurzname: gut\nfoerderart: [offen\n---\nText\n"
    with pytest.raises(FrontMatterError, match=r"Zeile [4-6]"):
        split_front_matter(raw, "x.md")


# --------------------------------------------------------------------------- bad input


def _encrypted_pdf(src: Path, dst: Path, **kwargs: Any) -> Path:
    writer = PdfWriter(clone_from=str(src))
    writer.encrypt(**kwargs)
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


@pytest.fixture
def bad_files(
    tmp_path: Path, make_pdf: Callable[..., Path], make_scanned_pdf: Callable[[Path], Path]
) -> dict[str, tuple[Path, str]]:
    """Each bad corpus file with a fragment of the reason it must be reported with."""
    good = make_pdf(tmp_path / "src" / "good.pdf")
    data = good.read_bytes()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    files: dict[str, tuple[Path, str]] = {}

    def add(name: str, content: bytes | None, reason: str) -> Path:
        path = corpus / name
        if content is not None:
            path.write_bytes(content)
        files[name] = (path, reason)
        return path

    add("leer.pdf", b"", "leere Datei")
    add("leer.md", b"", "leere Datei")
    add("abgeschnitten.pdf", data[: len(data) // 2], "abgeschnitten")
    add("kein-pdf.pdf", b"Nur ein Text, umbenannt.\n" * 5, "keine PDF-Datei")
    add("bild.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "keine PDF-Datei")
    add("binär.txt", b"\x00\x01\x02" * 50, "Binärdatei")
    add("latin1.txt", "Förderung für Gewerbe in Thüringen".encode("latin-1"), "UTF-8")
    add("kaputt.md", b"---\ntitel: [offen\n---\nText genug fuer ein Dokument.\n", "YAML")
    add("zu-kurz.md", b"# Kurz\n", "kein verwertbarer Text")
    _encrypted_pdf(good, corpus / "passwort.pdf", user_password="geheim", owner_password="o")
    files["passwort.pdf"] = (corpus / "passwort.pdf", "passwort")
    make_scanned_pdf(corpus / "scan.pdf")
    files["scan.pdf"] = (corpus / "scan.pdf", "kein Textlayer")  # black bars: no text
    return files


def test_every_bad_file_gives_a_reason(bad_files: dict[str, tuple[Path, str]]) -> None:
    for name, (path, reason) in bad_files.items():
        with pytest.raises(IngestError) as info:
            load_document(path, path.parent)
        assert name in str(info.value), name
        assert reason.lower() in info.value.reason.lower(), (name, info.value.reason)


def test_owner_password_only_pdf_is_readable(tmp_path: Path, make_pdf: Callable[..., Path]) -> None:
    good = make_pdf(tmp_path / "src" / "good.pdf")
    path = _encrypted_pdf(good, tmp_path / "rechte.pdf", user_password="", owner_password="o")
    assert PdfReader(str(path)).is_encrypted
    doc = load_document(path, tmp_path)
    assert "Förderprogramm" in doc.pages[0].text and len(doc.pages) == 3


def test_discover_skips_hidden_readme_sidecars_and_unknown_types(tmp_path: Path) -> None:
    for name in (
        "a.md",
        "b.txt",
        "c.pdf",
        "c.yaml",
        "README.md",
        "bild.png",
        ".versteckt.md",
        ".git/x.md",
        "sub/d.markdown",
        "sub/E.PDF",
    ):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    assert found == ["a.md", "b.txt", "c.pdf", "sub/E.PDF", "sub/d.markdown"]
