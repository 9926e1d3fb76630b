"""Markdown summary of a benchmark result (``bench/results/*.md``)."""

from __future__ import annotations


def _ok(flag: bool | None) -> str:
    return "–" if flag is None else ("erfüllt" if flag else "verfehlt")


def targets(res: dict, head: dict) -> list[tuple[str, str, str]]:
    q = res["quality"]
    rows = [
        (
            "Indexierung ≥ 3× schneller als LangChain",
            f"{head['index_speedup_vs_langchain']:.2f}× (e5); mit gleichem Modell "
            f"{head['index_speedup_st_vs_langchain']:.2f}×",
            _ok(head["index_speedup_vs_langchain"] >= 3),
        ),
        (
            "Inkrementell (1 geänderte Datei) ≤ 5 % eines Vollaufbaus",
            f"{head['incremental_fraction'] * 100:.1f} % (1 PDF neu: "
            f"{head['incremental_add_pdf_fraction'] * 100:.1f} %)",
            _ok(head["incremental_fraction"] <= 0.05),
        ),
        (
            f"ask p50 ≤ 50 ms bei {head['chunks']} Chunks",
            f"{head['ask_p50_ms']:.1f} ms",
            _ok(head["ask_p50_ms"] <= 50),
        ),
        (
            f"ask p95 ≤ 150 ms bei {head['chunks']} Chunks",
            f"{head['ask_p95_ms']:.1f} ms",
            _ok(head["ask_p95_ms"] <= 150),
        ),
        (
            "App-RSS ≤ 1 GB (Starter-Korpus)",
            f"{head['app_rss_mb']} MB" if head["app_rss_mb"] else "nicht gemessen",
            _ok(head["app_rss_mb"] <= 1024) if head["app_rss_mb"] else "–",
        ),
    ]
    for name in q["ours"]:
        if name == "variant" or not isinstance(q["ours"][name], dict):
            continue
        o, b = q["ours"][name], q["langchain"][name]
        rows.append(
            (
                f"Qualität {name}.yaml über Baseline",
                f"Recall@5 {o['recall_at_5']:.3f} vs {b['recall_at_5']:.3f}, "
                f"MRR {o['mrr']:.3f} vs {b['mrr']:.3f}",
                _ok(o["recall_at_5"] > b["recall_at_5"]),
            )
        )
    rows.append(("Qualität GermanQuAD", str(q.get("germanquad")), "–"))
    return rows


