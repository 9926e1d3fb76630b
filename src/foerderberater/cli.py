"""Command line interface: a thin adapter over ``Advisor``. Prints results, words errors."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foerderberater import __version__
from foerderberater.core.errors import FoerderberaterError, IndexLockedError
from foerderberater.core.messages import embedding_summary, embedding_warning, explain
from foerderberater.core.settings import Settings
from foerderberater.search.filters import FILTER_CHOICES, Filters

if TYPE_CHECKING:  # the index, models and search load only when a command runs
    from foerderberater.advisor import Advisor

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_LOCKED, EXIT_PARTIAL = 0, 1, 2, 3, 4
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a program killed by the signal
EVAL_MODES = ("hybrid", "dense", "lexical", "all")
# `check` options besides the profile file and the flags below: (name, type, help)
CHECK_VALUES: tuple[tuple[str, Any, str], ...] = (
    ("ort", str, "Ort oder Landkreis, z. B. Zeitz"),
    ("land", str, " | ".join(FILTER_CHOICES["land"])),
    ("art", str, "Unternehmen, Start-up, Start-up in Gründung, Hochschule, …"),
    ("beschaeftigte", int, "Zahl der Beschäftigten"),
    ("umsatz-mio", float, "Jahresumsatz in Mio. €"),
    ("bilanzsumme-mio", float, "Bilanzsumme in Mio. €"),
    ("volumen", str, "Investitionsvolumen/Projektkosten, z. B. 2000000 oder 2Mio"),
    ("beginn", str, "geplanter Projektbeginn, z. B. 2027-03-01"),
    ("gruendungsjahr", int, "Gründungsjahr"),
    ("rechtsform", str, "z. B. GmbH, Kapitalgesellschaft, Einzelunternehmen"),
    ("text", str, "freie Beschreibung; füllt fehlende Angaben"),
)
CHECK_LISTS = (
    ("vorhaben", "z. B. Investition (mehrfach möglich)"),
    ("technologie", "z. B. Wasserstoff (mehrfach)"),
    ("foerderart", "nur diese Förderart, z. B. Zuschuss"),
)
CHECK_FLAGS = (
    ("begonnen", "schon begonnen"),
    ("verbund", "Verbundprojekt"),
    ("freier-beruf", "Freier Beruf"),
    ("hochschulgruendung", "Ausgründung aus Hochschule/Forschungseinrichtung"),
)


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
    ix.add_argument(
        "--aus-dateien",
        action="store_true",
        help="den Index aus --index-dir unverändert in die Datenbank "
        "(FOERDERBERATER_DATABASE_URL) übernehmen, ohne neu einzubetten",
    )

    info = sub.add_parser("info", help="Zustand des Index anzeigen")
    info.add_argument("--json", action="store_true")
    info.add_argument("--doc", metavar="SLUG", help="Extraktionsbericht eines Dokuments")
    info.add_argument("--seite", type=int, help="mit --doc: indexierter Text dieser PDF-Seite")

    for name, helptext in (("search", "Textstellen suchen"), ("ask", "Frage beantworten")):
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("query", help="Frage bzw. Suchanfrage")
        cmd.add_argument("--json", action="store_true", help="maschinenlesbare Ausgabe")
        cmd.add_argument("-k", "--top-k", type=int, help="Anzahl Treffer/Quellen")
        for field, values in FILTER_CHOICES.items():
            if field == "dokumenttyp":
                cmd.add_argument("--dokumenttyp", choices=values)
            else:
                cmd.add_argument(f"--{field}", help=" | ".join(values))
        if name == "ask":
            cmd.add_argument(
                "--verlauf",
                action="append",
                help="frühere Frage des Gesprächs (mehrfach, älteste zuerst) für Folgefragen",
            )

    ev = sub.add_parser(
        "eval",
        help="Evaluation (beir DIR | gold FILE | check FILE | answers FILE.jsonl | "
        "freitext FILE | konsistenz DIR)",
    )
    ev.add_argument("kind", choices=["beir", "gold", "check", "answers", "freitext", "konsistenz"])
    ev.add_argument("path", type=Path)
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--mode", choices=EVAL_MODES, default="hybrid")
    ev.add_argument("--limit", type=int, help="nur die ersten N Fragen (BEIR)")
    ev.add_argument(
        "--stichtag", help="Prüfdatum der Antwort-Evaluation (Standard: fest, siehe README)"
    )

    ck = sub.add_parser("check", help="Projekt-Check: welche Programme passen zu meinem Vorhaben?")
    ck.add_argument("--profil", type=Path, help="Profil als YAML-Datei")
    for name, kind, helptext in CHECK_VALUES:
        ck.add_argument(f"--{name}", type=kind, help=helptext)
    for name, helptext in CHECK_LISTS:
        ck.add_argument(f"--{name}", action="append", help=helptext)
    for name, helptext in CHECK_FLAGS:
        ck.add_argument(f"--{name}", action="store_const", const=True, help=helptext)
    ck.add_argument("--stichtag", help="Prüfdatum (Standard: heute)")
    ck.add_argument("--ohne-textsuche", action="store_true", help="keine Textstellen aus dem Index")
    ck.add_argument("--kurz", action="store_true", help="nicht passende Programme weglassen")
    ck.add_argument("--json", action="store_true", help="maschinenlesbare Ausgabe")
    return p


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(**{field: getattr(args, field) for field in FILTER_CHOICES})


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _run(argv)
        sys.stdout.flush()  # a closed pipe shows up here at the latest
    except BrokenPipeError:  # e.g. `foerderberater info | head -1`: the reader has enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return EXIT_BROKEN_PIPE
    return code


def _run(argv: Sequence[str] | None = None) -> int:
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
        command = {
            "index": _cmd_index,
            "info": _cmd_info,
            "search": _cmd_search,
            "ask": _cmd_ask,
            "check": _cmd_check,
            "eval": _cmd_eval,
        }[args.command]
        return command(advisor, args)
    except IndexLockedError as exc:
        print(explain(exc), file=sys.stderr)
        return EXIT_LOCKED
    except FoerderberaterError as exc:
        print(explain(exc), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("Abgebrochen.", file=sys.stderr)
        return 130


def _cmd_index(advisor: Advisor, args: argparse.Namespace) -> int:
    from foerderberater.index.progress import terminal_progress

    if args.aus_dateien:
        return _copy_files_into_database(advisor)
    with terminal_progress(enabled=not args.quiet) as progress:
        report = advisor.build(full=args.full, progress=progress)
    if args.json:
        _print_json(report.to_json())
    else:
        mode = "vollständig" if report.full else "inkrementell"
        why = f" ({report.reason_full})" if report.reason_full else ""
        embedded = embedding_summary(
            report.embedding,
            report.embedded_chunks,
            report.embedded_sentences,
            report.cached_chunks + report.cached_sentences,
        )
        print(
            f"Index {mode} aufgebaut{why}: {report.documents} Dokumente, {report.pages} "
            f"PDF-Seiten, {report.chunks} Abschnitte; {embedded} in {report.seconds:.1f} s."
        )
        print(
            f"Neu: {len(report.added)}, geändert: {len(report.changed)}, entfernt: "
            f"{len(report.removed)}, unverändert: {len(report.unchanged)}."
        )
    if warning := embedding_warning(report.embedding):
        print(warning, file=sys.stderr)
    for s in report.skipped:
        note = " – die bisher indexierte Fassung bleibt erhalten" if s.kept_previous else ""
        print(f"Übersprungen: {s.path}: {s.reason}{note}", file=sys.stderr)
    return EXIT_PARTIAL if report.partial else EXIT_OK


def _copy_files_into_database(advisor: Advisor) -> int:
    from foerderberater.index.backend import FileBackend, copy_version

    if advisor.backend.kind != "postgresql":
        message = "--aus-dateien braucht FOERDERBERATER_DATABASE_URL (die Ziel-Datenbank)."
        print(message, file=sys.stderr)
        return EXIT_USAGE
    source = FileBackend(advisor.settings.index_dir).open_current()
    data = copy_version(source, advisor.backend)
    print(
        f"Index {source.name} aus {source.location} als {data.name} in "
        f"{advisor.backend.location} übernommen: {len(data.docs)} Dokumente, "
        f"{len(data.chunks)} Abschnitte, {len(data.sentences)} Sätze (nichts neu eingebettet)."
    )
    return EXIT_OK


def _cmd_info(advisor: Advisor, args: argparse.Namespace) -> int:
    if args.doc:
        return _cmd_info_doc(advisor, args.doc, args.seite, args.json)
    if args.seite is not None:
        print("--seite gilt nur zusammen mit --doc SLUG.", file=sys.stderr)
        return EXIT_USAGE
    info = advisor.info()
    if args.json:
        _print_json(info)
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


def _cmd_info_doc(advisor: Advisor, name: str, page: int | None, as_json: bool) -> int:
    report = advisor.document(name)
    preview = advisor.page_text(name, page) if page is not None else None
    if as_json:
        _print_json(report.to_json() | ({"seite": page, "text": preview} if preview else {}))
        return EXIT_OK
    print(report.text())
    if preview is not None:
        print()
        print(preview)
    return EXIT_OK


def _cmd_search(advisor: Advisor, args: argparse.Namespace) -> int:
    hits = advisor.search(args.query, _filters(args), k=args.top_k or advisor.settings.top_k)
    if args.json:
        _print_json({"query": args.query, "hits": [h.to_json() for h in hits]})
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


def _cmd_ask(advisor: Advisor, args: argparse.Namespace) -> int:
    answer = advisor.ask(args.query, _filters(args), history=args.verlauf or ())
    if args.json:
        _print_json(answer.to_json())
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


def _profile_values(args: argparse.Namespace) -> dict[str, Any] | None:
    """Profile values from ``--profil`` and the flags (flags win); None for an unusable file."""
    import yaml

    data: dict[str, Any] = {}
    if args.profil:
        try:
            data = yaml.safe_load(args.profil.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            print(f"Profil-Datei {args.profil} nicht lesbar: {exc}", file=sys.stderr)
            return None
        if not isinstance(data, dict):
            print(f"Profil-Datei {args.profil}: Schlüssel: Wert-Paare erwartet", file=sys.stderr)
            return None
    names = [n for n, _, _ in CHECK_VALUES] + [n for n, _ in CHECK_LISTS + CHECK_FLAGS]
    for name in names:
        value = getattr(args, name.replace("-", "_"))
        if value is not None:
            data[name.replace("-", "_")] = value
    return data


def _cmd_check(advisor: Advisor, args: argparse.Namespace) -> int:
    import datetime as dt

    from foerderberater.eligibility import render_markdown
    from foerderberater.profile import parse_date, profile_from_dict

    data = _profile_values(args)
    if data is None:
        return EXIT_USAGE
    if not data:
        print("Bitte ein Profil angeben: --text, --profil oder Einzelangaben.", file=sys.stderr)
        return EXIT_USAGE
    today = parse_date(args.stichtag, "stichtag") if args.stichtag else dt.date.today()
    profile = profile_from_dict(data, advisor.gazetteer, today=today)
    result = advisor.check(profile, today=today, with_passages=not args.ohne_textsuche)
    if args.json:
        _print_json(result.to_json())
    else:
        print(render_markdown(result, show_failing=not args.kurz), end="")
    return EXIT_OK


def _eval_answers(advisor: Advisor, args: argparse.Namespace) -> dict[str, Any]:
    from foerderberater.evaluation import answers
    from foerderberater.profile import parse_date

    today = parse_date(args.stichtag, "stichtag") if args.stichtag else answers.STICHTAG
    items = answers.load_items(args.path)
    if args.limit:
        items = items[: args.limit]
    results = answers.evaluate(
        items, lambda item: advisor.ask(item.question, history=item.history, today=today)
    )
    return answers.summarize(results)


def _cmd_eval(advisor: Advisor, args: argparse.Namespace) -> int:
    from foerderberater.evaluation import answers, beir, check, gold

    code = EXIT_OK
    if args.kind == "konsistenz":
        from foerderberater.evaluation.consistency import check_corpus

        result = check_corpus(args.path)
        lines = [f"[FEHLER] {slug}: {e}" for slug, errs in result.items() for e in errs]
        ok = sum(not errs for errs in result.values())
        lines.append(f"Konsistenz {args.path}: {ok}/{len(result)} Programme konsistent")
        code = EXIT_OK if ok == len(result) else EXIT_ERROR
    elif args.kind == "freitext":
        from foerderberater.evaluation import freetext

        result = freetext.evaluate_freetext(args.path, advisor.gazetteer)
        lines = freetext.report_lines(result, args.path)
        code = EXIT_OK if freetext.passed(result) else EXIT_ERROR
    elif args.kind == "check":
        result = check.evaluate_check_file(advisor.version, args.path, advisor.gazetteer)
        lines = check.report_lines(result, args.path)
        if result["bestanden"] != result["erwartungen"]:
            code = EXIT_ERROR
    elif args.kind == "answers":
        result = _eval_answers(advisor, args)
        lines = answers.report_lines(result, args.path)
    elif args.kind == "beir":
        modes = beir.MODES if args.mode == "all" else (args.mode,)
        result = beir.eval_beir(advisor, args.path, modes, args.limit)
        lines = beir.report_lines(result, modes)
    else:
        result = gold.calibrate(gold.evaluate_gold(advisor, args.path))
        lines = gold.report_lines(result)
    if args.json:
        _print_json(result)
    else:
        print("\n".join(lines))
    return code
