"""German text clean-up (text.py) and lexical analysis (analysis.py, lexical.py)."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from foerderberater.core.text import (
    clean_page_text,
    drop_page_number_lines,
    join_hyphenated,
    normalize,
    split_sentences,
    strip_running_lines,
)
from foerderberater.index.analysis import GermanAnalyzer, fold, raw_tokens, vocabulary_of
from foerderberater.index.lexical import LexicalIndex

# --------------------------------------------------------------------------- normalize


def test_normalize_composes_decomposed_umlauts() -> None:
    decomposed = unicodedata.normalize("NFD", "Förderung für Thüringer Gemeinden, Maß")
    assert decomposed != "Förderung für Thüringer Gemeinden, Maß"  # really decomposed
    out = normalize(decomposed)
    assert out == "Förderung für Thüringer Gemeinden, Maß"
    assert unicodedata.is_normalized("NFC", out)


def test_normalize_removes_soft_hyphens_inside_and_at_line_end() -> None:
    assert normalize("Wärme\u00adversorgung") == "Wärmeversorgung"
    assert normalize("Struktur\u00ad\nwandel im Revier") == "Strukturwandel im Revier"
    assert "\u00ad" not in normalize("a\u00adb\u00ad c\u00ad")


def test_normalize_ligatures_whitespace_and_line_endings() -> None:
    text = "E\ufb03zienz\r\nund\u00a0\u00a0Pro\ufb01t\u200b\r  Zeile  \f\n\n\n\nEnde\ufeff"
    assert normalize(text) == "Effizienz\nund Profit\nZeile\n\nEnde"


# --------------------------------------------------------------------------- hyphenation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Das Förder-\nprogramm", "Das Förderprogramm"),
        ("Groß-\nunternehmen", "Großunternehmen"),
        ("Maßnahmen-\nübersicht", "Maßnahmenübersicht"),
        ("Struktur-  \n  wandel", "Strukturwandel"),
        ("Sachsen-\nAnhalt", "Sachsen-Anhalt"),
        ("KfW-\n270", "KfW-270"),
        ("Thüringen-\nInvest", "Thüringen-Invest"),
    ],
)
def test_join_hyphenated(raw: str, expected: str) -> None:
    assert join_hyphenated(raw) == expected


def test_hyphen_before_conjunction_is_kept() -> None:
    # "Wärme- und Kältenetze": the hyphen marks an elided compound part, not a line break split
    out = join_hyphenated("Wärme-\nund Kältenetze, Strom-\noder Gasnetze")
    assert "Wärmeund" not in out and "Stromoder" not in out
    assert out.startswith("Wärme-") and "Strom-" in out


def test_clean_page_text_combines_nfc_soft_hyphen_and_joining() -> None:
    raw = unicodedata.normalize("NFD", "Das Förder-\nprogramm für Sachsen-\nAnhalt und Wär\u00adme")
    assert clean_page_text(raw) == "Das Förderprogramm für Sachsen-Anhalt und Wärme"


# --------------------------------------------------------------------------- running lines


def test_strip_running_lines_removes_header_and_numbered_footer() -> None:
    bodies = [
        ("Einleitung und Ziele.", "Der Revierfonds wächst."),
        ("Methodik der Befragung.", "Es antworteten 200 Betriebe."),
        ("Ergebnisse im Überblick.", "Wasserstoff gewinnt an Bedeutung."),
        ("Fazit und Ausblick.", "Die Förderung wirkt."),
    ]
    pages = [
        f"Strukturwandel-Monitor 2024\n{a}\n{b}\nSeite {n} von 4"
        for n, (a, b) in enumerate(bodies, 1)
    ]
    out = strip_running_lines(pages)
    assert out == [f"{a}\n{b}" for a, b in bodies]


def test_strip_running_lines_keeps_unique_edges_and_single_pages() -> None:
    pages = ["Kapitel A\nText eins.\nEnde A", "Kapitel B\nText zwei.\nEnde B"]
    assert strip_running_lines(pages) == pages
    single = ["Kopfzeile\nNur eine Seite.\nSeite 1"]
    assert strip_running_lines(single) == single


def test_repeated_line_in_page_middle_is_not_removed() -> None:
    words = ("Leipzig", "Halle", "Jena")
    pages = [
        f"Kopf\nText zu {w}.\nWichtig: Antrag vor Vorhabenbeginn\nMehr zu {w}.\nFuß" for w in words
    ]
    out = strip_running_lines(pages)
    assert out == [f"Text zu {w}.\nWichtig: Antrag vor Vorhabenbeginn\nMehr zu {w}." for w in words]


def test_running_header_behind_a_changing_line_is_removed() -> None:
    chapters = ["Einleitung", "Methodik", "Ergebnisse", "Fazit"]
    pages = [
        f"{n}\n{ch}\nBildungsplan 2016 – Deutsch\nText über {ch}.\nZweiter Satz zu {ch}.\n"
        f"Dritter Satz zu {ch}.\nLetzter Satz zu {ch}."
        for n, ch in enumerate(chapters, 1)
    ]
    out = strip_running_lines(pages)
    body = "Text über {0}.\nZweiter Satz zu {0}.\nDritter Satz zu {0}.\nLetzter Satz zu {0}."
    assert out == [f"{ch}\n" + body.format(ch) for ch in chapters]


@pytest.mark.parametrize("line", ["3", "- 3 -", "Seite 3", "Seite 3 von 9", "3 / 9", "– 12 –"])
def test_drop_page_number_lines(line: str) -> None:
    assert drop_page_number_lines(f"{line}\nText der Seite.\n{line}") == "Text der Seite."


def test_drop_page_number_lines_keeps_text_with_numbers() -> None:
    page = "Förderquote 40 Prozent\nText.\nBis zu 200.000 Euro"
    assert drop_page_number_lines(page) == page


def test_split_sentences_keeps_abbreviations() -> None:
    text = "Gefördert werden z. B. Wärmepumpen. Der Zuschuss beträgt ca. 40 %. Anträge an die SAB."
    assert split_sentences(text) == [
        "Gefördert werden z. B. Wärmepumpen.",
        "Der Zuschuss beträgt ca. 40 %.",
        "Anträge an die SAB.",
    ]


def test_split_sentences_keeps_dates_and_more_abbreviations() -> None:
    text = (
        "Die Frist endet am 1. Januar 2026. Das gilt d. h. für alle Anträge, u. a. in "
        "Sachsen. Im Jahr 2024. Danach neu."
    )
    assert split_sentences(text) == [
        "Die Frist endet am 1. Januar 2026.",
        "Das gilt d. h. für alle Anträge, u. a. in Sachsen.",
        "Im Jahr 2024.",
        "Danach neu.",
    ]


# --------------------------------------------------------------------------- analysis


def test_fold_unifies_umlaut_spellings_and_sharp_s() -> None:
    assert fold("Wärme") == fold("Waerme") == fold("WÄRME") == fold("wärme")
    assert fold("Straße") == fold("Strasse")
    assert fold(unicodedata.normalize("NFD", "Grün")) == fold("Grün")


def test_analyzer_wärmenetze_finds_wärmenetz_in_all_spellings() -> None:
    a = GermanAnalyzer()
    target = set(a.terms("Wärmenetz"))
    assert target
    for variant in ("Wärmenetze", "Waermenetz", "WÄRMENETZE", "Wärmenetzes"):
        assert target <= set(a.terms(variant)), variant


def test_bm25_terms_keep_ordinary_ae_oe_ue_words_apart_from_umlauts() -> None:
    a = GermanAnalyzer()
    assert not a.digraphs and raw_tokens("Steuer Quelle aktuell") == ["steuer", "quelle", "aktuell"]
    assert set(a.terms("Steuer")) == set(a.terms("Steuern"))  # inflections share a stem
    assert set(a.terms("Bäume")) == set(a.terms("Baeume"))  # the stemmer maps ae/oe/ue itself
    # place names keep the full folding: "Koethen" is "Köthen"
    assert fold("Koethen") == fold("Köthen") and fold("Steuer") == "steur"
    assert fold("Steuer", digraphs=False) == "steuer"


def test_analyzer_hyphenated_compound_matches_closed_form() -> None:
    a = GermanAnalyzer()
    assert set(a.terms("Seethermie")) <= set(a.terms("See-Thermie"))
    assert {a.stem("see"), a.stem("thermie")} <= set(a.terms("See-Thermie"))
    assert raw_tokens("Sachsen-Anhalt") == ["sachsen", "anhalt", "sachsenanhalt"]


def test_analyzer_drops_stopwords() -> None:
    terms = GermanAnalyzer().terms("und der die das Förderung für den Mittelstand")
    assert "und" not in terms and "der" not in terms
    assert len(terms) == 2


def test_decompounding_with_corpus_vocabulary() -> None:
    vocab = vocabulary_of(["Wasserstoff ist ein Energieträger.", "Neue Projekte starten."])
    assert {"wasserstoff", "projekte"} <= vocab and "ist" not in vocab
    a = GermanAnalyzer(vocab)
    assert a.split_compound("wasserstoffprojekte") == ("wasserstoff", "projekte")
    terms = a.terms("Wasserstoffprojekte")
    assert a.stem("wasserstoff") in terms and a.stem("projekte") in terms
    # without a vocabulary there is nothing to split into
    assert GermanAnalyzer().split_compound("wasserstoffprojekte") == ()


def test_decompounding_with_linking_s() -> None:
    a = GermanAnalyzer(vocabulary_of(["Forschung braucht Zulage und Förderung."]))
    assert a.split_compound("forschungszulage") == ("forschung", "zulage")


LEXICAL_TEXTS = [
    "Ausbau der Wärmenetze in Leipzig und Halle",
    "Seethermie am Geiseltalsee versorgt Gebäude",
    "Neue Projekte für Wasserstoff in Leuna",
    "Radwege und Straßenbau im Landkreis",
]


@pytest.mark.parametrize(
    ("query", "expected_row"),
    [
        ("Wärmenetz", 0),
        ("Waermenetz", 0),
        ("WÄRMENETZE", 0),
        ("See-Thermie", 1),
        ("Wasserstoffprojekte", 2),
        ("Strassenbau", 3),
    ],
)
def test_bm25_german_matching(query: str, expected_row: int) -> None:
    index = LexicalIndex.build(LEXICAL_TEXTS)
    scores = index.scores(query)
    assert scores.shape == (len(LEXICAL_TEXTS),)
    assert int(np.argmax(scores)) == expected_row and scores[expected_row] > 0
    assert np.count_nonzero(scores) == 1, scores


def test_bm25_save_load_roundtrip(tmp_path) -> None:
    index = LexicalIndex.build(LEXICAL_TEXTS)
    index.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert loaded.size == len(LEXICAL_TEXTS)
    np.testing.assert_allclose(
        loaded.scores("Wasserstoffprojekte"), index.scores("Wasserstoffprojekte")
    )
    assert not loaded.scores("Quantencomputer").any()
