"""German number and euro formatting with babel.numbers: 1.234.567, 2,5, 300.000 €."""

from __future__ import annotations

from collections.abc import Iterable

from babel.numbers import format_currency, format_decimal

LOCALE = "de_DE"


def fmt_number(value: float) -> str:
    """German number: 1.234.567 or 2,5 (at most two decimals)."""
    return format_decimal(value, format="#,##0.##", locale=LOCALE)


def fmt_eur(value: float) -> str:
    """Whole euros: 1.234.567 €."""
    return format_currency(
        round(value), "EUR", format="#,##0 ¤", locale=LOCALE, currency_digits=False
    )


def fmt_percent(value: float) -> str:
    """A rate in percent as the corpus writes it: 40 %, 2,5 %."""
    return f"{fmt_number(value)} %"


def fmt_list(values: Iterable[object]) -> str:
    """Values joined with commas: "KMU, Kommunen"."""
    return ", ".join(str(v) for v in values)
