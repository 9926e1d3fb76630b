"""Corpus consistency: every figure in the metadata stands in the programme text by its
qualifier (``foerderberater eval konsistenz corpus/programme``; a test runs it on every file).

Per programme file (vocabulary and keys are already checked by ``ProgrammeMeta``):
1. every ``beleg`` of ``foerdersaetze``/``bedingungen`` stands verbatim in the body;
2. every number of an entry (rate, amounts, employee limit) occurs in the window around its
   beleg (same paragraph or table row, ±300 characters) with the right kind, and its
   qualifiers are near: size word (or table column), applicant group, Verbund/Einzel, basis
   word (Beratertag, Jahr, Kredit …), region names;
3. the single fields agree with the entries (they are upper bounds) and the eligibility numbers
   (``max_beschaeftigte``, ``max_umsatz_mio_eur`` …) stand next to their qualifier;
4. ``unverifiziert`` is not empty.
"""

from __future__ import annotations

import re
from pathlib import Path

from foerderberater.core.errors import FrontMatterError
from foerderberater.core.schema import ProgrammeMeta, parse_meta
from foerderberater.core.terms import AMOUNT_KEYS, Bedingung, Foerdersatz
from foerderberater.evaluation.numbers import (
    SIZE_RX,
    Token,
    below,
    blocks,
    flat,
    has_number,
    nearest_size,
    norm,
    tokens,
)
from foerderberater.index.ingest import split_front_matter

WINDOW = 300
GROUP_RX = {
    "KMU": r"KMU|klein|mittler|Unternehmen|Mittelständ",
    "Großunternehmen": r"gro(?:ß|ss)|Unternehmen",
    "Start-ups": r"Start-up|Gründ|Unternehmen|Phase II",
    "Forschungseinrichtungen": r"Forschungseinrichtung|Wissenschaft|Institut|Phase I\b",
    "Hochschulen": r"Hochschul|Wissenschaft|Phase I\b",
    "Kommunen": r"Kommun",
    "Verbände/Vereine": r"Verein|Verb(?:a|ä)nd|Netzwerk",
    "Privatpersonen": r"Person|Gründ",
}
BEZUG_RX = {
    "Beratertag": r"Beratertag",
    "Jahr": r"Jahr",
    "Monat": r"Monat",
    "Kredit": r"Kredit|Darlehen|Aval",
    "Finanzierungsbedarf": r"[Ff]inanzierungsbedarf",
    "Beratung": r"Beratung",
    "Kapital": r"Kapital",
}
GRANT_ART = ("Zuschuss", "Steuerliche Förderung", "Zuschussanteil")
ENTERPRISE = {"KMU", "Großunternehmen", "Start-ups"}
ELIGIBILITY = {  # field -> (qualifier near the number, kind, factor to euros)
    "max_beschaeftigte": (r"Beschäftigte|Mitarbeite|Vollzeit", "plain", 1),
    "max_umsatz_mio_eur": (r"[Uu]msatz", "eur", 1e6),
    "max_bilanzsumme_mio_eur": (r"Bilanzsumme", "eur", 1e6),
    "max_unternehmensalter_jahre": (r"Jahre|am Markt|alt\b", "plain", 1),
    "min_volumen_eur": (r"Investition|Volumen|Vorhaben|Sachinvestition", "eur", 1),
    "max_volumen_eur": (r"Investition|Volumen|Vorhaben", "eur", 1),
}


def _short(name: str) -> str:
    return re.sub(r"^(?:Landkreis|Stadt|Kreis)\s+", "", name)


def applies_to_size(e: Foerdersatz, size: str) -> bool:
    return (not e.groesse or size in e.groesse) and (
        not e.antragsteller or bool(set(e.antragsteller) & ENTERPRISE)
    )


