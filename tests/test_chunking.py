"""Chunking with a token counter (the fake embedder's): sections, token bounds, overlap, pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FakeEmbedder

from foerderberater.core.settings import Settings
from foerderberater.core.text import split_sentences
from foerderberater.core.types import Chunk, Document, Page
from foerderberater.index.builder import chunker_config
from foerderberater.index.chunking import Chunker, ChunkerConfig
from foerderberater.index.embedding import E5Embedder
from foerderberater.index.ingest import load_document

# Token counts of concatenated text are not exactly additive; a chunk may exceed its budget
# by a token or two (the embedder's 512-token limit leaves room for that).
TOKEN_SLACK = 3


def _markdown_doc(text: str, title: str = "Testprogramm") -> Document:
    return Document("programme/test.md", "test", title, (Page(0, text),))


def test_pdf_page_numbers_reach_every_chunk(
    tmp_path: Path, make_pdf: Callable[..., Path], fake: FakeEmbedder
) -> None:
    doc = load_document(make_pdf(tmp_path / "studie.pdf"), tmp_path)
    chunks = Chunker(ChunkerConfig(32, 8), fake.count_tokens).chunk(doc)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert chunk.pages and all(1 <= p <= 3 for p in chunk.pages)
        assert isinstance(chunk.page, int) and chunk.page == chunk.pages[0]
        assert chunk.slug == "studie" and chunk.doc_id == "studie.pdf"
    by_page = {p: " ".join(c.text for c in chunks if c.page == p) for p in (1, 2, 3)}
    assert "Förderprogramm" in by_page[1] and "Sachsen-Anhalt" in by_page[1]
    assert "Braunsbedra" in by_page[2] and "Seethermie deckt" in by_page[2]
    assert "Projektgesellschaft" in by_page[3]
    assert {c.section for c in chunks} == {"1. Einleitung", "2. Ergebnisse", "3. Fazit"}
    assert all(c.page == int(c.section[0]) for c in chunks)  # section n is on page n


def test_chunk_spanning_two_pages_records_both(
    tmp_path: Path, make_pdf: Callable[..., Path], fake: FakeEmbedder
) -> None:
    pages = [
        ["Der Strukturwandel verändert die Region rund um Leipzig deutlich."],
        ["Neue Arbeitsplätze entstehen vor allem in der Logistik und Energie."],
    ]
    doc = load_document(make_pdf(tmp_path / "kurz.pdf", pages, header=None), tmp_path)
    chunks = Chunker(ChunkerConfig(128, 16), fake.count_tokens).chunk(doc)
    assert len(chunks) == 1
    assert chunks[0].pages == (1, 2) and chunks[0].page == 1
    assert "Leipzig" in chunks[0].text and "Logistik" in chunks[0].text


@pytest.mark.integration  # token budgets with the real tokenizer (long titles: fake counts more)
def test_markdown_chunks_have_sections_no_pages_and_stay_in_budget(e5: E5Embedder) -> None:
    path = Path(__file__).resolve().parent.parent / "corpus" / "programme" / "grw-sachsen.md"
    if not path.is_file():
        pytest.skip(f"{path} fehlt")
    doc = load_document(path, path.parent.parent)
    for tokens, overlap in ((64, 16), (256, 48)):
        chunks = Chunker(ChunkerConfig(tokens, overlap), e5.count_tokens).chunk(doc)
        assert len(chunks) > 3
        assert all(c.pages == (0,) and c.page is None for c in chunks)
        assert [c.ordinal for c in chunks] == list(range(len(chunks)))
        assert len({c.chunk_id for c in chunks}) == len(chunks)
        assert all(0 <= c.chunk_id < 2**63 for c in chunks)
        for c in chunks:
            assert c.section, c.text[:60]
            assert e5.count_tokens(c.embedding_text()) <= tokens + TOKEN_SLACK
            assert "titel:" not in c.text
    # every paragraph of the body ends up in some chunk
    text = " ".join(c.text for c in chunks)
    assert "Investitionszuschuss" in text and "Sächsische Aufbaubank" in doc.meta.antragsstelle


def test_sections_follow_headings_and_never_mix(fake: FakeEmbedder) -> None:
    text = (
        "# Programm\n\nEinleitung ohne Unterabschnitt.\n\n"
        "## Wer wird gefördert\n\nKleine und mittlere Unternehmen in Sachsen.\n\n"
        "## Was wird gefördert\n\n- Maschinen und Anlagen\n- Gebäude\n\n"
        "| Größe | Satz |\n| klein | 40 % |\n"
    )
    chunks = Chunker(ChunkerConfig(128, 16), fake.count_tokens).chunk(_markdown_doc(text))
    assert [(c.section, c.text) for c in chunks] == [
        ("Programm", "Einleitung ohne Unterabschnitt."),
        ("Wer wird gefördert", "Kleine und mittlere Unternehmen in Sachsen."),
        (
            "Was wird gefördert",
            "- Maschinen und Anlagen\n- Gebäude\n| Größe | Satz |\n| klein | 40 % |",
        ),
    ]
    assert chunks[1].embedding_text() == (
        "Testprogramm – Wer wird gefördert\nKleine und mittlere Unternehmen in Sachsen."
    )


def test_consecutive_chunks_overlap_by_whole_sentences(fake: FakeEmbedder) -> None:
    sentences = [
        f"Satz {w} beschreibt eine Fördermaßnahme im Revier genauer."
        for w in ("eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")
    ]
    text = "## Abschnitt\n\n" + "\n\n".join(sentences)
    cfg = ChunkerConfig(64, 24)
    chunks = Chunker(cfg, fake.count_tokens).chunk(_markdown_doc(text))
    assert len(chunks) >= 3
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        tail = split_sentences(prev.text)[-1]
        assert fake.count_tokens(tail) <= cfg.overlap_tokens
        assert nxt.text.startswith(tail), (prev.text, nxt.text)
    joined = " ".join(c.text for c in chunks)
    assert all(s in joined for s in sentences)


def test_no_overlap_when_disabled(fake: FakeEmbedder) -> None:
    text = "\n\n".join(f"Absatz {i} über Wasserstoff und Wärmenetze im Revier." for i in range(8))
    chunks = Chunker(ChunkerConfig(40, 0), fake.count_tokens).chunk(_markdown_doc(text))
    assert len(chunks) > 1
    paragraphs = [p for c in chunks for p in c.text.split("\n")]
    assert len(paragraphs) == 8  # each paragraph exactly once


def test_overlong_paragraph_is_split_within_budget(fake: FakeEmbedder) -> None:
    long = " ".join(
        f"Die Maßnahme {i} fördert Investitionen kleiner Unternehmen in Mitteldeutschland."
        for i in range(30)
    )
    chunks = Chunker(ChunkerConfig(64, 8), fake.count_tokens).chunk(_markdown_doc(long, "T"))
    assert len(chunks) > 3
    for c in chunks:
        assert fake.count_tokens(c.text) <= 64
    assert "Maßnahme 0 " in chunks[0].text and "Maßnahme 29 " in chunks[-1].text


def test_chunk_ids_are_deterministic_and_content_bound(fake: FakeEmbedder) -> None:
    chunker = Chunker(ChunkerConfig(64, 8), fake.count_tokens)
    doc = _markdown_doc("## A\n\nErster Absatz über Förderung.\n\n## B\n\nZweiter Absatz.")
    first, again = chunker.chunk(doc), chunker.chunk(doc)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    other = Document("programme/anders.md", "anders", "T", doc.pages)
    assert {c.chunk_id for c in chunker.chunk(other)}.isdisjoint({c.chunk_id for c in first})
    assert Chunk.make_id("a.md", 0, "x") != Chunk.make_id("a.md", 0, "y")


def test_empty_document_gives_no_chunks(fake: FakeEmbedder) -> None:
    chunks = Chunker(ChunkerConfig(64, 8), fake.count_tokens).chunk(_markdown_doc("\n\n  \n"))
    assert chunks == []


def test_chunker_config_is_clamped_to_the_embedder(fake: FakeEmbedder) -> None:
    cfg = chunker_config(Settings(chunk_tokens=512, chunk_overlap_tokens=400), fake)
    assert cfg.chunk_tokens == fake.max_tokens - 2
    assert cfg.overlap_tokens == cfg.chunk_tokens // 2
    assert cfg.as_dict() == {
        "strategy": "section-paragraph-token-v3",
        "chunk_tokens": 510,
        "overlap_tokens": 255,
    }


def test_short_lines_fill_chunks_up_to_the_budget(fake: FakeEmbedder) -> None:
    """A PDF page is 40 short lines without blank lines: chunks of normal size, not dozens.

    The token counter adds a constant per call (prefix, special tokens); summed over many
    lines or words it used to fill the budget with nothing (12 chunks of 111 tokens per page).
    """
    words = [
        "Borna",
        "Zeitz",
        "Markranstädt",
        "Bitterfeld-Wolfen",
        "Merseburg",
        "Weißenfels",
        "Investitionszuschuss",
        "Elektrolyseur",
        "Wärmepumpe",
        "Glasfaser",
        "Bewilligung",
        "Eigenanteil",
        "Fördersumme",
        "2024",
        "2025",
    ]
    pages = []
    for number in range(1, 11):
        lines = [
            " ".join(words[(number * 40 + i + k) % len(words)] for k in range(9)) for i in range(40)
        ]
        pages.append(Page(number, "\n".join(lines)))
    doc = Document("studien/bericht.pdf", "bericht", "Bericht", tuple(pages))
    cfg = ChunkerConfig(256, 48)
    chunks = Chunker(cfg, fake.count_tokens).chunk(doc)
    tokens = sorted(fake.count_tokens(c.text) for c in chunks)
    assert len(chunks) / len(pages) <= 8
    assert tokens[len(tokens) // 2] >= 0.6 * cfg.chunk_tokens
    assert (
        max(fake.count_tokens(c.embedding_text()) for c in chunks) <= cfg.chunk_tokens + TOKEN_SLACK
    )
