"""The metadata model of corpus documents: one source of field names, vocabularies, validation.

``ProgrammeMeta`` (front matter of ``programme/*.md``), ``StudyMeta`` (sidecar YAML of study
PDFs) and ``TextMeta`` (everything else) are frozen pydantic models. Unknown keys are accepted
and kept (``model_extra``), so new corpus fields survive until they get a type here.
``parse_meta`` validates raw front matter and raises ``FrontMatterError`` with a German message
naming the file and the field; ``load_meta`` restores a model from the JSON the index stores.
Vocabularies live in ``core.vocab``, field types in ``core.fields``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from foerderberater.core.errors import FrontMatterError, IndexCorruptError
from foerderberater.core.fields import (
    LAUFEND,
    BerechtigteList,
    Deadline,
    Flag,
    FoerderartList,
    FoerdergebietList,
    Hint,
    IsoDate,
    JsonObject,
    Name,
    Number,
    OptDate,
    OptName,
    OptTechnologieList,
    PageList,
    Percent,
    Rechtsformen,
    RegionRates,
    SizeRates,
    TechnologieList,
    TextList,
    Typ,
    Url,
    UrlList,
    VorhabenartList,
    invalid,
)
from foerderberater.core.terms import Bedingung, Foerdersatz
from foerderberater.core.vocab import LAENDER, Dokumenttyp


def _entries(value: Any) -> Any:
    """``foerdersaetze``/``bedingungen`` must be YAML lists (entries are checked by their model)."""
    if not isinstance(value, list | tuple):
        raise invalid("muss eine Liste von Einträgen sein")
    return value


def _json_safe(value: Any) -> Any:
    """YAML dates (also in unknown or nested keys) become ISO strings: stored as JSON."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return value


class DocMeta(BaseModel):
    """Common behaviour of all metadata models (fields are declared by the subclasses)."""

    model_config = ConfigDict(frozen=True, extra="allow", use_attribute_docstrings=True)

    dokumenttyp: Dokumenttyp

    @model_validator(mode="before")
    @classmethod
    def _plain_values(cls, data: Any) -> Any:
        return _json_safe(data) if isinstance(data, dict) else data

    @property
    def is_programme(self) -> bool:
        return self.dokumenttyp == "Programm"

    def source_url(self) -> str | None:
        """The official page (``url``), else the first source."""
        url = getattr(self, "url", None)
        quellen = getattr(self, "quellen", ())
        return url or (quellen[0] if quellen else None)

    def giver(self) -> str:
        """Who funds or commissioned the document (``foerdergeber``/``auftraggeber``)."""
        return str(getattr(self, "foerdergeber", None) or getattr(self, "auftraggeber", None) or "")

    def to_json(self) -> dict[str, Any]:
        """The keys given in the source (and ``dokumenttyp``), JSON-safe: what the index stores."""
        return self.model_dump(mode="json", exclude_unset=True) | {"dokumenttyp": self.dokumenttyp}

    def json_value(self, key: str) -> Any:
        """The JSON value of one field (also an unknown one) as the source gave it, or None."""
        return self.to_json().get(key)


