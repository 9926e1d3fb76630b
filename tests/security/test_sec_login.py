"""Login probes: header spoofing, lockout of the real admin, roles, logging (issue 12, holes 1+2).

Every probe uses its own client address, because a throttled address stays throttled for the
rest of the session.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from .conftest import (
    ADMIN_PW,
    LOGIN,
    MARKER,
    PROXY,
    ROOT,
    STAFF_LOGIN,
    STAFF_PW,
    THROTTLED,
    WRONG,
    login,
    refused,
)
from .rawclient import default_inputs

pytestmark = pytest.mark.integration


def test_spoofed_forwarded_for_does_not_escape_the_throttle(server):
    """127.0.0.1 is no trusted proxy: its X-Forwarded-For must not give it new identities."""
    with server.client("127.0.0.1") as c:
        cfg = c.config()
        answers = [
            login(c, cfg, f"falsch-{i}", headers={"X-Forwarded-For": f"198.18.{i}.{i + 1}"})
            for i in range(12)
        ]
        wrong = sum(WRONG in a.message for a in answers)
        throttled = sum(THROTTLED in a.message for a in answers)
        assert wrong <= 3 and throttled >= 9, [a.message for a in answers]
        right = login(c, cfg, ADMIN_PW, headers={"X-Forwarded-For": "198.18.99.99"})
        assert not right.ok, "richtiges Passwort während der Sperre angenommen"
        assert THROTTLED in right.message


def test_attacker_behind_the_proxy_cannot_lock_out_the_admin_behind_it(server):
    """Behind the trusted proxy each client counts by its forwarded address."""
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    with server.client(PROXY) as c:
        cfg = c.config()
        for i in range(4):
            login(c, cfg, f"geraten-{i}", headers=attacker)
        assert THROTTLED in login(c, cfg, "geraten-x", headers=attacker).message
    with server.client(PROXY) as admin:
        out = login(admin, cfg, ADMIN_PW, headers={"X-Forwarded-For": "198.51.100.7"})
        assert out.ok, out.message


def test_left_hops_written_by_the_client_are_ignored_behind_the_proxy(server):
    """``X-Forwarded-For: <spoof>, <real>`` via the proxy: only the right-most hop counts."""
    with server.client(PROXY) as c:
        cfg = c.config()
        answers = [
            login(c, cfg, "falsch", headers={"X-Forwarded-For": f"10.{i}.0.1, 203.0.113.77"})
            for i in range(8)
        ]
        assert sum(WRONG in a.message for a in answers) <= 3, [a.message for a in answers]


def test_attacker_at_one_address_does_not_lock_out_the_admin_at_another(server):
    with server.client("127.0.0.3") as c:
        cfg = c.config()
        for i in range(5):
            login(c, cfg, f"falsch-{i}")
        assert THROTTLED in login(c, cfg, "falsch").message
    with server.client("127.0.0.4") as admin:
        out = login(admin, cfg, ADMIN_PW)
        assert out.ok, out.message


def test_staff_login_opens_the_staff_area_but_not_admin_work(server):
    with server.client("127.0.0.5") as c:
        cfg = c.config()
        triggers = [ep.trigger for ep in cfg.endpoints]
        if STAFF_LOGIN not in triggers:
            pytest.fail(f"kein Team-Login ({STAFF_LOGIN}) in der App; vorhanden: {triggers}")
        res = c.call(cfg.endpoint(STAFF_LOGIN), [STAFF_PW, None])
        assert res.success, res.error
        listing = cfg.endpoint("fb-feedback-refresh.click")
        assert MARKER in c.call(listing, default_inputs(listing)).raw
        build = c.call(cfg.endpoint("fb-build.click"), [False, None])
        assert refused(build), build.text()
        assert not login(c, cfg, STAFF_PW).ok, "Team-Passwort öffnet die Administration"


def test_failed_logins_are_logged_without_the_password(server):
    secret_try = "Falsch-Spur-58213"
    with server.client("127.0.0.6") as c:
        cfg = c.config()
        assert not login(c, cfg, secret_try).ok
    deadline = time.monotonic() + 5
    log = server.log_text()
    while "127.0.0.6" not in log and time.monotonic() < deadline:
        time.sleep(0.2)
        log = server.log_text()
    assert secret_try not in log and ADMIN_PW not in log and STAFF_PW not in log
    assert re.search(r"(?i)anmeldung[^\n]*127\.0\.0\.6", log), log[-2000:]


def test_login_endpoint_is_found_in_the_running_app(server):
    """Guard for the probes above: they find the admin login by its elem_id."""
    with server.client("127.0.0.7") as c:
        assert c.config().endpoint(LOGIN).tab == "admin"


def test_misconfigured_credentials_stop_the_start_with_a_german_message(clean_env, tmp_path):
    """Two sources for one role, or a plain password in the password file: no start, no trace."""
    pwfile = tmp_path / "zugang"
    pwfile.write_text("admin: Klartext-statt-Hash\n", "utf-8")
    cases = (
        {"FOERDERBERATER_ADMIN_PASSWORD": ADMIN_PW, "FOERDERBERATER_ADMIN_PASSWORD_HASH": "x"},
        {"FOERDERBERATER_PASSWORD_FILE": str(pwfile)},
    )
    for extra in cases:
        env = clean_env({"FOERDERBERATER_INDEX_DIR": str(tmp_path / "index"), **extra})
        out = subprocess.run(
            [sys.executable, str(ROOT / "app.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert out.returncode == 2, (out.returncode, out.stderr[-800:])
        assert "Ungültige Einstellung" in out.stderr and "Traceback" not in out.stderr
        assert ADMIN_PW not in out.stderr and "Klartext-statt-Hash" not in out.stderr
