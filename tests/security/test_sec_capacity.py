"""A full queue answers in German and the app recovers (issue 12, hole 8).

Own app instance with ``FOERDERBERATER_QUEUE_SIZE=4``, flooded with 120 simultaneous queue
joins of the public ``/ask`` API. A rejected join must carry the German message with a status
other than 503: Gradio's browser client replaces the text of a 503 by its own English
"currently busy" line, but shows the server's ``detail`` for other error codes.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time
from pathlib import Path

import pytest

from .conftest import app_env, cli, start_app, stop, write_corpus
from .rawclient import RawClient

pytestmark = pytest.mark.integration

BUSY = "Zu viele Anfragen – bitte in ein paar Sekunden erneut"
CHROMIUM = Path("/usr/bin/chromium")
QUESTION = "Welche Förderung gibt es für Wasserstoff in Sachsen? Nr. {}"


@pytest.fixture(scope="module")
def small_queue_app(tmp_path_factory, programme_md, make_pdf, clean_env):
    root = tmp_path_factory.mktemp("sec-queue")
    write_corpus(root, programme_md, make_pdf)
    env = app_env(clean_env, root, FOERDERBERATER_QUEUE_SIZE="4")
    built = cli(env, "index", "--quiet", cwd=root)
    assert built.returncode == 0, built.stderr
    proc, _log, url = start_app(root, env)
    try:
        yield url
    finally:
        stop(proc)


def test_full_queue_says_so_in_german_and_the_app_recovers(small_queue_app):
    url = small_queue_app
    ask = RawClient(url).config().api("ask")

    def join(i: int):
        with RawClient(url) as c:
            return c.join(ask, [QUESTION.format(i), "", "", "", "", "", "", None])

    with cf.ThreadPoolExecutor(max_workers=40) as pool:
        responses = list(pool.map(join, range(120)))
    rejected = [r for r in responses if r.status_code != 200]
    assert rejected, "Warteschlange lief nie voll – Queue-Größe nicht gesetzt?"
    for r in rejected:
        assert r.status_code == 429, (r.status_code, r.text[:200])
        assert BUSY in r.json()["detail"]
    deadline = time.monotonic() + 180
    while True:  # once the backlog is done, a new user is answered again
        with RawClient(url) as c:
            res = c.call(ask, ["Wasserstoff Zuschuss Sachsen", "", "", "", "", "", "", None])
        if res.success or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert res.success, res.error


@pytest.mark.browser
def test_browser_shows_the_german_message_when_the_queue_is_full(small_queue_app):
    """What a visitor sees: Gradio's browser client shows the server's 429 ``detail``."""
    if not CHROMIUM.exists():
        pytest.skip("Browser-Test übersprungen: /usr/bin/chromium fehlt")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright fehlt")
    url = small_queue_app
    ask = RawClient(url).config().api("ask")
    stop = threading.Event()

    def flood(worker: int) -> None:  # keeps the 4 queue places taken while the browser asks
        with RawClient(url) as c:
            n = 0
            while not stop.is_set():
                c.join(ask, [QUESTION.format(f"{worker}-{n}"), "", "", "", "", "", "", None])
                n += 1

    threads = [threading.Thread(target=flood, args=(i,), daemon=True) for i in range(6)]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(locale="de-DE")
            page.goto(url, wait_until="load")
            page.wait_for_selector("#fb-question textarea")
            for t in threads:
                t.start()
            time.sleep(1)
            seen = False
            for _ in range(10):  # the queue may have a free place at the moment of one click
                page.locator("#fb-question textarea").fill("Zuschuss für Wasserstoff in Sachsen")
                page.locator("#fb-send").click()
                try:
                    page.get_by_text(BUSY).first.wait_for(timeout=8000)
                except playwright.TimeoutError:
                    continue
                seen = True
                break
            assert seen, "deutscher Hinweis bei voller Warteschlange nicht angezeigt"
            assert page.get_by_text("currently busy").count() == 0
        finally:
            stop.set()
            for t in threads:
                t.join(30)
            browser.close()
