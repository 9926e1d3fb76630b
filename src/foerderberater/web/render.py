"""Pure rendering helpers of the web app: Answer -> HTML/Markdown (no Gradio imports)."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import quote

from foerderberater.answer.facts import card_facts
from foerderberater.core.schema import ProgrammeMeta
from foerderberater.core.types import Answer, Source
from foerderberater.core.vocab import DOKUMENTTYP_LABELS
from foerderberater.index.analysis import GermanAnalyzer, fold, vocabulary_of
from foerderberater.search.filters import FILTER_LABELS

CORPUS_ROUTE = "korpus"  # relative link, works behind a reverse proxy sub-path too
_WORD = re.compile(r"\w[\w-]*", re.UNICODE)


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def query_terms(answer: Answer, analyzer: GermanAnalyzer) -> set[str]:
    return set(analyzer.terms(answer.standalone_query or answer.question))


def highlight(text: str, terms: set[str], analyzer: GermanAnalyzer) -> str:
    """HTML-escaped ``text`` with the words matching the query terms wrapped in ``<mark>``.

    A word matches when it shares a stem with the query or begins/ends with a longer query
    stem (German compounds: "Wasserstoff" marks "Wasserstofftechnologie").
    """
    long_terms = tuple(t for t in terms if len(t) >= 5)
    out, pos = [], 0
    for m in _WORD.finditer(text):
        out.append(esc(text[pos : m.start()]))
        word = m.group(0)
        folded = fold(word, digraphs=analyzer.digraphs)
        hit = bool(set(analyzer.terms(word)) & terms) or any(
            folded.startswith(t) or folded.endswith(t) for t in long_terms
        )
        out.append(f"<mark>{esc(word)}</mark>" if hit else esc(word))
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def corpus_link(doc_id: str, page: int | None = None) -> str:
    link = f"{CORPUS_ROUTE}/{quote(doc_id)}"
    if doc_id.lower().endswith(".pdf"):
        link += f"#page={page or 1}"
    return link


def _safe_url(url: str | None) -> str | None:
    return url if url and re.match(r"^https?://[^\s\"'<>]+$", url) else None


def source_links(s: Source) -> list[tuple[str, str]]:
    """(label, href) pairs: the PDF at its page and/or the official URL."""
    links = []
    if s.doc_id.lower().endswith(".pdf"):
        links.append((f"PDF öffnen (S. {s.page or 1})", corpus_link(s.doc_id, s.page)))
    url = _safe_url(s.url)
    if url:
        links.append(("Offizielle Seite", url))
    if not s.doc_id.lower().endswith(".pdf"):
        links.append(("Korpustext", corpus_link(s.doc_id)))
    return links


def scan_note(s: Source) -> str | None:
    """The note „aus Scan erkannt“ when the cited page (without a page: any page) was OCR'd."""
    pages = getattr(s.meta, "ocr_seiten", ()) or ()
    if not pages or (s.page is not None and s.page not in pages):
        return None
    confidence = getattr(s.meta, "ocr_confidence", None)
    sure = f", Texterkennung {round(confidence * 100)} % sicher" if confidence else ""
    return f"aus Scan erkannt{sure}"


def passage_analyzer(answer: Answer) -> GermanAnalyzer:
    """An analyzer that splits compounds into words of the question and the quoted passages."""
    texts = [answer.standalone_query or answer.question, *(s.snippet for s in answer.sources)]
    return GermanAnalyzer(vocabulary_of(texts))


def sources_html(
    answer: Answer | None, analyzer: GermanAnalyzer | None = None, number: int = 0
) -> str:
    """The sources panel; ``number`` (answers so far) is exposed as ``data-answer``."""
    head = f"<div class='fb-sources' data-answer='{int(number)}'>"
    if answer is None:
        return head + "<div class='fb-empty'>Die Quellen der Antwort erscheinen hier.</div></div>"
    if not answer.sources:
        return (
            head + "<div class='fb-empty'>Keine belastbaren Quellen gefunden – deshalb keine "
            "Empfehlung.</div></div>"
        )
    analyzer = analyzer or passage_analyzer(answer)
    terms = query_terms(answer, analyzer)
    parts = []
    for s in answer.sources:
        facts = [DOKUMENTTYP_LABELS[s.kind]]
        if s.meta.giver():
            facts.append(esc(s.meta.giver()))
        if s.page:
            facts.append(f"S. {s.page}")
        scan = scan_note(s)
        if scan:
            facts.append(f"<span class='fb-ocr'>{esc(scan)}</span>")
        facts.append(f"Score {s.score:.4f}")
        links = " · ".join(
            f"<a href='{esc(href)}' target='_blank' rel='noopener noreferrer'>{esc(label)}</a>"
            for label, href in source_links(s)
        )
        parts.append(
            f"<div class='fb-source' id='fb-quelle-{s.number}' data-doc='{esc(s.slug)}'>"
            f"<div class='fb-source-title'><span class='fb-num'>[{s.number}]</span> "
            f"{esc(s.title)}</div>"
            f"<div class='fb-source-facts'>{' · '.join(facts)}</div>"
            f"<blockquote class='fb-passage'>{highlight(s.snippet, terms, analyzer)}</blockquote>"
            f"<div class='fb-links'>{links}</div></div>"
        )
    return head + "".join(parts) + "</div>"


