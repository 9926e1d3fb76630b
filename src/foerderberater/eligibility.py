"""Projekt-Check: deterministic eligibility rules over programme metadata, with reasons.

Every decision comes from the front matter of the programme (see corpus/README.md); the
programme text only supplies the quoted passage that backs a reason. A fact that the corpus does
not give is never guessed: the rule reports "offen" and the programme "passt vielleicht".

Entry points: ``check_project(advisor, profile)`` (used by CLI and web UI),
``evaluate(profile, programmes)`` (pure, no index needed) and ``render_markdown(result)``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from foerderberater.errors import FoerderberaterError, IngestError
from foerderberater.filters import Filters
from foerderberater.ingest import discover, doc_id_for, load_document
from foerderberater.profile import (
    FACT_LABELS,
    FACT_QUESTIONS,
    GROESSE_LABEL,
    Profile,
    SizeClass,
    fmt_eur,
    fmt_number,
    parse_date,
    profile_from_dict,
)
from foerderberater.schema import LAENDER

PASST = "passt"
VIELLEICHT = "passt vielleicht"
NICHT = "passt nicht"
STATUS_ORDER = {PASST: 0, VIELLEICHT: 1, NICHT: 2}

ERFUELLT = "erfüllt"
VERLETZT = "nicht erfüllt"
OFFEN = "offen"
HINWEIS = "Hinweis"

KEINE_ANGABE = "keine Angabe im Korpus"
SOON_DAYS = 30
STALE_DAYS = 365

Canon = Callable[[str], str]


# --------------------------------------------------------------------------- value types


@dataclass(frozen=True)
class Citation:
    """A metadata field (``kind='metadaten'``) or a quoted passage (``kind='text'``)."""

    kind: str
    doc_id: str
    field: str | None = None
    value: Any = None
    section: str | None = None
    page: int | None = None
    excerpt: str | None = None

    def where(self) -> str:
        if self.kind == "metadaten":
            return f"Metadaten `{self.field}` ({self.doc_id})"
        where = self.doc_id + (f", S. {self.page}" if self.page else "")
        return where + (f", Abschnitt „{self.section}“" if self.section else "")

    def label(self) -> str:
        if self.kind == "metadaten" or not self.excerpt:
            return self.where()
        return f"{self.where()}: „{self.excerpt}“"

    def short(self, limit: int = 220) -> str:
        """Compact form for Markdown under a programme heading (the document is known)."""
        if self.kind == "metadaten":
            return f"`{self.field}`"
        page = f", S. {self.page}" if self.page else ""
        where = f"{self.section}{page}" if self.section else self.doc_id + page
        if not self.excerpt:
            return where
        return f"„{_clean(self.excerpt, limit)}“ ({where})"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"art": self.kind, "doc_id": self.doc_id}
        keys = {
            "field": "feld",
            "value": "wert",
            "section": "abschnitt",
            "page": "seite",
            "excerpt": "auszug",
        }
        for key, name in keys.items():
            value = getattr(self, key)
            if value is not None:
                out[name] = value
        return out


@dataclass(frozen=True)
class Reason:
    regel: str
    ergebnis: str  # ERFUELLT | VERLETZT | OFFEN | HINWEIS
    text: str
    belege: tuple[Citation, ...] = ()
    fehlt: str | None = None  # key of FACT_LABELS when a profile fact would decide it

    def to_json(self) -> dict[str, Any]:
        return {
            "regel": self.regel,
            "ergebnis": self.ergebnis,
            "text": self.text,
            "fehlt": FACT_LABELS.get(self.fehlt) if self.fehlt else None,
            "belege": [c.to_json() for c in self.belege],
        }


@dataclass(frozen=True)
class Programme:
    doc_id: str
    slug: str
    title: str
    metadata: dict[str, Any] = field(hash=False, compare=False)
    sections: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def kurzname(self) -> str:
        return str(self.metadata.get("kurzname") or self.title)

    @property
    def url(self) -> str | None:
        url = self.metadata.get("url")
        quellen = self.metadata.get("quellen") or []
        return url or (quellen[0] if quellen else None)


@dataclass(frozen=True)
class Rate:
    prozent_min: float | None
    prozent_max: float | None
    text: str
    belege: tuple[Citation, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "prozent_min": self.prozent_min,
            "prozent_max": self.prozent_max,
            "text": self.text,
            "belege": [c.to_json() for c in self.belege],
        }


@dataclass(frozen=True)
class Amount:
    betrag_eur: float | None  # upper indicative amount
    text: str
    belege: tuple[Citation, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "betrag_eur": round(self.betrag_eur) if self.betrag_eur is not None else None,
            "text": self.text,
            "indikativ": True,
            "belege": [c.to_json() for c in self.belege],
        }


@dataclass(frozen=True)
class Passage:
    """A retrieved passage (free-text relevance), with its rank among programme hits."""

    rang: int
    doc_id: str
    section: str
    page: int | None
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rang": self.rang,
            "doc_id": self.doc_id,
            "section": self.section,
            "page": self.page,
            "text": self.text,
        }


@dataclass(frozen=True)
class ProgrammeCheck:
    programme: Programme
    status: str
    gruende: tuple[Reason, ...]
    foerdersatz: Rate | None
    betrag: Amount | None
    antragsstelle: str
    naechster_schritt: str
    naechster_schritt_beleg: Citation | None
    frist: str
    frist_abgelaufen: bool
    stand: str | None
    stand_veraltet: bool
    kombination: str
    kombination_belege: tuple[Citation, ...] = ()
    textstelle: Passage | None = None

    @property
    def slug(self) -> str:
        return self.programme.slug

    @property
    def fehlende_angaben(self) -> tuple[str, ...]:
        keys = [r.fehlt for r in self.gruende if r.ergebnis == OFFEN and r.fehlt]
        return tuple(FACT_LABELS[k] for k in dict.fromkeys(keys))

    def to_json(self) -> dict[str, Any]:
        p = self.programme
        return {
            "slug": p.slug,
            "doc_id": p.doc_id,
            "titel": p.title,
            "kurzname": p.kurzname,
            "status": self.status,
            "gruende": [r.to_json() for r in self.gruende],
            "fehlende_angaben": list(self.fehlende_angaben),
            "foerdersatz": self.foerdersatz.to_json() if self.foerdersatz else None,
            "betrag": self.betrag.to_json() if self.betrag else None,
            "antragsstelle": self.antragsstelle,
            "naechster_schritt": self.naechster_schritt,
            "naechster_schritt_beleg": (
                self.naechster_schritt_beleg.to_json() if self.naechster_schritt_beleg else None
            ),
            "frist": self.frist,
            "frist_abgelaufen": self.frist_abgelaufen,
            "stand": self.stand,
            "stand_veraltet": self.stand_veraltet,
            "kombination": self.kombination,
            "kombination_belege": [c.to_json() for c in self.kombination_belege],
            "textstelle": self.textstelle.to_json() if self.textstelle else None,
            "url": p.url,
        }


@dataclass(frozen=True)
class Combination:
    a: str
    b: str
    urteil: str  # "kombinierbar" | "nicht kombinierbar" | "widersprüchlich" | "De-minimis"
    text: str
    belege: tuple[Citation, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "programme": [self.a, self.b],
            "urteil": self.urteil,
            "text": self.text,
            "belege": [c.to_json() for c in self.belege],
        }


@dataclass(frozen=True)
class CheckResult:
    profile: Profile
    groesse: SizeClass
    heute: dt.date
    ergebnisse: tuple[ProgrammeCheck, ...]
    kombinationen: tuple[Combination, ...]
    fehlende_angaben: tuple[tuple[str, int], ...]  # (label, number of programmes it keeps open)
    rueckfragen: tuple[str, ...] = ()  # the same facts as German questions (for the chat)
    hinweise: tuple[str, ...] = ()

    def by_status(self, status: str) -> list[ProgrammeCheck]:
        return [r for r in self.ergebnisse if r.status == status]

    def get(self, slug: str) -> ProgrammeCheck | None:
        return next((r for r in self.ergebnisse if r.slug == slug), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "heute": self.heute.isoformat(),
            "profil": self.profile.to_json(),
            "groesse": {
                "klasse": self.groesse.klasse,
                "untergrenze": self.groesse.untergrenze,
                "obergrenze": self.groesse.obergrenze,
                "kmu": self.groesse.kmu,
                "begruendung": self.groesse.begruendung,
            },
            "zusammenfassung": {s: len(self.by_status(s)) for s in STATUS_ORDER},
            "bitte_angeben": [
                {"angabe": label, "programme": n} for label, n in self.fehlende_angaben
            ],
            "rueckfragen": list(self.rueckfragen),
            "programme": [r.to_json() for r in self.ergebnisse],
            "kombinationen": [c.to_json() for c in self.kombinationen],
            "hinweise": list(self.hinweise),
            "indikativ_hinweis": INDIKATIV,
        }


INDIKATIV = (
    "Fördersätze und Beträge sind unverbindlich/indikativ: berechnet aus den Höchstsätzen im "
    "Korpus und Ihrem Gesamtvolumen. Förderfähig sind meist nur bestimmte Kosten; maßgeblich "
    "sind Richtlinie und Bescheid des Fördergebers."
)


# --------------------------------------------------------------------------- loading programmes

_SECTION = re.compile(r"^##\s+(.+?)\s*#*$")


def split_sections(text: str) -> dict[str, str]:
    """'## Heading' blocks of a Markdown programme text."""
    sections: dict[str, list[str]] = {}
    current = ""
    for line in text.split("\n"):
        m = _SECTION.match(line)
        if m:
            current = m.group(1).strip()
            sections.setdefault(current, [])
            continue
        sections.setdefault(current, []).append(line)
    return {k: "\n".join(v).strip() for k, v in sections.items() if "\n".join(v).strip()}


_CACHE: dict[tuple[str, tuple[tuple[str, int, int], ...]], tuple[list[Programme], list[str]]] = {}


def load_programmes(corpus_dir: Path) -> tuple[list[Programme], list[str]]:
    """All programme documents below ``corpus_dir`` (front matter + sections), with warnings."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise FoerderberaterError(f"Korpus-Ordner {corpus_dir} nicht gefunden")
    paths = [p for p in discover(corpus_dir) if p.suffix.lower() in (".md", ".markdown")]
    key = (
        str(corpus_dir.resolve()),
        tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths),
    )
    if key in _CACHE:
        return _CACHE[key]
    programmes: list[Programme] = []
    warnings: list[str] = []
    for path in paths:
        try:
            doc = load_document(path, corpus_dir)
        except IngestError as exc:
            warnings.append(f"Übersprungen: {doc_id_for(path, corpus_dir)}: {exc.reason}")
            continue
        if doc.kind != "programm":
            continue
        text = "\n".join(p.text for p in doc.pages)
        programmes.append(
            Programme(doc.doc_id, doc.slug, doc.title, doc.metadata, split_sections(text))
        )
    _CACHE.clear()
    _CACHE[key] = (programmes, warnings)
    return programmes, warnings


