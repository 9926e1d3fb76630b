"""The typed filter columns of a document, copied onto each of its chunks in PostgreSQL.

``search.pg_filters.filter_sql`` turns ``Filters`` into a predicate over exactly these columns
(the SQL twin of ``Filters.matches``); copying them onto the chunks lets the vector scan filter
without a join.
"""

from __future__ import annotations

from typing import Any

from foerderberater.core.schema import Meta, ProgrammeMeta

FILTER_ARRAYS = (
    "laender",
    "kreise",
    "foerderberechtigte",
    "foerderart",
    "technologiefelder",
    "vorhabenart",
)
# (name, SQL type) in table order, after the chunk's own columns
FILTER_COLUMNS = (("is_programme", "boolean"), ("dokumenttyp", "text")) + tuple(
    (name, "text[]") for name in FILTER_ARRAYS
)


def filter_columns(meta: Meta) -> dict[str, Any]:
    """``is_programme``, ``dokumenttyp`` and the filter arrays (empty for studies and texts)."""
    values: dict[str, Any] = {"is_programme": isinstance(meta, ProgrammeMeta)}
    values["dokumenttyp"] = meta.dokumenttyp
    for name in FILTER_ARRAYS:
        values[name] = []
    if isinstance(meta, ProgrammeMeta):
        values["laender"] = [str(v) for v in meta.laender]
        values["kreise"] = [str(v) for v in meta.landkreise]
        for name in ("foerderberechtigte", "foerderart", "technologiefelder", "vorhabenart"):
            values[name] = [str(v) for v in getattr(meta, name)]
    return values