class ProgrammeMeta(DocMeta):
    """Front matter of a funding programme (schema table in corpus/README.md).

    The docstring under a field is its description in the generated schema table; a list field
    without one shows its vocabulary.
    """

    dokumenttyp: Literal["Programm"] = "Programm"
    titel: Name
    """offizieller Programmname"""
    kurzname: Name
    """gebräuchliche Kurzform (z. B. „ZIM“, „GRW Sachsen“)"""
    foerdergeber: Name
    """Ministerium/Institution, die das Programm trägt"""
    antragsstelle: Name
    """wo der Antrag gestellt wird (z. B. „Sächsische Aufbaubank (SAB)“)"""
    foerderart: FoerderartList
    foerdergebiet: FoerdergebietList
    foerderberechtigte: BerechtigteList
    vorhabenart: VorhabenartList
    technologiefelder: TechnologieList
    """Vokabular unten; `technologieoffen`, wenn das Programm nicht eingrenzt"""
    antragsfrist: Deadline
    """`laufend` oder ISO-Datum `"JJJJ-MM-TT"` (nächster/letzter Stichtag)"""
    stand: IsoDate
    """ISO-Datum, zu dem die Fakten geprüft wurden"""
    quellen: UrlList
    """URLs der Quellen (mindestens eine)"""
    landkreise: TextList = ()
    """nur diese Landkreise/kreisfreien Städte sind Fördergebiet (z. B. Reviergebiet)"""
    foerdersatz_max_prozent: Percent = None
    """höchster Fördersatz in % der förderfähigen Kosten"""
    max_betrag_eur: Number = None
    """Höchstbetrag der Förderung in Euro (Zuschuss bzw. Kredit)"""
    rechtsgrundlage: OptName = None
    """Richtlinie/Gesetz"""
    url: Url = None
    """offizielle Programmseite (sonst gilt die erste Quelle)"""
    frist_hinweis: Hint = None
    """Erläuterung zu Stichtagen/Förderaufrufen"""
    nur_kmu: Flag = None
    """nur KMU nach EU-Definition antragsberechtigt"""
    max_beschaeftigte: Number = None
    """Obergrenze der Beschäftigten des Antragstellers"""
    antrag_vor_vorhabenbeginn: Flag = None
    """Antrag muss vor Beginn des Vorhabens gestellt werden"""
    de_minimis: Flag = None
    """Förderung als De-minimis-Beihilfe"""
    foerdersatz_nach_groesse: SizeRates = None
    """`{klein: %, mittel: %, gross: %}` – Höchstsätze nach Unternehmensgröße"""
    kumulierbar_mit: TextList = ()
    """Slugs von Programmen, mit denen laut Quelle kombiniert werden darf"""
    nicht_kumulierbar_mit: TextList = ()
    """Slugs von Programmen, die laut Quelle ausgeschlossen sind"""
    kumulierung_hinweis: Hint = None
    """allgemeine Kumulierungsregel laut Quelle (z. B. „nicht für dieselben Kosten“)"""
    nur_im_verbund: BerechtigteList = ()
    """Gruppen (Werte wie `foerderberechtigte`), die nur als Partner in einem
    Verbund-/Kooperationsprojekt mitmachen können"""
    max_umsatz_mio_eur: Number = None
    """Obergrenze Jahresumsatz des Antragstellers in Mio. Euro"""
    max_bilanzsumme_mio_eur: Number = None
    """Obergrenze Bilanzsumme in Mio. Euro; sind beide Grenzen gesetzt, genügt es, eine
    einzuhalten (wie in der EU-KMU-Definition)"""
    max_unternehmensalter_jahre: Number = None
    """Unternehmen darf höchstens so viele Jahre bestehen"""
    nur_vor_gruendung: Flag = None
    """Gründung darf bei Antrag/Projektbeginn noch nicht erfolgt sein"""
    nur_hochschulgruendung: Flag = None
    """nur Gründungen aus Hochschulen/Forschungseinrichtungen (Wissenschaftler, Absolventen,
    Studierende)"""
    freie_berufe: Flag = None
    """`true`: Freie Berufe ausdrücklich antragsberechtigt; `false`: ausgeschlossen"""
    rechtsform: Rechtsformen = ()
    """nur diese Rechtsformen:"""
    min_volumen_eur: Number = None
    """Mindest-Investitions- bzw. Projektvolumen in Euro"""
    max_volumen_eur: Number = None
    """Höchst-Investitions- bzw. Projektvolumen in Euro"""
    foerdersatz_nach_region: RegionRates = None
    """Höchstsatz je Landkreis/kreisfreier Stadt oder Land: Zahl, `{klein, mittel, gross}` oder
    `null` (= Satz dort im Korpus nicht beziffert); hat Vorrang vor `foerdersatz_nach_groesse`"""
    vorhabenbeginn_hinweis: Hint = None
    """Erläuterung, ab wann begonnen werden darf (z. B. „ab Antragseingang auf eigenes Risiko“)"""
    foerdersaetze: Annotated[tuple[Foerdersatz, ...], BeforeValidator(_entries), Typ("Liste")] = ()
    """jeder Satz und Betrag, den der Text nennt, mit Bezug, Auswahl (Größe, Region, Vorhabenart,
    Antragsteller, Verbund) und wörtlichem Beleg – Schlüssel in der Tabelle unten"""
    bedingungen: Annotated[tuple[Bedingung, ...], BeforeValidator(_entries), Typ("Liste")] = ()
    """Regeln des Textes, die die Einzelfelder nicht ausdrücken, mit Beleg – Typen unten"""
    unverifiziert: TextList = ()
    """Sätze: was sich anhand der Quellen nicht prüfen ließ (für Prüfende und die Anzeige)"""

    @model_validator(mode="before")
    @classmethod
    def _required(cls, data: Any) -> Any:
        if isinstance(data, dict):
            missing = [k for k in required_fields(cls) if data.get(k) in (None, "", [], ())]
            if missing:
                raise invalid("Pflichtfeld(er) fehlen: " + ", ".join(missing), "")
        return data

    @model_validator(mode="after")
    def _volume_span(self) -> ProgrammeMeta:
        low, high = self.min_volumen_eur, self.max_volumen_eur
        if low is not None and high is not None and low > high:
            raise invalid("ist größer als max_volumen_eur", "min_volumen_eur")
        return self

    @property
    def laender(self) -> tuple[str, ...]:
        """The Länder of ``foerdergebiet`` (empty for pure Bund/EU programmes)."""
        return tuple(g for g in self.foerdergebiet if g in LAENDER)

    @property
    def frist_datum(self) -> dt.date | None:
        return None if self.antragsfrist == LAUFEND else self.antragsfrist  # type: ignore[return-value]


