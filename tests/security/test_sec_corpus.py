"""Corpus and input-limit probes through the real CLI (issue 12, holes 5, 6, 7 and 8).

Each probe builds a small corpus with ``python -m foerderberater index`` (real e5), then adds
the hostile input and rebuilds: a symlink out of the corpus, a file name that is not UTF-8, a
50 MB text file, near-identical PDF pages; plus ``info | head -1`` and the chunk sizes of a
generated 200-page PDF.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import cli

pytestmark = pytest.mark.integration

SECRET = "AUSSERHALB-GEHEIM-9931"
REPORT_TEXT = (
    "Die Landesregierung fördert den Strukturwandel im Mitteldeutschen Revier mit "
    "Zuschüssen für Investitionen, Forschung und Qualifizierung von Fachkräften in "
    "Unternehmen, Kommunen und Hochschulen zwischen Leipzig, Halle und Zeitz sowie mit "
    "Darlehen der Förderbanken für Wasserstoff, Wärmenetze und digitale Infrastruktur"
)
TABLE_WORDS = (
    "Borna Zeitz Markranstädt Bitterfeld-Wolfen Merseburg Weißenfels Altenburg Delitzsch "
    "Investitionszuschuss Elektrolyseur Wärmepumpe Glasfaser Breitbandausbau Bewilligung "
    "Antragsstellung Eigenanteil Fördersumme Projektträger Verbundvorhaben Machbarkeitsstudie "
    "Landkreis Leipzig Burgenlandkreis Saalekreis Anhalt-Bitterfeld Mansfeld-Südharz 2024 2025"
)


@pytest.fixture
def corpus_env(tmp_path, programme_md, clean_env):
    corpus = tmp_path / "corpus"
    (corpus / "programme").mkdir(parents=True)
    (corpus / "programme" / "waermenetz.md").write_text(programme_md(), "utf-8")
    env = clean_env(
        {
            "FOERDERBERATER_CORPUS_DIR": str(corpus),
            "FOERDERBERATER_INDEX_DIR": str(tmp_path / "index"),
            "FOERDERBERATER_DATA_DIR": str(tmp_path / "data"),
        }
    )
    return corpus, env


def _build(env, *args: str, timeout: float = 300):
    return cli(env, "index", "--quiet", *args, timeout=timeout)


def _info(env) -> dict:
    out = cli(env, "info", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_symlinks_leaving_the_corpus_are_skipped_and_reported(corpus_env, tmp_path):
    corpus, env = corpus_env
    outside = tmp_path / "aussen"
    outside.mkdir()
    (outside / "geheim.md").write_text(f"# Intern\n\n{SECRET}: Gehälter der Geschäftsführung.\n")
    (corpus / "notizen").mkdir()
    os.symlink(outside / "geheim.md", corpus / "notizen" / "verweis.md")
    os.symlink(outside, corpus / "extern")
    out = _build(env)
    assert out.returncode == 4, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert any("notizen/verweis.md" in line and "Symlink" in line for line in lines), lines
    assert any("extern" in line and "Symlink" in line for line in lines), lines
    hits = cli(env, "search", "--json", f"{SECRET} Gehälter Geschäftsführung")
    assert hits.returncode == 0, hits.stderr
    assert not [h for h in json.loads(hits.stdout)["hits"] if SECRET in h["text"]]
    assert "notizen/verweis.md" not in _info(env)["files"]


def test_non_utf8_file_name_is_skipped_with_a_safe_name_and_the_build_goes_on(corpus_env):
    corpus, env = corpus_env
    bad = os.path.join(os.fsencode(corpus / "programme"), b"f\xfcrderung.md")
    with open(bad, "wb") as fh:
        fh.write("# Förderung\n\nEin Programm mit einem Namen in Latin-1.\n".encode())
    out = _build(env)
    assert "Traceback" not in out.stderr, out.stderr[-1500:]
    assert out.returncode == 4, (out.returncode, out.stderr)
    assert "programme/f\\xfcrderung.md" in out.stderr
    assert list(_info(env)["files"]) == ["programme/waermenetz.md"]
    shown = cli(env, "info")
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr[-1500:]


def test_50_mb_text_file_is_refused_quickly_and_the_old_index_stays(corpus_env):
    corpus, env = corpus_env
    assert _build(env).returncode == 0
    before = _info(env)
    line = "Der Strukturwandel im Revier braucht Fachkräfte, Flächen und Förderung. " * 4 + "\n"
    block = (line * ((1 << 20) // len(line) + 1)).encode()[: 1 << 20]
    with (corpus / "riesig.txt").open("wb") as fh:
        for _ in range(50):
            fh.write(block)
    start = time.monotonic()
    try:
        out = _build(env, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("Indexaufbau mit 50-MB-Textdatei nach 90 s nicht fertig (Sperre gehalten)")
    seconds = time.monotonic() - start
    assert out.returncode == 4, (out.returncode, out.stderr[-1500:])
    assert seconds < 60, f"{seconds:.0f} s"
    refusal = [line for line in out.stderr.splitlines() if "riesig.txt" in line]
    assert refusal and "zu groß" in refusal[0], out.stderr[-1500:]
    after = _info(env)
    assert after["documents"] == before["documents"] and after["chunks"] == before["chunks"]
    assert "riesig.txt" not in after["files"]


def test_pdf_with_near_identical_pages_is_not_reported_as_scan(corpus_env, make_pdf):
    """Six lines per page, the same on every page except a number: not headers, real text."""
    corpus, env = corpus_env
    pages = [
        [
            f"Merkblatt Breitbandförderung, Ausfertigung {n}",
            "Anträge für den Ausbau von Glasfaser stellen Kommunen bei der Bewilligungsstelle.",
            "Gefördert werden Wirtschaftlichkeitslücken bis zu 90 Prozent.",
            "Der Eigenanteil der Kommune beträgt mindestens 10 Prozent.",
            "Die Förderung ist mit Landesmitteln kombinierbar.",
            "Auskunft erteilt das Breitbandkompetenzzentrum.",
        ]
        for n in (1, 2, 3)
    ]
    make_pdf(corpus / "studien" / "merkblatt.pdf", pages, header=None, footer=False)
    out = _build(env)
    assert "OCR" not in out.stderr, out.stderr
    assert out.returncode == 0, out.stderr
    assert "studien/merkblatt.pdf" in _info(env)["files"]


def test_info_into_a_closed_pipe_ends_without_traceback(corpus_env):
    corpus, env = corpus_env
    for i in range(1500):  # empty files are skipped: info lists each one, > 64 KB of output
        (corpus / f"leer-{i:04d}-{'x' * 40}.md").write_bytes(b"")
    assert _build(env).returncode == 4
    cmd = f"{sys.executable} -m foerderberater info | head -1"
    out = subprocess.run(
        ["bash", "-c", cmd], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert out.stdout.startswith("Index:"), out.stdout[:200]
    assert "Traceback" not in out.stderr and "BrokenPipeError" not in out.stderr, out.stderr


def _report_pdf(path: Path, pages: int = 200) -> Path:
    """A dense annex: per page 18 lines of prose, then 26 table rows without punctuation."""
    from fpdf import FPDF

    words = REPORT_TEXT.split()
    cells = TABLE_WORDS.split()
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    n = 0
    for _ in range(pages):
        pdf.add_page()
        for row in range(44):
            vocab = words if row < 18 else cells
            line: list[str] = []
            while len(" ".join(line)) < 88:
                line.append(vocab[n % len(vocab)])
                n += 7
            text = " ".join(line).encode("latin-1", "replace").decode("latin-1")
            pdf.cell(0, 5.6, text, new_x="LMARGIN", new_y="NEXT")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def test_200_page_text_pdf_gives_chunks_of_normal_size(tmp_path, e5):
    """Same calls as the index builder (ingest, chunker config, chunker) with the real e5."""
    from foerderberater.core.settings import Settings
    from foerderberater.index.builder import chunker_config
    from foerderberater.index.chunking import Chunker
    from foerderberater.index.ingest import load_document

    corpus = tmp_path / "corpus"
    pdf = _report_pdf(corpus / "studien" / "bericht.pdf")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    doc = load_document(pdf, corpus)
    config = chunker_config(settings, e5)
    chunks = Chunker(config, e5.count_tokens).chunk(doc)
    pages = len([p for p in doc.pages if p.number > 0])
    per_page = len(chunks) / pages
    chars = statistics.median(len(c.text) for c in chunks)
    tokens = statistics.median(e5.count_tokens(c.text) for c in chunks)
    assert pages == 200
    # shipped studies: median 628 characters per chunk; the probe found 164 and ~26 per page
    assert chars >= 450 and per_page <= 8 and tokens >= 0.45 * config.chunk_tokens, (
        f"Median {chars} Zeichen / {tokens} Tokens, {per_page:.1f} Abschnitte je Seite"
    )
    assert max(e5.count_tokens(c.embedding_text()) for c in chunks) <= e5.max_tokens