def programmes_from_index(version: Any) -> list[Programme]:
    """Programme records of a loaded ``IndexVersion`` (sections rebuilt from its chunks)."""
    out = []
    for doc_id, rec in sorted(version.docs.items()):
        if rec.kind != "programm":
            continue
        sections: dict[str, list[str]] = {}
        for chunk, _ in version.chunks_of(doc_id):
            sections.setdefault(chunk.section, []).append(chunk.text)
        out.append(
            Programme(
                doc_id,
                rec.slug,
                rec.title,
                rec.metadata,
                {k: "\n".join(v) for k, v in sections.items()},
            )
        )
    return out


def programmes_for(advisor: Any) -> tuple[list[Programme], list[str]]:
    """The corpus files when present (authoritative, no index needed), else the live index."""
    corpus_dir = Path(advisor.settings.corpus_dir)
    if corpus_dir.is_dir():
        programmes, warnings = load_programmes(corpus_dir)
        if programmes:
            return programmes, warnings
    return programmes_from_index(advisor.version), []


# --------------------------------------------------------------------------- passages

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9„(])")
_LIST_MARK = re.compile(r"^(?:[-*]|\d{1,2}\.)\s+")
# a split after these is no sentence end: "bis 50 Mio. Euro", "z. B. Stadtwerke", "1. Januar"
_NO_END = re.compile(
    r"(?:\b(?:Mio|Mrd|Tsd|ca|bzw|vgl|inkl|ggf|Nr|Abs|Art|Kap|max|min|bspw|sog|usw|evtl|"
    r"Std|Jh|St|Dr|Prof|[a-zA-Zäöü])|\d{1,2})\.$"
)


def _sentences(text: str) -> Iterable[str]:
    for line in text.split("\n"):
        line = _LIST_MARK.sub("", line.strip()).strip()
        if not line or line.startswith("|"):
            continue
        merged: list[str] = []
        for piece in _SENTENCE_END.split(line):
            if merged and _NO_END.search(merged[-1]):
                merged[-1] = f"{merged[-1]} {piece}"
            else:
                merged.append(piece)
        yield from (s.strip() for s in merged if s.strip())


def _clean(sentence: str, limit: int = 240) -> str:
    s = re.sub(r"\*\*|`", "", sentence)
    s = re.sub(r"\s*\n\s*(?:[-*]\s+|\d{1,2}\.\s+)?", " ", s).strip()
    return s if len(s) <= limit else s[: limit - 1].rsplit(" ", 1)[0] + " …"


def passage(prog: Programme, pattern: str | None, sections: Sequence[str]) -> Citation | None:
    """First sentence in ``sections`` (in order) matching ``pattern`` (or the first sentence)."""
    rx = re.compile(pattern, re.I) if pattern else None
    for name in sections:
        text = prog.sections.get(name)
        if not text:
            continue
        for sentence in _sentences(text):
            m = rx.search(sentence) if rx else None
            if rx is None or m:
                excerpt = _window(sentence, m.start() if m else 0)
                return Citation("text", prog.doc_id, section=name, excerpt=excerpt)
    return None


def first_passage(
    prog: Programme, patterns: Sequence[str], sections: Sequence[str]
) -> Citation | None:
    """Try the patterns in order (most specific first) over all ``sections``."""
    for pattern in patterns:
        found = passage(prog, pattern, sections)
        if found is not None:
            return found
    return None


def _amount_pattern(value: float) -> str:
    """'30.000 Euro', '1 Mio. Euro', '10 Mio' – how the corpus writes an amount."""
    forms = [re.escape(fmt_number(value))]
    if value >= 1_000_000:
        forms.append(re.escape(fmt_number(value / 1_000_000)) + r"\s*Mio")
    return r"(?<![\d.,])(?:" + "|".join(forms) + r")(?![\d.,]\d)"


def _window(sentence: str, focus: int, limit: int = 200) -> str:
    """The sentence, or a window of it that keeps the matched words visible."""
    s = _clean(sentence, 10**6)
    if len(s) <= limit:
        return s
    if focus < limit - 60:
        return _clean(s, limit)
    start = max(0, min(focus - 60, len(s) - limit))
    cut = s[start:]
    cut = cut.split(" ", 1)[1] if " " in cut[:30] else cut
    return "… " + _clean(cut, limit)


def meta_cite(prog: Programme, key: str, value: Any = None) -> Citation:
    return Citation(
        "metadaten",
        prog.doc_id,
        field=key,
        value=prog.metadata.get(key) if value is None else value,
    )


def _cites(*items: Citation | None) -> tuple[Citation, ...]:
    return tuple(c for c in items if c is not None)


WHO = ("Wer wird gefördert", "Voraussetzungen", "Kurzbeschreibung")
REQ = ("Voraussetzungen", "Wer wird gefördert", "Antragsverfahren", "Hinweise")
WHAT = ("Was wird gefördert", "Kurzbeschreibung")


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Context:
    profile: Profile
    size: SizeClass
    today: dt.date
    canon: Canon


def _join(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values)


def _size_fact(size: SizeClass) -> str:
    return "umsatz" if "Umsatz oder Bilanzsumme" in size.fehlt else "beschaeftigte"


def applicant_groups(profile: Profile, size: SizeClass) -> tuple[set[str], set[str]]:
    """(certain groups, possible groups) of ``foerderberechtigte`` the applicant belongs to."""
    art = profile.art
    if art == "Unternehmen":
        if size.kmu is True:
            return {"KMU"}, {"KMU"}
        if size.kmu is False:
            return {"Großunternehmen"}, {"Großunternehmen"}
        return set(), {"KMU", "Großunternehmen"}
    if art == "Start-up":
        groups = {"Start-ups"} | ({"KMU"} if size.kmu is not False else {"Großunternehmen"})
        return groups, groups
    if art == "Start-up in Gründung":
        return {"Start-ups", "Privatpersonen"}, {"Start-ups", "Privatpersonen"}
    single = {
        "Forschungseinrichtung": "Forschungseinrichtungen",
        "Hochschule": "Hochschulen",
        "Kommune": "Kommunen",
        "Verein": "Verbände/Vereine",
        "Privatperson": "Privatpersonen",
    }.get(art or "")
    return ({single}, {single}) if single else (set(), set())


