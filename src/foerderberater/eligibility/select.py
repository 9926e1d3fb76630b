"""Which ``foerdersaetze`` entries apply to a profile (corpus/README.md, „Fördersätze“).

Per selector an entry matches, is unknown (the profile lacks the fact) or mismatches. Entries
with a mismatch are dropped; per ``art`` the most specific region level wins (Landkreis before
Land before none); among the entries with a rate those with the most matched selectors stay.
Entries without a rate are caps of their ``art``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from foerderberater.core.terms import Foerdersatz
from foerderberater.eligibility.model import Context
from foerderberater.eligibility.rules_applicant import applicant_groups
from foerderberater.profile import SizeClass

_ORDER = ("kleinst", "klein", "mittel", "gross")
SELECTOR_FACTS = {  # unknown selector -> profile fact that would decide it
    "groesse": "beschaeftigte",
    "region": "standort",
    "vorhabenart": "vorhaben",
    "antragsteller": "art",
    "verbund": "verbund",
}


def possible_sizes(size: SizeClass) -> set[str]:
    """Rate classes (klein, mittel, gross) the enterprise may still have; kleinst = klein."""
    if size.klasse:
        return {"klein" if size.klasse == "kleinst" else size.klasse}
    low = _ORDER.index(size.untergrenze) if size.untergrenze else 0
    high = _ORDER.index(size.obergrenze) if size.obergrenze else len(_ORDER) - 1
    return {"klein" if c == "kleinst" else c for c in _ORDER[low : high + 1]}


@dataclass(frozen=True)
class Match:
    """An applicable entry: its index in ``foerdersaetze``, region level, matched/unknown keys."""

    index: int
    entry: Foerdersatz
    level: int  # 2 Landkreis, 1 Land, 0 no region selector (or place unknown)
    matched: tuple[str, ...]
    unknown: tuple[str, ...]


def match_entry(index: int, entry: Foerdersatz, ctx: Context) -> Match | None:
    """The entry's match for the profile, or None when a selector excludes it."""
    p = ctx.profile
    matched: list[str] = []
    unknown: list[str] = []
    if entry.groesse:
        sizes = possible_sizes(ctx.size) if p.unternehmerisch else set()
        if not sizes & set(entry.groesse):
            return None
        (matched if sizes <= set(entry.groesse) else unknown).append("groesse")
    level = 0
    if entry.region:
        kreise = {ctx.canon(r) for r in entry.region}
        if p.kreis and ctx.canon(p.kreis) in kreise:
            level = 2
        elif p.land and p.land in entry.region:
            level = 1
        elif p.kreis or p.land:
            return None
        else:
            unknown.append("region")
        if level:
            matched.append("region")
    if entry.vorhabenart:
        if not p.vorhaben:
            unknown.append("vorhabenart")
        elif set(entry.vorhabenart) & set(p.vorhaben):
            matched.append("vorhabenart")
        else:
            return None
    if entry.antragsteller:
        certain, possible = applicant_groups(p, ctx.size) if p.art else (set(), set())
        if not p.art:
            unknown.append("antragsteller")
        elif set(entry.antragsteller) & certain:
            matched.append("antragsteller")
        elif set(entry.antragsteller) & possible:
            unknown.append("antragsteller")
        else:
            return None
    if entry.verbund is not None:
        if p.verbund is None:
            unknown.append("verbund")
        elif p.verbund == entry.verbund:
            matched.append("verbund")
        else:
            return None
    return Match(index, entry, level, tuple(matched), tuple(unknown))


@dataclass(frozen=True)
class Selection:
    """The entries of one ``art`` that apply: rated entries (the candidates) and caps."""

    art: str
    rated: tuple[Match, ...]
    caps: tuple[Match, ...]

    @property
    def rates(self) -> list[float | None]:
        return [m.entry.satz_prozent for m in self.rated]

    @property
    def quantified(self) -> bool:
        return bool(self.rated) and None not in self.rates

    def top(self) -> Match | None:
        """The rated entry with the highest rate (None when a rate is not quantified)."""
        if not self.quantified:
            return None
        return max(self.rated, key=lambda m: m.entry.satz_prozent or 0.0)

    def open_facts(self) -> list[str]:
        """Profile facts that would narrow a range of rates (in selector order)."""
        keys = dict.fromkeys(k for m in self.rated for k in m.unknown)
        return [SELECTOR_FACTS[k] for k in keys]


def select(entries: Sequence[Foerdersatz], ctx: Context) -> dict[str, Selection]:
    """The applicable entries per ``art`` (in the order the arts first appear)."""
    kept = [m for i, e in enumerate(entries) if (m := match_entry(i, e, ctx)) is not None]
    out: dict[str, Selection] = {}
    for art in dict.fromkeys(m.entry.art for m in kept):
        mine = [m for m in kept if m.entry.art == art]
        top_level = max(m.level for m in mine)
        mine = [m for m in mine if m.level == top_level]
        rated = [m for m in mine if m.entry.has_rate]
        best = max((len(m.matched) for m in rated), default=0)
        out[art] = Selection(
            art,
            tuple(m for m in rated if len(m.matched) == best),
            tuple(m for m in mine if not m.entry.has_rate),
        )
    return out
