"""``Filters`` as a SQL predicate over the typed filter columns of a PostgreSQL chunk table.

Mirrors ``Filters.matches`` exactly (tests compare both on the real corpus): studies and texts
pass unless a programme-only filter is set; a programme without Länder in its Fördergebiet is
open everywhere; ``technologieoffen`` matches every Technologiefeld; a programme without
``landkreise`` is open in every Kreis. District spellings are compared through ``kreis_names``:
the caller (who owns the gazetteer) passes every spelling stored in this version that is
canonically equal to the requested Kreis. Array tests use ``@>``/``&&`` so the GIN indexes on
the filter columns can serve them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from foerderberater.core.vocab import TECHNOLOGIEOFFEN
from foerderberater.search.filters import Filters


def kreis_spellings(
    kreis: str, stored: Iterable[str], canon: Callable[[str], str] | None
) -> list[str]:
    """All stored district names that denote ``kreis`` (canonical comparison as in matches)."""
    norm = canon or (lambda name: name)
    want = norm(kreis)
    return sorted({k for k in stored if norm(k) == want})


def filter_sql(
    filters: Filters | None, kreis_names: list[str] | None = None
) -> tuple[str, dict[str, Any]]:
    """``(predicate, params)``; the predicate is ``TRUE`` when nothing is filtered. Parameter
    names start with ``f_`` so the caller can merge them with its own."""
    if filters is None or not filters.active():
        return "TRUE", {}
    where: list[str] = []
    params: dict[str, Any] = {}
    if filters.dokumenttyp:
        where.append("dokumenttyp = %(f_doctype)s")
        params["f_doctype"] = filters.dokumenttyp
    prog: list[str] = []
    if filters.ebene:
        prog.append("laender <> '{}'" if filters.ebene == "Land" else "laender = '{}'")
    if filters.land:
        prog.append("(laender = '{}' OR laender @> %(f_land)s::text[])")
        params["f_land"] = [filters.land]
    if filters.kreis:
        prog.append("(kreise = '{}' OR kreise && %(f_kreise)s::text[])")
        params["f_kreise"] = list(kreis_names if kreis_names is not None else [filters.kreis])
    for name in ("foerderberechtigte", "foerderart", "vorhabenart"):
        value = getattr(filters, name)
        if value:
            prog.append(f"{name} @> %(f_{name})s::text[]")
            params[f"f_{name}"] = [value]
    if filters.technologiefeld:
        prog.append("technologiefelder && %(f_tech)s::text[]")
        params["f_tech"] = [filters.technologiefeld, TECHNOLOGIEOFFEN]
    programme = "is_programme" + "".join(f" AND {p}" for p in prog)
    if filters.programme_only():
        where.append(f"({programme})")
    else:
        where.append(f"(NOT is_programme OR ({programme}))")
    return " AND ".join(where), params