_GROUP_PATTERNS = {
    "KMU": r"KMU|kleine und mittlere|kleine Unternehmen|Mittelstand|mittelständ|jeder Größe|"
    r"aller Größe|unabhängig von (?:der )?Größe|Unternehmen",
    "Großunternehmen": r"groß|jeder Größe|aller Größe|unabhängig von (?:der )?Größe",
    "Start-ups": r"Start-up|Gründ|junge",
    "Privatpersonen": r"natürliche Person|Privatperson|Gründerin|Gründer",
    "Forschungseinrichtungen": r"Forschungseinrichtung|Wissenschaftseinrichtung|Institut",
    "Hochschulen": r"Hochschul",
    "Kommunen": r"Kommun|Gebietskörperschaft|Landkreis|Zweckverb",
    "Verbände/Vereine": r"Verein|Verbände|Verband",
}


def rule_zielgruppe(prog: Programme, ctx: Context) -> list[Reason]:
    p, meta = ctx.profile, prog.metadata
    allowed = list(meta.get("foerderberechtigte") or [])
    cite_meta = meta_cite(prog, "foerderberechtigte")
    if not p.art:
        return [
            Reason(
                "zielgruppe",
                OFFEN,
                f"Förderberechtigt laut Korpus: {_join(allowed)} – Ihre Art ist nicht angegeben.",
                (cite_meta,),
                "art",
            )
        ]
    certain, possible = applicant_groups(p, ctx.size)
    hits = [g for g in allowed if g in certain]
    if not certain and possible and possible <= set(allowed):
        hits = [g for g in allowed if g in possible]  # every possible size class is eligible
    you = _you(p, ctx.size)
    if hits:
        pattern = "|".join(_GROUP_PATTERNS[g] for g in hits)
        if p.art == "Start-up in Gründung" and not (
            "Gründung" in (meta.get("vorhabenart") or []) or meta.get("nur_vor_gruendung")
        ):
            return [
                Reason(
                    "zielgruppe",
                    OFFEN,
                    f"Förderberechtigt: {_join(allowed)}; das Programm nennt aber keine "
                    f"Gründungsvorhaben – ob vor der Gründung ein Antrag möglich ist: "
                    f"{KEINE_ANGABE}.",
                    _cites(cite_meta, meta_cite(prog, "vorhabenart")),
                )
            ]
        return [
            Reason(
                "zielgruppe",
                ERFUELLT,
                f"Förderberechtigt: {_join(allowed)} – Sie: {you}.",
                _cites(cite_meta, passage(prog, pattern, WHO)),
            )
        ]
    maybe = [g for g in allowed if g in possible]
    if maybe:
        return [
            Reason(
                "zielgruppe",
                OFFEN,
                f"Förderberechtigt nur {_join(allowed)} – ob Sie KMU sind, ist offen "
                f"({ctx.size.begruendung}).",
                (cite_meta,),
                _size_fact(ctx.size),
            )
        ]
    return [
        Reason(
            "zielgruppe",
            VERLETZT,
            f"Förderberechtigt nur {_join(allowed)} – Sie: {you}.",
            _cites(cite_meta, passage(prog, None, ("Wer wird gefördert",))),
        )
    ]


def _you(p: Profile, size: SizeClass) -> str:
    if p.art == "Unternehmen":
        if size.kmu is True:
            return f"KMU ({size.label()})"
        if size.kmu is False:
            return size.label()
        return "Unternehmen, Größe offen"
    return p.art or "unbekannt"


def rule_verbund(prog: Programme, ctx: Context) -> list[Reason]:
    only = prog.metadata.get("nur_im_verbund")
    if not only or not ctx.profile.art:
        return []
    certain, possible = applicant_groups(ctx.profile, ctx.size)
    allowed = set(prog.metadata.get("foerderberechtigte") or [])
    mine = (certain or possible) & allowed
    if not mine or not mine <= set(only):
        return []
    cites = _cites(meta_cite(prog, "nur_im_verbund"), passage(prog, r"Verbund|Kooperation", REQ))
    groups = _join(sorted(mine))
    if ctx.profile.verbund is True:
        return [
            Reason(
                "verbund",
                ERFUELLT,
                f"{groups} nur im Verbund/als Kooperationspartner – Sie planen ein Verbundprojekt.",
                cites,
            )
        ]
    if ctx.profile.verbund is False:
        return [
            Reason(
                "verbund",
                VERLETZT,
                f"{groups} nur im Verbund/als Kooperationspartner – Sie planen kein "
                "Verbundprojekt.",
                cites,
            )
        ]
    return [
        Reason(
            "verbund",
            OFFEN,
            f"{groups} nur im Verbund/als Kooperationspartner möglich – ist ein Verbund geplant?",
            cites,
            "verbund",
        )
    ]


def rule_gebiet(prog: Programme, ctx: Context) -> list[Reason]:
    p = ctx.profile
    gebiet = list(prog.metadata.get("foerdergebiet") or [])
    laender = [g for g in gebiet if g in LAENDER]
    cite = meta_cite(prog, "foerdergebiet")
    if not laender:
        return [
            Reason(
                "foerdergebiet",
                ERFUELLT,
                f"Fördergebiet {_join(gebiet)} – bundesweit/EU-weit offen.",
                (cite,),
            )
        ]
    if not p.land:
        return [
            Reason(
                "foerdergebiet",
                OFFEN,
                f"Fördergebiet {_join(laender)} – Ihr Standort ist nicht angegeben bzw. nicht "
                "erkannt.",
                (cite,),
                "standort",
            )
        ]
    if p.land in laender:
        return [
            Reason(
                "foerdergebiet",
                ERFUELLT,
                f"Fördergebiet {_join(laender)} – Ihr Standort {p.standort_label()} liegt in "
                f"{p.land}.",
                _cites(cite, passage(prog, re.escape(p.land), REQ)),
            )
        ]
    return [
        Reason(
            "foerdergebiet",
            VERLETZT,
            f"Fördergebiet {_join(laender)} – Ihr Standort {p.standort_label()} liegt in {p.land}.",
            _cites(cite, passage(prog, r"Sitz|Betriebsstätte|Investitionsort|Standort", REQ)),
        )
    ]


def rule_landkreise(prog: Programme, ctx: Context) -> list[Reason]:
    kreise = prog.metadata.get("landkreise")
    if not kreise:
        return []
    p = ctx.profile
    cite = meta_cite(prog, "landkreise")
    canon = {ctx.canon(k) for k in kreise}
    if not p.kreis:
        fact = "kreis" if p.land else "standort"
        return [
            Reason(
                "landkreise",
                OFFEN,
                f"Nur in bestimmten Landkreisen ({_join(kreise)}) – Ihr Landkreis ist nicht "
                "bekannt.",
                (cite,),
                fact,
            )
        ]
    if ctx.canon(p.kreis) in canon:
        return [
            Reason(
                "landkreise",
                ERFUELLT,
                f"Gebietsbindung an bestimmte Landkreise – {p.standort_label()} gehört dazu.",
                _cites(cite, passage(prog, re.escape(p.kreis.split(" (")[0]), WHO)),
            )
        ]
    return [
        Reason(
            "landkreise",
            VERLETZT,
            f"Nur in {_join(kreise)} – Ihr Standort {p.standort_label()} liegt nicht im "
            "Fördergebiet.",
            _cites(cite, passage(prog, r"Landkreis|Fördergebiet|ausschließlich", WHO)),
        )
    ]


_SIZE_PASSAGE = (
    r"Beschäftigte|KMU|kleine und mittlere|kleine Unternehmen|Vollzeitäquivalent|Mitarbeit"
)


def rule_kmu(prog: Programme, ctx: Context) -> list[Reason]:
    if not prog.metadata.get("nur_kmu") or not ctx.profile.unternehmerisch:
        return []
    cites = _cites(meta_cite(prog, "nur_kmu"), passage(prog, _SIZE_PASSAGE, WHO))
    size = ctx.size
    if size.kmu is True:
        return [Reason("nur_kmu", ERFUELLT, f"Nur KMU – Sie: {size.label()}.", cites)]
    if size.kmu is False:
        return [Reason("nur_kmu", VERLETZT, f"Nur KMU – {size.begruendung}.", cites)]
    return [
        Reason(
            "nur_kmu",
            OFFEN,
            f"Nur KMU – Ihre Größenklasse ist offen ({size.begruendung}).",
            cites,
            _size_fact(size),
        )
    ]


