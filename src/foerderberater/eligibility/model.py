"""Value types of the Projekt-Check: status constants, citations, reasons, programmes, rates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from foerderberater.core.schema import ProgrammeMeta
from foerderberater.core.text import line_sentences
from foerderberater.eligibility.textutil import excerpt
from foerderberater.profile import FACT_LABELS, Profile, SizeClass

Canon = Callable[[str], str]
Prozentsatz = float | None  # percent of the eligible costs; None: the corpus gives no figure


def plain(value: Any, **changes: Any) -> dict[str, Any]:
    """A result dataclass as JSON data: its fields (``belege`` as citation JSON), then
    ``changes`` (replacing or adding keys)."""
    out = {f.name: getattr(value, f.name) for f in fields(value) if not f.name.startswith("_")}
    if "belege" in out:
        out["belege"] = [c.to_json() for c in out["belege"]]
    return out | changes


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
        return f"„{excerpt(self.excerpt, limit)}“ ({where})"

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
        return plain(self, fehlt=FACT_LABELS.get(self.fehlt) if self.fehlt else None)


@dataclass(frozen=True)
class Programme:
    """A programme of the index. ``doc_id`` is the public document id – the slug, as in
    ``ask --json`` and ``search --json``; ``path`` is the file path inside the corpus."""

    doc_id: str
    slug: str
    title: str
    meta: ProgrammeMeta = field(hash=False, compare=False)
    sections: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    path: str = ""
    _split: dict[str, list[str]] = field(
        default_factory=dict, init=False, repr=False, hash=False, compare=False
    )

    def sentences(self, section: str) -> list[str]:
        """The sentences of one section (split once, then remembered)."""
        if section not in self._split:
            self._split[section] = line_sentences(self.sections.get(section, ""))
        return self._split[section]

    @property
    def kurzname(self) -> str:
        return self.meta.kurzname or self.title

    @property
    def url(self) -> str | None:
        return self.meta.source_url()


@dataclass(frozen=True)
class Rate:
    """The funding rate (Zuschuss or Steuerliche Förderung) that applies to the profile: a
    range in percent (min = max when exact; None: the corpus gives no figure for this case)."""

    prozent_min: Prozentsatz
    prozent_max: Prozentsatz
    text: str
    belege: tuple[Citation, ...] = ()
    art: str = "Zuschuss"
    bezug: str = "Vorhaben"  # what the percentage refers to (vocab.BEZUEGE)

    def to_json(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True)
class Amount:
    """An indicative amount of one kind: volume × rate capped (grant/tax), a loan, guarantee or
    equity amount, a fixed amount or a per-``bezug`` limit (e.g. je Beratertag)."""

    betrag_eur: float | None  # upper indicative amount (per ``bezug``)
    text: str
    belege: tuple[Citation, ...] = ()
    art: str = "Zuschuss"
    bezug: str = "Vorhaben"
    prozent: Prozentsatz = None  # loan/guarantee/equity share or grant part, when stated
    prozent_min: Prozentsatz = None  # lower end when the share depends on unknown facts

    def to_json(self) -> dict[str, Any]:
        rounded = round(self.betrag_eur) if self.betrag_eur is not None else None
        return plain(self, betrag_eur=rounded, indikativ=True)


@dataclass(frozen=True)
class Passage:
    """A retrieved passage (free-text relevance), with its rank among programme hits."""

    rang: int
    doc_id: str
    section: str
    page: int | None
    text: str

    def to_json(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True)
class Context:
    profile: Profile
    size: SizeClass
    today: dt.date
    canon: Canon
