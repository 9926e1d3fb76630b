#!/usr/bin/env python3
"""Baut die Studien-Zusammenfassungen (Digests) des Förderberater-Korpus.

Quelltexte:  tools/studien/<slug>.md   (YAML-Front-Matter + Markdown-Teilmenge)
Ausgaben:    corpus/studien/<slug>.pdf und corpus/studien/<slug>.yaml

Aufruf:
    python tools/build_studien.py            # alle Digests neu bauen
    python tools/build_studien.py --check    # Exit-Code 1, wenn die eingecheckten
                                             # Dateien vom Build abweichen
    python tools/build_studien.py SLUG ...   # nur einzelne Digests bauen

Quellformat (bewusst klein gehalten):

    ---
    titel: Titel der Originalstudie
    kurztitel: Kurzform für die Kopfzeile
    jahr: 2021
    auftraggeber: ...
    autoren: [ ... ]
    technologiefelder: [ ... ]
    quellen: [ URL, ... ]
    stand: "2026-11-25"
    dokumenttyp: Studie
    ---
    Einleitender Absatz (optional).

    ## 1. Abschnittsüberschrift
    Absatz, der über mehrere Zeilen gehen darf.

    ### 1.1 Unterüberschrift
    - Aufzählungspunkt
    | Kopf | Kopf |
    |---|---|
    | Zelle | Zelle |

Absätze werden im Blocksatz gesetzt; lange Wörter erhalten weiche Trennstellen
(U+00AD) aus dem deutschen Pyphen-Wörterbuch, damit fpdf2 am Zeilenende trennt.
Die Ausgabe ist deterministisch (festes Erstellungsdatum, feste Metadaten), solange
fpdf2-, pyphen- und Schriftversion gleich bleiben.

Abhängigkeiten: fpdf2 (>= 2.8), pyphen, PyYAML.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pyphen
import yaml
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from foerderberater.core.vocab import TECHNOLOGIEFELDER  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SRC_DIR = ROOT / "tools" / "studien"
OUT_DIR = ROOT / "corpus" / "studien"
FONT_DIR = ROOT / "tools" / "fonts"

FONT = "DejaVuSans"
SOFT_HYPHEN = "\u00ad"
CREATION_DATE = dt.datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt.UTC)
CORPUS_NAME = "Förderberater-Korpus"
DISCLAIMER = (
    "Inoffizielle Zusammenfassung für den Förderberater-Korpus; maßgeblich ist die "
    "Originalstudie und ihre Veröffentlichung durch den Auftraggeber. Die Zusammenfassung "
    "gibt Fakten aus den oben genannten öffentlichen Quellen in eigenen Worten wieder. "
    "Was dort nicht belegt ist, wird ausdrücklich als unbekannt gekennzeichnet. Hinweise "
    "auf Förderprogramme sind Einordnungen der Redaktion und keine Aussagen der Studie; "
    "es gelten stets die aktuellen Richtlinien der Fördergeber."
)
REQUIRED_FIELDS = (
    "titel",
    "kurztitel",
    "jahr",
    "auftraggeber",
    "autoren",
    "technologiefelder",
    "quellen",
    "stand",
    "dokumenttyp",
)
ALLOWED_FIELDS = {*TECHNOLOGIEFELDER, "technologieoffen"}
SIDECAR_KEYS = (
    "titel",
    "jahr",
    "auftraggeber",
    "autoren",
    "technologiefelder",
    "quellen",
    "stand",
    "dokumenttyp",
)

# Layout (mm)
MARGIN_L = 22
MARGIN_R = 20
MARGIN_T = 24
MARGIN_B = 22
BODY_SIZE = 10
LINE_H = 5.2


# --------------------------------------------------------------------------- parsing


@dataclass
class Block:
    kind: str  # "para", "h2", "h3", "bullet", "table"
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Digest:
    slug: str
    meta: dict
    blocks: list[Block]


def _is_table_sep(line: str) -> bool:
    return bool(re.fullmatch(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?", line.strip()))


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def parse_source(path: Path) -> Digest:
    raw = path.read_text(encoding="utf-8")
    m = re.match(r"^---\n(.*?)\n---\n(.*)$", raw, re.S)
    if not m:
        raise ValueError(f"{path}: YAML-Front-Matter fehlt")
    meta = yaml.safe_load(m.group(1))
    missing = [k for k in REQUIRED_FIELDS if k not in meta]
    if missing:
        raise ValueError(f"{path}: Pflichtfelder fehlen: {', '.join(missing)}")
    unknown = set(meta["technologiefelder"]) - ALLOWED_FIELDS
    if unknown:
        raise ValueError(f"{path}: unbekannte technologiefelder: {sorted(unknown)}")

    blocks: list[Block] = []
    para: list[str] = []
    lines = m.group(2).splitlines()

    def flush() -> None:
        if para:
            blocks.append(Block("para", " ".join(s.strip() for s in para)))
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if not s:
            flush()
        elif s.startswith("### "):
            flush()
            blocks.append(Block("h3", s[4:].strip()))
        elif s.startswith("## "):
            flush()
            blocks.append(Block("h2", s[3:].strip()))
        elif s.startswith("|") and i + 1 < len(lines) and _is_table_sep(lines[i + 1]):
            flush()
            rows = [_split_row(s)]
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_split_row(lines[i]))
                i += 1
            blocks.append(Block("table", rows=rows))
            continue
        elif s.startswith("- "):
            flush()
            item = [s[2:].strip()]
            while i + 1 < len(lines) and lines[i + 1].startswith("  ") and lines[i + 1].strip():
                i += 1
                item.append(lines[i].strip())
            blocks.append(Block("bullet", " ".join(item)))
        else:
            para.append(s)
        i += 1
    flush()
    return Digest(path.stem, meta, blocks)


# ------------------------------------------------------------------- hyphenation

_HYPH = pyphen.Pyphen(lang="de_DE", left=3, right=3)
_WORD_RE = re.compile(r"[A-Za-zÄÖÜäöüß]{7,}")


def hyphenate(text: str) -> str:
    """Fügt weiche Trennstellen in lange Wörter ein (URLs bleiben unangetastet)."""
    out = []
    for token in re.split(r"(\s+)", text):
        if "://" in token or "@" in token or token.startswith("www."):
            out.append(token)
        else:
            out.append(
                _WORD_RE.sub(lambda m: _HYPH.inserted(m.group(0), hyphen=SOFT_HYPHEN), token)
            )
    return "".join(out)


# ---------------------------------------------------------------------- rendering


class DigestPDF(FPDF):
    def __init__(self, kurztitel: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.kurztitel = kurztitel
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN_L, MARGIN_T, MARGIN_R)
        self.set_auto_page_break(True, margin=MARGIN_B)
        self.alias_nb_pages("{nb}")

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(11)
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"Zusammenfassung · {self.kurztitel}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, CORPUS_NAME, align="R")
        self.set_draw_color(160, 160, 160)
        self.set_line_width(0.2)
        self.line(self.l_margin, 16.5, self.w - self.r_margin, 16.5)
        self.set_text_color(0, 0, 0)
        self.set_y(MARGIN_T)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_draw_color(160, 160, 160)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y() - 1.5, self.w - self.r_margin, self.get_y() - 1.5)
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, CORPUS_NAME, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Seite {self.page_no()} von {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def _meta_rows(meta: dict) -> list[tuple[str, str]]:
    autoren = "; ".join(meta["autoren"]) if meta["autoren"] else "nicht ermittelt"
    rows = [
        ("Titel der Studie", meta["titel"]),
        ("Auftraggeber", meta["auftraggeber"]),
        ("Autoren / Bearbeitung", autoren),
        ("Jahr", str(meta["jahr"])),
    ]
    if meta.get("hinweis_titelblatt"):
        rows.append(("Hinweis", meta["hinweis_titelblatt"]))
    rows.append(("Stand der Zusammenfassung", str(meta["stand"])))
    return rows


def render(d: Digest) -> bytes:
    meta = d.meta
    pdf = DigestPDF(meta["kurztitel"])
    pdf.set_creation_date(CREATION_DATE)
    pdf.set_title(f"Zusammenfassung: {meta['titel']}")
    pdf.set_author(CORPUS_NAME)
    pdf.set_subject(
        f"Inoffizielle Zusammenfassung der Studie „{meta['titel']}“ ({meta['jahr']}), "
        f"Auftraggeber: {meta['auftraggeber']}"
    )
    pdf.set_keywords(
        ", ".join(["Mitteldeutsches Revier", "Strukturwandel", *meta["technologiefelder"]])
    )
    pdf.set_creator("tools/build_studien.py (Förderberater)")
    pdf.set_lang("de-DE")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    # Titelblock
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(
        0,
        5,
        f"{CORPUS_NAME} · Studien-Digest · Mitteldeutsches Revier",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(
        0, 7.5, f"Zusammenfassung: {meta['titel']}", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(4)

    pdf.set_font(FONT, "", 9)
    with pdf.table(
        col_widths=(50, width - 50),
        first_row_as_headings=False,
        line_height=4.8,
        text_align=("LEFT", "LEFT"),
        borders_layout="HORIZONTAL_LINES",
        padding=1.2,
    ) as table:
        for label, value in _meta_rows(meta):
            row = table.row()
            row.cell(label, style=FontFace(emphasis="BOLD"))
            row.cell(value)
    pdf.ln(2)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(0, 5, "Quellen (öffentlich zugängliche Seiten):", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8)
    for url in meta["quellen"]:
        # lange URLs zeichenweise umbrechen, damit der Aufzählungspunkt bei der URL bleibt
        pdf.cell(4, 4.2, "•")
        pdf.multi_cell(
            width - 4,
            4.2,
            url,
            align="L",
            link=url,
            wrapmode=WrapMode.CHAR,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.ln(4)

    # Disclaimer-Kasten
    pdf.set_font(FONT, "", 9)
    pdf.set_fill_color(243, 243, 236)
    pdf.set_draw_color(120, 120, 100)
    pdf.set_line_width(0.4)
    pdf.multi_cell(
        0,
        4.8,
        "Hinweis: " + DISCLAIMER,
        border=1,
        fill=True,
        align="J",
        padding=3,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_line_width(0.2)
    pdf.ln(5)

    # Textkörper
    for b in d.blocks:
        if b.kind == "h2":
            if pdf.get_y() > pdf.h - MARGIN_B - 30:
                pdf.add_page()
            pdf.ln(2)
            pdf.start_section(b.text, level=0)
            pdf.set_font(FONT, "B", 12.5)
            pdf.multi_cell(0, 6.5, b.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1.5)
        elif b.kind == "h3":
            if pdf.get_y() > pdf.h - MARGIN_B - 22:
                pdf.add_page()
            pdf.ln(1)
            pdf.start_section(b.text, level=1)
            pdf.set_font(FONT, "B", 10.5)
            pdf.multi_cell(0, 5.5, b.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(0.8)
        elif b.kind == "para":
            pdf.set_font(FONT, "", BODY_SIZE)
            pdf.multi_cell(
                0, LINE_H, hyphenate(b.text), align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            pdf.ln(2.2)
        elif b.kind == "bullet":
            pdf.set_font(FONT, "", BODY_SIZE)
            pdf.set_x(pdf.l_margin + 2)
            pdf.cell(4, LINE_H, "•")
            pdf.multi_cell(
                width - 6, LINE_H, hyphenate(b.text), align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            pdf.ln(1)
        elif b.kind == "table":
            _render_table(pdf, b.rows, width)
        else:  # pragma: no cover
            raise ValueError(b.kind)

    # Schlussvermerk
    pdf.ln(3)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(
        0,
        4.2,
        f"Digest erstellt für den {CORPUS_NAME} (Stand {meta['stand']}). "
        "Eigene Formulierungen auf Grundlage der auf Seite 1 genannten Quellen; "
        "keine Wiedergabe des Originaltextes.",
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(0, 0, 0)
    return bytes(pdf.output())


def _render_table(pdf: FPDF, rows: list[list[str]], width: float) -> None:
    ncols = len(rows[0])
    # Spaltenbreiten nach Textlänge gewichten (erste Spalte etwas bevorzugt)
    lengths = [max(len(r[c]) if c < len(r) else 0 for r in rows) for c in range(ncols)]
    weights = [max(8, min(60, n)) for n in lengths]
    total = sum(weights)
    col_widths = tuple(width * w / total for w in weights)
    numeric = [
        all(
            re.fullmatch(r"[−\-+]?[\d.,\s%]+[^\w]*|–|—|k\. ?A\.", r[c])
            for r in rows[1:]
            if c < len(r)
        )
        for c in range(ncols)
    ]
    aligns = tuple("RIGHT" if numeric[c] and c > 0 else "LEFT" for c in range(ncols))
    if pdf.get_y() > pdf.h - MARGIN_B - 25:
        pdf.add_page()
    pdf.set_font(FONT, "", 8.8)
    pdf.set_draw_color(150, 150, 150)
    with pdf.table(
        col_widths=col_widths,
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 228, 235)),
        line_height=4.6,
        text_align=aligns,
        padding=1.2,
        repeat_headings=1,
    ) as table:
        for r in rows:
            row = table.row()
            for c in range(ncols):
                row.cell(r[c] if c < len(r) else "")
    pdf.ln(3)


# ------------------------------------------------------------------- sidecar yaml


def _yaml_scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sidecar(meta: dict) -> str:
    lines = [
        "# Erzeugt von tools/build_studien.py aus tools/studien/ – nicht von Hand bearbeiten.",
    ]
    for key in SIDECAR_KEYS:
        val = meta[key]
        if isinstance(val, list):
            if not val:
                lines.append(f"{key}: []")
            else:
                lines.append(f"{key}:")
                lines.extend(f"  - {_yaml_scalar(x)}" for x in val)
        else:
            lines.append(f"{key}: {_yaml_scalar(val)}")
    text = "\n".join(lines) + "\n"
    # Selbsttest: die Datei muss sich wieder zu denselben Werten laden lassen.
    back = yaml.safe_load(text)
    for key in SIDECAR_KEYS:
        exp = meta[key] if key not in ("stand",) else str(meta[key])
        if back[key] != exp:
            raise ValueError(f"Sidecar-Rundreise fehlgeschlagen für {key}")
    return text


# --------------------------------------------------------------------------- main


def build_all(slugs: list[str] | None) -> dict[Path, bytes]:
    sources = sorted(SRC_DIR.glob("*.md"))
    if slugs:
        sources = [p for p in sources if p.stem in slugs]
        missing = set(slugs) - {p.stem for p in sources}
        if missing:
            raise SystemExit(f"Unbekannte Slugs: {', '.join(sorted(missing))}")
    out: dict[Path, bytes] = {}
    for src in sources:
        d = parse_source(src)
        out[OUT_DIR / f"{d.slug}.pdf"] = render(d)
        out[OUT_DIR / f"{d.slug}.yaml"] = sidecar(d.meta).encode("utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="nichts schreiben; Exit 1, wenn eingecheckte Dateien abweichen",
    )
    ap.add_argument("slugs", nargs="*", help="nur diese Digests (Standard: alle)")
    args = ap.parse_args(argv)

    built = build_all(args.slugs or None)
    if args.check:
        bad = []
        for path, data in built.items():
            if not path.exists() or path.read_bytes() != data:
                bad.append(path.relative_to(ROOT))
        if not args.slugs:
            expected = set(built)
            for stray in sorted(OUT_DIR.glob("*.pdf")) + sorted(OUT_DIR.glob("*.yaml")):
                if stray not in expected:
                    bad.append(stray.relative_to(ROOT))
        if bad:
            print("Veraltet oder fehlend (bitte `python tools/build_studien.py` ausführen):")
            for p in bad:
                print(f"  {p}")
            return 1
        print(f"OK: {len(built) // 2} Digests aktuell.")
        return 0

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for path, data in built.items():
        path.write_bytes(data)
        print(f"geschrieben: {path.relative_to(ROOT)} ({len(data)} Bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