def rule_beschaeftigte(prog: Programme, ctx: Context) -> list[Reason]:
    limit = prog.metadata.get("max_beschaeftigte")
    p = ctx.profile
    if limit is None or not p.unternehmerisch or p.art == "Start-up in Gründung":
        return []
    numbers = "|".join(fmt_number(n) for n in (limit, limit + 1))
    cites = _cites(
        meta_cite(prog, "max_beschaeftigte"),
        first_passage(prog, [rf"(?:{numbers}) (?:Beschäftigte|Mitarbeit)", r"Beschäftigte"], WHO),
    )
    if p.beschaeftigte is None:
        return [
            Reason(
                "max_beschaeftigte",
                OFFEN,
                f"Höchstens {fmt_number(limit)} Beschäftigte – Ihre Zahl fehlt.",
                cites,
                "beschaeftigte",
            )
        ]
    ok = p.beschaeftigte <= limit
    return [
        Reason(
            "max_beschaeftigte",
            ERFUELLT if ok else VERLETZT,
            f"Höchstens {fmt_number(limit)} Beschäftigte – Sie haben "
            f"{fmt_number(p.beschaeftigte)}.",
            cites,
        )
    ]


def rule_umsatz(prog: Programme, ctx: Context) -> list[Reason]:
    meta, p = prog.metadata, ctx.profile
    lu, lb = meta.get("max_umsatz_mio_eur"), meta.get("max_bilanzsumme_mio_eur")
    if (lu is None and lb is None) or not p.unternehmerisch or p.art == "Start-up in Gründung":
        return []
    keys = [k for k, v in (("max_umsatz_mio_eur", lu), ("max_bilanzsumme_mio_eur", lb)) if v]
    cites = _cites(*(meta_cite(prog, k) for k in keys), passage(prog, r"Umsatz|Bilanzsumme", WHO))
    limits = " oder ".join(
        t
        for t in (
            f"Umsatz bis {fmt_number(lu)} Mio. €" if lu is not None else "",
            f"Bilanzsumme bis {fmt_number(lb)} Mio. €" if lb is not None else "",
        )
        if t
    )
    u_ok = None if lu is None or p.umsatz_mio is None else p.umsatz_mio <= lu
    b_ok = None if lb is None or p.bilanzsumme_mio is None else p.bilanzsumme_mio <= lb
    have = ", ".join(
        t
        for t in (
            f"Umsatz {fmt_number(p.umsatz_mio)} Mio. €" if p.umsatz_mio is not None else "",
            f"Bilanzsumme {fmt_number(p.bilanzsumme_mio)} Mio. €"
            if p.bilanzsumme_mio is not None
            else "",
        )
        if t
    )
    if u_ok or b_ok:
        return [Reason("umsatz", ERFUELLT, f"{limits} – Sie: {have}.", cites)]
    decided_fail = (lu is None or u_ok is False) and (lb is None or b_ok is False)
    if decided_fail:
        return [Reason("umsatz", VERLETZT, f"{limits} – Sie: {have}.", cites)]
    return [
        Reason(
            "umsatz",
            OFFEN,
            f"{limits} – " + (f"Sie: {have}; " if have else "") + "Angabe fehlt.",
            cites,
            "umsatz",
        )
    ]


def rule_alter(prog: Programme, ctx: Context) -> list[Reason]:
    limit = prog.metadata.get("max_unternehmensalter_jahre")
    p = ctx.profile
    if limit is None or not p.unternehmerisch:
        return []
    cites = _cites(
        meta_cite(prog, "max_unternehmensalter_jahre"),
        passage(prog, r"Jahre alt|Jahre am Markt|Unternehmensalter|drei Jahre|5 Jahre", WHO),
    )
    age = p.alter_jahre(ctx.today)
    if age is None:
        return [
            Reason(
                "unternehmensalter",
                OFFEN,
                f"Unternehmen höchstens {fmt_number(limit)} Jahre alt – Gründungsjahr fehlt.",
                cites,
                "alter",
            )
        ]
    who = (
        "Gründungsvorhaben"
        if p.art == "Start-up in Gründung"
        else f"gegründet {p.gruendungsjahr} (rund {age} Jahre)"
    )
    text = f"Unternehmen höchstens {fmt_number(limit)} Jahre alt – Sie: {who}."
    if age == limit and p.art != "Start-up in Gründung":
        return [
            Reason(
                "unternehmensalter",
                OFFEN,
                text + " Grenzfall: das genaue Gründungsdatum entscheidet.",
                cites,
                "alter",
            )
        ]
    return [Reason("unternehmensalter", ERFUELLT if age < limit else VERLETZT, text, cites)]


def rule_vor_gruendung(prog: Programme, ctx: Context) -> list[Reason]:
    if not prog.metadata.get("nur_vor_gruendung"):
        return []
    art = ctx.profile.art
    cites = _cites(
        meta_cite(prog, "nur_vor_gruendung"),
        passage(prog, r"Gründung.{0,60}noch nicht|vor der (?:Unternehmens)?gründung", WHAT + REQ),
    )
    if art == "Start-up in Gründung":
        return [
            Reason("vor_gruendung", ERFUELLT, "Nur vor der Gründung – Sie gründen noch.", cites)
        ]
    if art in ("Unternehmen", "Start-up"):
        return [
            Reason(
                "vor_gruendung",
                VERLETZT,
                "Nur vor der Gründung – Ihr Unternehmen besteht bereits.",
                cites,
            )
        ]
    if art is None:
        return [Reason("vor_gruendung", OFFEN, "Nur vor der Gründung – Art fehlt.", cites, "art")]
    return []


def rule_hochschulgruendung(prog: Programme, ctx: Context) -> list[Reason]:
    if not prog.metadata.get("nur_hochschulgruendung"):
        return []
    p = ctx.profile
    cites = _cites(
        meta_cite(prog, "nur_hochschulgruendung"),
        passage(prog, r"Hochschul|Forschungseinrichtung|Wissenschaft", WHO),
    )
    label = "Nur Gründungen aus Hochschulen/Forschungseinrichtungen"
    if p.art in ("Hochschule", "Forschungseinrichtung"):
        return [Reason("hochschulgruendung", ERFUELLT, f"{label} – Sie: {p.art}.", cites)]
    if p.art not in ("Start-up in Gründung", "Start-up"):
        return []
    if p.hochschulgruendung is None:
        return [
            Reason(
                "hochschulgruendung",
                OFFEN,
                f"{label} – kommt Ihre Gründung aus einer Hochschule oder einem Institut?",
                cites,
                "hochschulgruendung",
            )
        ]
    if p.hochschulgruendung:
        return [Reason("hochschulgruendung", ERFUELLT, f"{label} – Ihre Gründung ja.", cites)]
    return [
        Reason(
            "hochschulgruendung",
            VERLETZT,
            f"{label} – Ihre Gründung kommt nicht aus der Wissenschaft.",
            cites,
        )
    ]


def rule_rechtsform(prog: Programme, ctx: Context) -> list[Reason]:
    forms = prog.metadata.get("rechtsform")
    p = ctx.profile
    if not forms or not p.unternehmerisch:
        return []
    cites = _cites(
        meta_cite(prog, "rechtsform"), passage(prog, r"Kapitalgesellschaft|Rechtsform", WHO)
    )
    if p.rechtsform is None:
        return [
            Reason(
                "rechtsform",
                OFFEN,
                f"Nur Rechtsform {_join(forms)} – Ihre Rechtsform fehlt.",
                cites,
                "rechtsform",
            )
        ]
    ok = p.rechtsform in forms
    return [
        Reason(
            "rechtsform",
            ERFUELLT if ok else VERLETZT,
            f"Nur Rechtsform {_join(forms)} – Sie: {p.rechtsform}.",
            cites,
        )
    ]


def rule_freie_berufe(prog: Programme, ctx: Context) -> list[Reason]:
    if ctx.profile.freier_beruf is not True:
        return []
    flag = prog.metadata.get("freie_berufe")
    cite_text = passage(prog, r"Freie[rn]? Beruf|Freiberuf", WHO)
    if flag is None:
        return [
            Reason(
                "freie_berufe",
                OFFEN,
                f"Ob Freie Berufe antragsberechtigt sind: {KEINE_ANGABE}.",
                _cites(cite_text),
            )
        ]
    cites = _cites(meta_cite(prog, "freie_berufe"), cite_text)
    if flag:
        return [Reason("freie_berufe", ERFUELLT, "Freie Berufe sind antragsberechtigt.", cites)]
    return [Reason("freie_berufe", VERLETZT, "Freie Berufe sind ausgeschlossen.", cites)]


