"""Markdown summary of a benchmark result (``bench/results/*.md``)."""

from __future__ import annotations

from fair import LABELS


def _ok(flag: bool | None) -> str:
    return "–" if flag is None else ("erfüllt" if flag else "verfehlt")


def _num(x: float | None, fmt: str = ".2f", unit: str = "") -> str:
    return "–" if x is None else f"{x:{fmt}}{unit}"


def targets(res: dict, head: dict) -> list[tuple[str, str, str]]:
    idx = res["indexing"]["ratios"]
    today = res.get("today", {})
    gq = head["germanquad_ndcg10"]
    rows = [
        (
            "Starter-Korpus voll ≥ 5× schneller als heute",
            f"{_num(head['starter_speedup_vs_today'])}× Zeit, "
            f"{_num(head['starter_cpu_speedup_vs_today'])}× CPU"
            if "speedup" in today
            else "nur im vollen Lauf gemessen",
            _ok(head["starter_speedup_vs_today"] >= 5) if "speedup" in today else "–",
        ),
        (
            "Bench-Korpus ≥ 3× schneller als LangChain mit gleichem e5",
            f"{head['index_speedup_vs_langchain_same_model']:.2f}× Zeit, "
            f"{idx['cpu_vs_langchain_same_model']['median']:.2f}× CPU",
            _ok(head["index_speedup_vs_langchain_same_model"] >= 3),
        ),
        (
            "Bench-Korpus ≥ 1,5× schneller als LangChain mit MiniLM",
            f"{head['index_speedup_vs_langchain']:.2f}× Zeit, "
            f"{idx['cpu_vs_langchain']['median']:.2f}× CPU",
            _ok(head["index_speedup_vs_langchain"] >= 1.5),
        ),
        (
            "Eine geänderte Datei bettet nur geänderte Texte neu ein",
            "; ".join(
                f"{i['change_embedded_chunks']} Abschnitt(e) + {i['change_embedded_sentences']} "
                f"Satz/Sätze neu, {i['change_cached']} aus dem Cache; danach --full: "
                f"{i['full_cached_embedded']} neu"
                for i in res["indexing"]["incremental"][:1]
            )
            + f" (Zeitanteil {head['incremental_fraction'] * 100:.1f} %)",
            _ok(
                all(
                    i["full_cached_embedded"] == 0 and i["change_embedded_chunks"] <= 2
                    for i in res["indexing"]["incremental"]
                )
            ),
        ),
        (
            "App-RSS beim Beantworten ≤ 1 GB",
            _num(head["app_rss_mb"], ".0f", " MB"),
            _ok(head["app_rss_mb"] <= 1024) if head["app_rss_mb"] else "–",
        ),
        (
            f"ask p95 ≤ 150 ms bei {head['ask_chunks']} Chunks",
            f"{head['ask_p95_ms']:.1f} ms (p50 {head['ask_p50_ms']:.1f} ms; CPU-Zeit p95 "
            f"{head['ask_cpu_p95_ms']:.1f} ms)",
            _ok(head["ask_p95_ms"] <= 150),
        ),
        (
            "GermanQuAD nDCG@10 unverändert (0,965 ± 0,003)",
            _num(gq, ".4f"),
            _ok(abs(gq - 0.965) <= 0.003) if gq is not None else "–",
        ),
    ]
    return rows


