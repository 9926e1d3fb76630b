"""Shared fixtures: the real e5 embedder, PDFs made with fpdf2, tiny corpora, a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from foerderberater.core.settings import Settings
from foerderberater.index.embedding import E5Embedder

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FONT_CANDIDATES = (
    PROJECT_ROOT / "tools" / "fonts" / "DejaVuSans.ttf",
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)

# A three-page study with a running header and footer, a hyphenated word, a real hyphenated
# compound across a line end, a soft hyphen and a decomposed umlaut (NFD).
STUDY_HEADER = "Seethermie-Studie Geiseltal – Strukturwandel im Revier"
STUDY_PAGES: tuple[tuple[str, ...], ...] = (
    (
        "1. Einleitung",
        "Das Förder-",
        "programm unterstützt Kommunen in Sachsen-",
        "Anhalt beim Umbau der Wärme\u00adversorgung.",
        "Die Studie prüft, ob der Geiseltalsee als Wärmequelle dient (M\u0075\u0308cheln).",
    ),
    (
        "2. Ergebnisse",
        "Eine Großwärmepumpe entzieht dem Seewasser im Winter Energie für das",
        "Wärmenetz der Stadt Braunsbedra. Die Seethermie deckt rund 40 Prozent",
        "des jährlichen Wärmebedarfs der angeschlossenen Gebäude.",
    ),
    (
        "3. Fazit",
        "Für die Umsetzung empfiehlt die Studie eine Projektgesellschaft mit",
        "Beteiligung der Stadtwerke und einen Förderantrag bis Ende 2026.",
    ),
)

VALID_PROGRAMME: dict[str, Any] = {
    "titel": "Wärmenetz-Förderung Mitteldeutschland",
    "kurzname": "WNF",
    "foerdergeber": "Testministerium für Wärme",
    "antragsstelle": "Sächsische Aufbaubank",
    "foerderart": ["Zuschuss"],
    "foerdergebiet": ["Sachsen", "Sachsen-Anhalt"],
    "foerderberechtigte": ["KMU", "Kommunen"],
    "vorhabenart": ["Investition", "Energieeffizienz"],
    "technologiefelder": ["Wärmenetze", "Seethermie"],
    "antragsfrist": "laufend",
    "stand": "2025-06-05",
    "quellen": ["https://example.org/waermenetz"],
}
PROGRAMME_BODY = (
    "## Kurzbeschreibung\n\n"
    "Das Programm fördert den Neubau und die Erweiterung kommunaler Wärmenetze mit einem "
    "Zuschuss von bis zu 40 Prozent der förderfähigen Ausgaben.\n\n"
    "## Wer wird gefördert\n\n"
    "Antragsberechtigt sind kleine und mittlere Unternehmen sowie Kommunen in Sachsen.\n"
)


class CountingEmbedder:
    """Wraps a real embedder and records every passage it embeds (nothing is faked)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0
        self.passages: list[str] = []

    def __getattr__(self, name: str) -> Any:  # name, dim, prefixes, count_tokens, embed_query
        return getattr(self.inner, name)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.passages.extend(texts)
        return self.inner.embed_passages(texts)

    def reset(self) -> None:
        self.calls = 0
        self.passages.clear()


@pytest.fixture(scope="session")
def e5() -> E5Embedder:
    return E5Embedder()


@pytest.fixture
def counting(e5: E5Embedder) -> CountingEmbedder:
    return CountingEmbedder(e5)


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a corpus/index below tmp_path with small chunks (fast embedding)."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "corpus_dir": tmp_path / "corpus",
            "index_dir": tmp_path / "index",
            "chunk_tokens": 64,
            "chunk_overlap_tokens": 8,
        }
        values.update(overrides)
        Path(values["corpus_dir"]).mkdir(parents=True, exist_ok=True)
        return Settings(**values)

    return make


@pytest.fixture(scope="session")
def font_path() -> Path:
    for candidate in FONT_CANDIDATES:
        if candidate.is_file():
            return candidate
    pytest.skip(
        "keine Unicode-TTF-Schrift gefunden (tools/fonts/DejaVuSans.ttf oder "
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf) – PDF-Tests übersprungen"
    )


@pytest.fixture(scope="session")
def make_pdf(font_path: Path) -> Callable[..., Path]:
    """Write a text PDF: one line per entry, running header and "Seite n von m" footer."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    def make(
        path: Path,
        pages: Sequence[Sequence[str]] = STUDY_PAGES,
        *,
        header: str | None = STUDY_HEADER,
        footer: bool = True,
        title: str | None = None,
    ) -> Path:
        class _PDF(FPDF):
            def header(self) -> None:
                if header:
                    self.set_font("dejavu", size=9)
                    self.cell(0, 6, header, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                    self.ln(4)

            def footer(self) -> None:
                if footer:
                    self.set_y(-15)
                    self.set_font("dejavu", size=9)
                    self.cell(0, 6, f"Seite {self.page_no()} von {{nb}}", align="C")

        pdf = _PDF()
        pdf.add_font("dejavu", fname=str(font_path))
        if title:
            pdf.set_title(title)
        for lines in pages:
            pdf.add_page()
            pdf.set_font("dejavu", size=11)
            for line in lines:
                pdf.cell(0, 7, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        path.parent.mkdir(parents=True, exist_ok=True)
        pdf.output(str(path))
        return path

    return make


@pytest.fixture(scope="session")
def make_scanned_pdf() -> Callable[[Path], Path]:
    """An image-only PDF (like a scan): two pages with a picture, no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    def make(path: Path) -> Path:
        image = Image.new("RGB", (600, 800), "white")
        draw = ImageDraw.Draw(image)
        for y in range(60, 760, 28):
            draw.rectangle((50, y, 100 + (y * 7) % 450, y + 12), fill="black")
        pdf = FPDF()
        for _ in range(2):
            pdf.add_page()
            pdf.image(image, x=10, y=10, w=190)
        path.parent.mkdir(parents=True, exist_ok=True)
        pdf.output(str(path))
        return path

    return make


def front_matter_md(meta: dict[str, Any], body: str = PROGRAMME_BODY) -> str:
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body


@pytest.fixture(scope="session")
def programme_md() -> Callable[..., str]:
    """Markdown text of a valid programme; ``overrides`` replace keys, ``drop`` removes keys."""

    def make(
        overrides: dict[str, Any] | None = None,
        drop: Sequence[str] = (),
        body: str = PROGRAMME_BODY,
    ) -> str:
        meta = {k: v for k, v in VALID_PROGRAMME.items() if k not in drop}
        meta.update(overrides or {})
        return front_matter_md(meta, body)

    return make


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m foerderberater`` in a subprocess with a clean FOERDERBERATER_* env."""

    def run(
        *args: str, env: dict[str, str] | None = None, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "foerderberater", *args],
            env=cli_env(env),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOERDERBERATER_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


@pytest.fixture(scope="session")
def clean_env() -> Callable[..., dict[str, str]]:
    """``clean_env({"FOERDERBERATER_X": ...})``: os.environ without inherited FOERDERBERATER_*."""
    return cli_env