def rule_vorhabenart(prog: Programme, ctx: Context) -> list[Reason]:
    arten = list(prog.metadata.get("vorhabenart") or [])
    cite = meta_cite(prog, "vorhabenart")
    mine = ctx.profile.vorhaben
    if not mine:
        return [
            Reason(
                "vorhabenart",
                OFFEN,
                f"Gefördert werden: {_join(arten)} – Ihre Vorhabenart fehlt.",
                (cite,),
                "vorhaben",
            )
        ]
    hits = [v for v in mine if v in arten]
    if hits:
        return [
            Reason(
                "vorhabenart",
                ERFUELLT,
                f"Gefördert werden: {_join(arten)} – Ihr Vorhaben: {_join(mine)}.",
                _cites(cite, passage(prog, None, ("Was wird gefördert",))),
            )
        ]
    return [
        Reason(
            "vorhabenart",
            VERLETZT,
            f"Gefördert werden nur: {_join(arten)} – Ihr Vorhaben: {_join(mine)}.",
            _cites(cite, passage(prog, None, ("Was wird gefördert",))),
        )
    ]


def rule_technologie(prog: Programme, ctx: Context) -> list[Reason]:
    felder = list(prog.metadata.get("technologiefelder") or [])
    cite = meta_cite(prog, "technologiefelder")
    if "technologieoffen" in felder:
        return [Reason("technologie", ERFUELLT, "Technologieoffen.", (cite,))]
    mine = ctx.profile.technologien
    if not mine:
        return [
            Reason(
                "technologie",
                OFFEN,
                f"Nur Technologiefelder {_join(felder)} – Ihr Technologiefeld fehlt.",
                (cite,),
                "technologie",
            )
        ]
    hits = [t for t in mine if t in felder]
    return [
        Reason(
            "technologie",
            ERFUELLT if hits else VERLETZT,
            f"Technologiefelder laut Korpus: {_join(felder)} – Ihres: {_join(mine)}.",
            (cite,),
        )
    ]


def rule_foerderart(prog: Programme, ctx: Context) -> list[Reason]:
    wanted = ctx.profile.foerderart
    if not wanted:
        return []
    arten = list(prog.metadata.get("foerderart") or [])
    ok = any(w in arten for w in wanted)
    return [
        Reason(
            "foerderart",
            ERFUELLT if ok else VERLETZT,
            f"Förderart {_join(arten)} – gesucht: {_join(wanted)}.",
            (meta_cite(prog, "foerderart"),),
        )
    ]


def rule_volumen(prog: Programme, ctx: Context) -> list[Reason]:
    low, high = prog.metadata.get("min_volumen_eur"), prog.metadata.get("max_volumen_eur")
    if low is None and high is None:
        return []
    keys = [k for k, v in (("min_volumen_eur", low), ("max_volumen_eur", high)) if v is not None]
    cites = _cites(
        *(meta_cite(prog, k) for k in keys),
        first_passage(
            prog,
            [_amount_pattern(v) for v in (low, high) if v is not None]
            + [r"Investitionsvolumen|Sachinvestitionen|förderfähiges Volumen"],
            WHAT + ("Art und Höhe der Förderung",) + REQ,
        ),
    )
    span = " ".join(
        t
        for t in (
            f"mindestens {fmt_eur(low)}" if low is not None else "",
            f"höchstens {fmt_eur(high)}" if high is not None else "",
        )
        if t
    )
    vol = ctx.profile.volumen_eur
    if vol is None:
        return [Reason("volumen", OFFEN, f"Volumen {span} – Ihr Volumen fehlt.", cites, "volumen")]
    ok = (low is None or vol >= low) and (high is None or vol <= high)
    return [
        Reason(
            "volumen",
            ERFUELLT if ok else VERLETZT,
            f"Volumen {span} – Ihres: {fmt_eur(vol)}.",
            cites,
        )
    ]


_BEGINN_PASSAGE = (
    r"vor (?:dem |der )?(?:Beginn|Vorhabenbeginn|Maßnahmenbeginn|Projektbeginn|Projektstart|"
    r"Abschluss des Kreditvertrags|Kreditgewährung|Antragstellung)|nicht begonnen|"
    r"begonnen werden|bereits begonnen|begonnener|begonnene|eigenes Risiko|rückwirkend|nachträglich"
)


def rule_beginn(prog: Programme, ctx: Context) -> list[Reason]:
    meta, p = prog.metadata, ctx.profile
    flag = meta.get("antrag_vor_vorhabenbeginn")
    started = p.started(ctx.today)
    hint = meta.get("vorhabenbeginn_hinweis")
    extra = f" {hint}" if hint else ""
    text_cite = passage(prog, _BEGINN_PASSAGE, REQ)
    hint_cite = meta_cite(prog, "vorhabenbeginn_hinweis") if hint else None
    if flag is True:
        cites = _cites(meta_cite(prog, "antrag_vor_vorhabenbeginn"), text_cite, hint_cite)
        if started is True:
            return [
                Reason(
                    "vorhabenbeginn",
                    VERLETZT,
                    "Antrag vor Vorhabenbeginn – Ihr Vorhaben hat schon begonnen." + extra,
                    cites,
                )
            ]
        if started is False:
            when = f" (geplant: {p.beginn.isoformat()})" if p.beginn else ""
            return [
                Reason(
                    "vorhabenbeginn",
                    ERFUELLT,
                    f"Antrag vor Vorhabenbeginn – Ihr Vorhaben hat noch nicht begonnen{when}; "
                    "erst Antrag stellen, dann beginnen." + extra,
                    cites,
                )
            ]
        return [
            Reason(
                "vorhabenbeginn",
                OFFEN,
                "Antrag vor Vorhabenbeginn – hat Ihr Vorhaben schon begonnen?" + extra,
                cites,
                "beginn",
            )
        ]
    if flag is False:
        return [
            Reason(
                "vorhabenbeginn",
                ERFUELLT,
                "Antrag auch nach Vorhabenbeginn möglich." + extra,
                _cites(meta_cite(prog, "antrag_vor_vorhabenbeginn"), text_cite),
            )
        ]
    if started is True:
        return [
            Reason(
                "vorhabenbeginn",
                OFFEN,
                f"Ob ein schon begonnenes Vorhaben gefördert werden kann: {KEINE_ANGABE}." + extra,
                _cites(text_cite, hint_cite),
            )
        ]
    return [
        Reason(
            "vorhabenbeginn",
            HINWEIS,
            f"Regel zum Vorhabenbeginn: {KEINE_ANGABE} – im Zweifel erst nach dem Antrag "
            "beginnen." + extra,
            _cites(text_cite, hint_cite),
        )
    ]


def rule_frist(prog: Programme, ctx: Context) -> list[Reason]:
    frist = prog.metadata.get("antragsfrist")
    if not frist or frist == "laufend":
        return []
    try:
        day = dt.date.fromisoformat(str(frist))
    except ValueError:
        return []
    cites = _cites(
        meta_cite(prog, "antragsfrist"),
        meta_cite(prog, "frist_hinweis") if prog.metadata.get("frist_hinweis") else None,
    )
    if day < ctx.today:
        return [
            Reason(
                "antragsfrist",
                VERLETZT,
                f"Antragsfrist {day.isoformat()} ist abgelaufen (Stand "
                f"{prog.metadata.get('stand')}); ein neuer Aufruf ist im Korpus nicht belegt.",
                cites,
            )
        ]
    days = (day - ctx.today).days
    if days <= SOON_DAYS:
        return [
            Reason(
                "antragsfrist",
                HINWEIS,
                f"Antragsfrist {day.isoformat()} – nur noch {days} Tage.",
                cites,
            )
        ]
    return []


RULES: tuple[Callable[[Programme, Context], list[Reason]], ...] = (
    rule_zielgruppe,
    rule_verbund,
    rule_gebiet,
    rule_landkreise,
    rule_kmu,
    rule_beschaeftigte,
    rule_umsatz,
    rule_alter,
    rule_vor_gruendung,
    rule_hochschulgruendung,
    rule_rechtsform,
    rule_freie_berufe,
    rule_vorhabenart,
    rule_technologie,
    rule_foerderart,
    rule_volumen,
    rule_beginn,
    rule_frist,
)


def status_of(reasons: Sequence[Reason]) -> str:
    if any(r.ergebnis == VERLETZT for r in reasons):
        return NICHT
    if any(r.ergebnis == OFFEN for r in reasons):
        return VIELLEICHT
    return PASST


# --------------------------------------------------------------------------- rate and amount


def _region_value(prog: Programme, ctx: Context) -> tuple[bool, Any, str | None]:
    """(found, value, key) of ``foerdersatz_nach_region`` for the profile's Kreis, then Land."""
    regions = prog.metadata.get("foerdersatz_nach_region") or {}
    p = ctx.profile
    if p.kreis:
        for name, value in regions.items():
            if ctx.canon(name) == ctx.canon(p.kreis):
                return True, value, name
    if p.land and p.land in regions:
        return True, regions[p.land], p.land
    return False, None, None


def _pct(value: float) -> str:
    return f"{fmt_number(value)} %"


