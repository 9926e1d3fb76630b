"""What the corpus says about combining programmes (per programme and pairwise)."""

from __future__ import annotations

from collections.abc import Sequence

from foerderberater.core.fmt import fmt_list
from foerderberater.eligibility.model import Citation, Programme
from foerderberater.eligibility.programmes import meta_cite
from foerderberater.eligibility.results import Combination, ProgrammeCheck
from foerderberater.eligibility.verdicts import KEINE_ANGABE


def combination_note(prog: Programme) -> tuple[str, tuple[Citation, ...]]:
    meta = prog.meta
    parts: list[str] = []
    cites: list[Citation] = []
    if meta.de_minimis:
        parts.append("Förderung als De-minimis-Beihilfe")
        cites.append(meta_cite(prog, "de_minimis"))
    if meta.kumulierung_hinweis:
        parts.append(str(meta.kumulierung_hinweis))
        cites.append(meta_cite(prog, "kumulierung_hinweis"))
    for key, label, slugs in (
        ("kumulierbar_mit", "kombinierbar mit", meta.kumulierbar_mit),
        ("nicht_kumulierbar_mit", "nicht kombinierbar mit", meta.nicht_kumulierbar_mit),
    ):
        if slugs:
            parts.append(f"{label} {fmt_list(slugs)}")
            cites.append(meta_cite(prog, key))
    if meta.de_minimis is False:
        parts.append("keine De-minimis-Beihilfe")
        cites.append(meta_cite(prog, "de_minimis"))
    if not parts:
        return f"Kumulierung: {KEINE_ANGABE}.", ()
    return "; ".join(part.rstrip(".") for part in parts) + ".", tuple(cites)


def combinations(checks: Sequence[ProgrammeCheck]) -> list[Combination]:
    """Pairwise statements the corpus makes about the given (fitting) programmes."""
    out: list[Combination] = []
    progs = [c.programme for c in checks]
    for i, a in enumerate(progs):
        for b in progs[i + 1 :]:
            ma, mb = a.meta, b.meta
            no = [
                meta_cite(x, "nicht_kumulierbar_mit")
                for x, y in ((a, b), (b, a))
                if y.slug in x.meta.nicht_kumulierbar_mit
            ]
            yes = [
                meta_cite(x, "kumulierbar_mit")
                for x, y in ((a, b), (b, a))
                if y.slug in x.meta.kumulierbar_mit
            ]
            if no and yes:
                out.append(
                    Combination(
                        a.slug,
                        b.slug,
                        "widersprüchlich",
                        "Die Angaben im Korpus widersprechen sich – beim Fördergeber klären.",
                        tuple(no + yes),
                    )
                )
            elif no:
                out.append(
                    Combination(
                        a.slug,
                        b.slug,
                        "nicht kombinierbar",
                        "laut Korpus ausgeschlossen",
                        tuple(no),
                    )
                )
            elif yes:
                out.append(
                    Combination(
                        a.slug,
                        b.slug,
                        "kombinierbar",
                        "laut Korpus kombinierbar (Beihilfegrenzen beachten)",
                        tuple(yes),
                    )
                )
            elif ma.de_minimis and mb.de_minimis:
                out.append(
                    Combination(
                        a.slug,
                        b.slug,
                        "De-minimis",
                        "beide als De-minimis-Beihilfe – sie zählen gemeinsam auf die "
                        "De-minimis-Obergrenze des Unternehmens",
                        (meta_cite(a, "de_minimis"), meta_cite(b, "de_minimis")),
                    )
                )
    return out
