"""Regular expressions that recognise profile facts in a free-text description."""

from __future__ import annotations

import re

from foerderberater.profile.parse import _MONTHS

_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
_MONEY = re.compile(
    rf"(?P<num>{_NUM})\s*(?P<unit>Mrd\.?|Milliarden?|Mio\.?|Millionen?|Tsd\.?|Tausend|T€|k)?"
    r"\s*(?P<cur>€|Euro\b|EUR\b)?",
    re.I,
)
_EMPLOYEES = re.compile(
    r"(\d{1,3}(?:\.\d{3})*|\d+)\s*(?:Mitarbeiter\w*|Mitarbeitende\w*|Beschäftigte\w*|"
    r"Angestellte\w*|MA\b|Vollzeitkräfte\w*|Leute|Personen)"
    r"|(?:Mitarbeiter\w*|Beschäftigte\w*|Belegschaft)\s*(?::|von|mit)?\s*(?:rund|ca\.?|etwa)?\s*"
    r"(\d{1,3}(?:\.\d{3})*|\d+)\b",
    re.I,
)
_UMSATZ_AFTER = re.compile(r"^\s*(?:\w+\s+)?(?:Jahres)?umsatz", re.I)
_UMSATZ_BEFORE = re.compile(
    r"(?:jahres)?umsatz\w*\s*(?:von|:|liegt bei|beträgt|in höhe von|mit|bei)?\s*"
    r"(?:ca\.?|rund|etwa|knapp|über|unter)?\s*$",
    re.I,
)
_BILANZ_AFTER = re.compile(r"^\s*(?:\w+\s+)?Bilanzsumme", re.I)
_BILANZ_BEFORE = re.compile(
    r"bilanzsumme\w*\s*(?:von|:|liegt bei|beträgt|in höhe von|mit|bei)?\s*"
    r"(?:ca\.?|rund|etwa|knapp|über|unter)?\s*$",
    re.I,
)
_ART_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Start-up in Gründung",
        re.compile(
            r"gründung(?!sjahr)|\bgründen\b|wollen uns selbstständig|selbständig machen|"
            r"in gründung",
            re.I,
        ),
    ),
    (
        "Kommune",
        re.compile(r"\b(?:Kommune|Gemeinde|Stadtverwaltung|Zweckverband|Stadtwerke)\b", re.I),
    ),
    ("Hochschule", re.compile(r"\b(?:Hochschule|Universität|Uni|TU|HTWK)\b", re.I)),
    (
        "Forschungseinrichtung",
        re.compile(
            r"\b(?:Forschungseinrichtung|Forschungsinstitut|Fraunhofer|Leibniz|Max-Planck|"
            r"Helmholtz)\b",
            re.I,
        ),
    ),
    ("Verein", re.compile(r"\b(?:Verein|Verband|e\.\s?V\.)", re.I)),
    ("Start-up", re.compile(r"\b(?:Start-?up|junges Unternehmen)\b", re.I)),
    (
        "Unternehmen",
        re.compile(
            r"(?:Betrieb|Unternehmen|Firma|Mittelständler|GmbH|\bAG\b|Hersteller|Zulieferer|"
            r"Werk\b|Fabrik|Handwerk|Ingenieurbüro|Dienstleister|Softwarehaus|Bäckerei|Hotel)",
            re.I,
        ),
    ),
)
_VORHABEN_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Investition",
        re.compile(
            r"investi|anschaff|\bkaufen\b|Maschine|Anlage\b|Anlagen\b|(?:Produktions|Lager|"
            r"Fertigungs|Werk)halle|neue Halle|Neubau|Erweiterung|"
            r"erweitern|Elektrolyseur|Produktionslinie|Fertigungslinie|bauen\b|errichten",
            re.I,
        ),
    ),
    (
        "Forschung und Entwicklung",
        re.compile(
            r"Forschung|entwickeln|Entwicklung|FuE|F&E|Prototyp|Machbarkeit|Erprobung", re.I
        ),
    ),
    ("Gründung", re.compile(r"gründung(?!sjahr)|\bgründen\b|Nachfolge|übernehmen", re.I)),
    ("Beratung", re.compile(r"Beratung|beraten|Berater|Coaching", re.I)),
    (
        "Energieeffizienz",
        re.compile(r"Energieeffizien|Energie sparen|Energieeinsparung|Abwärme|Wärmepumpe", re.I),
    ),
    (
        "Infrastruktur",
        re.compile(
            r"Infrastruktur|Gewerbegebiet|Wärmenetz|Fernwärme|Breitband|Leitung|Tankstelle", re.I
        ),
    ),
    ("Qualifizierung", re.compile(r"Qualifizier|Weiterbildung|Schulung|Meisterprüfung", re.I)),
    ("Digitalisierung", re.compile(r"Digitalisier|\bERP\b|Software|digital", re.I)),
)
_TECH_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Wasserstoff", re.compile(r"Wasserstoff|\bH2\b|Elektroly|Brennstoffzelle", re.I)),
    (
        "Erneuerbare Energien",
        re.compile(r"Photovoltaik|\bPV\b|Solar|Windkraft|Windpark|erneuerbare|Biogas", re.I),
    ),
    ("Bioökonomie", re.compile(r"Bioökonomie|biobasiert|Bioraffinerie|Biomasse|Biopolymer", re.I)),
    ("Kreislaufwirtschaft", re.compile(r"Recycling|Kreislauf|Wiederverwertung", re.I)),
    (
        "Big Data/KI",
        re.compile(r"\bKI\b|künstliche[rn]? Intelligenz|Big Data|Machine Learning|\bAI\b", re.I),
    ),
    ("XR", re.compile(r"\bXR\b|\bVR\b|\bAR\b|Virtual Reality|Augmented Reality", re.I)),
    ("Cybersicherheit", re.compile(r"Cyber|IT-Sicherheit|Informationssicherheit", re.I)),
    ("Seethermie", re.compile(r"Seethermie|Seewasser", re.I)),
    ("Geothermie/Wärmespeicher", re.compile(r"Geothermie|Wärmespeicher", re.I)),
    ("Energieeffizienz", re.compile(r"Energieeffizien|Abwärme|Wärmepumpe|Druckluft", re.I)),
    ("Wärmenetze", re.compile(r"Wärmenetz|Fernwärme|Nahwärme", re.I)),
    (
        "Mobilität/Logistik",
        re.compile(r"Mobilität|Logistik|\bLkw\b|Fahrzeug|Tankstelle|Elektrobus", re.I),
    ),
    ("Digitalisierung", re.compile(r"Digitalisier|\bERP\b|Software|digital", re.I)),
    ("Chemie", re.compile(r"Chemie|chemisch|Katalysator", re.I)),
    ("Mikroelektronik", re.compile(r"Mikroelektronik|Halbleiter|Elektronik|Sensor", re.I)),
    (
        "Gesundheit/Life Sciences",
        re.compile(r"Medizin|Gesundheit|Biotech|Pharma|Life Science", re.I),
    ),
    ("Tourismus", re.compile(r"Tourismus|Hotel|Gastronomie|Pension|Gasthof", re.I)),
    ("Handwerk", re.compile(r"Handwerk|Meisterbetrieb|Tischlerei|Bäckerei|Metallbau", re.I)),
)
_STARTED = re.compile(
    r"(?:bereits|schon)\s+(?:begonnen|gestartet|angefangen|losgelegt|bestellt|beauftragt)|"
    r"hat\s+(?:bereits|schon)\s+begonnen|läuft\s+(?:bereits|schon)|"
    r"(?:bereits|schon)\s+(?:\w+\s+){0,3}(?:begonnen|gestartet|angefangen|bestellt|beauftragt)",
    re.I,
)
_NOT_STARTED = re.compile(r"noch nicht (?:begonnen|gestartet|angefangen|bestellt)", re.I)
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_DOT_DATE = re.compile(r"\b(\d{1,2}\.\d{1,2}\.\d{4})\b")
_MONTH_DATE = re.compile(
    r"\b(?:(Anfang|Mitte|Ende)\s+)?(" + "|".join(_MONTHS) + r")\s+(\d{4})\b", re.I
)
_YEAR_DATE = re.compile(r"\b(ab|Anfang|Mitte|Ende|Start|Beginn|im Jahr|in)\s+(20\d\d)\b", re.I)
_FOUNDED = re.compile(
    r"(?:gegründet|Gründungsjahr|am Markt seit|seit)\s*(?:im\s+Jahr\s+|:)?\s*(\d{4})\b"
    r"|(\d{4})\s+gegründet",
    re.I,
)
_FOUNDED_AGO = re.compile(
    r"vor\s+(\d+|einem|zwei|drei|vier|fünf)\s+Jahre?n?\s+gegründet|seit\s+(\d+|einem|zwei|drei|"
    r"vier|fünf)\s+Jahre?n?\s+(?:am Markt|selbstständig|tätig)",
    re.I,
)
_WORDS = {"einem": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5}
_VERBUND = re.compile(
    r"Verbund|Kooperation|gemeinsam mit|zusammen mit|mit einer Hochschule|mit einem Institut|"
    r"mit der Uni|Partner",
    re.I,
)
_RECHTSFORM_TEXT: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Personengesellschaft", re.compile(r"GmbH\s*&\s*Co\.?\s*KG|\bGbR\b|\bOHG\b|\bKG\b")),
    ("Kapitalgesellschaft", re.compile(r"\bGmbH\b|\bUG\b|\bAG\b|\bKGaA\b")),
    ("Einzelunternehmen", re.compile(r"\be\.\s?K\.|Einzelunternehm", re.I)),
    ("Genossenschaft", re.compile(r"\beG\b|Genossenschaft")),
)
_SCIENCE = re.compile(
    r"\bUni\b|Universität|Hochschule|\bTU\b|HTWK|Forschungsinstitut|Fraunhofer|Leibniz|"
    r"Max-Planck|Helmholtz|Absolvent|Wissenschaftler|Doktorand|Studierende|Studenten|"
    r"Ausgründung|Spin-?off",
    re.I,
)
_FREIER_BERUF = re.compile(
    r"freiberuf|Freie[rn]? Beruf|Ingenieurbüro|Architekturbüro|Steuerberat|Arztpraxis", re.I
)
