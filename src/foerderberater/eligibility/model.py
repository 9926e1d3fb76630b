"""Value types of the Projekt-Check: status constants, citations, reasons, programmes, rates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from foerderberater.eligibility.textutil import _clean
from foerderberater.profile import FACT_LABELS, Profile, SizeClass

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
class Context:
    profile: Profile
    size: SizeClass
    today: dt.date
    canon: Canon
