"""Field types of the metadata models, each with its German validation message.

Every type is ``Annotated[<python type>, BeforeValidator(check), Typ(label)]``: ``check`` turns
the raw YAML value into the final value or raises ``invalid(...)`` with a German message; ``Typ``
names the type in the generated schema table of corpus/README.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from foerderberater.core.vocab import (
    GROESSEN_SATZ,
    Foerderart,
    Foerderberechtigte,
    Foerdergebiet,
    Groesse,
    Rechtsform,
    TechnologiefeldOderOffen,
    Vorhabenart,
)

_URL = re.compile(r"^https?://\S+$")
LAUFEND = "laufend"


@dataclass(frozen=True)
class Typ:
    """How the schema table in corpus/README.md names a field type."""

    label: str
    values: tuple[str, ...] = ()


def invalid(message: str, where: str | None = None) -> PydanticCustomError:
    """A validation error with a German ``message``; ``where`` overrides the field path."""
    return PydanticCustomError("foerderberater", "{message}", {"message": message, "where": where})


def iso_date(value: Any) -> dt.date | None:
    """A date for a date/datetime/ISO string, else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: Any) -> str | None:
    """Names and titles: numbers are accepted as text ("kurzname: 270")."""
    if value is None:
        return None
    if not isinstance(value, str) and not _is_number(value):
        raise invalid("muss ein Text sein")
    return str(value).strip()


def _strict_text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise invalid("muss ein Text sein")
    return value


def _text_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise invalid("muss eine Liste von Texten sein")
    return tuple(value)


def _vocab_list(allowed: tuple[str, ...], *, nonempty: bool) -> Callable[[Any], tuple[str, ...]]:
    def check(value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            raise invalid(f"muss eine Liste sein, z. B. [{value}]")
        if not isinstance(value, list | tuple) or (nonempty and not value):
            raise invalid("muss eine nicht-leere Liste sein")
        bad = [v for v in value if v not in allowed]
        if bad:
            raise invalid(f"unbekannte Werte {bad}; erlaubt: {', '.join(allowed)}")
        return tuple(value)

    return check


def _url(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _URL.match(value):
        raise invalid(f"keine gültige URL: {value!r}")
    return value


def _url_list(value: Any) -> tuple[str, ...]:
    return tuple(_url(v) or "" for v in _text_list(value))


def _number(value: Any) -> int | float | None:
    if value is None:
        return None
    if not _is_number(value):
        raise invalid(f"muss eine Zahl sein, nicht {value!r}")
    if value < 0:
        raise invalid("darf nicht negativ sein")
    return value


def _percent(value: Any) -> int | float | None:
    value = _number(value)
    if value is not None and value > 100:
        raise invalid("muss zwischen 0 und 100 liegen")
    return value


def _rate_ok(value: Any) -> bool:
    return _is_number(value) and 0 <= value <= 100


def _flag(value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise invalid("muss true oder false sein")
    return value


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    day = iso_date(value)
    if day is None:
        raise invalid(f"kein ISO-Datum (JJJJ-MM-TT): {value!r}")
    return day


def _deadline(value: Any) -> dt.date | str:
    day = iso_date(value)
    if day is not None:
        return day
    if value != LAUFEND:
        raise invalid(f"'laufend' oder ISO-Datum erwartet, nicht {value!r}")
    return value


def _size_rates(value: Any) -> dict[str, int | float] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= set(GROESSEN_SATZ):
        raise invalid("erwartet {klein, mittel, gross}")
    for key, rate in value.items():
        if not _rate_ok(rate):
            raise invalid("muss 0–100 sein", f"foerdersatz_nach_groesse.{key}")
    return dict(value)


def _region_rates(value: Any) -> dict[str, Any] | None:
    field = "foerdersatz_nach_region"
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise invalid("erwartet {Landkreis oder Land: Satz}")
    for name, rate in value.items():
        where = f"{field}.{name}"
        if rate is None or _rate_ok(rate):
            continue
        if not isinstance(rate, dict) or not rate or not set(rate) <= set(GROESSEN_SATZ):
            raise invalid("Zahl 0–100, {klein, mittel, gross} oder null erwartet", where)
        if not all(_rate_ok(v) for v in rate.values()):
            raise invalid("Sätze müssen 0–100 sein", where)
    return {str(k): v for k, v in value.items()}


def _page_list(value: Any) -> tuple[int, ...]:
    if value is None:
        return ()
    ok = isinstance(value, list | tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value
    )
    if not ok:
        raise invalid("Liste von Seitenzahlen (ab 1) erwartet")
    return tuple(value)


def _object(value: Any) -> dict[str, Any] | None:
    if value is not None and not isinstance(value, dict):
        raise invalid("Schlüssel: Wert-Paare erwartet")
    return value


def _rechtsformen(value: Any) -> tuple[str, ...]:
    allowed = get_args(Rechtsform)
    if not isinstance(value, list | tuple) or not value or any(v not in allowed for v in value):
        raise invalid(f"Liste aus: {', '.join(allowed)}")
    return tuple(value)


def vocab_list(literal: Any, *, nonempty: bool = True) -> Any:
    """``tuple[<literal>, ...]`` checked against the vocabulary of ``literal``."""
    allowed = get_args(literal)
    check = _vocab_list(allowed, nonempty=nonempty)
    return Annotated[tuple[literal, ...], BeforeValidator(check), Typ("Liste", allowed)]


Name = Annotated[str, BeforeValidator(_text), Typ("Text")]
OptName = Annotated[str | None, BeforeValidator(_text), Typ("Text")]
Hint = Annotated[str | None, BeforeValidator(_strict_text), Typ("Text")]
TextList = Annotated[tuple[str, ...], BeforeValidator(_text_list), Typ("Liste")]
Url = Annotated[str | None, BeforeValidator(_url), Typ("URL")]
UrlList = Annotated[tuple[str, ...], BeforeValidator(_url_list), Typ("Liste")]
Number = Annotated[int | float | None, BeforeValidator(_number), Typ("Zahl")]
Percent = Annotated[int | float | None, BeforeValidator(_percent), Typ("Zahl")]
Flag = Annotated[bool | None, BeforeValidator(_flag), Typ("bool")]
PageList = Annotated[tuple[int, ...], BeforeValidator(_page_list), Typ("Liste")]
JsonObject = Annotated[dict[str, Any] | None, BeforeValidator(_object), Typ("Objekt")]
IsoDate = Annotated[dt.date, BeforeValidator(_date), Typ("Text")]
OptDate = Annotated[dt.date | None, BeforeValidator(_date), Typ("Text")]
Deadline = Annotated[dt.date | Literal["laufend"], BeforeValidator(_deadline), Typ("Text")]
SizeRates = Annotated[
    dict[Groesse, int | float] | None, BeforeValidator(_size_rates), Typ("Objekt")
]
RegionRates = Annotated[
    dict[str, int | float | dict[Groesse, int | float] | None] | None,
    BeforeValidator(_region_rates),
    Typ("Objekt"),
]
Rechtsformen = Annotated[
    tuple[Rechtsform, ...], BeforeValidator(_rechtsformen), Typ("Liste", get_args(Rechtsform))
]
FoerderartList = vocab_list(Foerderart)
FoerdergebietList = vocab_list(Foerdergebiet)
BerechtigteList = vocab_list(Foerderberechtigte)
VorhabenartList = vocab_list(Vorhabenart)
TechnologieList = vocab_list(TechnologiefeldOderOffen)
OptTechnologieList = vocab_list(TechnologiefeldOderOffen, nonempty=False)