def cards_html(answer: Answer | None) -> str:
    """Programme cards for the cited programmes, with Stand, Frist and their warnings."""
    if answer is None:
        return ""
    programmes = [(s, s.meta) for s in answer.sources if isinstance(s.meta, ProgrammeMeta)]
    if not programmes:
        return ""
    cards = []
    for s, meta in programmes:
        short = meta.kurzname
        title = esc(s.title) + (f" <span class='fb-short'>({esc(short)})</span>" if short else "")
        rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in card_facts(meta))
        hint = meta.frist_hinweis
        frist_html = esc(meta.antragsfrist) + (
            f" <span class='fb-hint'>{esc(hint)}</span>" if hint else ""
        )
        warn = [w for w in answer.warnings if f"„{s.title}“" in w]
        warn_html = "".join(f"<div class='fb-warning'>⚠️ {esc(w)}</div>" for w in warn)
        url = _safe_url(s.url)
        link = (
            (f"<a href='{esc(url)}' target='_blank' rel='noopener noreferrer'>Zum Programm</a>")
            if url
            else ""
        )
        cards.append(
            f"<div class='fb-card' data-doc='{esc(s.slug)}'>"
            f"<div class='fb-card-title'>[{s.number}] {title}</div>"
            f"<div class='fb-card-dates'><span>Stand: {esc(meta.stand)}</span>"
            f"<span>Frist: {frist_html}</span></div>"
            f"<dl class='fb-facts'>{rows}</dl>{warn_html}{link}</div>"
        )
    return "<div class='fb-cards'>" + "".join(cards) + "</div>"


def context_md(answer: Answer | None) -> str:
    """Recognised region, the filters applied and general warnings."""
    if answer is None:
        return (
            "Region: wird aus der Frage erkannt (z. B. „in Borna“) – oder links unter "
            "**Land** festlegen."
        )
    lines = []
    if answer.region:
        lines.append(f"**Erkannte Region:** {answer.region} – falsch? Unter **Land** korrigieren.")
    else:
        lines.append("**Region:** keine erkannt – bei Bedarf unter **Land** festlegen.")
    if answer.filters:
        applied = ", ".join(f"{FILTER_LABELS.get(k, k)}: {v}" for k, v in answer.filters.items())
        lines.append(f"**Angewendete Filter:** {applied}")
    carded = [s.title for s in answer.sources if s.meta.is_programme]
    shown_in_cards = [w for w in answer.warnings if any(f"„{t}“" in w for t in carded)]
    for w in answer.warnings:
        if w not in shown_in_cards:
            lines.append(f"⚠️ {w}")
    if shown_in_cards:
        lines.append(f"⚠️ {len(shown_in_cards)} Hinweis(e) zu Stand/Frist – siehe Programmkarten.")
    return "\n\n".join(lines)


def export_markdown(answer: Answer, version: str = "", when: str = "") -> str:
    when = when or dt.datetime.now().astimezone().strftime("%d.%m.%Y %H:%M")
    lines = [f"# Förderberater – {answer.question}", "", "## Antwort", "", answer.text, ""]
    if answer.warnings:
        lines += ["## Hinweise", ""] + [f"- {w}" for w in answer.warnings] + [""]
    if answer.sources:
        lines += ["## Quellen", ""]
        for s in answer.sources:
            page = f", S. {s.page}" if s.page else ""
            url = f" – {s.url}" if s.url else ""
            scan = scan_note(s)
            scan = f" – {scan}" if scan else ""
            lines.append(f"[{s.number}] {s.title}{page} ({s.doc_id}){url}{scan}")
            lines.append(f"> {s.snippet}")
            lines.append("")
    stamp = f"Erstellt am {when}" + (f", Indexversion {version}" if version else "")
    lines += ["---", f"_{stamp}. Maßgeblich ist immer die aktuelle Richtlinie des Fördergebers._"]
    return "\n".join(lines) + "\n"


CSS = """
.fb-sources, .fb-cards {display: flex; flex-direction: column; gap: 10px;}
.fb-source, .fb-card {border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 10px 12px; background: var(--background-fill-secondary);}
.fb-source-title, .fb-card-title {font-weight: 600;}
.fb-num {color: var(--color-accent); margin-right: 4px;}
.fb-source-facts, .fb-card-dates {font-size: 0.85em; opacity: 0.8; display: flex; gap: 12px;
  flex-wrap: wrap;}
.fb-passage {margin: 6px 0; padding-left: 8px; border-left: 3px solid var(--color-accent);
  font-size: 0.92em;}
.fb-passage mark {background: #ffe58a; color: inherit; padding: 0 1px;}
.fb-links a {margin-right: 8px;}
.fb-facts {font-size: 0.88em; margin: 6px 0; display: grid; column-gap: 10px; row-gap: 2px;
  grid-template-columns: max-content 1fr;}
.fb-facts dt {font-weight: 600; margin: 0;}
.fb-facts dd {margin: 0; padding: 0;}
.fb-sources, .fb-cards {max-height: 72vh; overflow-y: auto; padding-right: 4px;}
.fb-warning {color: #8a4b00; background: #fff4e0; border-radius: 6px; padding: 4px 8px;
  margin: 4px 0; font-size: 0.9em;}
.fb-hint {font-size: 0.85em; opacity: 0.8;}
.fb-ocr {color: #8a4b00;}
.fb-empty, .fb-progress-idle {opacity: 0.7; font-style: italic;}
.fb-progress progress {width: 100%; height: 18px;}
"""