def render_markdown(res: dict, head: dict) -> str:
    meta = res["meta"]
    cpu = meta["cpu"]
    idx = res["indexing"]
    s = idx["summary"]
    c = idx["corpus"]
    backend = (s["ours"].get("embedding") or {}).get("bulk_backend")
    lines = [
        f"# Benchmark-Ergebnis ({meta['mode']}, {meta['started']})",
        "",
        f"Maschine: {cpu['model']}, {meta['cpus']} Kerne; AVX2 {cpu['avx2']}, AVX-512 "
        f"{cpu['avx512f']}, AVX-512-BF16 {cpu['avx512_bf16']}, AMX-BF16 {cpu['amx_bf16']} → "
        f"{'bf16' if cpu['native_bf16'] else 'fp32 (kein natives bf16)'}; Einbettung (a): "
        f"`{backend}`. Python {meta['python']}, Load-Average Start {meta['load_avg_start']}, Ende "
        f"{meta.get('load_avg_end')}; Laufzeit {meta['seconds']} s. Reproduzieren: "
        f"`python bench/run.py{' --quick' if meta['mode'] == 'quick' else ''}`.",
        "",
        "## Ziele (Issue 11)",
        "",
        "| Ziel | gemessen | Status |",
        "|---|---|---|",
        *[f"| {a} | {b} | {st} |" for a, b, st in targets(res, head)],
        "",
        f"## Indexaufbau ({c['pdf_pages']} PDF-Seiten in {c['pdf_files']} PDFs + "
        f"{c['programme_files']} Programmtexte; Median aus {s['ours']['runs']} Runde(n))",
        "",
        "| Variante | Abschnitte | Sätze | Zeit (s) | CPU (s) | Abschnitte/s | Peak-RSS (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for v, r in s.items():
        lines.append(
            f"| {LABELS[v]} | {r['chunks']} | {r.get('embedded_sentences') or '–'} | "
            f"{r['pipeline_s']:.1f} | {r['cpu_s']:.1f} | {r['chunks_per_s']:.2f} | "
            f"{r['peak_rss_mb']:.0f} |"
        )
    rt = idx["ratios"]
    worker_rss = (s["ours"].get("embedding") or {}).get("worker_peak_rss_mb")
    lines += [
        "",
        f"Verhältnisse je Runde, dann Median (Zeit / CPU): (b)/(a) "
        f"{rt['vs_langchain']['median']:.2f} / {rt['cpu_vs_langchain']['median']:.2f}; "
        f"(c)/(a) {rt['vs_langchain_same_model']['median']:.2f} / "
        f"{rt['cpu_vs_langchain_same_model']['median']:.2f}; (b)/(d) "
        f"{rt['ours_minilm_vs_langchain']['median']:.2f}. Peak-RSS (a) = Bauprozess; der "
        f"torch-Hilfsprozess allein: {_num(worker_rss, '.0f', ' MB')} (endet nach dem Einbetten).",
        "",
        "Phasen (a) (Median, s): "
        + ", ".join(f"{k} {x}" for k, x in s["ours"]["timings"].items())
        + " (Parsen/Chunken läuft parallel zum Einbetten; `embed` = Warten danach).",
    ]
    for i in idx["incremental"]:
        lines.append(
            f"- Inkrementell ({i['file']} um einen Satz ergänzt): {i['change_build_s']:.2f} s, "
            f"{i['change_embedded_chunks']} Abschnitt(e) und {i['change_embedded_sentences']} "
            f"Satz/Sätze neu eingebettet, {i['change_cached']} aus dem Cache; anschließend "
            f"`--full`: {i['full_cached_build_s']:.1f} s, {i['full_cached_embedded']} neu "
            f"eingebettet."
        )
    today = res.get("today")
    if today and "summary" in today:
        ts = today["summary"]
        lines += [
            "",
            f"## Starter-Korpus: heute ({today['ref']}) und jetzt, abwechselnd",
            "",
            "| Code | Abschnitte | Zeit (s) | CPU (s) | Abschnitte/s | Peak-RSS (MB) |",
            "|---|---|---|---|---|---|",
        ]
        for v, r in ts.items():
            lines.append(
                f"| {LABELS[v] if v != 'ours' else 'jetzt (Issue 11)'} | {r['chunks']} | "
                f"{r['pipeline_s']:.1f} | {r['cpu_s']:.1f} | {r['chunks_per_s']:.2f} | "
                f"{r['peak_rss_mb']:.0f} |"
            )
        lines.append(
            f"\nBeschleunigung heute/jetzt: {today['speedup']['median']:.2f}× Zeit, "
            f"{today['cpu_speedup']['median']:.2f}× CPU (je Runde: "
            f"{today['speedup']['per_round']} / {today['cpu_speedup']['per_round']})."
        )
    lines += [
        "",
        "## Antwortzeit `ask` (warm, Aufwärmfragen nicht gemessen; synthetisch skaliert)",
        "",
        "| Chunks | Sätze | Runden | ask p50 / p95 / p99 (ms) | ask CPU p50 / p95 (ms) | "
        "Retrieval p50 / p95 (ms) | LangChain similarity_search p50 / p95 (ms) |",
        "|---|---|---|---|---|---|---|",
    ]
    for _n, r in sorted(res["latency"].items(), key=lambda kv: int(kv[0])):
        lines.append(
            f"| {r['chunks']} | {r['sentences']} | {r['rounds']} | {r['ask_p50_ms']:.1f} / "
            f"{r['ask_p95_ms']:.1f} / {r['ask_p99_ms']:.1f} | {r['ask_cpu_p50_ms']:.1f} / "
            f"{r['ask_cpu_p95_ms']:.1f} | {r['search_p50_ms']:.1f} / {r['search_p95_ms']:.1f} | "
            f"{r['langchain_p50_ms']:.1f} / {r['langchain_p95_ms']:.1f} |"
        )
    cli, app = res["startup"]["cli"], res["startup"]["app"]
    lines += [
        "",
        "## Start und Speicher",
        "",
        f"- CLI `python -m foerderberater ask … --json` (Median aus {cli['runs']}): "
        f"{cli['first_answer_s']:.2f} s",
    ]
    if "skipped" in app:
        lines.append(f"- App: {app['skipped']}")
    else:
        lines.append(
            f"- App `python app.py` (Median aus {app['runs']}): bereit nach "
            f"{app['ready_s']:.1f} s, erste Antwort nach {app['first_answer_s']:.1f} s; "
            f"RSS (Prozessbaum) {app['rss_ready_mb']:.0f} MB vor und "
            f"{app['rss_rest_after_answers_mb']:.0f} MB nach den ersten Antworten"
        )
    q = res["quality"]
    lines += [
        "",
        "## Qualität (Starter-Korpus; holdout = nie zum Einstellen benutzt)",
        "",
        "| Fragenset | Förderberater Retrieval Recall@5 / MRR | Förderberater ask Recall@5 | "
        "LangChain + gleiches e5 Recall@5 / MRR | LangChain + MiniLM Recall@5 / MRR |",
        "|---|---|---|---|---|",
    ]
    for name in ("holdout", "gold"):
        o, e, m = q["ours"][name], q["langchain_e5"][name], q["langchain"][name]
        label = name + (" (Kalibrierset der Enthaltungsschwelle)" if name == "gold" else "")
        lines.append(
            f"| {label} ({o['answerable']} beantwortbar) | {o['retrieval_recall_at_5']:.3f} / "
            f"{o['retrieval_mrr']:.3f} | {o['recall_at_5']:.3f} | {e['recall_at_5']:.3f} / "
            f"{e['mrr']:.3f} | {m['recall_at_5']:.3f} / {m['mrr']:.3f} |"
        )
    ans = q.get("answers_holdout", {}).get("overall") or {}
    if ans:
        lines.append(
            f"\nAntworten (`foerderberater eval answers eval/answers_holdout.jsonl`, nur "
            f"berichtet): Fakten {ans.get('facts')}, richtige Quelle {ans.get('source')}, "
            f"Seite {ans.get('page')}, abgelehnt (unbeantwortbar) {ans.get('declined')} "
            f"bei {ans.get('n')} Fragen."
        )
    gq = q.get("germanquad", {})
    if "error" in gq or "skipped" in gq:
        lines.append(f"\nGermanQuAD: {gq.get('skipped') or gq.get('error')}")
    else:
        modes = ", ".join(
            f"{m} {gq[m]['ndcg@10']:.4f}" for m in ("hybrid", "dense", "lexical") if m in gq
        )
        lines.append(
            f"\nGermanQuAD ({gq['queries']} Fragen, {gq['passages']} Passagen, {gq['chunks']} "
            f"Abschnitte, {gq.get('sentences')} Sätze) nDCG@10: {modes}; in diesem Lauf neu "
            f"eingebettet {gq['embedded']}, aus dem Cache {gq['cached']}."
        )
    if "profiles" in res:
        p = res["profiles"]
        lines += ["", "## Profile (pyinstrument, Eigenzeit)", ""]
        for key, label in (("index_ours", "Indexaufbau"), ("query", "ask (warm)")):
            lines.append(f"**{label}** ({p[key].get('chunks')} Chunks):")
            for item in p[key]["top"][:8]:
                lines.append(f"- {item['share'] * 100:.1f} % `{item['function']}`")
            lines.append("")
        lines.append("Dateien: " + ", ".join(f"`{f}`" for f in p["files"]))
    return "\n".join(lines) + "\n"
