"""The command line through real subprocesses: index, info, search, ask --json, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from foerderberater.index.store import CURRENT, LOCK_FILE, BuildLock

pytestmark = pytest.mark.integration

CONTRACT_KEYS = {"question", "answer", "abstained", "sources"}
SOURCE_KEYS = {"doc_id", "title", "page", "score", "snippet", "url"}
EXIT_OK, EXIT_ERROR, EXIT_LOCKED, EXIT_PARTIAL = 0, 1, 3, 4
SMALL_CHUNKS = {"FOERDERBERATER_CHUNK_TOKENS": "64", "FOERDERBERATER_CHUNK_OVERLAP_TOKENS": "8"}


@dataclass
class CliIndex:
    corpus: Path
    index: Path
    cwd: Path
    env: dict[str, str]
    first: subprocess.CompletedProcess[str]

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return _run(self.cwd, {**self.env, **env}, *args)


def _run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foerderberater", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def cli_index(
    tmp_path_factory: pytest.TempPathFactory,
    make_pdf: Callable[..., Path],
    programme_md: Callable[..., str],
    clean_env: Callable[..., dict[str, str]],
) -> CliIndex:
    """One index built by ``foerderberater index`` with the directories given only by env vars."""
    root = tmp_path_factory.mktemp("cli")
    corpus, index, cwd = root / "korpus", root / "ablage" / "index", root / "arbeitsordner"
    (corpus / "programme").mkdir(parents=True)
    cwd.mkdir()
    (corpus / "programme" / "waermenetz.md").write_text(programme_md(), encoding="utf-8")
    (corpus / "revierfonds.txt").write_text(
        "Der Revierfonds unterstützt Vereine im Burgenlandkreis bei Projekten zur "
        "Industriekultur und zum Erhalt alter Bergbauanlagen.",
        encoding="utf-8",
    )
    make_pdf(corpus / "studien" / "seethermie.pdf", title="Seethermie am Geiseltalsee")
    env = clean_env(
        {
            "FOERDERBERATER_CORPUS_DIR": str(corpus),
            "FOERDERBERATER_INDEX_DIR": str(index),
            **SMALL_CHUNKS,
        }
    )
    first = _run(cwd, env, "index")
    return CliIndex(corpus, index, cwd, env, first)


def test_index_uses_env_directories(cli_index: CliIndex) -> None:
    result = cli_index.first
    assert result.returncode == EXIT_OK, result.stderr
    assert "vollständig" in result.stdout and "3 Dokumente" in result.stdout
    assert "3 PDF-Seiten" in result.stdout and "Neu: 3" in result.stdout
    assert (cli_index.index / CURRENT).is_file()
    assert not (cli_index.cwd / "index").exists()  # not the default ./index
    assert "Übersprungen" not in result.stderr


def test_second_index_run_is_incremental(cli_index: CliIndex) -> None:
    result = cli_index.run("index", "--json", "--quiet")
    assert result.returncode == EXIT_OK, result.stderr
    report = json.loads(result.stdout)
    assert report["full"] is False and report["embedded_chunks"] == 0
    assert report["unchanged"] == 3 and report["documents"] == 3
    assert report["added"] == report["changed"] == report["removed"] == report["skipped"] == []
    assert result.stderr == ""  # --quiet: no progress lines


def test_full_flag_rebuilds_everything_and_the_cache_spares_the_embedding(
    cli_index: CliIndex,
) -> None:
    result = cli_index.run("index", "--full", "--json", "--quiet")
    assert result.returncode == EXIT_OK, result.stderr
    report = json.loads(result.stdout)
    assert report["full"] is True and report["documents"] == 3
    assert report["embedded_chunks"] == 0  # unchanged texts: every vector from the cache
    assert report["cached_chunks"] == report["chunks"] > 0
    result = cli_index.run("index", "--full", "--json", "--quiet", FOERDERBERATER_EMBED_CACHE="0")
    assert result.returncode == EXIT_OK, result.stderr
    report = json.loads(result.stdout)
    assert report["embedded_chunks"] == report["chunks"] > 0 and report["cached_chunks"] == 0
    assert sorted(report["added"]) == [
        "programme/waermenetz.md",
        "revierfonds.txt",
        "studien/seethermie.pdf",
    ]


def test_info(cli_index: CliIndex) -> None:
    result = cli_index.run("info", "--json")
    assert result.returncode == EXIT_OK, result.stderr
    info = json.loads(result.stdout)
    assert info["documents"] == 3 and info["pages"] == 3 and info["chunks"] >= 5
    assert info["embedder"]["name"] == "e5" and info["embedder"]["dim"] == 384
    assert info["chunker"]["chunk_tokens"] == 64
    assert info["skipped"] == []
    assert info["index_dir"] == str(cli_index.index)
    assert set(info["files"]) == {
        "programme/waermenetz.md",
        "revierfonds.txt",
        "studien/seethermie.pdf",
    }
    text = cli_index.run("info")
    assert text.returncode == EXIT_OK
    assert "Dokumente:   3" in text.stdout and "e5 (384 Dimensionen)" in text.stdout


def test_search_json(cli_index: CliIndex) -> None:
    result = cli_index.run("search", "Großwärmepumpe am See für Braunsbedra", "--json", "-k", "3")
    assert result.returncode == EXIT_OK, result.stderr
    hits = json.loads(result.stdout)["hits"]
    assert 1 <= len(hits) <= 3
    top = hits[0]
    assert top["doc_id"] == "seethermie" and top["path"] == "studien/seethermie.pdf"
    assert top["page"] == 2 and "Braunsbedra" in top["text"]
    assert top["title"] == "Seethermie am Geiseltalsee"
    text = cli_index.run("search", "Großwärmepumpe am See für Braunsbedra")
    assert text.returncode == EXIT_OK and "S. 2" in text.stdout


def test_ask_json_contract(cli_index: CliIndex) -> None:
    question = "Wie viel Prozent des Wärmebedarfs deckt die Seethermie in Braunsbedra?"
    result = cli_index.run("ask", "--json", question)
    assert result.returncode == EXIT_OK, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= CONTRACT_KEYS
    assert data["question"] == question
    assert isinstance(data["answer"], str) and data["answer"]
    assert data["abstained"] is False
    assert data["sources"], data
    for source in data["sources"]:
        assert set(source) == SOURCE_KEYS
        assert source["doc_id"] in {"waermenetz", "revierfonds", "seethermie"}  # file stems
        assert isinstance(source["title"], str) and source["title"]
        assert isinstance(source["score"], float)
        assert isinstance(source["snippet"], str)
        assert source["url"] is None or source["url"].startswith("https://")
    first = data["sources"][0]
    assert first["doc_id"] == "seethermie"
    assert type(first["page"]) is int and first["page"] == 2
    assert "40 Prozent" in first["snippet"] or "40 Prozent" in data["answer"]
    for source in data["sources"]:
        if source["doc_id"] == "seethermie":
            assert type(source["page"]) is int and 1 <= source["page"] <= 3
        else:
            assert source["page"] is None


def test_ask_json_programme_source_has_url(cli_index: CliIndex) -> None:
    result = cli_index.run("ask", "--json", "Zuschuss für den Neubau kommunaler Wärmenetze")
    assert result.returncode == EXIT_OK, result.stderr
    data = json.loads(result.stdout)
    programme = [s for s in data["sources"] if s["doc_id"] == "waermenetz"]
    assert programme, data
    assert programme[0]["url"] == "https://example.org/waermenetz"
    assert programme[0]["title"] == "Wärmenetz-Förderung Mitteldeutschland"


def test_flags_override_env(cli_index: CliIndex, tmp_path: Path) -> None:
    result = cli_index.run("--index-dir", str(tmp_path / "leer"), "search", "Wärmenetz")
    assert result.returncode == EXIT_ERROR
    assert "Kein Index" in result.stderr and str(tmp_path / "leer") in result.stderr
    assert "foerderberater index" in result.stderr


def test_mismatched_embedder_is_explained(cli_index: CliIndex) -> None:
    spec = "sentence-transformers:/modelle/anderes"
    result = cli_index.run("search", "Wärmenetz", FOERDERBERATER_EMBEDDER=spec)
    assert result.returncode == EXIT_ERROR
    assert "passt nicht zur Konfiguration" in result.stderr
    assert "foerderberater index --full" in result.stderr and spec in result.stderr
    assert "Traceback" not in result.stderr


def test_locked_index_exits_3(cli_index: CliIndex) -> None:
    with BuildLock(cli_index.index / LOCK_FILE):
        result = cli_index.run("index")
    assert result.returncode == EXIT_LOCKED, result.stderr
    assert "läuft bereits ein Indexaufbau" in result.stderr
    assert cli_index.run("index", "--quiet").returncode == EXIT_OK  # free again


def test_bad_files_give_exit_4_and_keep_previous_versions(
    tmp_path: Path,
    make_pdf: Callable[..., Path],
    make_scanned_pdf: Callable[[Path], Path],
    clean_env: Callable[..., dict[str, str]],
) -> None:
    from pypdf import PdfWriter

    corpus, index = tmp_path / "korpus", tmp_path / "index"
    corpus.mkdir()
    good = make_pdf(corpus / "studie.pdf")
    (corpus / "notiz.txt").write_text("Ein kurzer Hinweis zur Förderung im Revier.", "utf-8")
    (corpus / "leer.pdf").write_bytes(b"")
    (corpus / "abgeschnitten.pdf").write_bytes(good.read_bytes()[:900])
    (corpus / "umbenannt.pdf").write_text("Das ist gar kein PDF, nur Text.\n", "utf-8")
    (corpus / "kaputt.md").write_text("---\ntitel: [offen\n---\nText für das Dokument.\n", "utf-8")
    writer = PdfWriter(clone_from=str(good))
    writer.encrypt(user_password="geheim", owner_password="chef")
    with (corpus / "passwort.pdf").open("wb") as fh:
        writer.write(fh)
    make_scanned_pdf(corpus / "scan.pdf")
    env = clean_env(SMALL_CHUNKS)
    args = ("--corpus-dir", str(corpus), "--index-dir", str(index), "index")

    result = _run(tmp_path, env, *args)
    assert result.returncode == EXIT_PARTIAL, result.stderr
    assert "2 Dokumente" in result.stdout
    expected = {
        "leer.pdf": "leere Datei",
        "abgeschnitten.pdf": "abgeschnitten",
        "umbenannt.pdf": "keine PDF-Datei",
        "kaputt.md": "YAML-Front-Matter fehlerhaft",
        "passwort.pdf": "passwortgeschützte PDF",
        "scan.pdf": "kein Textlayer, OCR nötig",
    }
    lines = [x for x in result.stderr.splitlines() if x.startswith("Übersprungen: ")]
    assert len(lines) == len(expected)
    for name, reason in expected.items():
        assert any(x.startswith(f"Übersprungen: {name}: ") and reason in x for x in lines), name

    info = json.loads(_run(tmp_path, env, "--index-dir", str(index), "info", "--json").stdout)
    assert info["documents"] == 2
    assert {s["path"] for s in info["skipped"]} == set(expected)

    # a file that was indexed turns bad: reported, the old version stays searchable
    good.write_bytes(good.read_bytes()[:1000])
    result = _run(tmp_path, env, *args, "--json")
    assert result.returncode == EXIT_PARTIAL
    report = json.loads(result.stdout)
    kept = {s["path"]: s["kept_previous"] for s in report["skipped"]}
    assert kept["studie.pdf"] is True and kept["scan.pdf"] is False
    assert report["documents"] == 2 and report["embedded_chunks"] == 0
    assert "Übersprungen: studie.pdf" in result.stderr
    assert "bisher indexierte Fassung bleibt erhalten" in result.stderr
    search = _run(
        tmp_path, env, "--index-dir", str(index), "search", "Seethermie Braunsbedra", "--json"
    )
    assert search.returncode == EXIT_OK
    assert json.loads(search.stdout)["hits"][0]["doc_id"] == "studie"


def test_no_index_and_missing_corpus(run_cli, tmp_path: Path) -> None:
    result = run_cli("--index-dir", str(tmp_path / "nichts"), "info")
    assert result.returncode == EXIT_ERROR and "Kein Index" in result.stderr
    result = run_cli("--corpus-dir", str(tmp_path / "fehlt"), "--index-dir", "ix", "index")
    assert result.returncode == EXIT_ERROR and "existiert nicht" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors(run_cli) -> None:
    result = run_cli("fliegen")
    assert result.returncode == 2 and "invalid choice" in result.stderr
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.strip()
