"""Hybrid retrieval, filters, regions, abstention and evaluation on a tiny real index (e5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from foerderberater.advisor import Advisor
from foerderberater.core.settings import Settings
from foerderberater.core.types import Hit
from foerderberater.evaluation.beir import eval_beir
from foerderberater.evaluation.gold import evaluate_gold
from foerderberater.evaluation.metrics import mrr_at, ndcg_at, recall_at
from foerderberater.search.filters import Filters

pytestmark = pytest.mark.integration
pytest_plugins = ("pg_fixtures",)

PROGRAMMES = {
    "grw-sachsen-anhalt": (
        "GRW Sachsen-Anhalt",
        ["Sachsen-Anhalt"],
        ["Zuschuss"],
        "Die Gemeinschaftsaufgabe Verbesserung der regionalen Wirtschaftsstruktur "
        "(GRW) gewährt Investitionszuschüsse für die Errichtung und Erweiterung "
        "von Betriebsstätten gewerblicher Unternehmen, die neue Arbeitsplätze "
        "schaffen.",
    ),
    "grw-sachsen": (
        "GRW Sachsen",
        ["Sachsen"],
        ["Zuschuss"],
        "Die GRW in Sachsen fördert Investitionen in Betriebsstätten mit einem "
        "Zuschuss der Sächsischen Aufbaubank; Erweiterung und Ansiedlung sind "
        "förderfähig.",
    ),
    "bew": (
        "Bundesförderung für effiziente Wärmenetze",
        ["Bund"],
        ["Zuschuss"],
        "Die BEW fördert den Neubau eines Wärmenetz mit hohem Anteil erneuerbarer Energien, "
        "etwa mit Großwärmepumpen an Seen und Flüssen (See-Thermie) oder Abwärme.",
    ),
    "kfw-270-erneuerbare-energien": (
        "KfW 270 Erneuerbare Energien – Standard",
        ["Bund"],
        ["Darlehen"],
        "Der Förderkredit KfW 270 finanziert Photovoltaikanlagen, "
        "Windkraft und Batteriespeicher zu günstigen Zinsen.",
    ),
    "zim": (
        "Zentrales Innovationsprogramm Mittelstand",
        ["Bund"],
        ["Zuschuss"],
        "Das ZIM unterstützt Forschungs- und Entwicklungsprojekte mittelständischer "
        "Unternehmen mit Zuschüssen, einzeln oder in Kooperation mit Forschungseinrichtungen.",
    ),
}
STUDY = (
    "# Seethermie am Zwenkauer See\n\nEin Jahr lang wurde die Temperatur des Seewassers "
    "bis 50 m Tiefe gemessen. Die Wärmeentnahme aus dem See ist ökologisch vertretbar.\n"
)


def write_programme(
    corpus: Path, slug: str, title: str, gebiet: list[str], art: list[str], text: str
) -> None:
    (corpus / "programme").mkdir(parents=True, exist_ok=True)
    front = {
        "titel": title,
        "kurzname": slug.upper(),
        "foerdergeber": "Test",
        "antragsstelle": "Test",
        "foerderart": art,
        "foerdergebiet": gebiet,
        "foerderberechtigte": ["KMU"],
        "vorhabenart": ["Investition"],
        "technologiefelder": ["technologieoffen"],
        "antragsfrist": "laufend",
        "stand": "2026-06-01",
        "quellen": [f"https://example.org/{slug}"],
    }
    body = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in front.items())
    (corpus / "programme" / f"{slug}.md").write_text(
        f"---\n{body}\n---\n\n## Kurzbeschreibung\n\n{text}\n", encoding="utf-8"
    )


@pytest.fixture(scope="module", params=["files", "postgresql"])
def advisor(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Advisor:
    """The same tests on the embedded files and on PostgreSQL (built by the same builder)."""
    database = {}
    if request.param == "postgresql":
        database["database_url"] = request.getfixturevalue("pg_database")()
    root = tmp_path_factory.mktemp("retrieval")
    corpus = root / "corpus"
    for slug, (title, gebiet, art, text) in PROGRAMMES.items():
        write_programme(corpus, slug, title, gebiet, art, text)
    (corpus / "studien").mkdir()
    (corpus / "studien" / "seethermie.md").write_text(STUDY, encoding="utf-8")
    # the abstention threshold is corpus-specific (calibrated on the starter corpus)
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", min_relevance=0.8, **database)
    adv = Advisor(settings)
    adv.build()
    return adv


def slugs(hits: list[Hit]) -> list[str]:
    return list(dict.fromkeys(h.chunk.slug for h in hits))


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("GRW", "grw-sachsen"),
        ("ZIM", "zim"),
        ("KfW 270", "kfw-270-erneuerbare-energien"),
        ("BEW", "bew"),
    ],
)
def test_acronyms_hit_lexically(advisor: Advisor, query: str, slug: str) -> None:
    lexical = advisor.retriever().lexical(query, 10, None)
    top = advisor.version.chunks_by_rows([lexical[0][0]])[0]
    assert top.slug.startswith(slug)


def test_compounds_and_inflections_match(advisor: Advisor) -> None:
    r = advisor.retriever()
    for query in ("Wärmenetze", "Waermenetz", "WÄRMENETZ"):
        rows = r.lexical(query, 5, None)
        assert rows, query
        assert advisor.version.chunks_by_rows([rows[0][0]])[0].slug == "bew", query
    # "Seethermie" finds the BEW text that writes "See-Thermie" (and the study)
    rows = r.lexical("Seethermie", 5, None)
    assert "bew" in {c.slug for c in advisor.version.chunks_by_rows([x for x, _ in rows])}


def test_hybrid_ranks_semantic_match_first(advisor: Advisor) -> None:
    hits = advisor.search("Kredit für eine Solaranlage auf dem Firmendach", use_region=False)
    assert slugs(hits)[0] == "kfw-270-erneuerbare-energien"
    top = hits[0]
    assert top.dense_score is not None and top.dense_rank is not None


def test_land_filter_changes_the_result(advisor: Advisor) -> None:
    q = "Investitionszuschuss für die Erweiterung einer Betriebsstätte"
    st = slugs(advisor.search(q, Filters(land="Sachsen-Anhalt")))
    sn = slugs(advisor.search(q, Filters(land="Sachsen")))
    assert "grw-sachsen-anhalt" in st and "grw-sachsen" not in st
    assert "grw-sachsen" in sn and "grw-sachsen-anhalt" not in sn
    assert "zim" in st or "bew" in st  # federal programmes stay available


def test_region_in_question_prefers_its_land(advisor: Advisor) -> None:
    answer = advisor.ask("Wir wollen unsere Halle in Zeitz erweitern, welche Zuschüsse gibt es?")
    assert answer.region == "Zeitz → Burgenlandkreis → Sachsen-Anhalt"
    found = [s.slug for s in answer.sources]
    assert "grw-sachsen-anhalt" in found and "grw-sachsen" not in found
    assert answer.filters["land"] == "Sachsen-Anhalt"


def test_which_programmes_returns_several_programmes(advisor: Advisor) -> None:
    answer = advisor.ask("Welche Förderprogramme gibt es für Unternehmen?")
    assert len({s.slug for s in answer.sources}) >= 3


def test_out_of_scope_question_abstains(advisor: Advisor) -> None:
    answer = advisor.ask("Wie backe ich einen Käsekuchen ohne Boden?")
    assert answer.abstained and not answer.sources
    assert "keine belastbare Grundlage" in answer.text


def test_study_citation_and_reranker_off_by_default(advisor: Advisor) -> None:
    assert advisor.reranker is None
    answer = advisor.ask("Wie tief wurde im Zwenkauer See gemessen?")
    assert not answer.abstained
    assert answer.sources[0].slug == "seethermie"
    assert "[1]" in answer.text


def test_metrics() -> None:
    assert ndcg_at(["a", "b"], {"b": 1}) == pytest.approx(1 / 1.5849625)
    assert mrr_at(["a", "b"], ["b"]) == 0.5
    assert recall_at(["a", "b", "c"], ["c", "d"], 3) == 0.5


def _write_beir(root: Path, docs: dict[str, str], queries: dict[str, str], qrels: str) -> Path:
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text(
        "".join(
            json.dumps({"_id": k, "title": "", "text": v}, ensure_ascii=False) + "\n"
            for k, v in docs.items()
        ),
        encoding="utf-8",
    )
    (root / "queries.jsonl").write_text(
        "".join(
            json.dumps({"_id": k, "text": v}, ensure_ascii=False) + "\n" for k, v in queries.items()
        ),
        encoding="utf-8",
    )
    (root / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + qrels, encoding="utf-8"
    )
    return root


BEIR_DOCS = {
    "p1": "Die Wartburg steht bei Eisenach in Thüringen.",
    "p2": "Der Zwenkauer See entstand aus einem Braunkohletagebau südlich von Leipzig.",
    "p3": "Photovoltaik wandelt Sonnenlicht direkt in elektrischen Strom um.",
    # distractors that share words with the questions
    "p4": "Die Leuchtenburg steht bei Kahla in Thüringen und zeigt Porzellan.",
    "p5": "Der Cospudener See liegt ebenfalls im Süden von Leipzig.",
    "p6": "Windkraftanlagen erzeugen Strom aus der Bewegung der Luft.",
    "p7": "Eisenach ist die Geburtsstadt von Johann Sebastian Bach.",
    "p8": "Ein Braunkohletagebau hinterlässt große Gruben in der Landschaft.",
}
BEIR_QUERIES = {
    "q1": "Wo steht die Wartburg?",
    "q2": "Woraus entstand der Zwenkauer See?",
    "q3": "Wie erzeugt eine Solaranlage Strom?",
}


def test_eval_beir_ranks_the_right_passage_first(advisor: Advisor, tmp_path: Path) -> None:
    beir = _write_beir(
        tmp_path / "beir", BEIR_DOCS, BEIR_QUERIES, "q1\tp1\t1\nq2\tp2\t1\nq3\tp3\t1\n"
    )
    result = eval_beir(advisor, beir)
    assert result["passages"] == 8 and result["queries"] == 3
    for mode in ("dense", "hybrid"):
        assert result[mode]["recall@1"] == 1.0, (mode, result[mode])
        assert result[mode]["ndcg@10"] == result[mode]["mrr@10"] == 1.0, (mode, result[mode])
    assert result["lexical"]["recall@5"] == 1.0, result["lexical"]
    # the same run scored against a wrong judgement: the metrics see the ranks
    wrong = _write_beir(tmp_path / "falsch", BEIR_DOCS, BEIR_QUERIES, "q1\tp7\t1\nq2\tp8\t1\n")
    worse = eval_beir(advisor, wrong, modes=("hybrid",))
    assert worse["hybrid"]["recall@1"] == 0.0 and worse["hybrid"]["mrr@10"] < 1.0


def test_gold_evaluation_and_cli(advisor: Advisor, tmp_path: Path) -> None:
    gold = tmp_path / "gold.yaml"
    gold.write_text(
        "stichtag: 2026-11-25\n"
        "fragen:\n"
        "  - frage: Zuschuss für ein Wärmenetz mit Großwärmepumpe\n    erwartet: [bew]\n"
        "  - frage: Forschung und Entwicklung im Mittelstand fördern\n    erwartet: [zim]\n"
        "  - frage: Wer gewann die Fußball-WM 2014?\n    abstain: true\n",
        encoding="utf-8",
    )
    result = evaluate_gold(advisor, gold)
    assert result["stichtag"] == "2026-11-25"
    assert result["recall_at_5"] == 1.0
    assert result["abstention_recall"] == 1.0
    assert evaluate_gold(advisor, gold) == result  # deterministic, independent of today
    s = advisor.settings
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "foerderberater",
            "--corpus-dir",
            str(s.corpus_dir),
            "--index-dir",
            str(s.index_dir),
            "eval",
            "gold",
            str(gold),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "FOERDERBERATER_DATABASE_URL": s.database_url},
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["recall_at_5"] == 1.0 and "calibrated_threshold" in data


def test_answer_names_its_index_version_and_region_can_be_ignored(advisor: Advisor) -> None:
    question = "Wir wollen unsere Halle in Zeitz erweitern, welche Zuschüsse gibt es?"
    answer = advisor.ask(question, use_region=False)
    assert answer.region is None and "land" not in answer.filters
    assert answer.index_version == advisor.version.name
