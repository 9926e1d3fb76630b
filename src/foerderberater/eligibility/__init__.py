"""Projekt-Check: deterministic eligibility rules over programme metadata, with reasons.

Every decision comes from the front matter of the programme (see corpus/README.md); the
programme text only supplies the quoted passage that backs a reason. A fact that the corpus does
not give is never guessed: the rule reports "offen" and the programme "passt vielleicht".

Entry points: ``check_project(advisor, profile)`` (used by CLI and web UI),
``evaluate(profile, programmes)`` (pure, no index needed) and ``render_markdown(result)``.

Modules (imports flow downwards only): ``textutil`` → ``model`` → ``results`` → ``corpus`` →
``rules_*`` → ``rates``, ``combine`` → ``engine`` → ``render``.
"""

from foerderberater.eligibility.combine import combination_note, combinations
from foerderberater.eligibility.corpus import (
    REQ,
    WHAT,
    WHO,
    first_passage,
    load_programmes,
    meta_cite,
    passage,
    programmes_for,
    programmes_from_index,
    split_sections,
)
from foerderberater.eligibility.engine import (
    RULES,
    check_programme,
    check_project,
    evaluate,
    next_step,
    retrieve_passages,
    status_of,
)
from foerderberater.eligibility.model import (
    ERFUELLT,
    HINWEIS,
    KEINE_ANGABE,
    NICHT,
    OFFEN,
    PASST,
    SOON_DAYS,
    STALE_DAYS,
    STATUS_ORDER,
    VERLETZT,
    VIELLEICHT,
    Amount,
    Canon,
    Citation,
    Context,
    Passage,
    Programme,
    Rate,
    Reason,
)
from foerderberater.eligibility.rates import amount_for, rate_for
from foerderberater.eligibility.render import TEXT_FIELD_LABELS, profile_summary, render_markdown
from foerderberater.eligibility.results import (
    INDIKATIV,
    CheckResult,
    Combination,
    ProgrammeCheck,
)
from foerderberater.eligibility.rules_applicant import (
    applicant_groups,
    rule_freie_berufe,
    rule_rechtsform,
    rule_verbund,
    rule_zielgruppe,
)
from foerderberater.eligibility.rules_deadline import frist_text, rule_frist
from foerderberater.eligibility.rules_founding import (
    rule_alter,
    rule_hochschulgruendung,
    rule_vor_gruendung,
)
from foerderberater.eligibility.rules_project import (
    rule_beginn,
    rule_foerderart,
    rule_technologie,
    rule_volumen,
    rule_vorhabenart,
)
from foerderberater.eligibility.rules_region import rule_gebiet, rule_landkreise
from foerderberater.eligibility.rules_size import rule_beschaeftigte, rule_kmu, rule_umsatz

__all__ = [
    "ERFUELLT",
    "HINWEIS",
    "INDIKATIV",
    "KEINE_ANGABE",
    "NICHT",
    "OFFEN",
    "PASST",
    "REQ",
    "RULES",
    "SOON_DAYS",
    "STALE_DAYS",
    "STATUS_ORDER",
    "TEXT_FIELD_LABELS",
    "VERLETZT",
    "VIELLEICHT",
    "WHAT",
    "WHO",
    "Amount",
    "Canon",
    "CheckResult",
    "Citation",
    "Combination",
    "Context",
    "Passage",
    "Programme",
    "ProgrammeCheck",
    "Rate",
    "Reason",
    "amount_for",
    "applicant_groups",
    "check_programme",
    "check_project",
    "combination_note",
    "combinations",
    "evaluate",
    "first_passage",
    "frist_text",
    "load_programmes",
    "meta_cite",
    "next_step",
    "passage",
    "profile_summary",
    "programmes_for",
    "programmes_from_index",
    "rate_for",
    "render_markdown",
    "retrieve_passages",
    "rule_alter",
    "rule_beginn",
    "rule_beschaeftigte",
    "rule_foerderart",
    "rule_freie_berufe",
    "rule_frist",
    "rule_gebiet",
    "rule_hochschulgruendung",
    "rule_kmu",
    "rule_landkreise",
    "rule_rechtsform",
    "rule_technologie",
    "rule_umsatz",
    "rule_verbund",
    "rule_volumen",
    "rule_vor_gruendung",
    "rule_vorhabenart",
    "rule_zielgruppe",
    "split_sections",
    "status_of",
]
