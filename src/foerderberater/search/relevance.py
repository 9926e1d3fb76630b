"""Is the question in scope? Bund/Land level cues and the calibrated relevance threshold."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from foerderberater.core.types import Hit
from foerderberater.search.filters import Filters
from foerderberater.search.regions import Gazetteer, Region

_BUND = re.compile(
    r"\b(bund|bundes|bundesprogramm\w*|bundesförderung\w*|bundesweit\w*|"
    r"bundesmittel\w*|bundesgeld\w*|des bundes|vom bund)\b",
    re.I,
)
_LAND = re.compile(r"\b(landesprogramm\w*|landesförderung\w*|landesmittel\w*|vom land)\b", re.I)


DOMAIN_MARGIN = 0.04
# naming the region or its structural change makes a question in scope of the product
REVIER_WORDS = re.compile(
    r"mitteldeutsch|\brevier|metropolregion|innovationsregion|strukturwandel|kohleausstieg|"
    r"braunkohle",
    re.I,
)


# words naming a kind of funding (values of ProgrammeMeta.foerderart)
_KINDS = (
    ("Zuschuss", re.compile(r"zuschüss|zuschuss|nicht rückzahlbar|\bprämie", re.I)),
    ("Darlehen", re.compile(r"\bkredit|darlehen", re.I)),
    ("Bürgschaft", re.compile(r"bürgschaft|\bbürgen|sicherheiten", re.I)),
    ("Beteiligung", re.compile(r"beteiligung|risikokapital|wagniskapital|venture|investor", re.I)),
    ("Beratung", re.compile(r"\bberatung|\bberater", re.I)),
)


# money asked for a consultation ("Wie viel Prozent zahlt das BAFA je Beratung?") is a grant
_PAID = re.compile(
    r"prozent|%|euro|zahlt|bezahl|zuschie|zuschuss|zuschüss|\bkosten\b|\bkostet\b|schie(?:ß|ss)t\b.{0,40}\bzu\b|"
    r"höchstens|maximal|wie viel",
    re.I,
)


def asked_kinds(text: str) -> frozenset[str]:
    """The kinds of funding a question asks for ("Investitionszuschüsse" → Zuschuss); a
    consultation the asker wants paid for is the project, not consulting as the funding."""
    kinds = {kind for kind, rx in _KINDS if rx.search(text)}
    if "Beratung" in kinds and _PAID.search(text):
        kinds.discard("Beratung")
    return frozenset(kinds)


def funding_level(text: str) -> str | None:
    """'Bund' or 'Land' when the question asks for federal or Land programmes explicitly."""
    bund, land = bool(_BUND.search(text)), bool(_LAND.search(text))
    if bund == land:
        return None
    return "Bund" if bund else "Land"


def is_relevant(
    hits: Sequence[Hit], min_relevance: float, top_k: int, *, in_domain: bool = False
) -> bool:
    """Calibrated abstention rule: the best dense similarity must reach ``min_relevance``.

    A funding question about a place of the Revier is in scope by definition of the
    product, so it gets a margin of ``DOMAIN_MARGIN`` below the threshold.
    """
    dense = [h.dense_score for h in hits[: top_k * 3] if h.dense_score is not None]
    threshold = min_relevance - (DOMAIN_MARGIN if in_domain else 0.0)
    return bool(dense) and max(dense) >= threshold


def apply_place_and_level(
    text: str, filters: Filters | None, gazetteer: Gazetteer
) -> tuple[Filters, Region | None]:
    """The filters with the place (→ Land, Revier district) and the Bund/Land level named in
    ``text``, unless the caller set them explicitly; also the recognised region."""
    filters = filters or Filters()
    if filters.ebene is None:
        ebene = funding_level(text)
        if ebene:
            filters = replace(filters, ebene=ebene)
    region = gazetteer.find(text)
    if region is None or filters.land:
        return filters, region
    kreis = region.kreis if region.revier else None
    return replace(filters, land=region.land, kreis=filters.kreis or kreis), region
