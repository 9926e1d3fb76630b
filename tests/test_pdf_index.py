"""PDF extraction inside index builds: OCR options from the settings, the OCR cache under the
index directory (reused without the engine, pruned after publish), the report per document."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FakeEmbedder
from pdf_samples import GERMAN_PAGE, HAS_TESSERACT, NO_TESSERACT, scan_of, text_pdf

from foerderberater.advisor import Advisor
from foerderberater.core.errors import ConfigError, DocumentNotFoundError
from foerderberater.core.settings import Settings
from foerderberater.index.builder import BuildProgress, build_index
from foerderberater.index.pdf.ocr_cache import CACHE_DIR_NAME, pdf_sha256


def _scan(tmp_path: Path, font_path: Path, name: str = "richtlinie-scan.pdf") -> Path:
    text = text_pdf(tmp_path / "vorlage.pdf", font_path, [GERMAN_PAGE])
    return scan_of(text, tmp_path / name, dpi=200)


def test_near_identical_pages_pdf_is_indexed_not_reported_as_scan(
    make_settings: Callable[..., Settings], fake: FakeEmbedder, font_path: Path
) -> None:
    settings = make_settings()
    lines = [
        "Stadt Leipzig – Amtsblatt",
        "Bekanntmachung",
        "Förderaufruf Wärmenetze 2025",
        "Anträge bis 31. März 2026 an das Amt für Umweltschutz",
    ]
    text_pdf(settings.corpus_dir / "aushang.pdf", font_path, [lines, lines, lines])
    report = build_index(settings, fake)
    assert report.documents == 1 and not report.skipped and report.pages == 3
    record = Advisor(settings, embedder=fake).version.docs["aushang.pdf"]
    assert record.meta.ocr is None and record.meta.ocr_seiten == ()
    pages = (record.meta.extraktion or {})["pages"]
    assert [p["source"] for p in pages] == ["text"] * 3


def test_ocr_switched_off_reports_the_scan(
    make_settings: Callable[..., Settings], fake: FakeEmbedder, font_path: Path, tmp_path: Path
) -> None:
    settings = Settings.from_env(
        {"FOERDERBERATER_OCR": "0"}, **make_settings().model_dump(exclude={"ocr"})
    )
    assert settings.ocr is False
    shutil.copy(_scan(tmp_path, font_path), settings.corpus_dir / "scan.pdf")
    (settings.corpus_dir / "notiz.md").write_text("# Notiz\n\nEin kurzer Text über Wärmenetze.")
    report = build_index(settings, fake)
    assert [(s.path, s.reason) for s in report.skipped] == [
        (
            "scan.pdf",
            "kein Textlayer, OCR nötig (gescannte PDF ohne Text) – Texterkennung abgeschaltet "
            "(FOERDERBERATER_OCR=0)",
        )
    ]


@pytest.mark.parametrize(
    ("values", "field"),
    [({"ocr_dpi": 20}, "ocr_dpi"), ({"ocr_languages": "deu; rm -rf"}, "ocr_languages")],
)
def test_ocr_settings_are_validated(values: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings(**values)
    assert info.value.field == field


@pytest.mark.integration  # runs tesseract
@pytest.mark.skipif(not HAS_TESSERACT, reason=NO_TESSERACT)
def test_ocr_cache_is_reused_without_the_engine_and_pruned(
    make_settings: Callable[..., Settings],
    fake: FakeEmbedder,
    font_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = make_settings()
    scan = shutil.copy(_scan(tmp_path, font_path), settings.corpus_dir / "scan.pdf")
    seen: list[BuildProgress] = []
    report = build_index(settings, fake, progress=seen.append)
    assert report.documents == 1 and not report.skipped
    ocr = [p for p in seen if p.stage == "ocr"]  # the page tesseract reads is reported
    assert [(p.done, p.total, p.detail) for p in ocr] == [
        (1, 1, "scan.pdf: Seite 1 (1 von 1 ohne Textlayer)")
    ]
    cache_file = settings.index_dir / CACHE_DIR_NAME / f"{pdf_sha256(Path(scan))}.json"
    assert cache_file.is_file()
    meta = Advisor(settings, embedder=fake).version.docs["scan.pdf"].meta
    assert meta.ocr is True and meta.ocr_seiten == (1,) and meta.ocr_confidence > 0.9
    assert meta.extraktion["ocr_cached_pages"] == 0

    # a changed sidecar re-reads the PDF: the OCR comes from the cache, no engine needed
    monkeypatch.setenv("PATH", str(tmp_path / "leer"))
    Path(scan).with_suffix(".yaml").write_text('titel: "Richtlinie (Scan)"\n', "utf-8")
    seen.clear()
    report = build_index(settings, fake, progress=seen.append)
    assert report.changed == ("scan.pdf",) and not report.skipped
    assert not [p for p in seen if p.stage == "ocr"]  # from the cache: nothing to report
    advisor = Advisor(settings, embedder=fake)
    record = advisor.version.docs["scan.pdf"]
    assert record.title == "Richtlinie (Scan)" and record.meta.extraktion["ocr_cached_pages"] == 1
    doc = advisor.document("scan")
    assert doc.ocr_pages == (1,) and "1 aus dem Zwischenspeicher" in doc.text()
    assert "Sächsischen Aufbaubank" in advisor.page_text("scan", 1)

    # the PDF leaves the corpus: its cached OCR goes after the next publish
    Path(scan).unlink()
    Path(scan).with_suffix(".yaml").unlink()
    (settings.corpus_dir / "notiz.md").write_text("# Notiz\n\nEin kurzer Text über Wärmenetze.")
    build_index(settings, fake)
    assert not cache_file.exists() and cache_file.parent.is_dir()


def test_document_report_names_the_document_by_slug_or_path(
    make_settings: Callable[..., Settings], fake: FakeEmbedder, make_pdf: Callable[..., Path]
) -> None:
    settings = make_settings()
    make_pdf(settings.corpus_dir / "studien" / "seethermie.pdf")
    make_pdf(settings.corpus_dir / "a" / "bericht.pdf")
    make_pdf(settings.corpus_dir / "b" / "bericht.pdf")
    built = build_index(settings, fake)
    assert [s.path for s in built.skipped] == ["b/bericht.pdf"]  # doc_ids (stems) are unique
    advisor = Advisor(settings, embedder=fake)
    report = advisor.document("seethermie")
    assert report.doc_id == "studien/seethermie.pdf" and report.pages == 3
    assert report.report is not None and report.report.chunks == report.chunks > 0
    assert advisor.document("studien/seethermie.pdf").slug == "seethermie"
    assert advisor.document("bericht").doc_id == "a/bericht.pdf"
    with pytest.raises(DocumentNotFoundError, match="none") as info:
        advisor.document("b/bericht.pdf")
    assert not info.value.ambiguous
    with pytest.raises(DocumentNotFoundError, match="none"):
        advisor.document("gibt-es-nicht")
    preview = advisor.page_text("seethermie", 1)
    assert preview.startswith("Seite 1 von 3 – studien/seethermie.pdf")
