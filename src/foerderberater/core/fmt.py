"""German number and euro formatting (1.234.567, 2,5, 300.000 €)."""

from __future__ import annotations


def fmt_number(value: float) -> str:
    """German number: 1.234.567 or 2,5."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return (
        f"{value:,.2f}".rstrip("0")
        .rstrip(".")
        .replace(",", "X")
        .replace(".", ",")
        .replace("X", ".")
    )


def fmt_eur(value: float) -> str:
    return f"{fmt_number(round(value))} €"
