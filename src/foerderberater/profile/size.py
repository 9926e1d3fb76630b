"""EU SME size class (EU-Empfehlung 2003/361/EG) from employees, turnover and balance sheet."""

from __future__ import annotations

from dataclasses import dataclass

from foerderberater.core.fmt import fmt_number

GROESSEN = ("kleinst", "klein", "mittel", "gross")
GROESSE_LABEL = {
    "kleinst": "Kleinstunternehmen",
    "klein": "kleines Unternehmen",
    "mittel": "mittleres Unternehmen",
    "gross": "großes Unternehmen",
}
# EU-Empfehlung 2003/361/EG: (Beschäftigte unter, Umsatz bis Mio. €, Bilanzsumme bis Mio. €)
EU_LIMITS = {"kleinst": (10, 2.0, 2.0), "klein": (50, 10.0, 10.0), "mittel": (250, 50.0, 43.0)}


@dataclass(frozen=True)
class SizeClass:
    """EU size class; ``untergrenze``/``obergrenze`` bound it when facts are missing."""

    untergrenze: str | None
    obergrenze: str | None
    begruendung: str
    fehlt: tuple[str, ...] = ()

    @property
    def sicher(self) -> bool:
        return self.untergrenze is not None and self.untergrenze == self.obergrenze

    @property
    def klasse(self) -> str | None:
        """The exact class, or None while it is not decided."""
        return self.untergrenze if self.sicher else None

    @property
    def rate_class(self) -> str | None:
        """klein/mittel/gross as used by ``foerdersatz_nach_groesse`` (kleinst counts as klein)."""
        k = self.klasse
        return "klein" if k == "kleinst" else k

    @property
    def kmu(self) -> bool | None:
        """True/False when decided, None when the facts do not settle it."""
        if self.obergrenze is not None and self.obergrenze != "gross":
            return True
        if self.untergrenze == "gross":
            return False
        return None

    def label(self) -> str:
        if self.sicher:
            return GROESSE_LABEL[self.untergrenze or ""]
        if self.untergrenze is None:
            return "Größe unbekannt"
        low = GROESSE_LABEL[self.untergrenze]
        high = GROESSE_LABEL[self.obergrenze or "gross"]
        return f"mindestens {low}, höchstens {high} (noch offen)"


def _fin_ok(umsatz: float | None, bilanz: float | None, lu: float, lb: float) -> bool | None:
    """EU rule 'Umsatz ≤ lu ODER Bilanzsumme ≤ lb': True, False or None (not decidable)."""
    if (umsatz is not None and umsatz <= lu) or (bilanz is not None and bilanz <= lb):
        return True
    if umsatz is not None and bilanz is not None:
        return False
    return None


def eu_size_class(
    beschaeftigte: float | None, umsatz_mio: float | None, bilanzsumme_mio: float | None
) -> SizeClass:
    """Classify per EU-Empfehlung 2003/361/EG (without partner/linked enterprises)."""
    order = list(GROESSEN)
    if beschaeftigte is None:
        if _fin_ok(umsatz_mio, bilanzsumme_mio, 50.0, 43.0) is False:
            return SizeClass(
                "gross",
                "gross",
                "Umsatz über 50 Mio. € und Bilanzsumme über 43 Mio. € → großes Unternehmen",
            )
        return SizeClass(None, None, "Beschäftigtenzahl fehlt", ("Beschäftigte",))
    if beschaeftigte >= 250:
        return SizeClass("gross", "gross", f"{beschaeftigte:g} Beschäftigte (ab 250 groß)")
    start = next(k for k in ("kleinst", "klein", "mittel") if beschaeftigte < EU_LIMITS[k][0])
    fin_text = _fin_text(umsatz_mio, bilanzsumme_mio)
    i = order.index(start)
    while order[i] != "gross":
        _, lu, lb = EU_LIMITS[order[i]]
        ok = _fin_ok(umsatz_mio, bilanzsumme_mio, lu, lb)
        if ok is True:
            why = f"{beschaeftigte:g} Beschäftigte{fin_text} → {GROESSE_LABEL[order[i]]}"
            return SizeClass(order[i], order[i], why)
        if ok is None:
            upper = next(
                (
                    k
                    for k in order[i + 1 : 3]
                    if _fin_ok(umsatz_mio, bilanzsumme_mio, *EU_LIMITS[k][1:]) is True
                ),
                "gross",
            )
            why = (
                f"{beschaeftigte:g} Beschäftigte{fin_text}; ohne Umsatz bzw. Bilanzsumme ist "
                "die Größenklasse nicht sicher"
            )
            return SizeClass(order[i], upper, why, ("Umsatz oder Bilanzsumme",))
        i += 1
    why = f"{beschaeftigte:g} Beschäftigte{fin_text}: Umsatz- und Bilanzgrenze überschritten"
    return SizeClass("gross", "gross", why + " → großes Unternehmen")


def _fin_text(umsatz: float | None, bilanz: float | None) -> str:
    parts = []
    if umsatz is not None:
        parts.append(f"{fmt_number(umsatz)} Mio. € Umsatz")
    if bilanz is not None:
        parts.append(f"{fmt_number(bilanz)} Mio. € Bilanzsumme")
    return (", " + ", ".join(parts)) if parts else ""
