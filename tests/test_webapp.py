"""Handler functions of the web app, against a tiny corpus indexed with the fake embedder.

The fake embedder's similarities are lower than e5's, so the abstention threshold is set for it
(``FAKE_MIN_RELEVANCE``): out-of-domain questions stay below it, the others above.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import FakeEmbedder

from foerderberater.core.settings import Settings
from foerderberater.web.context import AppContext

FAKE_MIN_RELEVANCE = 0.18

PROGRAMME = """---
titel: "{titel}"
kurzname: "{kurz}"
foerdergeber: "{geber}"
antragsstelle: "{stelle}"
foerderart: [Zuschuss]
foerdergebiet: [{land}]
foerderberechtigte: [KMU, Start-ups]
vorhabenart: [Investition]
technologiefelder: [Wasserstoff]
antragsfrist: "{frist}"
stand: "{stand}"
quellen:
  - "{url}"
foerdersatz_max_prozent: {satz}
max_betrag_eur: 500000
antrag_vor_vorhabenbeginn: true
---

## Kurzbeschreibung

{text}

## Wer wird gefördert

Kleine und mittlere Unternehmen sowie Start-ups mit Betriebsstätte in {land}.

## Art und Höhe der Förderung

Zuschuss von bis zu {satz} Prozent der förderfähigen Ausgaben für Elektrolyseure,
Wasserstofftanks und Brennstoffzellen.
"""

STUDY_PAGES = (
    "Fachkräfte im Mitteldeutschen Revier. Die Studie untersucht den Fachkräftebedarf der "
    "Unternehmen im Revier bis 2035. Besonders gefragt sind Elektriker, Mechatroniker und "
    "Ingenieure für Energietechnik. Viele Betriebe finden kaum Auszubildende.",
    "Empfehlungen der Studie: Weiterbildung für Beschäftigte aus der Braunkohle, Zuzug von "
    "Fachkräften aus dem Ausland erleichtern und die Berufsorientierung an Schulen stärken. "
    "Kommunen im Revier sollen Wohnraum und Kinderbetreuung ausbauen.",
)


def webapp_pdf(path: Path, pages: tuple[str, ...] | list[str], title: str = "") -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def webapp_corpus(root: Path) -> Path:
    """Two programmes (Sachsen, Thüringen) and one study PDF with metadata sidecar."""
    corpus = root / "corpus"
    (corpus / "programme").mkdir(parents=True)
    (corpus / "programme" / "wasserstoff-invest-sachsen.md").write_text(
        PROGRAMME.format(
            titel="Wasserstoff-Invest Sachsen",
            kurz="H2-Invest SN",
            geber="Sächsisches Staatsministerium für Wirtschaft",
            stelle="Sächsische Aufbaubank (SAB)",
            land="Sachsen",
            frist="laufend",
            stand="2099-01-01",
            url="https://www.sab.sachsen.de/h2",
            satz=40,
            text="Das Programm fördert Investitionen sächsischer Unternehmen in "
            "Wasserstofftechnologie, etwa Elektrolyseure und Wasserstofftankstellen.",
        ),
        "utf-8",
    )
    (corpus / "programme" / "wasserstoff-bonus-thueringen.md").write_text(
        PROGRAMME.format(
            titel="Thüringer Wasserstoff-Bonus",
            kurz="H2-Bonus TH",
            geber="Thüringer Ministerium für Wirtschaft",
            stelle="Thüringer Aufbaubank (TAB)",
            land="Thüringen",
            frist="2024-03-31",
            stand="2023-01-15",
            url="https://www.aufbaubank.de/h2-bonus",
            satz=30,
            text="Der Bonus unterstützt Thüringer Unternehmen bei Investitionen in "
            "Wasserstofftechnologie, etwa Elektrolyseure und Brennstoffzellen.",
        ),
        "utf-8",
    )
    webapp_pdf(
        corpus / "studien" / "fachkraefte-revier.pdf", STUDY_PAGES, title="Fachkräftestudie Revier"
    )
    (corpus / "studien" / "fachkraefte-revier.yaml").write_text(
        'titel: "Fachkräftestudie Mitteldeutsches Revier"\njahr: 2024\n'
        'auftraggeber: "Metropolregion Mitteldeutschland"\n'
        'quellen: ["https://www.mitteldeutschland.com/fachkraefte"]\n'
        'stand: "2099-01-01"\ndokumenttyp: "Studie"\n',
        "utf-8",
    )
    return corpus


def webapp_settings(root: Path, **overrides: object) -> Settings:
    return Settings(
        corpus_dir=root / "corpus", index_dir=root / "index", data_dir=root / "data", **overrides
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, fake: FakeEmbedder) -> Settings:
    from foerderberater.index.builder import build_index

    root = tmp_path_factory.mktemp("webapp")
    webapp_corpus(root)
    settings = webapp_settings(root, admin_password="geheim-123", min_relevance=FAKE_MIN_RELEVANCE)
    report = build_index(settings, fake)
    assert report.documents == 3 and not report.skipped
    return settings


STAFF_PASSWORD = "team-geheim-456"


@pytest.fixture()
def ctx(built: Settings, fake: FakeEmbedder) -> AppContext:
    from foerderberater.security.auth import Credentials, Role, hash_password
    from foerderberater.security.throttle import LoginThrottle, ThrottlePolicy
    from foerderberater.web.context import create_context

    cheap = {  # low scrypt cost: these tests log in often
        Role.ADMIN: hash_password(built.admin_password, log_n=10),
        Role.STAFF: hash_password(STAFF_PASSWORD, log_n=10),
    }
    return create_context(
        built,
        embedder=fake,
        build_embedder=lambda: fake,
        credentials=Credentials(cheap),
        throttle=LoginThrottle(ThrottlePolicy(free_attempts=2, base_delay=60)),
    )


def test_ask_renders_citations_sources_cards_and_export(ctx):
    from foerderberater.web import handlers as h
    from foerderberater.web.render import cards_html, context_md, export_markdown, sources_html

    session = h.Session()
    rec = h.ask(
        ctx,
        session,
        "Förderung für Wasserstoff-Investitionen von KMU",
        h.make_filters(land="Sachsen"),
    )
    a = rec.answer
    assert not a.abstained and "[1]" in a.text
    assert a.filters["land"] == "Sachsen"
    assert all("Thüringer" not in s.title for s in a.sources)
    html = sources_html(a)
    assert "Wasserstoff-Invest Sachsen" in html and "<mark>" in html
    assert "<mark>Wasserstofftechnologie</mark>" in html  # compound split via the question
    assert "Score" in html and "https://www.sab.sachsen.de/h2" in html
    cards = cards_html(a)
    assert "Stand: 2099-01-01" in cards and "Frist: laufend" in cards and "40 %" in cards
    assert "Land: Sachsen" in context_md(a)
    md = export_markdown(a, rec.version)
    assert md.startswith("# Förderberater") and "## Quellen" in md and rec.version in md
    assert h.write_export(rec, md).read_text("utf-8") == md
    assert session.history == ["Förderung für Wasserstoff-Investitionen von KMU"]


def test_land_filter_changes_result_and_warnings(ctx):
    from foerderberater.web import handlers as h
    from foerderberater.web.render import cards_html

    session = h.Session()
    rec = h.ask(
        ctx, session, "Wasserstoff Zuschuss für Elektrolyseure", h.make_filters(land="Thüringen")
    )
    titles = [s.title for s in rec.answer.sources]
    assert "Thüringer Wasserstoff-Bonus" in titles
    assert "Wasserstoff-Invest Sachsen" not in titles
    assert any("abgelaufen" in w for w in rec.answer.warnings)
    assert "abgelaufen" in cards_html(rec.answer)


def test_pdf_source_links_to_page_and_history_is_passed(ctx):
    from foerderberater.web import handlers as h
    from foerderberater.web.render import source_links

    session = h.Session()
    rec = h.ask(ctx, session, "Welche Berufe fehlen laut Studie im Revier?", h.make_filters())
    pdf = [s for s in rec.answer.sources if s.doc_id.endswith(".pdf")]
    assert pdf, rec.answer.sources
    links = dict(source_links(pdf[0]))
    assert links[f"PDF öffnen (S. {pdf[0].page})"] == (
        f"korpus/studien/fachkraefte-revier.pdf#page={pdf[0].page}"
    )
    h.ask(ctx, session, "und was empfiehlt sie?", h.make_filters())
    assert len(session.history) == 2 and len(session.answer_choices()) == 2


def test_stream_pieces_grow_to_the_full_text():
    from foerderberater.web.handlers import stream_pieces

    assert stream_pieces("kurz") == ["kurz"]
    text = "\n".join(f"- Zeile {i} " + "x" * 60 for i in range(12))
    pieces = stream_pieces(text)
    assert len(pieces) == 4 and pieces[-1] == text
    assert all(text.startswith(p) for p in pieces)


def test_abstains_and_rejects_bad_input(ctx):
    from foerderberater.web import handlers as h

    rec = h.ask(ctx, h.Session(), "Wie backe ich einen Marmorkuchen?", h.make_filters())
    assert rec.answer.abstained and not rec.answer.sources
    with pytest.raises(h.UserError):
        h.ask(ctx, h.Session(), "   ", h.make_filters())
    with pytest.raises(h.UserError, match="Land"):
        h.make_filters(land="Bayern")


def test_api_ask_returns_json_contract(ctx):
    from foerderberater.web import handlers as h

    out = h.api_ask(
        ctx,
        "Wasserstoff Förderung",
        {"land": "Sachsen", "dokumenttyp": ""},
        history=["Ich plane eine Investition"],
    )
    assert set(out) == {
        "question",
        "answer",
        "abstained",
        "sources",
        "warnings",
        "region",
        "partial",
        "gaps",
        "intents",
        "generator",
    }
    assert out["sources"][0]["doc_id"] == "wasserstoff-invest-sachsen"


def test_feedback_and_debug(ctx):
    from foerderberater.web import handlers as h
    from foerderberater.web.status import debug_md, debug_rows

    session = h.Session()
    assert "Noch keine Antwort" in h.submit_feedback(ctx, session, None, "👍", "", "")
    rec = h.ask(ctx, session, "Wasserstoff Förderung in Sachsen", h.make_filters())
    rows = debug_rows(rec.answer)
    assert rows and rows[0][1] == "[1]" and isinstance(rows[0][3], float)
    assert "Sachsen" in debug_md(rec.answer, rec.version)
    assert "Bitte 👍 oder 👎" in h.submit_feedback(ctx, session, 0, "", "", "")
    msg = h.submit_feedback(ctx, session, 0, "👎", "unvollständig", "Frist fehlt")
    assert msg.startswith("✅")
    rows = h.feedback_rows(ctx, "👎", "unvollständig", "Frist")
    assert rows[0][2:5] == ["👎", "unvollständig", "Frist fehlt"]
    assert rows[0][7] == rec.version
    assert h.feedback_rows(ctx, "👍", "alle", "") == []
    text = h.feedback_csv(ctx, "alle", "alle", "").read_text("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert row["bewertung"] == "schlecht" and row["index_version"] == rec.version


UPLOADED = "uploads/upload-pilzzucht-im-tagebau-2025.pdf"


def test_admin_login_upload_remove_and_build(ctx, tmp_path):
    from foerderberater.web import admin_ops as ops
    from foerderberater.web import auth
    from foerderberater.web import handlers as h

    session = h.Session()
    with pytest.raises(h.UserError, match="anmelden"):
        ops.start_build(ctx, session, False)
    assert ops.login(ctx, session, "falsch", "1.2.3.4") == "Falsches Passwort."
    assert ops.login(ctx, session, "nochmal", "1.2.3.4") == "Falsches Passwort."
    assert "Zu viele Fehlversuche" in ops.login(ctx, session, "geheim-123", "1.2.3.4")
    assert auth.role_of(ctx, session) is None
    assert ops.login(ctx, session, STAFF_PASSWORD, "5.6.7.8") == "Falsches Passwort."
    assert ops.login(ctx, session, "geheim-123", "5.6.7.8") == "Angemeldet."
    assert auth.role_of(ctx, session) is auth.Role.ADMIN

    cache = tmp_path / "gradio-upload"  # Gradio's upload folder; the ledger knows who sent what

    def uploaded(source: Path, client: str = "5.6.7.8") -> str:
        target = cache / source.stem[:6] / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        ctx.uploads.record([str(target)], client)
        return str(target)

    def upload(path: str, client: str = "5.6.7.8") -> str:
        return ops.upload(ctx, session, path, client, upload_folder=cache)

    fake = tmp_path / "rechnung.pdf"
    fake.write_bytes(b"MZ\x90\x00\x03" + bytes(200))
    with pytest.raises(h.UserError, match="Dateityp nicht erkannt"):
        upload(uploaded(fake))
    pdf = webapp_pdf(
        tmp_path / "Pilzzucht im Tagebau (2025).pdf",
        [
            "Champignonkultur in stillgelegten Stollen: Die Pilzzucht im ehemaligen Tagebau nutzt "
            "konstante Temperaturen und hohe Luftfeuchte für Austernpilze und Champignons."
        ],
    )
    with pytest.raises(h.UserError, match="keine Pfade auf dem Server"):
        upload(str(pdf))  # a file on the server, not from the upload folder
    with pytest.raises(h.UserError, match="nicht von Ihnen hochgeladen"):
        upload(uploaded(pdf, client="9.9.9.9"))  # another client's upload
    msg = upload(uploaded(pdf))
    assert UPLOADED in msg
    assert not list(cache.rglob("*.pdf"))  # taken out of the upload folder
    info, problem = ops.index_info(ctx, session)
    rows = {r[0]: r for r in ops.document_rows(ctx, session, info)}
    assert rows[UPLOADED][3] == "nein" and not problem

    assert "bereits" not in ops.start_build(ctx, session, False)
    ctx.builds.wait(120)
    job = ctx.builds.snapshot()
    assert not job.error and job.report and job.report.added == (UPLOADED,)
    assert {"parse", "embed", "write", "done"} <= set(job.history)
    rec = h.ask(ctx, h.Session(), "Champignonkultur im Tagebau", h.make_filters())
    assert rec.answer.sources[0].doc_id == UPLOADED

    with pytest.raises(h.UserError, match="bestätigen"):
        ops.remove(ctx, session, UPLOADED, False)
    with pytest.raises(h.UserError, match="Ungültig"):
        ops.remove(ctx, session, "../index/CURRENT", True)
    assert "Entfernt" in ops.remove(ctx, session, UPLOADED, True)
    ops.start_build(ctx, session, False)
    ctx.builds.wait(120)
    assert ctx.builds.snapshot().report.removed == (UPLOADED,)


def test_staff_may_evaluate_but_not_change_the_corpus(ctx, tmp_path):
    from foerderberater.security.auth import Role
    from foerderberater.web import admin_ops as ops
    from foerderberater.web import auth
    from foerderberater.web import handlers as h

    ctx.gold_path = tmp_path / "fehlt.yaml"

    staff = h.Session()
    for refused in (
        lambda: ops.run_gold_evaluation(ctx, staff),
        lambda: ops.index_info(ctx, staff),
        lambda: auth.require(ctx, staff, Role.STAFF),
    ):
        with pytest.raises(h.UserError, match="anmelden"):
            refused()
    assert auth.login(ctx, staff, STAFF_PASSWORD, Role.STAFF, "7.7.7.7") == "Angemeldet."
    auth.require(ctx, staff, Role.STAFF)
    assert "Die Gold-Fragen fehlen" in ops.run_gold_evaluation(ctx, staff)[0]
    for admin_only in (
        lambda: ops.start_build(ctx, staff, False),
        lambda: ops.remove(ctx, staff, "programme/zim.md", True),
        lambda: ops.upload(ctx, staff, "/etc/hostname", "7.7.7.7"),
        lambda: ops.document_rows(ctx, staff),
    ):
        with pytest.raises(h.UserError, match="Anmeldung als Administrator"):
            admin_only()
    auth.logout(ctx, staff)
    with pytest.raises(h.UserError, match="anmelden"):
        auth.require(ctx, staff, Role.STAFF)
    admin = h.Session()  # the admin password opens the team area too
    assert auth.login(ctx, admin, "geheim-123", Role.STAFF, "7.7.7.8") == "Angemeldet."
    auth.require(ctx, admin, Role.ADMIN)


def test_gold_evaluation_message_or_metrics(ctx, tmp_path):
    from foerderberater.web import admin_ops as ops
    from foerderberater.web import auth
    from foerderberater.web.handlers import Session

    session = Session()
    auth.login(ctx, session, STAFF_PASSWORD, auth.Role.STAFF, "7.7.7.9")
    ctx.gold_path = tmp_path / "fehlt.yaml"
    text, headers, rows = ops.run_gold_evaluation(ctx, session)
    assert "Die Gold-Fragen fehlen" in text and str(ctx.gold_path) in text
    assert headers == [] and rows == []
    ctx.gold_path.write_text("fragen: []\n", "utf-8")
    text, headers, rows = ops.run_gold_evaluation(ctx, session)
    assert "stichtag" in text and headers == []
    ctx.gold_path.write_text(
        "stichtag: 2026-11-25\n"
        "fragen:\n"
        "  - frage: Zuschuss für Elektrolyseure in Sachsen\n"
        "    erwartet: [wasserstoff-invest-sachsen]\n"
        "  - frage: Wie backe ich einen Marmorkuchen?\n"
        "    abstain: true\n",
        "utf-8",
    )
    text, headers, rows = ops.run_gold_evaluation(ctx, session)
    assert "| Recall@5 | 1.000 |" in text and "| MRR | 1.000 |" in text
    assert "frage" in headers and len(rows) == 2


def test_blocks_build_and_api_is_documented(ctx):
    from foerderberater.web.app import create_blocks

    demo = create_blocks(ctx)
    info = demo.get_api_info()
    assert list(info["named_endpoints"]) == ["/ask"]


def test_admin_disabled_without_password(built: Settings, fake: FakeEmbedder) -> None:
    from foerderberater.web import admin_ops as ops
    from foerderberater.web import auth
    from foerderberater.web import handlers as h
    from foerderberater.web.admin import DISABLED
    from foerderberater.web.app import create_blocks
    from foerderberater.web.context import create_context

    ctx = create_context(built.with_overrides(admin_password=""), embedder=fake)
    session = h.Session()
    assert "deaktiviert" in ops.login(ctx, session, "", "127.0.0.1")
    assert auth.role_of(ctx, session) is None
    demo = create_blocks(ctx)
    texts = [getattr(b, "value", None) for b in demo.blocks.values()]
    assert DISABLED in texts
