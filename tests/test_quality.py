"""Quality gate on the bundled starter corpus: the domain gold set (runs in CI).

The index is built with the real e5 model. When the project's own index exists (``make run``
builds it), its live version seeds the test index: the incremental build then embeds only files
that changed since (same chunks give the same content-hash ids and vectors); on a clean clone it
is a full build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from foerderberater.advisor import Advisor
from foerderberater.core.settings import Settings
from foerderberater.evaluation.gold import evaluate_gold
from foerderberater.index.ingest import discover
from foerderberater.index.store import CURRENT, VERSIONS, current_version_dir

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]


def _seed(index_dir: Path) -> None:
    """Copy the live version of the project's index (if any) into ``index_dir``."""
    source = current_version_dir(ROOT / "index")
    if source is None:
        return
    shutil.copytree(source, index_dir / VERSIONS / source.name)
    (index_dir / CURRENT).write_text(source.name + "\n", "utf-8")


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Advisor:
    index_dir = tmp_path_factory.mktemp("starter") / "index"
    _seed(index_dir)
    advisor = Advisor(Settings(corpus_dir=ROOT / "corpus", index_dir=index_dir))
    report = advisor.build()
    assert not report.skipped, report.skipped
    assert report.documents == len(discover(ROOT / "corpus"))
    return advisor


def test_gold_set_meets_the_targets(starter: Advisor) -> None:
    result = evaluate_gold(starter, ROOT / "eval" / "gold.yaml")
    assert result["answerable"] >= 60 and result["out_of_scope"] >= 15
    assert result["recall_at_5"] >= 0.9, result
    assert result["abstention_accuracy"] >= 0.9, result


def test_ask_json_contract_with_page_level_sources(starter: Advisor) -> None:
    env = {
        **os.environ,
        "FOERDERBERATER_CORPUS_DIR": str(ROOT / "corpus"),
        "FOERDERBERATER_INDEX_DIR": str(starter.settings.index_dir),
    }
    question = "Welche Förderung gibt es für Forschung und Entwicklung in KMU?"
    proc = subprocess.run(
        [sys.executable, "-m", "foerderberater", "ask", "--json", question],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["question"] == question and not data["abstained"]
    assert {"zim", "kmu-innovativ"} & {s["doc_id"] for s in data["sources"]}
    study = starter.ask("Wie entwickelt sich die Beschäftigung im Revier bis 2040?")
    assert study.sources[0].slug == "sozio-oekonomische-perspektive-2040"
    assert isinstance(study.sources[0].page, int) and study.sources[0].page >= 1
