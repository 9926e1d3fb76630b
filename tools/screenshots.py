#!/usr/bin/env python3
"""Screenshots of every page of the web app into docs/, against the real starter corpus.

    .venv/bin/python tools/screenshots.py [--out docs]

Uses the corpus and index from the FOERDERBERATER_* settings (default ./corpus, ./index; the
index is built first if it is missing), a throw-away data directory (feedback) and a random
admin password. Needs Debian's chromium (/usr/bin/chromium) and the playwright package.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
QUESTION = "Welche Zuschüsse gibt es für eine Produktionshalle in Borna?"


CHECK_TEXT = (
    "Wir sind ein Betrieb mit 45 Mitarbeitern und 8 Mio. Euro Umsatz in Zeitz und wollen "
    "2 Mio. Euro in eine Elektrolyse investieren, Beginn im März 2027."
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_index() -> None:
    from foerderberater.advisor import Advisor
    from foerderberater.core.errors import IndexNotFoundError
    from foerderberater.core.settings import Settings
    from foerderberater.index.progress import terminal_progress

    advisor = Advisor(Settings.from_env())
    try:
        advisor.info()
    except IndexNotFoundError:
        print("Kein Index – baue ihn zuerst auf …", file=sys.stderr)
        with terminal_progress() as progress:
            advisor.build(progress=progress)


def _wait(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"App beendet mit Code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"App unter {url} nicht erreichbar")


def _ask(page, question: str) -> None:
    n = int(page.locator("#fb-sources .fb-sources").get_attribute("data-answer") or 0)
    page.locator("#fb-question textarea").fill(question)
    page.locator("#fb-send").click()
    page.wait_for_selector(f"#fb-sources .fb-sources[data-answer='{n + 1}']")
    page.wait_for_timeout(400)


def shoot(url: str, password: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_context(
            locale="de-DE", viewport={"width": 1440, "height": 1100}, device_scale_factor=1
        ).new_page()
        page.set_default_timeout(120_000)
        page.goto(url, wait_until="load")
        page.wait_for_selector("#fb-question textarea")
        page.get_by_role("tab", name="Team: Feedback & Debug").click()  # debug, list: staff only
        page.locator("#fb-team-pw input").fill(password)
        page.locator("#fb-team-login").click()
        page.wait_for_selector("#fb-team-msg :text('Angemeldet')")
        page.get_by_role("tab", name="Förderberatung").click()
        _ask(page, QUESTION)
        shots.append(out / "screenshot-beratung.png")
        page.screenshot(path=shots[-1], full_page=False)

        page.get_by_role("tab", name="Projekt-Check").click()
        page.locator("#fb-check-text textarea").fill(CHECK_TEXT)
        page.locator("#fb-check-run").click()
        page.wait_for_selector("#fb-check-result :text('Ergebnis')")
        page.wait_for_timeout(400)
        shots.append(out / "screenshot-projekt-check.png")
        page.screenshot(path=shots[-1], full_page=False)

        page.get_by_role("tab", name="Team: Feedback & Debug").click()
        page.locator("#fb-rating").get_by_text("nicht hilfreich").click()
        page.locator("#fb-reason").get_by_text("unvollständig", exact=True).click()
        page.locator("#fb-comment textarea").fill("Beispiel: Hinweis auf den Reviervorteil fehlt")
        page.locator("#fb-feedback-save").click()
        page.wait_for_selector("#fb-feedback-msg :text('gespeichert')")
        page.wait_for_timeout(400)
        shots.append(out / "screenshot-team.png")
        page.screenshot(path=shots[-1], full_page=True)

        page.get_by_role("tab", name="Evaluation").click()
        page.locator("#fb-eval-run").click()
        page.wait_for_selector("#fb-eval-summary :text('Kennzahl'), #fb-eval-summary :text('❌')")
        page.wait_for_timeout(400)
        shots.append(out / "screenshot-evaluation.png")
        page.screenshot(path=shots[-1], full_page=False)

        page.get_by_role("tab", name="Administration").click()
        page.locator("#fb-admin-pw input").fill(password)
        page.locator("#fb-admin-login").click()
        page.wait_for_selector("#fb-index-status :text('Dokumente')")
        page.wait_for_timeout(400)
        shots.append(out / "screenshot-admin.png")
        page.screenshot(path=shots[-1], full_page=False)
        browser.close()
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(
            "chromium fehlt: apt-get install chromium (tools/ensure_chromium.sh)", file=sys.stderr
        )
        return 1
    _ensure_index()
    args.out.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(16)
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="foerderberater-shots-") as tmp:
        env = {
            **os.environ,
            "FOERDERBERATER_DATA_DIR": tmp,
            "FOERDERBERATER_PORT": str(port),
            "FOERDERBERATER_ADMIN_PASSWORD": password,
            "GRADIO_TEMP_DIR": tmp,
        }
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env)
        try:
            url = f"http://127.0.0.1:{port}/"
            _wait(url, proc)
            for path in shoot(url, password, args.out):
                print(f"geschrieben: {path.relative_to(ROOT) if ROOT in path.parents else path}")
        finally:
            proc.terminate()
            proc.wait(15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
