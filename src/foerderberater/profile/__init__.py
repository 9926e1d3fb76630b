"""Project profile for the Projekt-Check: dataclass, EU SME class, parsing from text and YAML.

The profile is filled from explicit values (CLI flags, a dict/YAML file, the web form) and, where
those are missing, from a free-text description with simple deterministic rules. Every value taken
from the text is recorded in ``aus_text`` so the output can say what was recognised.

Modules (imports flow downwards only): ``size`` (EU SME class) →
``model`` (``Profile``, vocabularies, fact texts) → ``parse`` (single values) → ``patterns`` and
``text`` (free text) → ``build`` (dict/YAML, merge).
"""

from foerderberater.profile.build import load_profile, merge, profile_from_dict, resolve_location
from foerderberater.profile.model import (
    ARTEN,
    FACT_LABELS,
    FACT_QUESTIONS,
    UNTERNEHMERISCH,
    Profile,
)
from foerderberater.profile.parse import ProfilError, parse_amount, parse_date
from foerderberater.profile.size import (
    EU_LIMITS,
    GROESSE_LABEL,
    GROESSEN,
    SizeClass,
    eu_size_class,
)
from foerderberater.profile.text import profile_from_text

__all__ = [
    "ARTEN",
    "EU_LIMITS",
    "FACT_LABELS",
    "FACT_QUESTIONS",
    "GROESSEN",
    "GROESSE_LABEL",
    "UNTERNEHMERISCH",
    "ProfilError",
    "Profile",
    "SizeClass",
    "eu_size_class",
    "load_profile",
    "merge",
    "parse_amount",
    "parse_date",
    "profile_from_dict",
    "profile_from_text",
    "resolve_location",
]
