"""Controlled vocabularies of the corpus metadata: one ``Literal`` type and one tuple each.

The ``Literal`` types type the fields of ``ProgrammeMeta``/``StudyMeta`` (core/schema.py); the
tuples (``typing.get_args`` of the same types) feed filters, CLI help, UI dropdowns and the
generated schema table in corpus/README.md. Change a vocabulary here and nowhere else.
"""

from __future__ import annotations

from typing import Literal, get_args

Dokumenttyp = Literal["Programm", "Studie", "Text"]
Foerderart = Literal[
    "Zuschuss",
    "Darlehen",
    "Bürgschaft",
    "Beteiligung",
    "Steuerliche Förderung",
    "Beratung",
    "Sonstiges",
]
Land = Literal["Sachsen", "Sachsen-Anhalt", "Thüringen"]
Foerdergebiet = Literal["Bund", "EU", "Sachsen", "Sachsen-Anhalt", "Thüringen"]
Foerderberechtigte = Literal[
    "KMU",
    "Großunternehmen",
    "Start-ups",
    "Forschungseinrichtungen",
    "Hochschulen",
    "Kommunen",
    "Verbände/Vereine",
    "Privatpersonen",
]
Vorhabenart = Literal[
    "Investition",
    "Forschung und Entwicklung",
    "Gründung",
    "Beratung",
    "Energieeffizienz",
    "Infrastruktur",
    "Qualifizierung",
    "Digitalisierung",
]
Technologiefeld = Literal[
    "Erneuerbare Energien",
    "Wasserstoff",
    "Bioökonomie",
    "Kreislaufwirtschaft",
    "Big Data/KI",
    "XR",
    "Cybersicherheit",
    "Seethermie",
    "Geothermie/Wärmespeicher",
    "Energieeffizienz",
    "Wärmenetze",
    "Mobilität/Logistik",
    "Digitalisierung",
    "Chemie",
    "Mikroelektronik",
    "Gesundheit/Life Sciences",
    "Tourismus",
    "Handwerk",
]
TECHNOLOGIEOFFEN = "technologieoffen"  # a programme that does not restrict the field
TechnologiefeldOderOffen = Literal[Technologiefeld, "technologieoffen"]
Rechtsform = Literal[
    "Kapitalgesellschaft",
    "Personengesellschaft",
    "Einzelunternehmen",
    "Genossenschaft",
    "Verein",
    "öffentlich-rechtlich",
]
Groesse = Literal["klein", "mittel", "gross"]  # size classes of ``foerdersatz_nach_groesse``
# applicant kinds of a project profile (``Profile.art``; ``bedingungen`` refer to them)
Antragstellerart = Literal[
    "Unternehmen",
    "Start-up",
    "Start-up in Gründung",
    "Forschungseinrichtung",
    "Hochschule",
    "Kommune",
    "Verein",
    "Privatperson",
]
# kind of a structured figure (``foerdersaetze[].art``); only Zuschuss and Steuerliche Förderung
# are a Fördersatz – a loan share is never one; Zuschussanteil = grant part of a loan
Satzart = Literal[
    "Zuschuss",
    "Darlehen",
    "Bürgschaft",
    "Beteiligung",
    "Steuerliche Förderung",
    "Zuschussanteil",
]
# what the percentage and the amounts of a figure refer to (``foerdersaetze[].bezug``)
Bezug = Literal[
    "Vorhaben",
    "Finanzierungsbedarf",
    "Kredit",
    "Beratung",
    "Beratertag",
    "Jahr",
    "Monat",
    "Person",
    "Unternehmen",
    "Kapital",
]
# text rules of ``bedingungen[].typ``
BedingungTyp = Literal[
    "max_beschaeftigte_ohne_partner",
    "nur_groesse_in_region",
    "ausgeschlossene_vorhaben",
    "vorhaben_nur_mit",
    "ausgeschlossene_antragsteller",
]

DOKUMENTTYP: tuple[str, ...] = get_args(Dokumenttyp)
FOERDERART: tuple[str, ...] = get_args(Foerderart)
LAENDER: tuple[str, ...] = get_args(Land)
FOERDERGEBIET: tuple[str, ...] = get_args(Foerdergebiet)
FOERDERBERECHTIGTE: tuple[str, ...] = get_args(Foerderberechtigte)
VORHABENART: tuple[str, ...] = get_args(Vorhabenart)
TECHNOLOGIEFELDER: tuple[str, ...] = get_args(Technologiefeld)
RECHTSFORMEN: tuple[str, ...] = get_args(Rechtsform)
GROESSEN_SATZ: tuple[str, ...] = get_args(Groesse)
ANTRAGSTELLERARTEN: tuple[str, ...] = get_args(Antragstellerart)
UNTERNEHMERISCH: tuple[str, ...] = ("Unternehmen", "Start-up", "Start-up in Gründung")
SATZARTEN: tuple[str, ...] = get_args(Satzart)
FOERDERSATZ_ARTEN: tuple[str, ...] = ("Zuschuss", "Steuerliche Förderung")  # a Fördersatz
BEZUEGE: tuple[str, ...] = get_args(Bezug)
BEDINGUNG_TYPEN: tuple[str, ...] = get_args(BedingungTyp)

DOKUMENTTYP_LABELS = {"Programm": "Förderprogramm", "Studie": "Studie", "Text": "Text"}