def rate_for(prog: Programme, ctx: Context) -> Rate | None:
    meta, p, size = prog.metadata, ctx.profile, ctx.size
    by_size = meta.get("foerdersatz_nach_groesse") or {}
    top = meta.get("foerdersatz_max_prozent")
    enterprise = p.unternehmerisch
    rc = size.rate_class if enterprise else None
    found, value, key = _region_value(prog, ctx)
    if found:
        cite = Citation(
            "metadaten", prog.doc_id, field=f"foerdersatz_nach_region.{key}", value=value
        )
        if value is None:
            upper = _size_rate(by_size, rc) if enterprise else None
            upper = upper if upper is not None else top
            tail = f"; Obergrenze im Programm bis zu {_pct(upper)}" if upper is not None else ""
            return Rate(
                None,
                None,
                f"Satz für {key} im Korpus nicht beziffert{tail}.",
                (cite,),
            )
        if isinstance(value, dict):
            if rc and rc in value:
                return Rate(
                    value[rc],
                    value[rc],
                    f"bis zu {_pct(value[rc])} ({GROESSE_LABEL[rc]}, Standort {key})",
                    (cite,),
                )
            if value and enterprise:
                lo, hi = min(value.values()), max(value.values())
                return Rate(
                    lo, hi, f"{_pct(lo)} bis {_pct(hi)} je nach Größe (Standort {key})", (cite,)
                )
        else:
            return Rate(value, value, f"bis zu {_pct(value)} (Standort {key})", (cite,))
    if by_size and enterprise:
        if rc and rc in by_size:
            cite = Citation(
                "metadaten", prog.doc_id, field=f"foerdersatz_nach_groesse.{rc}", value=by_size[rc]
            )
            return Rate(
                by_size[rc],
                by_size[rc],
                f"bis zu {_pct(by_size[rc])} ({GROESSE_LABEL[rc]})",
                (cite,),
            )
        lo, hi = min(by_size.values()), max(by_size.values())
        return Rate(
            lo,
            hi,
            f"{_pct(lo)} bis {_pct(hi)} je nach Unternehmensgröße (Größe noch offen)",
            (meta_cite(prog, "foerdersatz_nach_groesse"),),
        )
    if top is not None:
        note = "" if enterprise or not by_size else "; für Ihre Art können andere Sätze gelten"
        return Rate(
            top,
            top,
            f"bis zu {_pct(top)} (Höchstsatz laut Korpus{note})",
            (meta_cite(prog, "foerdersatz_max_prozent"),),
        )
    return None


def _size_rate(by_size: dict[str, float], rc: str | None) -> float | None:
    if rc and rc in by_size:
        return by_size[rc]
    return max(by_size.values()) if by_size else None


def amount_for(prog: Programme, ctx: Context, rate: Rate | None) -> Amount | None:
    meta = prog.metadata
    arten = list(meta.get("foerderart") or [])
    cap = meta.get("max_betrag_eur")
    vol = ctx.profile.volumen_eur
    cap_cite = meta_cite(prog, "max_betrag_eur") if cap is not None else None
    noun = (
        "Kredit"
        if arten == ["Darlehen"]
        else "Zulage"
        if arten == ["Steuerliche Förderung"]
        else "Förderung"
    )
    if not set(arten) & {"Zuschuss", "Darlehen", "Steuerliche Förderung"}:
        if cap is not None:
            return Amount(
                None,
                f"Höchstbetrag laut Korpus: {fmt_eur(cap)} ({_join(arten)}) – unverbindlich.",
                (cap_cite,) if cap_cite else (),
            )
        return None
    if rate is None or rate.prozent_max is None:
        if cap is not None:
            return Amount(
                None,
                f"Höchstbetrag laut Korpus: {fmt_eur(cap)}; Satz für Ihr Profil nicht berechenbar "
                "– unverbindlich.",
                (cap_cite,) if cap_cite else (),
            )
        return None
    if vol is None:
        text = "Für einen indikativen Betrag bitte das Volumen angeben"
        if cap is not None:
            text += f" (Höchstbetrag laut Korpus: {fmt_eur(cap)})"
        return Amount(None, text + ".", _cites(*rate.belege, cap_cite))
    hi = vol * rate.prozent_max / 100
    capped = cap is not None and hi > cap
    value = min(hi, cap) if cap is not None else hi
    pct = (
        _pct(rate.prozent_max)
        if rate.prozent_min == rate.prozent_max
        else f"bis {_pct(rate.prozent_max)}"
    )
    text = f"indikativ, unverbindlich: {noun} bis zu {fmt_eur(value)} ({pct} von {fmt_eur(vol)}"
    text += f", gedeckelt auf den Höchstbetrag {fmt_eur(cap)})" if capped else ")"
    return Amount(value, text, _cites(*rate.belege, cap_cite))


# --------------------------------------------------------------------------- frist, next step


def frist_text(prog: Programme, today: dt.date) -> tuple[str, bool]:
    meta = prog.metadata
    frist = meta.get("antragsfrist")
    hint = meta.get("frist_hinweis")
    tail = f" – {hint}" if hint else ""
    if frist == "laufend":
        return "laufend" + tail, False
    try:
        day = dt.date.fromisoformat(str(frist))
    except ValueError:
        return (str(frist) if frist else KEINE_ANGABE) + tail, False
    if day < today:
        return f"abgelaufen am {day.isoformat()}{tail}", True
    days = (day - today).days
    soon = " – läuft bald ab" if days <= SOON_DAYS else ""
    return f"bis {day.isoformat()} (noch {days} Tage{soon}){tail}", False


def next_step(prog: Programme, ctx: Context) -> tuple[str, Citation | None]:
    cite = None
    text = prog.sections.get("Antragsverfahren", "")
    sentences = list(_sentences(text))
    if sentences:
        first = sentences[0]
        if first.endswith(":") and len(sentences) > 1:  # "Dreistufig:" + first step
            first = f"{first} {sentences[1]}"
        cite = Citation("text", prog.doc_id, section="Antragsverfahren", excerpt=_clean(first))
    step = cite.excerpt if cite else f"Antrag bei: {prog.metadata.get('antragsstelle')}"
    if prog.metadata.get("antrag_vor_vorhabenbeginn") and ctx.profile.started(ctx.today) is False:
        when = f" (geplant: {ctx.profile.beginn.isoformat()})" if ctx.profile.beginn else ""
        step = f"Antrag vor Projektbeginn{when} stellen. {step}"
    return step, cite


# --------------------------------------------------------------------------- combinations


def combination_note(prog: Programme) -> tuple[str, tuple[Citation, ...]]:
    meta = prog.metadata
    parts: list[str] = []
    cites: list[Citation] = []
    if meta.get("de_minimis"):
        parts.append("Förderung als De-minimis-Beihilfe")
        cites.append(meta_cite(prog, "de_minimis"))
    if meta.get("kumulierung_hinweis"):
        parts.append(str(meta["kumulierung_hinweis"]))
        cites.append(meta_cite(prog, "kumulierung_hinweis"))
    for key, label in (
        ("kumulierbar_mit", "kombinierbar mit"),
        ("nicht_kumulierbar_mit", "nicht kombinierbar mit"),
    ):
        if meta.get(key):
            parts.append(f"{label} {_join(meta[key])}")
            cites.append(meta_cite(prog, key))
    if meta.get("de_minimis") is False:
        parts.append("keine De-minimis-Beihilfe")
        cites.append(meta_cite(prog, "de_minimis"))
    if not parts:
        return f"Kumulierung: {KEINE_ANGABE}.", ()
    return "; ".join(part.rstrip(".") for part in parts) + ".", tuple(cites)


def combinations(checks: Sequence[ProgrammeCheck]) -> list[Combination]:
    """Pairwise statements the corpus makes about the given (fitting) programmes."""
    out: list[Combination] = []
    progs = [c.programme for c in checks]
    for i, a in enumerate(progs):
        for b in progs[i + 1 :]:
            ma, mb = a.metadata, b.metadata
            no = [
                meta_cite(x, "nicht_kumulierbar_mit")
                for x, y in ((a, b), (b, a))
                if y.slug in (x.metadata.get("nicht_kumulierbar_mit") or [])
            ]
            yes = [
                meta_cite(x, "kumulierbar_mit")
                for x, y in ((a, b), (b, a))
                if y.slug in (x.metadata.get("kumulierbar_mit") or [])
            ]
            if no and yes:
                out.append(
                    Combination(
                        a.slug,
                        b.slug,
                        "widersprüchlich",
                        "Die Angaben im Korpus widersprechen sich – beim Fördergeber klären.",
                        tuple(no + yes),
                    )
                )
            elif no:
                out.append(
                    Combination(
                        a.slug,
                        b.slug,
                        "nicht kombinierbar",
                        "laut Korpus ausgeschlossen",
                        tuple(no),
                    )
                )
            elif yes:
                out.append(
                    Combination(
                        a.slug,
                        b.slug,
                        "kombinierbar",
                        "laut Korpus kombinierbar (Beihilfegrenzen beachten)",
                        tuple(yes),
                    )
                )
            elif ma.get("de_minimis") and mb.get("de_minimis"):
                out.append(
                    Combination(
                        a.slug,
                        b.slug,
                        "De-minimis",
                        "beide als De-minimis-Beihilfe – sie zählen gemeinsam auf die "
                        "De-minimis-Obergrenze des Unternehmens",
                        (meta_cite(a, "de_minimis"), meta_cite(b, "de_minimis")),
                    )
                )
    return out