class _Described(DocMeta):
    """Optional descriptive fields of studies and other texts."""

    titel: OptName = None
    """Titel (bei Studien: der Originalstudie)"""
    quellen: UrlList = ()
    """URLs der Quellen"""
    url: Url = None
    """Link zum Dokument (sonst gilt die erste Quelle)"""
    stand: OptDate = None
    """ISO-Datum, zu dem die Zusammenfassung geprüft wurde"""
    technologiefelder: OptTechnologieList = ()
    """Technologiefelder (Vokabular wie bei Programmen)"""
    seiten: Number = None
    """Seitenzahl einer PDF (beim Einlesen gesetzt)"""
    ocr: Flag = None
    """true, wenn Seiten der PDF per Texterkennung (OCR) aus einem Scan gelesen wurden (beim
    Einlesen gesetzt)"""
    ocr_seiten: PageList = ()
    """die per OCR gelesenen Seiten (beim Einlesen gesetzt)"""
    ocr_confidence: Number = None
    """mittlere Sicherheit der Texterkennung, 0–1 (beim Einlesen gesetzt)"""
    extraktion: JsonObject = None
    """Extraktionsbericht der PDF: Zeichen und Quelle je Seite, Tabellen, Hinweise (beim
    Einlesen gesetzt; `foerderberater info --doc SLUG`)"""


class StudyMeta(_Described):
    """Sidecar metadata of a study PDF (``studien/<slug>.yaml``)."""

    dokumenttyp: Literal["Studie"] = "Studie"
    jahr: Number = None
    """Erscheinungsjahr der Originalstudie"""
    auftraggeber: OptName = None
    """Auftraggeber der Studie"""
    autoren: TextList = ()
    """Autorinnen und Autoren"""


class TextMeta(_Described):
    """Any other document (plain Markdown or text, PDFs without study metadata)."""

    dokumenttyp: Literal["Text"] = "Text"


Meta = ProgrammeMeta | StudyMeta | TextMeta
_MODELS: dict[str, type[DocMeta]] = {
    "Programm": ProgrammeMeta,
    "Studie": StudyMeta,
    "Text": TextMeta,
}
_ANY_META: TypeAdapter[Meta] = TypeAdapter(
    Annotated[ProgrammeMeta | StudyMeta | TextMeta, Field(discriminator="dokumenttyp")]
)


def required_fields(model: type[BaseModel]) -> list[str]:
    return [name for name, info in model.model_fields.items() if info.is_required()]


def _loc(parts: tuple[Any, ...]) -> str:
    """('foerdersaetze', 3, 'art') -> 'foerdersaetze[3].art'."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _error(exc: ValidationError, path: str) -> FrontMatterError:
    first = exc.errors()[0]
    ctx = first.get("ctx") or {}
    where = ctx.get("where")
    loc = tuple(first["loc"])
    if where is None:
        where = _loc(loc)
    elif where and loc and not where.startswith(str(loc[0])):
        where = f"{_loc(loc)}.{where}"  # a key relative to a list entry
    message = ctx.get("message") or first["msg"]
    return FrontMatterError(path, f"Feld '{where}': {message}" if where else message)


def parse_meta(raw: Mapping[str, Any], path: str, dokumenttyp: str) -> Meta:
    """Validate raw front matter as ``dokumenttyp``; German ``FrontMatterError`` naming
    ``path`` and the field. An explicit ``dokumenttyp`` key must be one of the vocabulary."""
    given = raw.get("dokumenttyp", dokumenttyp)
    if given not in _MODELS:
        allowed = ", ".join(_MODELS)
        raise FrontMatterError(path, f"Feld 'dokumenttyp': erlaubt: {allowed}")
    try:
        return _MODELS[given].model_validate({**raw, "dokumenttyp": given})  # type: ignore[return-value]
    except ValidationError as exc:
        raise _error(exc, path) from None


def load_meta(data: Mapping[str, Any], where: str) -> Meta:
    """Restore stored metadata (JSON from the index); broken data is an ``IndexCorruptError``."""
    try:
        return _ANY_META.validate_python(dict(data))
    except ValidationError as exc:
        raise IndexCorruptError(
            f"{where}: Metadaten ungültig: {_error(exc, where).reason}"
        ) from None


def is_stale(meta: Meta, today: dt.date, stale_days: int) -> bool:
    """True when the document's ``stand`` is more than ``stale_days`` before ``today``."""
    return meta.stand is not None and (today - meta.stand).days > stale_days


def deadline_passed(meta: DocMeta, today: dt.date) -> bool:
    """True for a programme whose ``antragsfrist`` date lies before ``today``."""
    day = meta.frist_datum if isinstance(meta, ProgrammeMeta) else None
    return day is not None and day < today
