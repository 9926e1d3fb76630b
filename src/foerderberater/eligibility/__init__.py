"""Projekt-Check: deterministic eligibility rules over programme metadata, with reasons.

Every decision comes from the validated metadata (``ProgrammeMeta``) of the programmes in the
live index version; the programme text (its chunks) only supplies the quoted passage that backs a
reason. A fact that the corpus does not give is never guessed: the rule reports "offen" and the
programme "passt vielleicht".

Entry points: ``check_project(version, profile, today=…)`` (used through ``Advisor.check`` by
CLI and web UI), ``evaluate(profile, programmes)`` (pure) and ``render_markdown(result)``.

Modules (imports flow downwards only): ``textutil`` → ``model`` → ``results`` → ``programmes``
→ ``rules_*`` → ``rates``, ``combine`` → ``engine`` → ``render``.
"""

from foerderberater.eligibility.engine import check_project, evaluate
from foerderberater.eligibility.model import Programme
from foerderberater.eligibility.programmes import programmes_from_index
from foerderberater.eligibility.render import render_markdown
from foerderberater.eligibility.results import CheckResult, ProgrammeCheck
from foerderberater.eligibility.verdicts import NICHT, PASST, VIELLEICHT

__all__ = [
    "NICHT",
    "PASST",
    "VIELLEICHT",
    "CheckResult",
    "Programme",
    "ProgrammeCheck",
    "check_project",
    "evaluate",
    "programmes_from_index",
    "render_markdown",
]