# --------------------------------------------------------------------------- evaluation


def check_programme(prog: Programme, ctx: Context, stale_days: int = STALE_DAYS) -> ProgrammeCheck:
    reasons: list[Reason] = []
    for rule in RULES:
        reasons.extend(rule(prog, ctx))
    status = status_of(reasons)
    rate = rate_for(prog, ctx)
    amount = amount_for(prog, ctx, rate)
    step, step_cite = next_step(prog, ctx)
    frist, expired = frist_text(prog, ctx.today)
    stand = prog.metadata.get("stand")
    stale = False
    if stand:
        try:
            stale = (ctx.today - dt.date.fromisoformat(stand)).days > stale_days
        except ValueError:
            stale = False
    combo, combo_cites = combination_note(prog)
    return ProgrammeCheck(
        programme=prog,
        status=status,
        gruende=tuple(reasons),
        foerdersatz=rate,
        betrag=amount,
        antragsstelle=str(prog.metadata.get("antragsstelle") or KEINE_ANGABE),
        naechster_schritt=step,
        naechster_schritt_beleg=step_cite,
        frist=frist,
        frist_abgelaufen=expired,
        stand=stand,
        stand_veraltet=stale,
        kombination=combo,
        kombination_belege=combo_cites,
    )


def _identity(name: str) -> str:
    return name


def evaluate(
    profile: Profile,
    programmes: Sequence[Programme],
    *,
    today: dt.date | None = None,
    canon: Canon | None = None,
    passages: dict[str, Passage] | None = None,
    stale_days: int = STALE_DAYS,
    hinweise: Sequence[str] = (),
) -> CheckResult:
    """Check ``profile`` against every programme; pure function of metadata (and sections)."""
    today = today or dt.date.today()
    ctx = Context(profile, profile.size(), today, canon or _identity)
    passages = passages or {}
    checks = []
    for prog in programmes:
        check = check_programme(prog, ctx, stale_days)
        if prog.slug in passages:
            check = _with_passage(check, passages[prog.slug])
        checks.append(check)

    def key(c: ProgrammeCheck) -> tuple[Any, ...]:
        open_count = sum(r.ergebnis == OFFEN for r in c.gruende)
        rank = c.textstelle.rang if c.textstelle else 10**6
        return (STATUS_ORDER[c.status], open_count, rank, c.programme.kurzname.casefold())

    checks.sort(key=key)
    fitting = [c for c in checks if c.status != NICHT]
    counter: Counter[str] = Counter()
    for c in fitting:
        for fact in {r.fehlt for r in c.gruende if r.ergebnis == OFFEN and r.fehlt}:
            counter[fact] += 1
    missing = [(FACT_LABELS[k], n) for k, n in counter.most_common()]
    notes = list(hinweise)
    if profile.volumen_eur is None:
        notes.append("Ohne Investitionsvolumen bzw. Projektkosten kein indikativer Betrag.")
    if profile.ort and not profile.land:
        notes.append(f"Standort „{profile.ort}“ nicht erkannt – bitte Ort oder Landkreis angeben.")
    return CheckResult(
        profile=profile,
        groesse=ctx.size,
        heute=today,
        ergebnisse=tuple(checks),
        kombinationen=tuple(combinations(fitting)),
        fehlende_angaben=tuple(missing),
        rueckfragen=tuple(FACT_QUESTIONS[k] for k, _ in counter.most_common()),
        hinweise=tuple(notes),
    )


def _with_passage(check: ProgrammeCheck, found: Passage) -> ProgrammeCheck:
    return replace(check, textstelle=found)


def _query(profile: Profile) -> str:
    if profile.text.strip():
        return profile.text.strip()
    parts = [*profile.vorhaben, *profile.technologien]
    if profile.art:
        parts.append(profile.art)
    return " ".join(parts)


def retrieve_passages(advisor: Any, profile: Profile) -> dict[str, Passage]:
    """Best programme passage per slug for the free-text relevance (needs the index)."""
    query = _query(profile)
    if not query:
        return {}
    k = advisor.settings.candidate_k
    hits = advisor.search(query, Filters(dokumenttyp="Programm"), k=k, use_region=False)
    out: dict[str, Passage] = {}
    for hit in hits:
        c = hit.chunk
        if c.slug not in out:
            out[c.slug] = Passage(len(out) + 1, c.doc_id, c.section, c.page, _clean(c.text, 300))
    return out


def check_project(
    advisor: Any,
    profile: Profile,
    *,
    today: dt.date | None = None,
    with_passages: bool = True,
    programmes: Sequence[Programme] | None = None,
) -> CheckResult:
    """Public API for CLI and web UI: eligibility from metadata, passages from the index."""
    warnings: list[str] = []
    if programmes is None:
        loaded, warnings = programmes_for(advisor)
        programmes = loaded
    found: dict[str, Passage] = {}
    if with_passages:
        try:
            found = retrieve_passages(advisor, profile)
        except FoerderberaterError as exc:
            warnings.append(f"Textsuche nicht verfügbar ({exc}); Entscheidungen nur aus Metadaten.")
    return evaluate(
        profile,
        programmes,
        today=today,
        canon=advisor.gazetteer.canonical_kreis,
        passages=found,
        stale_days=advisor.settings.stale_after_days,
        hinweise=warnings,
    )


# --------------------------------------------------------------------------- Markdown

TEXT_FIELD_LABELS = {
    "ort": "Standort",
    "kreis": "Standort",
    "land": "Standort",
    "revier": "Standort",
    "art": "Art",
    "beschaeftigte": "Beschäftigte",
    "umsatz_mio": "Umsatz",
    "bilanzsumme_mio": "Bilanzsumme",
    "vorhaben": "Vorhabenart",
    "technologien": "Technologiefeld",
    "volumen_eur": "Volumen",
    "beginn": "Projektbeginn",
    "begonnen": "Projektbeginn",
    "gruendungsjahr": "Gründungsjahr",
    "verbund": "Verbund",
    "rechtsform": "Rechtsform",
    "freier_beruf": "Freier Beruf",
    "hochschulgruendung": "Hochschulgründung",
}
_MARK = {ERFUELLT: "✅", VERLETZT: "❌", OFFEN: "❔", HINWEIS: "ℹ️"}
_HEAD = {PASST: "Passt", VIELLEICHT: "Passt vielleicht", NICHT: "Passt nicht"}


def profile_summary(result: CheckResult) -> list[str]:
    p = result.profile
    lines = []
    where = p.standort_label()
    if p.revier:
        where += ", Mitteldeutsches Revier"
    lines.append(f"- **Antragsteller:** {p.art or 'nicht angegeben'}, Standort {where}")
    if p.unternehmerisch:
        lines.append(
            f"- **Größe (EU-KMU-Definition):** {result.groesse.label()} – "
            f"{result.groesse.begruendung}"
        )
    vorhaben = _join(p.vorhaben) or "nicht angegeben"
    tech = _join(p.technologien) or "nicht angegeben"
    lines.append(f"- **Vorhaben:** {vorhaben}; Technologiefeld: {tech}")
    vol = fmt_eur(p.volumen_eur) if p.volumen_eur is not None else "nicht angegeben"
    started = p.started(result.heute)
    begin = p.beginn.isoformat() if p.beginn else "nicht angegeben"
    state = {True: "bereits begonnen", False: "noch nicht begonnen", None: "offen"}[started]
    lines.append(f"- **Volumen:** {vol}; Projektbeginn: {begin} ({state})")
    extras = []
    if p.gruendungsjahr:
        extras.append(f"gegründet {p.gruendungsjahr}")
    if p.verbund is not None:
        extras.append("Verbundprojekt" if p.verbund else "kein Verbund")
    if p.rechtsform:
        extras.append(p.rechtsform)
    if p.freier_beruf:
        extras.append("Freier Beruf")
    if p.foerderart:
        extras.append("gesucht: " + _join(p.foerderart))
    if extras:
        lines.append("- **Weitere Angaben:** " + ", ".join(extras))
    if p.aus_text:
        labels = dict.fromkeys(TEXT_FIELD_LABELS.get(f, f) for f in p.aus_text)
        lines.append("- _Aus Ihrem Text erkannt:_ " + ", ".join(labels))
    return lines


