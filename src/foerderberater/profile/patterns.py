"""Regular expressions that recognise profile facts in a free-text description."""

from __future__ import annotations

import re

from foerderberater.profile.parse import MONTHS


def _rules(table: dict[str, str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(label, case-insensitive pattern) pairs, in the order of ``table`` (first match wins)."""
    return tuple((label, re.compile(pattern, re.I)) for label, pattern in table.items())


_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
MONEY = re.compile(
    rf"(?P<num>{_NUM})\s*(?P<unit>Mrd\.?|Milliarden?|Mio\.?|Millionen?|Tsd\.?|Tausend|T€|k)?"
    r"\s*(?P<cur>€|Euro\b|EUR\b)?",
    re.I,
)
EMPLOYEES = re.compile(
    r"(\d{1,3}(?:\.\d{3})*|\d+)\s*(?:Mitarbeiter\w*|Mitarbeitende\w*|Beschäftigte\w*|"
    r"Angestellte\w*|MA\b|Vollzeitkräfte\w*|Leute|Personen)"
    r"|(?:Mitarbeiter\w*|Beschäftigte\w*|Belegschaft)\s*(?::|von|mit)?\s*(?:rund|ca\.?|etwa)?\s*"
    r"(\d{1,3}(?:\.\d{3})*|\d+)\b",
    re.I,
)
UMSATZ_AFTER = re.compile(r"^\s*(?:\w+\s+)?(?:Jahres)?umsatz", re.I)
UMSATZ_BEFORE = re.compile(
    r"(?:jahres)?umsatz\w*\s*(?:von|:|liegt bei|beträgt|in höhe von|mit|bei)?\s*"
    r"(?:ca\.?|rund|etwa|knapp|über|unter)?\s*$",
    re.I,
)
BILANZ_AFTER = re.compile(r"^\s*(?:\w+\s+)?Bilanzsumme", re.I)
BILANZ_BEFORE = re.compile(
    r"bilanzsumme\w*\s*(?:von|:|liegt bei|beträgt|in höhe von|mit|bei)?\s*"
    r"(?:ca\.?|rund|etwa|knapp|über|unter)?\s*$",
    re.I,
)
ART_RULES = _rules(
    {
        "Start-up in Gründung": (
            r"gründung(?!sjahr)|\bgründen\b|wollen uns selbstständig|"
            r"selbständig machen|in gründung"
        ),
        "Kommune": r"\b(?:Kommune|Gemeinde|Stadtverwaltung|Zweckverband|Stadtwerke)\b",
        "Hochschule": r"\b(?:Hochschule|Universität|Uni|TU|HTWK)\b(?!-)",
        "Forschungseinrichtung": (
            r"\b(?:Forschungseinrichtung|Forschungsinstitut|Fraunhofer|Leibniz|"
            r"Max-Planck|Helmholtz)\b"
        ),
        "Verein": r"\b(?:Verein|Verband|e\.\s?V\.)",
        "Start-up": r"\b(?:Start-?up|junges Unternehmen)\b",
        "Unternehmen": (
            r"(?:Betrieb|Unternehmen|Unternehmer|Firma|Mittelständler|GmbH|\bAG\b|Hersteller|"
            r"Zulieferer|Werk\b|Fabrik|Handwerk|Ingenieurbüro|Dienstleister|"
            r"Softwarehaus|Bäckerei|Hotel)"
        ),
    }
)
VORHABEN_RULES = _rules(
    {
        "Investition": (
            r"investi|anschaff|\bkaufen\b|Maschine|Anlage\b|Anlagen\b|"
            r"(?:Produktions|Lager|Fertigungs|Werk)halle|neue Halle|Neubau|"
            r"Erweiterung|erweitern|Elektrolyseur|Produktionslinie|Fertigungslinie|"
            r"bauen\b|errichten"
        ),
        "Forschung und Entwicklung": (
            r"Forschung|entwickeln|Entwicklung|FuE|F&E|Prototyp|Machbarkeit|"
            r"Erprobung"
        ),
        "Gründung": (
            r"gründung(?!sjahr)|\bgründen\b|\bgründe\b|\bgründet\b|Gründer|ausgründ|"
            r"Nachfolge|übernehmen|selbstständig machen|selbständig machen"
        ),
        "Beratung": r"Beratung|beraten|Berater|Coaching",
        "Energieeffizienz": (
            r"Energieeffizien|Energie sparen|Energieeinsparung|energiesparend|Abwärme|Wärmepumpe|"
            r"Energieverbrauch|Energiekosten"
        ),
        "Infrastruktur": (
            r"Infrastruktur|Gewerbegebiet|Wärmenetz|Fernwärme|Breitband|Leitung|"
            r"Tankstelle"
        ),
        "Qualifizierung": r"Qualifizier|Weiterbildung|Schulung|Meisterprüfung",
        "Digitalisierung": r"Digitalisier|\bERP\b|Software|digital",
    }
)
TECH_RULES = _rules(
    {
        "Wasserstoff": r"Wasserstoff|\bH2\b|Elektroly|Brennstoffzelle",
        "Erneuerbare Energien": r"Photovoltaik|\bPV\b|Solar|Windkraft|Windpark|erneuerbare|Biogas",
        "Bioökonomie": r"Bioökonomie|biobasiert|Bioraffinerie|Biomasse|Biopolymer",
        "Kreislaufwirtschaft": r"Recycling|Kreislauf|Wiederverwertung",
        "Big Data/KI": r"\bKI\b|künstliche[rn]? Intelligenz|Big Data|Machine Learning|\bAI\b",
        "XR": r"\bXR\b|\bVR\b|\bAR\b|Virtual Reality|Augmented Reality",
        "Cybersicherheit": r"Cyber|IT-Sicherheit|Informationssicherheit",
        "Seethermie": r"Seethermie|Seewasser",
        "Geothermie/Wärmespeicher": r"Geothermie|Wärmespeicher",
        "Energieeffizienz": r"Energieeffizien|Abwärme|Wärmepumpe|Druckluft",
        "Wärmenetze": r"Wärmenetz|Fernwärme|Nahwärme",
        "Mobilität/Logistik": r"Mobilität|Logistik|\bLkw\b|Fahrzeug|Tankstelle|Elektrobus",
        "Digitalisierung": r"Digitalisier|\bERP\b|Software|digital",
        "Chemie": r"Chemie|chemisch|Katalysator",
        "Mikroelektronik": r"Mikroelektronik|Halbleiter|Elektronik|Sensor",
        "Gesundheit/Life Sciences": r"Medizin|Gesundheit|Biotech|Pharma|Life Science",
        "Tourismus": r"Tourismus|Hotel|Gastronomie|Pension|Gasthof",
        "Handwerk": r"Handwerk|Meisterbetrieb|Tischlerei|Bäckerei|Metallbau",
    }
)
STARTED = re.compile(
    r"(?:bereits|schon)\s+(?:begonnen|gestartet|angefangen|losgelegt|bestellt|beauftragt)|"
    r"hat\s+(?:bereits|schon)\s+begonnen|läuft\s+(?:bereits|schon)|"
    r"(?:bereits|schon)\s+(?:\w+\s+){0,3}(?:begonnen|gestartet|angefangen|bestellt|beauftragt)",
    re.I,
)
NOT_STARTED = re.compile(r"noch nicht (?:begonnen|gestartet|angefangen|bestellt)", re.I)
ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
DOT_DATE = re.compile(r"\b(\d{1,2}\.\d{1,2}\.\d{4})\b")
MONTH_DATE = re.compile(
    r"\b(?:(Anfang|Mitte|Ende)\s+)?(" + "|".join(MONTHS) + r")\s+(\d{4})\b", re.I
)
YEAR_DATE = re.compile(r"\b(ab|Anfang|Mitte|Ende|Start|Beginn|im Jahr|in)\s+(20\d\d)\b", re.I)
FOUNDED = re.compile(
    r"(?:gegründet|Gründungsjahr|am Markt seit|seit)\s*(?:im\s+Jahr\s+|:)?\s*(\d{4})\b"
    r"|(\d{4})\s+gegründet",
    re.I,
)
FOUNDED_AGO = re.compile(
    r"vor\s+(\d+|einem|zwei|drei|vier|fünf)\s+Jahre?n?\s+gegründet|seit\s+(\d+|einem|zwei|drei|"
    r"vier|fünf)\s+Jahre?n?\s+(?:am Markt|selbstständig|tätig)",
    re.I,
)
WORDS = {"einem": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5}
VERBUND = re.compile(
    r"Verbund|Kooperation|gemeinsam mit|zusammen mit|mit einer Hochschule|mit einem Institut|"
    r"mit der Uni|Partner",
    re.I,
)
RECHTSFORM_TEXT: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Personengesellschaft", re.compile(r"GmbH\s*&\s*Co\.?\s*KG|\bGbR\b|\bOHG\b|\bKG\b")),
    ("Kapitalgesellschaft", re.compile(r"\bGmbH\b|\bUG\b|\bAG\b|\bKGaA\b")),
    ("Einzelunternehmen", re.compile(r"\be\.\s?K\.|Einzelunternehm", re.I)),
    ("Genossenschaft", re.compile(r"\beG\b|Genossenschaft")),
)
SCIENCE = re.compile(
    r"\bUni\b|Universität|Hochschule|\bTU\b|HTWK|Forschungsinstitut|Fraunhofer|Leibniz|"
    r"Max-Planck|Helmholtz|Absolvent|Wissenschaftler|Doktorand|Studierende|Studenten|"
    r"Ausgründung|Spin-?off",
    re.I,
)
FREIER_BERUF = re.compile(
    r"freiberuf|Freie[rn]? Beruf|Ingenieurbüro|Architekturbüro|Steuerberat|Arztpraxis", re.I
)
