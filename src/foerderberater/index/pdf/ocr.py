"""OCR of PDF pages without a text layer: pypdfium2 renders, the tesseract CLI recognises.

Chosen by measurement (see notes/ocr.md): tesseract 5 with Debian's ``deu`` model read a
generated German page back at 100 % / 99.9 % (clean / degraded scan) character accuracy with
~1.1 s CPU per A4 page at 300 dpi, against ~3.9 s for ocrmypdf and ~6 s for rapidocr at the
same accuracy. The engine runs as a subprocess (no Python binding), one thread per call.

Upright pages are recognised once. When the mean word confidence is low, tesseract's
orientation detection (OSD) decides whether a rotated copy is tried; the better result wins.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from foerderberater.core.errors import OcrError, OcrUnavailableError
from foerderberater.core.settings import check_ocr

if TYPE_CHECKING:
    from PIL.Image import Image

INSTALL_HINT = "tools/ensure_ocr.sh installiert tesseract-ocr und tesseract-ocr-deu"


@dataclass(frozen=True)
class OcrOptions:
    languages: str = "deu"  # tesseract language codes joined by '+', e.g. "deu+eng"
    dpi: int = 300
    timeout_s: float = 180.0  # per tesseract call
    retry_below: float = 0.6  # mean confidence below which a rotated reading is tried
    max_pixels: int = 40_000_000  # render budget per page (a 300 dpi A4 page is 8.7 M)
    executable: str = "tesseract"

    def __post_init__(self) -> None:
        check_ocr(self.languages, self.dpi)


@dataclass(frozen=True)
class OcrPage:
    number: int  # 1-based page number in the PDF
    text: str  # lines; paragraphs separated by a blank line
    confidence: float | None  # mean word confidence 0..1, weighted by word length
    rotation: int  # clockwise degrees the rendered page was turned before recognition
    words: int
    seconds: float = 0.0


@dataclass(frozen=True)
class TesseractEngine:
    executable: str
    version: str
    languages: tuple[str, ...]  # installed language data

    @property
    def name(self) -> str:
        return f"tesseract {self.version}"

    @property
    def has_osd(self) -> bool:
        return "osd" in self.languages

    @classmethod
    def detect(cls, options: OcrOptions) -> TesseractEngine:
        """Find the engine and check the language data; raise ``OcrUnavailableError``."""
        exe = shutil.which(options.executable)
        if exe is None:
            raise OcrUnavailableError(f"OCR-Programm tesseract nicht installiert ({INSTALL_HINT})")
        try:
            ver = subprocess.run(
                [exe, "--version"], capture_output=True, text=True, timeout=30, check=False
            )
            langs = subprocess.run(
                [exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OcrUnavailableError(f"tesseract startet nicht ({exc})") from exc
        match = re.search(r"tesseract\s+v?(\d[\w.\-]*)", ver.stdout + ver.stderr)
        installed = tuple(
            line.strip()
            for line in langs.stdout.splitlines()[1:]
            if line.strip() and " " not in line.strip()
        )
        missing = [lang for lang in options.languages.split("+") if lang not in installed]
        if missing:
            packages = ", ".join(f"tesseract-ocr-{m}" for m in missing)
            raise OcrUnavailableError(f"OCR-Sprachdaten fehlen: {packages} ({INSTALL_HINT})")
        return cls(exe, match.group(1) if match else "?", installed)

    # ------------------------------------------------------------------ recognition

    def _run(self, image: Image, args: list[str], timeout: float) -> str:
        buf = io.BytesIO()
        image.save(buf, format="PPM")  # uncompressed PGM/PPM: cheaper than PNG, leptonica reads it
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one thread: faster on a shared machine
        try:
            proc = subprocess.run(
                [self.executable, "stdin", "stdout", *args],
                input=buf.getvalue(),
                capture_output=True,
                timeout=timeout,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise OcrError(f"OCR nach {timeout:.0f} s abgebrochen (Zeitlimit)") from exc
        except OSError as exc:
            raise OcrError(f"tesseract startet nicht ({exc})") from exc
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise OcrError(f"tesseract meldet Fehler: {err[-1] if err else proc.returncode}")
        return proc.stdout.decode("utf-8", "replace")

    def read(self, image: Image, options: OcrOptions) -> tuple[str, float | None, int]:
        """Recognise one upright image: (text, confidence 0..1 or None, word count)."""
        tsv = self._run(
            image,
            ["-l", options.languages, "--psm", "3", "--dpi", str(options.dpi), "tsv"],
            options.timeout_s,
        )
        return parse_tsv(tsv)

    def orientation(self, image: Image, options: OcrOptions) -> tuple[int, float] | None:
        """OSD: (clockwise rotation to apply, confidence), or None when OSD cannot tell."""
        if not self.has_osd:
            return None
        try:
            out = self._run(image, ["--psm", "0", "-l", "osd"], options.timeout_s)
        except OcrError:
            return None  # "Too few characters": no orientation, not a failure of the page
        rotate = re.search(r"Rotate:\s*(\d+)", out)
        conf = re.search(r"Orientation confidence:\s*([\d.]+)", out)
        if not rotate:
            return None
        return int(rotate.group(1)) % 360, float(conf.group(1)) if conf else 0.0

    def recognize(self, image: Image, number: int, options: OcrOptions) -> OcrPage:
        """Read a page; when confidence is low, also try the rotation OSD proposes."""
        t0 = time.perf_counter()
        best = (*self.read(image, options), 0)
        if (best[1] or 0.0) < options.retry_below:
            osd = self.orientation(image, options)
            if osd is not None and osd[0] != 0:
                candidates = [osd[0]]
            elif osd is None and not self.has_osd:
                candidates = [90, 270, 180]
            else:
                candidates = []
            for degrees in candidates:
                text, conf, words = self.read(rotate_clockwise(image, degrees), options)
                if (conf or 0.0) > (best[1] or 0.0):
                    best = (text, conf, words, degrees)
        text, conf, words, degrees = best
        return OcrPage(number, text, conf, degrees, words, time.perf_counter() - t0)


def rotate_clockwise(image: Image, degrees: int) -> Image:
    return image.rotate(-degrees, expand=True, fillcolor=255) if degrees % 360 else image


def parse_tsv(tsv: str) -> tuple[str, float | None, int]:
    """Tesseract TSV -> (text with lines and blank lines between paragraphs, conf, words)."""
    lines: list[str] = []
    current: list[str] = []
    key: tuple[str, str, str] | None = None
    para: tuple[str, str] | None = None
    weight = 0
    total = 0.0
    words = 0
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":  # level 5 = word
            continue
        word = cols[11].strip()
        if not word:
            continue
        line_key = (cols[2], cols[3], cols[4])  # block, paragraph, line
        if line_key != key:
            if current:
                lines.append(" ".join(current))
            current = []
            if para is not None and line_key[:2] != para:
                lines.append("")  # paragraph break
            key, para = line_key, line_key[:2]
        current.append(word)
        words += 1
        conf = float(cols[10])
        if conf >= 0:
            weight += len(word)
            total += conf * len(word)
    if current:
        lines.append(" ".join(current))
    confidence = round(total / weight / 100.0, 4) if weight else None
    return "\n".join(lines), confidence, words


def render_page(pdf_path: Path, index: int, options: OcrOptions) -> Image:
    """Render page ``index`` (0-based) in greyscale at ``options.dpi``, within the pixel budget."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        page = doc[index]
        width, height = page.get_size()
        scale = options.dpi / 72.0
        pixels = width * height * scale * scale
        if pixels > options.max_pixels:  # oversized page (poster, PDF bomb): fewer dpi
            scale *= (options.max_pixels / pixels) ** 0.5
        image = page.render(scale=scale, grayscale=True).to_pil()
        page.close()
        return image.convert("L")
    finally:
        doc.close()


def ocr_pdf_pages(
    pdf_path: Path, numbers: list[int], options: OcrOptions, engine: TesseractEngine
) -> list[OcrPage]:
    """OCR the given 1-based page numbers of one PDF, in order."""
    return [engine.recognize(render_page(pdf_path, n - 1, options), n, options) for n in numbers]
