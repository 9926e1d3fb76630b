"""Command line interface: a thin adapter over ``Advisor``. Words errors for people."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from foerderberater import __version__
from foerderberater.core.errors import (
    ConfigError,
    EmbedderError,
    FoerderberaterError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
)
from foerderberater.core.settings import Settings
from foerderberater.search.filters import Filters

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_LOCKED, EXIT_PARTIAL = 0, 1, 2, 3, 4


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="foerderberater",
        description="Förderberater – Förderprogramme im Mitteldeutschen Revier",
    )
    p.add_argument("--version", action="version", version=__version__)
    p.add_argument("--corpus-dir", type=Path, help="Korpus-Ordner (FOERDERBERATER_CORPUS_DIR)")
    p.add_argument("--index-dir", type=Path, help="Index-Ordner (FOERDERBERATER_INDEX_DIR)")
    p.add_argument("--embedder", help="'e5' oder 'sentence-transformers:<Modell>'")
    sub = p.add_subparsers(dest="command", required=True)

    ix = sub.add_parser("index", help="Index aufbauen oder inkrementell aktualisieren")
    ix.add_argument("--full", action="store_true", help="vollständig neu aufbauen")
    ix.add_argument("--quiet", action="store_true", help="keine Fortschrittsanzeige")
    ix.add_argument("--json", action="store_true", help="Bericht als JSON")

    info = sub.add_parser("info", help="Zustand des Index anzeigen")
    info.add_argument("--json", action="store_true")

    for name, helptext in (("search", "Textstellen suchen"), ("ask", "Frage beantworten")):
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("query", help="Frage bzw. Suchanfrage")
        cmd.add_argument("--json", action="store_true", help="maschinenlesbare Ausgabe")
        cmd.add_argument("-k", "--top-k", type=int, help="Anzahl Treffer/Quellen")
        _filter_args(cmd)

    ev = sub.add_parser("eval", help="Evaluation (beir DIR | gold FILE | check FILE)")
    ev.add_argument("kind", choices=["beir", "gold", "check"])
    ev.add_argument("path", type=Path)
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--mode", choices=["hybrid", "dense", "lexical", "all"], default="hybrid")
    ev.add_argument("--limit", type=int, help="nur die ersten N Fragen (BEIR)")
    _check_parser(sub)
    return p


def _check_parser(sub: argparse._SubParsersAction) -> None:
    ck = sub.add_parser("check", help="Projekt-Check: welche Programme passen zu meinem Vorhaben?")
    ck.add_argument("--profil", type=Path, help="Profil als YAML-Datei")
    ck.add_argument("--text", help="freie Beschreibung; füllt fehlende Angaben")
    ck.add_argument("--ort", help="Ort oder Landkreis, z. B. Zeitz")
    ck.add_argument("--land", help="Sachsen | Sachsen-Anhalt | Thüringen")
    ck.add_argument("--art", help="Unternehmen, Start-up, Start-up in Gründung, Hochschule, …")
    ck.add_argument("--beschaeftigte", type=int, help="Zahl der Beschäftigten")
    ck.add_argument("--umsatz-mio", type=float, help="Jahresumsatz in Mio. €")
    ck.add_argument("--bilanzsumme-mio", type=float, help="Bilanzsumme in Mio. €")
    ck.add_argument("--vorhaben", action="append", help="z. B. Investition (mehrfach möglich)")
    ck.add_argument("--technologie", action="append", help="z. B. Wasserstoff (mehrfach)")
    ck.add_argument("--volumen", help="Investitionsvolumen/Projektkosten, z. B. 2000000 oder 2Mio")
    ck.add_argument("--beginn", help="geplanter Projektbeginn, z. B. 2027-03-01")
    ck.add_argument("--begonnen", action="store_const", const=True, help="schon begonnen")
    ck.add_argument("--gruendungsjahr", type=int)
    ck.add_argument("--verbund", action="store_const", const=True, help="Verbundprojekt")
    ck.add_argument("--rechtsform", help="z. B. GmbH, Kapitalgesellschaft, Einzelunternehmen")
    ck.add_argument("--freier-beruf", action="store_const", const=True)
    ck.add_argument("--hochschulgruendung", action="store_const", const=True)
    ck.add_argument("--foerderart", action="append", help="nur diese Förderart, z. B. Zuschuss")
    ck.add_argument("--stichtag", help="Prüfdatum (Standard: heute)")
    ck.add_argument("--ohne-textsuche", action="store_true", help="keine Textstellen aus dem Index")
    ck.add_argument("--kurz", action="store_true", help="nicht passende Programme weglassen")
    ck.add_argument("--json", action="store_true", help="maschinenlesbare Ausgabe")


def _filter_args(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--land", help="Sachsen | Sachsen-Anhalt | Thüringen")
    cmd.add_argument("--foerderberechtigte", help="z. B. KMU, Start-ups, Kommunen")
    cmd.add_argument("--foerderart", help="z. B. Zuschuss, Darlehen")
    cmd.add_argument("--technologiefeld", help="z. B. Wasserstoff")
    cmd.add_argument("--vorhabenart", help="z. B. Investition")
    cmd.add_argument("--dokumenttyp", choices=["Programm", "Studie"])


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(
        land=args.land,
        foerderberechtigte=args.foerderberechtigte,
        foerderart=args.foerderart,
        technologiefeld=args.technologiefeld,
        vorhabenart=args.vorhabenart,
        dokumenttyp=args.dokumenttyp,
    )


def explain(exc: FoerderberaterError) -> str:
    """German wording of core errors."""
    if isinstance(exc, IndexNotFoundError):
        return f"Kein Index in {exc.index_dir} gefunden. Bitte zuerst bauen: foerderberater index"
    if isinstance(exc, IndexMismatchError):
        return (
            f"Der Index in {exc.index_dir} passt nicht zur Konfiguration ({exc.what}: "
            f"gefunden {exc.found!r}, erwartet {exc.expected!r}). Bitte neu bauen: "
            "foerderberater index --full"
        )
    if isinstance(exc, IndexLockedError):
        return (
            f"Es läuft bereits ein Indexaufbau (Sperre {exc.lock_path}). Bitte warten, "
            "bis er fertig ist."
        )
    if isinstance(exc, IndexCorruptError):
        return f"Index beschädigt: {exc}. Bitte neu bauen: foerderberater index --full"
    if isinstance(exc, ConfigError):
        return f"Ungültige Einstellung {exc}"
    if isinstance(exc, EmbedderError):
        return f"Embedding-Modell nicht verfügbar: {exc}"
    return f"Fehler: {exc}"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(
            corpus_dir=args.corpus_dir,
            index_dir=args.index_dir,
            embedder=args.embedder,
            top_k=getattr(args, "top_k", None),
        )
        from foerderberater.advisor import Advisor

        advisor = Advisor(settings)
        if args.command == "index":
            return _cmd_index(advisor, args)
        if args.command == "info":
            return _cmd_info(advisor, args)
        if args.command == "search":
            return _cmd_search(advisor, args)
        if args.command == "ask":
            return _cmd_ask(advisor, args)
        if args.command == "check":
            return _cmd_check(advisor, args)
        if args.command == "eval":
            from foerderberater.evaluation.gold import run_eval_command

            return run_eval_command(advisor, args)
    except IndexLockedError as exc:
        print(explain(exc), file=sys.stderr)
        return EXIT_LOCKED
    except FoerderberaterError as exc:
        print(explain(exc), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("Abgebrochen.", file=sys.stderr)
        return 130
    return EXIT_USAGE


def _cmd_index(advisor, args: argparse.Namespace) -> int:  # noqa: ANN001
    from foerderberater.index.progress import terminal_progress

    with terminal_progress(enabled=not args.quiet) as progress:
        report = advisor.build(full=args.full, progress=progress)
    if args.json:
        print(
            json.dumps(
                {
                    "version": report.version,
                    "full": report.full,
                    "documents": report.documents,
                    "chunks": report.chunks,
                    "pages": report.pages,
                    "added": report.added,
                    "changed": report.changed,
                    "removed": report.removed,
                    "unchanged": len(report.unchanged),
                    "embedded_chunks": report.embedded_chunks,
                    "seconds": round(report.seconds, 3),
                    "timings": report.timings,
                    "skipped": [
                        {"path": s.path, "reason": s.reason, "kept_previous": s.kept_previous}
                        for s in report.skipped
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        mode = "vollständig" if report.full else "inkrementell"
        why = f" ({report.reason_full})" if report.reason_full else ""
        print(
            f"Index {mode} aufgebaut{why}: {report.documents} Dokumente, {report.pages} "
            f"PDF-Seiten, {report.chunks} Abschnitte; neu eingebettet: "
            f"{report.embedded_chunks} Abschnitte in {report.seconds:.1f} s."
        )
        print(
            f"Neu: {len(report.added)}, geändert: {len(report.changed)}, entfernt: "
            f"{len(report.removed)}, unverändert: {len(report.unchanged)}."
        )
    for s in report.skipped:
        note = " – die bisher indexierte Fassung bleibt erhalten" if s.kept_previous else ""
        print(f"Übersprungen: {s.path}: {s.reason}{note}", file=sys.stderr)
    return EXIT_PARTIAL if report.partial else EXIT_OK


def _cmd_info(advisor, args: argparse.Namespace) -> int:  # noqa: ANN001
    info = advisor.info()
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return EXIT_OK
    emb = info["embedder"] or {}
    print(f"Index:       {info['index_dir']} (Version {info['version']})")
    print(
        f"Dokumente:   {info['documents']}  Abschnitte: {info['chunks']}  "
        f"PDF-Seiten: {info['pages']}"
    )
    print(f"Embedder:    {emb.get('name')} ({emb.get('dim')} Dimensionen)")
    print(f"Aufgebaut:   {info['build_time']}")
    skipped = info["skipped"]
    print(f"Übersprungen: {len(skipped)}")
    for s in skipped:
        print(f"  - {s['path']}: {s['reason']}")
    return EXIT_OK


def _cmd_search(advisor, args: argparse.Namespace) -> int:  # noqa: ANN001
    hits = advisor.search(args.query, _filters(args), k=args.top_k or advisor.settings.top_k)
    if args.json:
        print(
            json.dumps(
                {
                    "query": args.query,
                    "hits": [
                        {
                            "doc_id": h.chunk.slug,
                            "path": h.chunk.doc_id,
                            "title": h.chunk.title,
                            "section": h.chunk.section,
                            "page": h.chunk.page,
                            "score": round(h.score, 6),
                            "dense_score": h.dense_score,
                            "lexical_score": h.lexical_score,
                            "text": h.chunk.text,
                        }
                        for h in hits
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_OK
    for i, h in enumerate(hits, 1):
        page = f", S. {h.chunk.page}" if h.chunk.page else ""
        dense = f"{h.dense_score:.3f}" if h.dense_score is not None else "–"
        lex = f"{h.lexical_score:.2f}" if h.lexical_score is not None else "–"
        print(
            f"{i}. [{h.score:.4f} | dense {dense} | bm25 {lex}] {h.chunk.title}{page}"
            f" – {h.chunk.section}"
        )
        print("   " + h.chunk.text[:300].replace("\n", " "))
    return EXIT_OK


def _cmd_ask(advisor, args: argparse.Namespace) -> int:  # noqa: ANN001
    answer = advisor.ask(args.query, _filters(args))
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(answer.text)
    for w in answer.warnings:
        print(f"Hinweis: {w}")
    if answer.sources:
        print("\nQuellen:")
        for s in answer.sources:
            page = f", S. {s.page}" if s.page else ""
            url = f" – {s.url}" if s.url else ""
            print(f"[{s.number}] {s.title}{page} ({s.doc_id}){url}")
    return EXIT_OK


def _cmd_check(advisor, args: argparse.Namespace) -> int:  # noqa: ANN001
    import datetime as dt

    import yaml

    from foerderberater.eligibility import check_project, render_markdown
    from foerderberater.profile import parse_date, profile_from_dict

    data: dict = {}
    if args.profil:
        try:
            data = yaml.safe_load(args.profil.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            print(f"Profil-Datei {args.profil} nicht lesbar: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if not isinstance(data, dict):
            print(f"Profil-Datei {args.profil}: Schlüssel: Wert-Paare erwartet", file=sys.stderr)
            return EXIT_USAGE
    flags = {
        "ort": args.ort,
        "land": args.land,
        "art": args.art,
        "beschaeftigte": args.beschaeftigte,
        "umsatz_mio": args.umsatz_mio,
        "bilanzsumme_mio": args.bilanzsumme_mio,
        "vorhaben": args.vorhaben,
        "technologie": args.technologie,
        "volumen": args.volumen,
        "beginn": args.beginn,
        "begonnen": args.begonnen,
        "gruendungsjahr": args.gruendungsjahr,
        "verbund": args.verbund,
        "rechtsform": args.rechtsform,
        "freier_beruf": args.freier_beruf,
        "hochschulgruendung": args.hochschulgruendung,
        "foerderart": args.foerderart,
        "text": args.text,
    }
    data.update({k: v for k, v in flags.items() if v is not None})
    if not data:
        print("Bitte ein Profil angeben: --text, --profil oder Einzelangaben.", file=sys.stderr)
        return EXIT_USAGE
    today = parse_date(args.stichtag, "stichtag") if args.stichtag else dt.date.today()
    profile = profile_from_dict(data, advisor.gazetteer, today=today)
    result = check_project(advisor, profile, today=today, with_passages=not args.ohne_textsuche)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render_markdown(result, show_failing=not args.kurz), end="")
    return EXIT_OK