def _cite_md(cites: Sequence[Citation]) -> str:
    return " ".join(f"[{c.short()}]" for c in cites)


def _check_md(c: ProgrammeCheck, n: int) -> list[str]:
    p = c.programme
    out = [f"### {n}. {p.kurzname} – {p.title}", ""]
    arten = _join(p.metadata.get("foerderart") or [])
    stand = f"Stand {c.stand}" + (" ⚠️ älter als ein Jahr" if c.stand_veraltet else "")
    out.append(f"**{c.status}** · {arten} · {stand}")
    out.append("")
    for r in c.gruende:
        cite = _cite_md(r.belege)
        out.append(f"- {_MARK[r.ergebnis]} {r.text}" + (f" {cite}" if cite else ""))
    if c.fehlende_angaben:
        out.append("")
        out.append("**Fehlende Angaben:** " + "; ".join(c.fehlende_angaben))
    out.append("")
    if c.foerdersatz:
        out.append(
            f"- **Fördersatz für Sie:** {c.foerdersatz.text} {_cite_md(c.foerdersatz.belege)}"
        )
    else:
        out.append(f"- **Fördersatz:** {KEINE_ANGABE}")
    if c.betrag:
        out.append(f"- **Betrag (indikativ, unverbindlich):** {c.betrag.text}")
    out.append(f"- **Antragsstelle:** {c.antragsstelle}")
    beleg = c.naechster_schritt_beleg
    step_cite = f" [{beleg.section}]" if beleg and beleg.section else ""
    out.append(f"- **Nächster Schritt:** {c.naechster_schritt}{step_cite}")
    out.append(f"- **Frist:** {c.frist}")
    out.append(f"- **Kombination:** {c.kombination} {_cite_md(c.kombination_belege)}".rstrip())
    if c.textstelle:
        t = c.textstelle
        page = f", S. {t.page}" if t.page else ""
        out.append(f"- **Passende Textstelle** ({t.doc_id}{page}, „{t.section}“): {t.text}")
    out.append(f"- **Dokument:** {p.doc_id}" + (f" · {p.url}" if p.url else ""))
    out.append("")
    return out


def render_markdown(result: CheckResult, *, show_failing: bool = True) -> str:
    out = ["# Projekt-Check", ""]
    out.append(f"Prüfdatum: {result.heute.isoformat()}")
    out.append("")
    out.extend(profile_summary(result))
    out.append("")
    counts = [(len(result.by_status(s)), s) for s in STATUS_ORDER]
    summary = ", ".join(
        f"{n} {status if n == 1 else status.replace('passt', 'passen')}" for n, status in counts
    )
    out.append(f"**Ergebnis:** {summary}.")
    if result.fehlende_angaben:
        out.append("")
        out.append(
            "**Bitte angeben:** "
            + "; ".join(
                f"{label} (offen bei {n} Programm{'en' if n > 1 else ''})"
                for label, n in result.fehlende_angaben
            )
        )
    for note in result.hinweise:
        out.append("")
        out.append(f"_Hinweis: {note}_")
    out.append("")
    n = 0
    for status in (PASST, VIELLEICHT):
        items = result.by_status(status)
        if not items:
            continue
        out.append(f"## {_HEAD[status]} ({len(items)})")
        out.append("")
        for c in items:
            n += 1
            out.extend(_check_md(c, n))
    failing = result.by_status(NICHT)
    if failing and show_failing:
        out.append(f"## {_HEAD[NICHT]} ({len(failing)})")
        out.append("")
        for c in failing:
            why = [r for r in c.gruende if r.ergebnis == VERLETZT]
            text = " ".join(f"{r.text} {_cite_md(r.belege[:1])}" for r in why)
            out.append(f"- **{c.programme.kurzname}** – {text}")
        out.append("")
    out.append("## Kombinationen")
    out.append("")
    fitting = [c for c in result.ergebnisse if c.status != NICHT]
    if result.kombinationen:
        names = {c.slug: c.programme.kurzname for c in fitting}
        for combo in result.kombinationen:
            out.append(
                f"- **{names.get(combo.a, combo.a)} + {names.get(combo.b, combo.b)}:** "
                f"{combo.urteil} – {combo.text} " + " ".join(f"[{c.label()}]" for c in combo.belege)
            )
    if fitting:
        out.append(f"- Alle übrigen Kombinationen der passenden Programme: {KEINE_ANGABE}.")
    else:
        out.append("- Keine passenden Programme.")
    out.append("")
    out.append(
        f"_{INDIKATIV} Entscheidungen beruhen nur auf den Metadaten des Korpus; "
        "„passt“ ist keine Förderzusage._"
    )
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- evaluation set


def load_check_profiles(path: Path) -> tuple[dt.date | None, list[dict[str, Any]]]:
    """Read eval/check_profiles.yaml: ``stichtag`` and a list ``profile`` with ``erwartet``."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FoerderberaterError(f"Profil-Datei {path} nicht lesbar: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("profile"), list):
        raise FoerderberaterError(f"Profil-Datei {path}: Liste 'profile' erwartet")
    stichtag = data.get("stichtag")
    today = None
    if stichtag:
        today = parse_date(stichtag, "stichtag")
    items = data["profile"]
    for i, item in enumerate(items, 1):
        name = item.get("id") or f"#{i}"
        if not isinstance(item.get("erwartet"), dict) or not item["erwartet"]:
            raise FoerderberaterError(f"Profil-Datei {path}: {name} ohne 'erwartet'")
        bad = {v for v in item["erwartet"].values() if v not in STATUS_ORDER}
        if bad:
            raise FoerderberaterError(f"Profil-Datei {path}: {name}: unbekannter Status {bad}")
        if not isinstance(item.get("profil"), dict) and not item.get("text"):
            raise FoerderberaterError(f"Profil-Datei {path}: {name} ohne 'profil' oder 'text'")
    return today, items


def evaluate_check_profiles(
    path: Path,
    programmes: Sequence[Programme],
    gazetteer: Any,
    *,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Run every profile and compare with the expected status per programme."""
    file_today, items = load_check_profiles(path)
    today = today or file_today or dt.date.today()
    slugs = {p.slug for p in programmes}
    rows = []
    for i, item in enumerate(items, 1):
        data = dict(item.get("profil") or {})
        if item.get("text"):
            data["text"] = item["text"]
        profile = profile_from_dict(data, gazetteer, today=today)
        result = evaluate(profile, programmes, today=today, canon=gazetteer.canonical_kreis)
        checks = []
        for slug, expected in item["erwartet"].items():
            got = result.get(slug)
            actual = got.status if got else "unbekanntes Programm"
            why = ""
            if got and actual != expected:
                decisive = [r for r in got.gruende if r.ergebnis in (VERLETZT, OFFEN)]
                why = " | ".join(r.text for r in decisive) or "alle Bedingungen erfüllt"
            checks.append(
                {
                    "programm": slug,
                    "erwartet": expected,
                    "ist": actual,
                    "ok": actual == expected and slug in slugs,
                    "gruende": why,
                }
            )
        rows.append({"id": item.get("id") or f"#{i}", "checks": checks})
    total = sum(len(r["checks"]) for r in rows)
    passed = sum(c["ok"] for r in rows for c in r["checks"])
    return {
        "stichtag": today.isoformat(),
        "profile": len(rows),
        "erwartungen": total,
        "bestanden": passed,
        "quote": round(passed / total, 4) if total else 0.0,
        "rows": rows,
    }


def run_check_eval(advisor: Any, path: Path, *, as_json: bool = False) -> int:
    """``foerderberater eval check FILE``: exit code 1 unless every expectation holds."""
    programmes, _ = programmes_for(advisor)
    result = evaluate_check_profiles(path, programmes, advisor.gazetteer)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for row in result["rows"]:
            for c in row["checks"]:
                if not c["ok"]:
                    print(
                        f"[FEHLER] {row['id']}: {c['programm']} erwartet „{c['erwartet']}“, "
                        f"ist „{c['ist']}“ – {c['gruende']}"
                    )
        print(
            f"Projekt-Check {path}: {result['profile']} Profile, {result['erwartungen']} "
            f"Erwartungen, {result['bestanden']} bestanden ({result['quote']:.0%}), "
            f"Stichtag {result['stichtag']}"
        )
    return 0 if result["bestanden"] == result["erwartungen"] else 1
