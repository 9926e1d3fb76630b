"""What a question asks for: intents (rate, amount, deadline, …) and the asker's slots.

Rule-based and deterministic: German funding questions are short and formulaic, and every rule
here is visible and testable. The intents decide which evidence sentences answer the question
and what the direct first sentence says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    RATE = "rate"
    AMOUNT = "amount"
    DEADLINE = "deadline"
    ELIGIBILITY = "eligibility"
    ROUTE = "route"
    COMBINATION = "combination"
    OVERVIEW = "overview"
    STUDY = "study"
    DEFINITION = "definition"


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts), re.I)


# a sentence start: questions often follow a line about the asker ("Ich bin Landwirt. Darf …")
_START = r"(?:^|[.!?:;]\s)\s*"
_WHO = r"(?:wir|ich|man|auch|eine?|ein|mein|meine|unser|unsere|der|die|das)"


_PATTERNS: dict[Intent, re.Pattern[str]] = {
    Intent.RATE: _rx(
        r"f[öo]rder(satz|sätze|quote|intensität)",
        r"zuschuss(satz|quote|höhe)",
        r"\w*(?<!steuer)(?<!zins)satz\b",
        r"\bquote\b",
        r"prozent",
        r"%",
        r"\banteil\b|förderanteil|zuschussanteil",
        r"wie viel .{0,40}(erstattet|übernommen|bezuschusst|gefördert|zurück)",
        r"wie (hoch|viel) (ist|sind|wäre|wären|fällt|fallen) (der|die|das)? ?"
        r"(zuschuss|förderung|unterstützung)",
        r"wie hoch .{0,30}(gefördert|bezuschusst)",
        r"wie viel (zuschuss|förderung)",
        r"wie viel .{0,30}(bekommen|bekomme|kriegen|gibt es)",
    ),
    Intent.AMOUNT: _rx(
        r"höchst(betrag|summe|förderung|grenze)",
        r"\bmaximal",
        r"\bmax\.",
        r"höchstens",
        r"obergrenze",
        r"\bdeckel",
        r"wie viel (geld|euro)",
        r"\bspringt\b.{0,60}\braus\b|rausspringt|\bist (da|dabei) .{0,20}\bdrin\b",
        r"\bmindest(summe|betrag|investition|volumen|höhe)|\buntergrenze",
        r"\bwas (bekommt|bekommen|bekomme|kriegt|kriegen|kriege) "
        r"(ein|eine|man|ich|wir|der|die|das)\b",
        r"bis zu wie viel",
        r"f[öo]rder(summe|betrag|höhe)",
        r"kredit(betrag|höhe|summe|rahmen)",
        r"darlehens(betrag|höhe|summe)",
        r"wie (hoch|groß) (ist|kann|darf|wäre) .{0,30}"
        r"(kredit|darlehen|betrag|summe|beteiligung|bürgschaft|zuschuss|förderung)",
        r"wie viel .{0,40}(maximal|höchstens|insgesamt)",
        r"wie viel .{0,30}(bekommen|bekomme|kriegen|gibt es)",
        r"wie viel .{0,20}(kredit|darlehen|beteiligung|kapital|stipendium|prämie|bonus)",
        r"bis zu (welchem|welcher) (betrag|summe|höhe)",
        r"welche[mnrs]? (betrag|summe|höhe|investitionssumme|kreditbetrag)",
        r"\b(ab|bis) wie ?viel\b",
        r"\bwie ?viel\b(?!e)(?! prozent)",
        r"wie (hoch|groß) (dürfen|darf|können|kann) .{0,60}(sein|werden|ausfallen)",
        r"wie viel (kostet|kosten|würde|würden)",
        r"wie hoch (ist|sind|wäre) (der|die|das) .{0,20}(prämie|bonus|stipendium|zulage)",
    ),
    Intent.DEADLINE: _rx(
        r"frist",
        r"bis wann",
        r"deadline",
        r"stichtag",
        r"einreichungs",
        r"\bwann\b",
        r"wie lange (läuft|gilt|noch|habe|hab|haben|kann)",
        r"wie viel zeit",
        r"(jetzt|heute|aktuell|derzeit|momentan) noch",
        r"noch (bewerben|einreichen|mitmachen|teilnehmen)",
        r"\bnoch\b.{0,40}(bewerben|einreichen|beantragen)",
        r"noch (offen|möglich|beantragbar|aktuell|gültig|verfügbar|laufen)",
        r"läuft .{0,30}(noch|aus\b|ab\b)",
        r"\b(aus|ab)gelaufen",
        r"\bstand\b",
        r"wie aktuell",
        r"nächste(r|n)? (aufruf|runde|call|wettbewerb|stichtag)",
    ),
    Intent.ELIGIBILITY: _rx(
        r"wer (darf|kann|ist|wird|bekommt|kommt)",
        r"antrags(berechtigt|befugt)",
        r"f[öo]rder(berechtigt|fähig)",
        r"\bberechtigt",
        rf"(dürfen|darf|können|kann) {_WHO} .{{0,60}}"
        r"(beantragen|bekommen|nutzen|teilnehmen|mitmachen|erhalten|bewerben|profitieren|"
        r"aufnehmen|in anspruch nehmen|einsetzen)",
        r"\b(wir|ich) als \w+",  # "können wir als Kommune …"
        r"kommen? (wir|ich) .{0,60}in frage",
        r"\bkommen? (wir|ich) (noch |überhaupt |auch )?an\b",
        r"\bstehts? (mir|uns|einem|einer) .{0,60}\bzu\b",
        r"\bgibt (es|das|die|der) .{0,30}\b(was|etwas) (dazu|dafür)\b",
        r"(gilt|gelten) (das|der|die|es|dies) .{0,40}(für|auch)",
        r"\bauch für\b",
        r"\bnur für\b",
        r"zielgruppe",
        r"fördergebiet",
        r"\bliegen (wir|unsere?)\b|\bliegt (unser|unsere|mein|meine)\b",
        r"voraussetzung",
        r"ausgeschlossen",
        r"nicht gefördert",
        r"in frage kommen",
        r"geeignet für",
        r"(bin|sind) (ich|wir) .{0,40}(berechtigt|zugelassen|dabei)",
        _START + r"(geht|gilt|klappt|funktioniert|greift|passt) (das|die|der|es|dies)\b",
        r"\b(dürfen|darf) \w+ .{0,40}\b(antrag stellen|beantragen|bewerben|teilnehmen)\b",
        r"\bauch (wenn|als|für|bei|ohne)\b",
        r"\bnoch (gar )?nicht\b.{0,40}(gegründet|begonnen|angemeldet)",
    ),
    Intent.ROUTE: _rx(
        r"\bwo (kann|muss|soll|stelle|stellen|beantrage|beantragen|reiche|reichen|reicht|bekomme|"
        r"gibt|"
        r"bringe|bringen|melde|melden)",
        r"\b(einbringen|einreichen)\b",
        r"\bwelchen antrag\b|\bwelches formular\b|\bwie (stelle|stellen) (ich|wir|man)\b",
        r"\bwo\b.{0,40}(beantrag|antrag|einreich|bewerb|anmeld|melde)",
        r"\b(selbst|direkt|persönlich) (beantragen|einreichen|stellen)",
        r"wie (bewirbt|beantragt|funktioniert|geht) (man|das)",
        r"\bwie\b.{0,30}\b(beantragt|bewirbt|einreicht)\b",
        r"wie (beantrage|beantragen|bewerbe|bewerben|stelle|stellen|komme|kommen|läuft)",
        r"antrag (stellen|einreichen|läuft)",
        r"\bbei wem\b",
        r"zuständig",
        r"ansprechpartner",
        r"antragsstelle",
        r"antragsweg",
        r"antragsverfahren",
        r"\bwohin\b",
        r"an wen",
        r"über wen",
        r"welche (bank|stelle|behörde)",
        r"hausbank",
        r"\bportal\b",
        r"ablauf",
    ),
    Intent.COMBINATION: _rx(
        r"kombinier",
        r"kumulier",
        r"kumulation",
        r"zusammen mit",
        r"gleichzeitig",
        r"zusätzlich (zu|zur|zum)",
        r"\bneben (der|dem|den)\b",
        r"doppelt",
        r"parallel",
        r"\bverbinden\b",
        r"mit .{1,40} (zusammen|koppeln)",
        r"\bbeide\b",
        r"zusammen (nehmen|nutzen|bekommen|beantragen|kombinieren)",
        r"(und|plus) (zusätzlich|noch)",
        r"angerechnet",
        r"dazu noch",
        r"\bobendrauf\b",
        r"\bauch (allein|alleine|einzeln|separat|ohne)\b",
        r"\bohne (den|die|das|einen|eine)\b.{0,30}(zuschuss|darlehen|kredit|förderung|programm)",
        r"\bnur (zusammen|gemeinsam|in verbindung)\b",
        r"\b(den|die) rest\b|\brestfinanzierung|\bergänzend\b|\bobendrein\b|\bnoch zusätzlich\b",
        r"\b(dieselbe|dasselbe|denselben|dieselben|die gleiche|das gleiche|den gleichen) "
        r"(investition|vorhaben|projekt|kosten|maßnahme|beratung|ausgaben)",
        r"\bnoch (mittel|geld|einen zuschuss|förderung|fördermittel) (aus|von|vom|über)\b",
    ),
    Intent.OVERVIEW: _rx(
        r"welche (programme|förder|möglichkeit|zuschüsse|zuschuss|finanzierung|hilfen|angebote|"
        r"töpfe|mittel|kredite|darlehen|wege|optionen)",
        r"was gibt es",
        r"was gibt'?s\b",
        r"gibt es\b.{0,50}\b(eu-?mittel|fördermittel|bundesmittel|landesmittel|gelder|"
        r"förderungen|programme)\b",
        r"was (kriegen|bekommen|können) (wir|ich) (da|dafür|hier|beantragen)",
        r"gibt es (förder|zuschüsse|zuschuss|programme|geld|unterstützung|hilfe|kredite)",
        r"was (passt|kommt) .{0,30}(in frage|zu uns|für uns|für mich)",
        r"was passt",
        r"welche .{0,40}(passen|kommen in frage|gibt es)",
        r"\boptionen\b",
        r"möglichkeiten",
        r"woher .{0,20}(geld|kapital|mittel)",
        r"wer (fördert|finanziert|unterstützt)",
    ),
    Intent.STUDY: _rx(
        r"studie",
        r"\blaut\b",
        r"untersuchung",
        r"\banalyse",
        r"prognose",
        r"wie viele",
        r"wie viel(e)? (arbeitsplätze|beschäftigte|menschen|einwohner|fachkräfte|unternehmen|"
        r"prozent der|megawatt|gigawatt|kilometer|hektar)",
        r"potenzial",
        r"ergebnis",
        r"empfiehlt|empfehlung",
        r"bis 20[3-5]\d",
    ),
    Intent.DEFINITION: _rx(
        r"^\s*(was (ist|sind|bedeutet|bedeuten|heißt|versteht man unter|genau ist)|"
        r"was (macht|tut|leistet) (eigentlich |genau )?(eine?|der|die|das)\b|"
        r"erklär|worum geht es)",
    ),
}

# "Können wir …?" asks whether the asker may – unless it asks whether two things combine
# ("Können wir den Rest über ein Darlehen finanzieren?")
_MAY = re.compile(
    _START
    + r"(kann|können|darf|dürfen|könnte|könnten) (ich|wir|man|unsere?|meine?|eine?|die|der|das)\b",
    re.I,
)
# "Wie hoch ist die Förderung?" asks for the rate or the cap; answer both.
_HOW_MUCH = re.compile(r"\bwie (hoch|viel)\b", re.I)
_SIZE_WORDS = (
    (
        re.compile(r"\b(kleinst|klein)(e|es|er|en)? (unternehmen|betrieb|firma|firmen|gmbh)", re.I),
        "klein",
    ),
    (re.compile(r"\bmittlere(s|n|r)? (unternehmen|betrieb|firma)|\bmittelst", re.I), "mittel"),
    (
        re.compile(r"\bgroß(e|es|er|en)? (unternehmen|betrieb|firma)|großunternehm|konzern", re.I),
        "gross",
    ),
)
_EMPLOYEES = re.compile(
    r"(\d{1,6})\s*(mitarbeiter\w*|beschäftigte\w*|angestellte\w*|leute|ma\b|köpfe|personen|"
    r"festangestellte\w*|vollzeit\w*|(?:fach)?kräfte\w*)",
    re.I,
)


@dataclass(frozen=True)
class Asker:
    """What the question tells about the asker (used to pick the matching rate)."""

    employees: int | None = None
    size: str | None = None  # "klein" | "mittel" | "gross" (EU SME classes by head count)


@dataclass(frozen=True)
class QuestionIntent:
    intents: frozenset[Intent]
    asker: Asker

    def has(self, *intents: Intent) -> bool:
        return any(i in self.intents for i in intents)

    @property
    def facts(self) -> frozenset[Intent]:
        """Intents asking for one fact of one programme (everything but overview/definition)."""
        return self.intents - {Intent.OVERVIEW, Intent.DEFINITION, Intent.STUDY}


def size_for(employees: int) -> str:
    return "klein" if employees < 50 else "mittel" if employees < 250 else "gross"


def read_asker(question: str) -> Asker:
    m = _EMPLOYEES.search(question)
    employees = int(m.group(1)) if m else None
    size = size_for(employees) if employees is not None else None
    if size is None:
        for pattern, label in _SIZE_WORDS:
            if pattern.search(question):
                size = label
                break
    return Asker(employees, size)


def classify(question: str) -> QuestionIntent:
    """All intents whose cues occur in ``question`` (possibly none)."""
    found = {intent for intent, rx in _PATTERNS.items() if rx.search(question)}
    if Intent.COMBINATION not in found and _MAY.search(question):
        found.add(Intent.ELIGIBILITY)
    money = Intent.RATE in found or Intent.AMOUNT in found
    if money and _HOW_MUCH.search(question) and Intent.STUDY not in found:
        found |= {Intent.RATE, Intent.AMOUNT}
    return QuestionIntent(frozenset(found), read_asker(question))
