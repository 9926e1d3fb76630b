"""Deterministic generator of a German PDF benchmark corpus (fpdf2 + DejaVu).

Source text: the starter corpus itself – the study digests in ``tools/studien/*.md`` and the
bodies of ``corpus/programme/*.md`` (both are German summaries of public sources). A seeded RNG
recombines their sections into longer "Regionalbericht" PDFs (title page, running header and
footer with page numbers, justified text with German soft hyphens, bullet lists, tables), and
varies them lightly (sentence order inside paragraphs, place names, years), so no two documents
are identical while every sentence stays real German domain text. The programme Markdown files
are copied unchanged next to the PDFs ("plus the programme texts").

Output goes to a cache directory (``bench/.cache/...``), never into the repository. The result
depends only on the seed, the parameters, the source files and the fpdf2/pyphen/font versions;
``corpus_fingerprint`` hashes the output so callers can reuse a cached corpus safely.

    python bench/corpus_gen.py OUT_DIR [--docs 24 --pages 13 --programmes 45 --seed 20261125]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STUDIEN_SRC = ROOT / "tools" / "studien"
PROGRAMME_DIR = ROOT / "corpus" / "programme"
FONT_DIR = ROOT / "tools" / "fonts"
FONT = "DejaVuSans"
SOFT_HYPHEN = "\u00ad"
CREATION_DATE = dt.datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt.UTC)
GENERATOR_VERSION = "bench-corpus-v1"

PLACES = [
    "Leipzig",
    "Halle (Saale)",
    "Zeitz",
    "Altenburg",
    "Borna",
    "Merseburg",
    "Weißenfels",
    "Bitterfeld-Wolfen",
    "Naumburg",
    "Markkleeberg",
    "Delitzsch",
    "Schkeuditz",
    "Leuna",
    "Hohenmölsen",
    "Grimma",
    "Eisenberg",
    "Meuselwitz",
    "Lützen",
    "Pegau",
    "Groitzsch",
]
KREISE = [
    "Landkreis Leipzig",
    "Burgenlandkreis",
    "Saalekreis",
    "Landkreis Nordsachsen",
    "Landkreis Mansfeld-Südharz",
    "Landkreis Anhalt-Bitterfeld",
    "Landkreis Altenburger Land",
]
THEMEN = [
    "Wasserstoffwirtschaft",
    "Fachkräftesicherung",
    "Gewerbeflächen",
    "Wärmewende",
    "Digitalisierung im Mittelstand",
    "Innovationsförderung",
    "Schieneninfrastruktur",
    "Bioökonomie",
    "Handwerk und Nachfolge",
    "Tourismus und Seenland",
    "Kreislaufwirtschaft",
    "Industriekultur",
    "Gründungsgeschehen",
    "Energieeffizienz in Unternehmen",
]
BERICHTSARTEN = [
    "Regionalbericht",
    "Strukturanalyse",
    "Monitoringbericht",
    "Standortgutachten",
    "Evaluationsbericht",
    "Fachkräftemonitor",
    "Förderbilanz",
    "Potenzialanalyse",
]
AUFTRAGGEBER = [
    "Europäische Metropolregion Mitteldeutschland",
    "Innovationsregion Mitteldeutschland",
    "Wirtschaftsförderung des Landkreises",
    "Industrie- und Handelskammer Halle-Dessau",
    "Handwerkskammer zu Leipzig",
    "Sächsische Agentur für Strukturentwicklung",
    "Stabsstelle Strukturwandel",
    "Zweckverband Planung und Entwicklung",
]
_PLACE_RE = re.compile("|".join(re.escape(p) for p in sorted(PLACES, key=len, reverse=True)))
_YEAR_RE = re.compile(r"\b(20[12]\d)\b")
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„])")


@dataclass
class Block:
    kind: str  # para | h2 | h3 | bullet | table
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Section:
    source: str
    title: str
    blocks: list[Block]


# --------------------------------------------------------------------------- sources


def _strip_front_matter(raw: str) -> str:
    m = re.match(r"^---\n.*?\n---[ \t]*\n(.*)$", raw, re.S)
    return m.group(1) if m else raw


def _is_table_sep(line: str) -> bool:
    return bool(re.fullmatch(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?", line.strip()))


def _row(line: str) -> list[str]:
    line = line.strip().strip("|")
    return [c.strip() for c in line.split("|")]


def _clean_inline(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    return re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)


def parse_markdown(body: str) -> list[Block]:
    blocks: list[Block] = []
    para: list[str] = []
    lines = body.splitlines()

    def flush() -> None:
        if para:
            blocks.append(Block("para", _clean_inline(" ".join(p.strip() for p in para))))
            para.clear()

    i = 0
    while i < len(lines):
        s = lines[i].strip()
        if not s:
            flush()
        elif s.startswith("### "):
            flush()
            blocks.append(Block("h3", _clean_inline(s[4:])))
        elif s.startswith("## ") or s.startswith("# "):
            flush()
            blocks.append(Block("h2", _clean_inline(s.lstrip("#").strip())))
        elif s.startswith("|") and i + 1 < len(lines) and _is_table_sep(lines[i + 1]):
            flush()
            rows = [_row(s)]
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_row(lines[i]))
                i += 1
            width = len(rows[0])
            rows = [(r + [""] * width)[:width] for r in rows]
            blocks.append(Block("table", rows=[[_clean_inline(c) for c in r] for r in rows]))
            continue
        elif re.match(r"^([-*+]|\d+\.)\s+", s):
            flush()
            blocks.append(Block("bullet", _clean_inline(re.sub(r"^([-*+]|\d+\.)\s+", "", s))))
        else:
            para.append(s)
        i += 1
    flush()
    return blocks


def load_sections() -> list[Section]:
    """Every h2 section of every study digest and programme body, in a fixed order."""
    sections: list[Section] = []
    sources = sorted(STUDIEN_SRC.glob("*.md")) + sorted(PROGRAMME_DIR.glob("*.md"))
    for path in sources:
        blocks = parse_markdown(_strip_front_matter(path.read_text("utf-8")))
        current: Section | None = None
        for b in blocks:
            if b.kind == "h2":
                title = re.sub(r"^\d+(\.\d+)*\.?\s*", "", b.text)
                current = Section(path.stem, title, [])
                sections.append(current)
            elif current is not None:
                current.blocks.append(b)
    return [s for s in sections if sum(len(b.text) for b in s.blocks) > 200]


# --------------------------------------------------------------------------- variation


def _vary_text(text: str, rng: random.Random, place_map: dict[str, str], year_shift: int) -> str:
    text = _PLACE_RE.sub(lambda m: place_map.get(m.group(0), m.group(0)), text)
    if year_shift:
        text = _YEAR_RE.sub(lambda m: str(min(2035, int(m.group(1)) + year_shift)), text)
    sentences = _SENT_SPLIT.split(text)
    if len(sentences) > 3 and rng.random() < 0.5:
        head, rest = sentences[0], sentences[1:]
        rng.shuffle(rest)  # keep the topic sentence first
        sentences = [head, *rest]
    return " ".join(sentences)


def _vary_section(sec: Section, rng: random.Random) -> Section:
    shuffled = PLACES[:]
    rng.shuffle(shuffled)
    place_map = dict(zip(PLACES, shuffled, strict=True)) if rng.random() < 0.6 else {}
    year_shift = rng.choice([0, 0, 0, 1, 2, -1])
    blocks = []
    for b in sec.blocks:
        if b.kind in ("para", "bullet"):
            blocks.append(Block(b.kind, _vary_text(b.text, rng, place_map, year_shift)))
        elif b.kind == "table":
            rows = [
                [_PLACE_RE.sub(lambda m: place_map.get(m.group(0), m.group(0)), c) for c in r]
                for r in b.rows
            ]
            blocks.append(Block("table", rows=rows))
        else:
            blocks.append(Block(b.kind, b.text))
    return Section(sec.source, sec.title, blocks)


# --------------------------------------------------------------------------- rendering

_HYPH = None


def hyphenate(text: str) -> str:
    global _HYPH
    if _HYPH is None:
        import pyphen

        _HYPH = pyphen.Pyphen(lang="de_DE", left=3, right=3)
    word = re.compile(r"[A-Za-zÄÖÜäöüß]{8,}")
    out = []
    for token in re.split(r"(\s+)", text):
        if "://" in token or "@" in token or token.startswith("www."):
            out.append(token)
        else:
            out.append(word.sub(lambda m: _HYPH.inserted(m.group(0), hyphen=SOFT_HYPHEN), token))
    return "".join(out)


def _pdf_class():
    from fpdf import FPDF

    class ReportPDF(FPDF):
        def __init__(self, short: str, publisher: str) -> None:
            super().__init__(orientation="P", unit="mm", format="A4")
            self.short = short
            self.publisher = publisher
            self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.set_margins(22, 24, 20)
            self.set_auto_page_break(True, margin=22)
            self.alias_nb_pages("{nb}")

        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_y(11)
            self.set_font(FONT, "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, self.short, align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, self.publisher, align="R")
            self.line(self.l_margin, 16.5, self.w - self.r_margin, 16.5)
            self.set_text_color(0, 0, 0)
            self.set_y(24)

        def footer(self) -> None:
            self.set_y(-14)
            self.line(self.l_margin, self.get_y() - 1.5, self.w - self.r_margin, self.get_y() - 1.5)
            self.set_font(FONT, "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, "Benchmark-Korpus Förderberater", align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, f"Seite {self.page_no()} von {{nb}}", align="R")
            self.set_text_color(0, 0, 0)

    return ReportPDF


def _render_table(pdf, rows: list[list[str]], width: float) -> None:  # noqa: ANN001
    from fpdf.fonts import FontFace

    ncols = len(rows[0])
    lengths = [max(len(r[c]) for r in rows) for c in range(ncols)]
    weights = [max(8, min(60, n)) for n in lengths]
    total = sum(weights)
    if pdf.get_y() > pdf.h - 22 - 25:
        pdf.add_page()
    pdf.set_font(FONT, "", 8.8)
    with pdf.table(
        col_widths=tuple(width * w / total for w in weights),
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 228, 235)),
        line_height=4.6,
        padding=1.2,
        repeat_headings=1,
    ) as table:
        for r in rows:
            row = table.row()
            for c in range(ncols):
                row.cell(r[c])
    pdf.ln(3)


def render_report(doc_no: int, sections: list[Section], rng: random.Random, pages: int) -> bytes:
    from fpdf.enums import XPos, YPos

    art = rng.choice(BERICHTSARTEN)
    thema = rng.choice(THEMEN)
    kreis = rng.choice(KREISE)
    jahr = rng.choice(range(2019, 2027))
    publisher = rng.choice(AUFTRAGGEBER)
    title = f"{art} {thema} im {kreis} {jahr}"
    pdf = _pdf_class()(f"{art} {thema} · {jahr}", publisher)
    pdf.set_creation_date(CREATION_DATE)
    pdf.set_title(title)
    pdf.set_author(publisher)
    pdf.set_creator(f"bench/corpus_gen.py ({GENERATOR_VERSION})")
    pdf.set_lang("de-DE")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font(FONT, "", 9)
    pdf.cell(
        0, 5, f"{publisher} · Bericht Nr. {doc_no + 1:03d}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(3)
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 7.5, title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, "", 10)
    intro = (
        f"Der vorliegende {art} fasst den Stand der Entwicklung im Themenfeld {thema} für den "
        f"{kreis} zusammen. Er stützt sich auf Studien, Förderrichtlinien und Gespräche mit "
        f"Unternehmen aus dem Mitteldeutschen Revier und wurde im Jahr {jahr} abgeschlossen."
    )
    pdf.multi_cell(0, 5.2, hyphenate(intro), align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    chapter = 0
    order = list(range(len(sections)))
    rng.shuffle(order)
    pos = 0
    while pdf.page_no() < pages or pdf.get_y() < pdf.h / 3:
        if pos >= len(order):
            rng.shuffle(order)
            pos = 0
        sec = _vary_section(sections[order[pos]], rng)
        pos += 1
        chapter += 1
        if pdf.get_y() > pdf.h - 22 - 30:
            pdf.add_page()
        pdf.ln(2)
        heading = f"{chapter}. {sec.title}"
        pdf.start_section(heading, level=0)
        pdf.set_font(FONT, "B", 12.5)
        pdf.multi_cell(0, 6.5, heading, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)
        sub = 0
        for b in sec.blocks:
            if b.kind in ("h2", "h3"):
                sub += 1
                if pdf.get_y() > pdf.h - 22 - 22:
                    pdf.add_page()
                text = f"{chapter}.{sub} " + re.sub(r"^[0-9.]+\s*", "", b.text)
                pdf.set_font(FONT, "B", 10.5)
                pdf.multi_cell(0, 5.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(0.8)
            elif b.kind == "para":
                pdf.set_font(FONT, "", 10)
                pdf.multi_cell(
                    0, 5.2, hyphenate(b.text), align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT
                )
                pdf.ln(2.2)
            elif b.kind == "bullet":
                pdf.set_font(FONT, "", 10)
                pdf.set_x(pdf.l_margin + 2)
                pdf.cell(4, 5.2, "•")
                pdf.multi_cell(
                    width - 6,
                    5.2,
                    hyphenate(b.text),
                    align="J",
                    new_x=XPos.LMARGIN,
                    new_y=YPos.NEXT,
                )
                pdf.ln(1)
            elif b.kind == "table":
                _render_table(pdf, b.rows, width)
        if pdf.page_no() > pages:  # overshoot guard: stop at the page target
            break
    return bytes(pdf.output())


# --------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class CorpusSpec:
    docs: int = 24
    pages: int = 13
    programmes: int = 45
    seed: int = 20261125

    def key(self) -> str:
        src = hashlib.sha256()
        for path in sorted(STUDIEN_SRC.glob("*.md")) + sorted(PROGRAMME_DIR.glob("*.md")):
            src.update(path.name.encode() + b"\0" + path.read_bytes())
        src.update(Path(__file__).read_bytes())
        return f"d{self.docs}-p{self.pages}-m{self.programmes}-s{self.seed}-{src.hexdigest()[:10]}"


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", data))


def report_bytes(spec: CorpusSpec, doc_no: int, sections: list[Section] | None = None) -> bytes:
    """The PDF bytes of report ``doc_no`` (independent of the other reports)."""
    sections = sections if sections is not None else load_sections()
    rng = random.Random(f"{spec.seed}:{doc_no}")
    return render_report(doc_no, sections, rng, spec.pages)


def generate(spec: CorpusSpec, out_dir: Path) -> dict:
    """Write ``spec.docs`` report PDFs and ``spec.programmes`` programme files to ``out_dir``."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    (out_dir / "berichte").mkdir(parents=True)
    (out_dir / "programme").mkdir()
    sections = load_sections()
    pages = 0
    for n in range(spec.docs):
        data = report_bytes(spec, n, sections)
        pages += _pdf_pages(data)
        (out_dir / "berichte" / f"bericht-{n + 1:03d}.pdf").write_bytes(data)
    programmes = sorted(PROGRAMME_DIR.glob("*.md"))
    rng = random.Random(spec.seed)
    chosen = sorted(rng.sample(programmes, min(spec.programmes, len(programmes))))
    for path in chosen:
        shutil.copy2(path, out_dir / "programme" / path.name)
    info = {
        "spec": spec.__dict__,
        "generator": GENERATOR_VERSION,
        "pdf_files": spec.docs,
        "pdf_pages": pages,
        "programme_files": len(chosen),
        "fingerprint": corpus_fingerprint(out_dir),
    }
    (out_dir.parent / f"{out_dir.name}.json").write_text(json.dumps(info, indent=2), "utf-8")
    return info


def corpus_fingerprint(directory: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        h.update(path.relative_to(directory).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def ensure_corpus(spec: CorpusSpec, cache: Path) -> tuple[Path, dict]:
    """Generate the corpus once into ``cache`` (keyed by spec and sources); reuse afterwards."""
    out = cache / f"corpus-{spec.key()}"
    meta = cache / f"{out.name}.json"
    if out.is_dir() and meta.exists():
        info = json.loads(meta.read_text("utf-8"))
        if info.get("fingerprint") == corpus_fingerprint(out):
            return out, info
    cache.mkdir(parents=True, exist_ok=True)
    return out, generate(spec, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=int, default=24)
    ap.add_argument("--pages", type=int, default=13)
    ap.add_argument("--programmes", type=int, default=45)
    ap.add_argument("--seed", type=int, default=20261125)
    a = ap.parse_args()
    info = generate(CorpusSpec(a.docs, a.pages, a.programmes, a.seed), a.out)
    print(json.dumps(info, indent=2))


if __name__ == "__main__":
    main()
