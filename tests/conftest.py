"""Shared fixtures: the real e5 embedder, a deterministic fake embedder, PDFs made with fpdf2,
tiny corpora, the starter corpus indexed with the fake embedder, a CLI runner."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from foerderberater.core.schema import ProgrammeMeta
from foerderberater.core.settings import Settings
from foerderberater.index.builder import build_index
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


def programme_meta(**overrides: Any) -> ProgrammeMeta:
    """Validated metadata of a test programme: ``VALID_PROGRAMME`` with ``overrides``."""
    return ProgrammeMeta.model_validate({**VALID_PROGRAMME, **overrides})


PROGRAMME_BODY = (
    "## Kurzbeschreibung\n\n"
    "Das Programm fördert den Neubau und die Erweiterung kommunaler Wärmenetze mit einem "
    "Zuschuss von bis zu 40 Prozent der förderfähigen Ausgaben.\n\n"
    "## Wer wird gefördert\n\n"
    "Antragsberechtigt sind kleine und mittlere Unternehmen sowie Kommunen in Sachsen.\n"
)


class FakeEmbedder:
    """Deterministic stand-in for e5 behind the ``Embedder`` protocol (fast unit tests).

    A text becomes the normalised sum of signed hashed features: its folded words and their
    character trigrams. Texts sharing words or word parts get a high cosine, so retrieval,
    filters and incremental builds behave like with a real model, without loading one. Token
    counts approximate a subword tokenizer (one token per started 4 characters of a word, one
    per punctuation mark, two special tokens).
    """

    name = "fake-hash-384"
    dim = 384
    query_prefix = "query: "
    passage_prefix = "passage: "
    max_tokens = 512
    _WORD = re.compile(r"\w+", re.UNICODE)
    _TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)

    def __init__(self) -> None:
        self._slots: dict[str, tuple[int, float]] = {}

    def _slot(self, feature: str) -> tuple[int, float]:
        slot = self._slots.get(feature)
        if slot is None:
            digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
            value = int.from_bytes(digest, "little")
            slot = self._slots[feature] = (value % self.dim, 1.0 if value >> 63 else -1.0)
        return slot

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        folded = unicodedata.normalize("NFC", text).casefold()
        for word in self._WORD.findall(folded):
            index, sign = self._slot("w:" + word)
            vec[index] += sign
            padded = f"<{word}>"
            for i in range(len(padded) - 2):
                index, sign = self._slot("t:" + padded[i : i + 3])
                vec[index] += 0.5 * sign
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def count_tokens(self, text: str) -> int:
        return 2 + sum(1 + (len(tok) - 1) // 4 for tok in self._TOKEN.findall(text))


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


@pytest.fixture(scope="session")
def fake() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def counting(fake: FakeEmbedder) -> CountingEmbedder:
    """Counts what the (fake) embedder embeds: incremental builds embed only what changed."""
    return CountingEmbedder(fake)


@pytest.fixture(scope="session")
def starter_index(tmp_path_factory: pytest.TempPathFactory, fake: FakeEmbedder) -> Settings:
    """The bundled starter corpus indexed with the fake embedder (metadata, texts, BM25)."""
    index_dir = tmp_path_factory.mktemp("starter-fake") / "index"
    settings = Settings(corpus_dir=PROJECT_ROOT / "corpus", index_dir=index_dir)
    report = build_index(settings, fake)
    assert not report.skipped, report.skipped
    return settings


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