class FileCheck:
    """The consistency errors (German) of one programme file: ``FileCheck(path).run()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        raw, body = split_front_matter(path.read_text(encoding="utf-8"), path.name)
        meta = parse_meta(raw, path.name, "Programm")
        if not isinstance(meta, ProgrammeMeta):
            raise FrontMatterError(path.name, "kein Programm")
        self.meta = meta
        self.body = norm(body)
        self.flat = flat(body).lower()
        self.blocks = blocks(self.body)
        self.errors: list[str] = []

    def err(self, message: str) -> None:
        self.errors.append(message)

    # ---------------------------------------------------------------- locating text
    def find(self, quote: str) -> tuple[int, int] | None:
        parts = [re.escape(p) for p in flat(quote).split(" ")]
        m = re.search(r"\s+".join(parts), self.body)
        return (m.start(), m.end()) if m else None

    def _line(self, start: int, end: int) -> tuple[int, int]:
        line0 = self.body.rfind("\n", 0, start) + 1
        line1 = self.body.find("\n", end)
        return line0, len(self.body) if line1 < 0 else line1

    def window(self, span: tuple[int, int]) -> tuple[int, str]:
        """The text around a quote: its table row, or its paragraph cut to ±WINDOW."""
        start, end = span
        line0, line1 = self._line(start, end)
        if self.body[line0:].lstrip().startswith("|"):
            return line0, self.body[line0:line1]
        for b0, b1 in self.blocks:
            if b0 <= start < b1:
                lo = max(b0, min(start - WINDOW, line0))
                return lo, self.body[lo : min(b1, max(end + WINDOW, line1))]
        return start, self.body[start:end]

    def table_header(self, offset: int) -> list[str] | None:
        line0 = self.body.rfind("\n", 0, offset) + 1
        if not self.body[line0:].lstrip().startswith("|"):
            return None
        header = None
        for line in reversed(self.body[:line0].split("\n")[:-1]):
            if not line.strip().startswith("|"):
                break
            if not re.match(r"^\s*\|[\s\-:|]+\|\s*$", line):
                header = line
        return [c.strip() for c in header.strip().strip("|").split("|")] if header else None

    # ---------------------------------------------------------------- foerdersaetze
    def check_entry(self, i: int, e: Foerdersatz) -> None:
        span = self.find(e.beleg)
        label = f"foerdersaetze[{i}] ({e.beleg[:50]!r})"
        if span is None:
            self.err(f"foerdersaetze[{i}]: Beleg steht nicht wörtlich im Text: {e.beleg!r}")
            return
        offset, win = self.window(span)
        quote = self.body[span[0] : span[1]]
        satz = e.satz_prozent
        kinds = {t.kind for t in tokens(quote)}
        if satz is not None and "pct" in kinds and not has_number(quote, satz, "pct"):
            self.err(f"{label}: Beleg nennt einen anderen Satz als {satz} %")
        fixed = e.betrag_eur
        if fixed is not None and "eur" in kinds and not has_number(quote, fixed, "eur"):
            self.err(f"{label}: Beleg nennt einen anderen Betrag als {fixed}")
        if satz is not None:
            hits = has_number(win, satz, "pct")
            if not hits:
                self.err(f"{label}: {satz} % steht nicht beim Beleg")
            elif e.groesse:
                self.check_sizes(label, offset, win, hits, e.groesse)
        for key in AMOUNT_KEYS:
            value = getattr(e, key)
            if value is not None and not has_number(win, value, "eur"):
                self.err(f"{label}: {key} {value} steht nicht beim Beleg")
        if e.groesse and satz is None and not any(re.search(SIZE_RX[s], win) for s in e.groesse):
            self.err(f"{label}: Größe {list(e.groesse)} nicht beim Beleg")
        if e.antragsteller and not any(re.search(GROUP_RX[g], win, re.I) for g in e.antragsteller):
            self.err(f"{label}: Antragsteller {list(e.antragsteller)} nicht beim Beleg")
        if e.verbund is not None:
            rx = r"Kooperation|Verbund|Partner|gemeinsam" if e.verbund else r"Einzel|individuell"
            if not re.search(rx + (r"|allein" if not e.verbund else ""), win):
                self.err(f"{label}: verbund={e.verbund} nicht beim Beleg")
        if e.bezug in BEZUG_RX and not re.search(BEZUG_RX[e.bezug], win, re.I):
            self.err(f"{label}: bezug {e.bezug} nicht beim Beleg")
        self.check_regions(label, e, win)

    def check_sizes(
        self, label: str, offset: int, win: str, hits: list[Token], sizes: tuple[str, ...]
    ) -> None:
        header = self.table_header(offset)
        if header:
            cells = win.strip().strip("|").split("|")
            for s in sizes:
                ok = any(
                    has_number(cell, hits[0].value, "pct")
                    and col < len(header)
                    and re.search(SIZE_RX[s], header[col])
                    for col, cell in enumerate(cells)
                )
                if not ok:
                    self.err(f"{label}: Größe {s} passt nicht zur Tabellenspalte")
            return
        for s in sizes:
            if not any(nearest_size(win, h) in (s, "kmu" if s != "gross" else "-") for h in hits):
                self.err(f"{label}: Größe {s} steht nicht unmittelbar beim Satz")

    def check_regions(self, label: str, e: Foerdersatz, win: str) -> None:
        if not e.region:
            return
        for name in e.region:
            if _short(name).lower() not in self.flat:
                self.err(f"{label}: Region {name!r} kommt im Text nicht vor")
        near = flat(win).lower()
        extra = [(e.kategorie or "").split(" ")[0], e.modul or ""]
        if not any(s and s.lower() in near for s in [_short(n) for n in e.region] + extra):
            self.err(f"{label}: weder Region noch Kategorie beim Beleg")

    # ---------------------------------------------------------------- bedingungen
    def check_condition(self, i: int, b: Bedingung) -> None:
        span = self.find(b.beleg)
        if span is None:
            self.err(f"bedingungen[{i}]: Beleg steht nicht wörtlich im Text: {b.beleg!r}")
            return
        _, win = self.window(span)
        where = f"bedingungen[{i}]"
        if b.typ == "max_beschaeftigte_ohne_partner" and b.wert is not None:
            if not (has_number(win, b.wert, "plain") or below(win, b.wert + 1)):
                self.err(f"{where}: {b.wert} Beschäftigte stehen nicht beim Beleg")
            if not re.search(r"Kooperation|Verbund|Partner", win):
                self.err(f"{where}: kein Hinweis auf Kooperation beim Beleg")
        if b.typ == "nur_groesse_in_region":
            for s in b.groessen:
                if not re.search(SIZE_RX[s], win):
                    self.err(f"{where}: Größe {s} nicht beim Beleg")
            for name in b.region:
                if _short(name).lower() not in flat(win).lower():
                    self.err(f"{where}: Region {name!r} nicht beim Beleg")

    # ---------------------------------------------------------------- single fields
    def check_eligibility(self) -> None:
        for key, (qualifier, kind, factor) in ELIGIBILITY.items():
            raw = getattr(self.meta, key)
            if raw is None:
                continue
            value, ok = raw * factor, False
            for t in tokens(self.body):
                near = self.body[max(0, t.start - 120) : t.end + 120]
                if not re.search(qualifier, near) or (kind == "eur" and t.kind != "eur"):
                    continue
                if abs(t.value - value) < 0.5 + 1e-6 * value:
                    ok = True
                elif key == "max_beschaeftigte" and abs(t.value - value - 1) < 0.5:
                    ok = ok or bool(below(self.body[max(0, t.start - 25) : t.end], t.value))
            if not ok:
                self.err(f"{key} = {raw}: nicht im Text bei „{qualifier}“ belegt")

    def check_single_fields(self) -> None:
        m, entries = self.meta, self.meta.foerdersaetze
        old = [
            k
            for k in (
                "foerdersatz_max_prozent",
                "max_betrag_eur",
                "foerdersatz_nach_groesse",
                "foerdersatz_nach_region",
            )
            if getattr(m, k) is not None
        ]
        if old and not entries:
            self.err(f"{old} gesetzt, aber keine foerdersaetze")
            return
        grants = [e for e in entries if e.art in GRANT_ART and e.satz_prozent is not None]
        best = max((e.satz_prozent or 0 for e in grants), default=None)
        if m.foerdersatz_max_prozent is not None and best != m.foerdersatz_max_prozent:
            self.err(f"foerdersatz_max_prozent {m.foerdersatz_max_prozent} ≠ höchster Satz {best}")
        for size, value in (m.foerdersatz_nach_groesse or {}).items():
            mine = [e for e in grants if applies_to_size(e, size)]
            all_max = max((e.satz_prozent or 0 for e in mine), default=None)
            plain = [e for e in mine if not e.region and not e.vorhabenart]
            plain_max = max((e.satz_prozent or 0 for e in plain), default=None)
            if value not in (all_max, plain_max):
                self.err(f"foerdersatz_nach_groesse.{size} {value} ≠ Einträge ({all_max})")
        for region, value in (m.foerdersatz_nach_region or {}).items():
            here = [
                e
                for e in entries
                if e.art in GRANT_ART and _short(region) in {_short(n) for n in e.region}
            ]
            rated = [e for e in here if e.satz_prozent is not None]
            if value is None:
                if rated:
                    self.err(f"foerdersatz_nach_region.{region} null, aber Einträge mit Satz")
                continue
            wanted = value if isinstance(value, dict) else {"": value}
            for size, v in wanted.items():
                top = max(
                    (e.satz_prozent or 0 for e in rated if not size or applies_to_size(e, size)),
                    default=None,
                )
                if top != v:
                    self.err(
                        f"foerdersatz_nach_region.{region}{'.' + size if size else ''} ≠ {top}"
                    )
        cap = m.max_betrag_eur
        if cap is not None and cap not in {
            x for e in entries for x in (e.betrag_max_eur, e.betrag_eur)
        }:
            self.err(f"max_betrag_eur {cap} ist kein betrag_max_eur/betrag_eur der Einträge")

    def run(self) -> list[str]:
        for i, e in enumerate(self.meta.foerdersaetze):
            self.check_entry(i, e)
        for i, b in enumerate(self.meta.bedingungen):
            self.check_condition(i, b)
        self.check_single_fields()
        self.check_eligibility()
        if not self.meta.unverifiziert:
            self.err("unverifiziert: nicht-leere Liste von Sätzen erwartet")
        return self.errors


def check_corpus(folder: Path) -> dict[str, list[str]]:
    """Errors per programme file (slug -> German messages; empty list = consistent)."""
    out: dict[str, list[str]] = {}
    for path in sorted(Path(folder).glob("*.md")):
        try:
            out[path.stem] = FileCheck(path).run()
        except FrontMatterError as exc:
            out[path.stem] = [str(exc)]
    return out
