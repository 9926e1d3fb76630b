"""Results of the Projekt-Check: one check per programme, combinations, the overall result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from foerderberater.eligibility.confirm import missing, recognised
from foerderberater.eligibility.model import Amount, Citation, Passage, Programme, Rate, Reason
from foerderberater.eligibility.verdicts import OFFEN, STATUS_ORDER
from foerderberater.profile import FACT_LABELS, Profile, SizeClass


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
    weitere: tuple[Amount, ...] = ()  # loan, grant part, guarantee, equity (never a Fördersatz)

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
            "doc_id": p.doc_id,  # the slug, as in ask/search
            "path": p.path,  # the file inside the corpus, as in search --json
            "titel": p.title,
            "kurzname": p.kurzname,
            "status": self.status,
            "gruende": [r.to_json() for r in self.gruende],
            "fehlende_angaben": list(self.fehlende_angaben),
            "foerdersatz": self.foerdersatz.to_json() if self.foerdersatz else None,
            "betrag": self.betrag.to_json() if self.betrag else None,
            "weitere": [a.to_json() for a in self.weitere],
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
            "unverifiziert": list(p.meta.unverifiziert),
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
            "aus_text_erkannt": dict(recognised(self.profile, self.heute)),
            "nicht_erkannt": missing(self.profile, self.heute) if self.profile.text else [],
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