def render_markdown(res: dict, head: dict) -> str:
    meta = res["meta"]
    idx = res["indexing"]
    s = idx["summary"]
    c = idx["corpus"]
    lines = [
        f"# Benchmark-Ergebnis ({meta['mode']}, {meta['started']})",
        "",
        f"Maschine: {meta['cpus']} Kerne, Python {meta['python']}, Load-Average Start "
        f"{meta['load_avg_start']}, Ende {meta.get('load_avg_end')}; Laufzeit "
        f"{meta['seconds']} s. Reproduzieren: `python bench/run.py"
        f"{' --quick' if meta['mode'] == 'quick' else ''}`.",
        "",
        "## Ziele",
        "",
        "| Ziel | gemessen | Status |",
        "|---|---|---|",
        *[f"| {a} | {b} | {st} |" for a, b, st in targets(res, head)],
        "",
        f"## Indexierung ({c['pdf_pages']} PDF-Seiten in {c['pdf_files']} PDFs + "
        f"{c['programme_files']} Programmtexte; Median aus {s['ours']['runs']} Läufen)",
        "",
        "| Variante | Chunks | Zeit (s) | Prozess (s) | Seiten/s | Chunks/s | Peak-RSS (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    names = {
        "ours": "(a) Förderberater, e5",
        "ours_st": "(d) Förderberater, MiniLM (ST)",
        "langchain": "(c) LangChain-Tutorial, MiniLM",
        "ours_patched": "(a+) Förderberater, e5, mit bench/patches",
        "langchain_passive": "(c+) LangChain, OMP_WAIT_POLICY=PASSIVE (1 Lauf)",
    }
    for v in [x for x in names if x in s]:
        r = s[v]
        lines.append(
            f"| {names[v]} | {r['chunks']} | {r['pipeline_s']:.1f} | "
            f"{r['process_wall_s']:.1f} | {r['pages_per_s']:.2f} | "
            f"{r['chunks_per_s']:.2f} | {r['peak_rss_mb']:.0f} |"
        )
    for v, label in (
        ("incr_change", "(b) inkrementell, 1 Programmdatei geändert"),
        ("incr_add_pdf", "(b) inkrementell, 1 PDF hinzugefügt"),
    ):
        r = s[v]
        lines.append(
            f"| {label} | {r['embedded_chunks']} neu | {r['build_s']:.2f} | "
            f"{r['process_wall_s']:.1f} | | | |"
        )
    rt = s["ratios"]
    lines += [
        "",
        f"Zeit = Modell laden + Parsen + Chunken + Embedden + Index schreiben (ohne Python-"
        f"Importe); Prozess = Start bis Ende des Interpreters. Verhältnisse je Runde, dann Median: "
        f"(c)/(a) = {rt['speedup_ours_vs_langchain']:.2f}, (c)/(d) = "
        f"{rt['speedup_ours_st_vs_langchain']:.2f}, pro Chunk (c)/(a) = "
        f"{rt['per_chunk_speedup_ours_vs_langchain']:.2f}; inkrementell/voll = "
        f"{rt['incremental_change_fraction'] * 100:.2f} % (Datei geändert), "
        f"{rt['incremental_add_pdf_fraction'] * 100:.2f} % (PDF hinzugefügt).",
        "",
        "Phasen (Median, s): "
        + "; ".join(
            f"{names[v].split(',')[0]} " + ", ".join(f"{k} {x}" for k, x in s[v]["timings"].items())
            for v in [x for x in names if x in s]
        ),
        "",
        "## Antwortzeit (warm, je Frage; synthetisch skaliert, siehe README)",
        "",
        "| Chunks | ask p50/p95/p99 (ms) | Retrieval p50/p95/p99 (ms) | "
        "LangChain similarity_search p50/p95/p99 (ms) | Query-Embedding e5 / MiniLM p50 (ms) |",
        "|---|---|---|---|---|",
    ]
    for _n, r in sorted(res["latency"].items(), key=lambda kv: int(kv[0])):
        o, b = r["ours"], r["langchain"]

        def ppp(x: dict) -> str:
            return f"{x['p50_ms']:.1f} / {x['p95_ms']:.1f} / {x['p99_ms']:.1f}"

        lines.append(
            f"| {o['chunks']} | {ppp(o['ask'])} | {ppp(o['search'])} | "
            f"{ppp(b['similarity_search'])} | {o['stages']['embed_query']['p50_ms']:.1f}"
            f" / {b['stages']['embed_query']['p50_ms']:.1f} |"
        )
        if "ours_patched" in r:
            pt = r["ours_patched"]
            lines.append(
                f"| {pt['chunks']} mit Patches | {ppp(pt['ask'])} | {ppp(pt['search'])}"
                f" | | {pt['stages']['embed_query']['p50_ms']:.1f} / |"
            )
    lines += ["", "Stufen unserer Suche (p50 / p95 ms): "]
    for n, r in sorted(res["latency"].items(), key=lambda kv: int(kv[0])):
        for variant in ("ours", "ours_patched"):
            if variant not in r:
                continue
            st = r[variant]["stages"]
            label = " (mit Patches)" if variant == "ours_patched" else ""
            lines.append(
                f"- {n} Chunks{label}: "
                + ", ".join(f"{k} {v['p50_ms']:.1f} / {v['p95_ms']:.1f}" for k, v in st.items())
            )
    cli, app = res["startup"]["cli"], res["startup"]["app"]
    lines += [
        "",
        "## Start",
        "",
        f"- CLI `python -m foerderberater ask … --json` (Prozessstart bis Antwort, Median aus "
        f"{cli['runs']}): {cli['first_answer_s']:.2f} s",
    ]
    if "skipped" in app:
        lines.append(f"- App: {app['skipped']}")
    else:
        lines.append(
            f"- App `python app.py` (Median aus {app['runs']}): bereit nach "
            f"{app['ready_s']:.1f} s, "
            f"erste Antwort (API `ask`) nach {app['first_answer_s']:.1f} s; warme API-Antwort "
            f"{app['warm_api_ask_ms']:.0f} ms; RSS in Ruhe {app['rss_ready_mb']:.0f} MB vor und "
            f"{app['rss_rest_after_answers_mb']:.0f} MB nach den ersten Antworten"
        )
    q = res["quality"]
    lines += [
        "",
        "## Qualität (Starter-Korpus)",
        "",
        "| Fragenset | Förderberater ask Recall@5 / MRR | Förderberater Retrieval (ohne "
        "Enthaltung) Recall@5 / MRR | LangChain Recall@5 / MRR |",
        "|---|---|---|---|",
    ]
    for name, o in q["ours"].items():
        if not isinstance(o, dict):
            continue
        b = q["langchain"][name]
        ret = (
            f"{o['retrieval_recall_at_5']:.3f} / {o['retrieval_mrr']:.3f}"
            if o.get("retrieval_recall_at_5") is not None
            else "–"
        )
        lines.append(
            f"| {name} ({o['answerable']} beantwortbar) | {o['recall_at_5']:.3f} / "
            f"{o['mrr']:.3f} | {ret} | {b['recall_at_5']:.3f} / {b['mrr']:.3f} |"
        )
    lines.append(f"\nGermanQuAD: {q.get('germanquad')}.")
    if "profiles" in res:
        p = res["profiles"]
        lines += ["", "## Profile (pyinstrument, Eigenzeit)", ""]
        for key, label in (
            ("index_ours", "Indexaufbau Förderberater"),
            ("index_langchain", "Indexaufbau LangChain"),
            ("query", "ask (warm)"),
        ):
            lines.append(f"**{label}** ({p[key].get('chunks')} Chunks):")
            if not p[key]["top"]:
                lines.append("- (im Schnelllauf nicht profiliert)")
            for item in p[key]["top"][:8]:
                lines.append(f"- {item['share'] * 100:.1f} % `{item['function']}`")
            lines.append("")
        lines.append("Dateien: " + ", ".join(f"`{f}`" for f in p["files"]))
    if "embed_micro" in res:
        lines += [
            "",
            "## e5-Engine: OpenMP-Einstellung (32 Chunks, 80 Anfragen, je Zeile ein "
            "eigener Prozess)",
            "",
            "| Runde | Umgebung | Load | Chunks/s Batch 1 | Batch 16 | Query p50 / p95 / p99 "
            "(ms) |",
            "|---|---|---|---|---|---|",
        ]
        for r in res["embed_micro"]:
            env = ", ".join(f"{k}={v}" for k, v in r["env"].items()) or "Standard"
            if r.get("query_threads"):
                env += " + Query-Thread omp_set_num_threads(1)"
            qq = r["query"]
            lines.append(
                f"| {r['round'] + 1} | {env} | {r['load_avg'][:1]} | "
                f"{r.get('batch1_chunks_per_s')} | {r.get('batch16_chunks_per_s')} | "
                f"{qq['p50_ms']} / {qq['p95_ms']} / {qq['p99_ms']} |"
            )
    return "\n".join(lines) + "\n"
