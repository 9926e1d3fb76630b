"""Roles, scrypt hashes, credentials from env/file, server-side sessions, the hash CLI."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from foerderberater.core.errors import ConfigError
from foerderberater.security.auth import (
    PLAIN_LOG_N,
    AccessDenied,
    Credentials,
    PasswordHash,
    Role,
    hash_password,
    load_credentials,
    read_password_file,
)
from foerderberater.security.sessions import MemorySessionStore, SessionManager

FAST = {"log_n": 10, "p": 1}  # cheap parameters for tests; production default is ln=15, p=3


def cheap(password: str) -> PasswordHash:
    return hash_password(password, **FAST)


def test_hash_round_trip_and_wrong_password():
    stored = cheap("Sehr-geheimes-Passwort")
    assert stored.verify("Sehr-geheimes-Passwort")
    assert not stored.verify("sehr-geheimes-passwort")
    assert not stored.verify("")
    again = PasswordHash.parse(stored.encode())
    assert again == stored and again.verify("Sehr-geheimes-Passwort")
    assert stored.encode().startswith("scrypt$ln=10,r=8,p=1$")
    assert cheap("x").salt != cheap("x").salt  # random salt


def test_default_parameters_follow_owasp():
    stored = hash_password("Standard-Kosten-12")
    assert (stored.log_n, stored.r, stored.p) == (15, 8, 3)
    assert PasswordHash.parse(stored.encode()).verify("Standard-Kosten-12")


def test_repr_never_shows_hash_or_password():
    stored = cheap("Klartext-darf-nicht-raus")
    creds = Credentials({Role.ADMIN: stored})
    for text in (repr(stored), repr(creds), str(creds)):
        assert "Klartext" not in text and stored.encode().split("$")[-1] not in text


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "geheim",  # plain text is not a hash
        "scrypt$ln=15,r=8,p=1$abc$def",  # salt/hash too short
        "scrypt$ln=30,r=8,p=1$" + "A" * 24 + "$" + "B" * 44,  # cost out of range
        "bcrypt$2b$12$abcdefghijklmnopqrstuv",
        "scrypt$ln=15,r=8,p=1$" + "!" * 24 + "$" + "B" * 44,
    ],
)
def test_parse_rejects_what_is_not_a_usable_hash(bad):
    with pytest.raises(ConfigError):
        PasswordHash.parse(bad)


def test_empty_password_cannot_be_hashed():
    with pytest.raises(ConfigError):
        hash_password("")


def test_roles_and_authenticate():
    creds = Credentials({Role.ADMIN: cheap("admin-pw-123456"), Role.STAFF: cheap("team-pw-123456")})
    assert Role.ADMIN.allows(Role.STAFF) and Role.ADMIN.allows(Role.ADMIN)
    assert Role.STAFF.allows(Role.STAFF) and not Role.STAFF.allows(Role.ADMIN)
    assert creds.authenticate("admin-pw-123456", Role.ADMIN) is Role.ADMIN
    assert creds.authenticate("admin-pw-123456", Role.STAFF) is Role.ADMIN
    assert creds.authenticate("team-pw-123456", Role.STAFF) is Role.STAFF
    assert creds.authenticate("team-pw-123456", Role.ADMIN) is None
    assert creds.authenticate("falsch", Role.STAFF) is None
    only_admin = Credentials({Role.ADMIN: cheap("admin-pw-123456")})
    assert only_admin.enabled(Role.STAFF) and only_admin.enabled(Role.ADMIN)
    assert not Credentials({Role.STAFF: cheap("t")}).enabled(Role.ADMIN)
    assert not Credentials().enabled(Role.STAFF)


def test_load_credentials_from_hash_plain_and_file(tmp_path):
    admin_hash = cheap("admin-pw-123456").encode()
    staff_hash = cheap("team-pw-123456").encode()
    creds = load_credentials(
        {
            "FOERDERBERATER_ADMIN_PASSWORD_HASH": admin_hash,
            "FOERDERBERATER_STAFF_PASSWORD": "team-klartext-1",
        },
        hasher=cheap,
    )
    assert creds.authenticate("admin-pw-123456", Role.ADMIN) is Role.ADMIN
    assert creds.authenticate("team-klartext-1", Role.STAFF) is Role.STAFF
    assert "team-klartext-1" not in repr(creds.hashes)

    pwfile = tmp_path / "passwoerter"
    pwfile.write_text(f"# Zugänge\nadmin: {admin_hash}\n\nSTAFF : {staff_hash}\n", "utf-8")
    from_file = load_credentials({"FOERDERBERATER_PASSWORD_FILE": str(pwfile)})
    assert from_file.authenticate("team-pw-123456", Role.STAFF) is Role.STAFF
    assert from_file.authenticate("admin-pw-123456", Role.ADMIN) is Role.ADMIN
    assert load_credentials({}).hashes == {}
    plain = load_credentials({"FOERDERBERATER_ADMIN_PASSWORD": "admin-klartext-1"})
    assert plain.hashes[Role.ADMIN].log_n == PLAIN_LOG_N  # cheap: the plain text is in the env
    assert plain.authenticate("admin-klartext-1", Role.ADMIN) is Role.ADMIN


def test_load_credentials_refuses_two_sources_and_bad_files(tmp_path):
    with pytest.raises(ConfigError, match="mehrfach"):
        load_credentials(
            {
                "FOERDERBERATER_ADMIN_PASSWORD_HASH": cheap("a-123456789").encode(),
                "FOERDERBERATER_ADMIN_PASSWORD": "a-123456789",
            },
            hasher=cheap,
        )
    bad = tmp_path / "pw"
    bad.write_text("admin: geheim\n", "utf-8")
    with pytest.raises(ConfigError, match="Zeile 1"):
        read_password_file(bad)
    bad.write_text(f"root: {cheap('x').encode()}\n", "utf-8")
    with pytest.raises(ConfigError, match="admin oder staff"):
        read_password_file(bad)
    with pytest.raises(ConfigError, match="nicht lesbar"):
        read_password_file(tmp_path / "fehlt")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sessions_require_role_and_expire():
    clock = Clock()
    sessions = SessionManager(idle_timeout=60, max_age=300, clock=clock)
    staff = sessions.open(Role.STAFF, "10.0.0.1")
    admin = sessions.open(Role.ADMIN, "10.0.0.2")
    assert len(staff.token) >= 40 and staff.token != admin.token
    assert staff.token not in repr(staff)
    assert sessions.require(staff.token, Role.STAFF).role is Role.STAFF
    assert sessions.require(admin.token, Role.STAFF).role is Role.ADMIN
    with pytest.raises(AccessDenied, match="Administrator") as denied:
        sessions.require(staff.token, Role.ADMIN)
    assert denied.value.reason == "forbidden"
    with pytest.raises(AccessDenied) as anonymous:
        sessions.require(None, Role.STAFF)
    assert anonymous.value.reason == "anonymous" and "anmelden" in str(anonymous.value)
    with pytest.raises(AccessDenied) as forged:
        sessions.require("erfunden", Role.STAFF)
    assert forged.value.reason == "expired"

    clock.now += 50
    assert sessions.resolve(staff.token) is not None  # activity restarts the idle timer
    clock.now += 50
    assert sessions.resolve(staff.token) is not None
    assert sessions.resolve(admin.token) is None  # idle for 100 s > 60 s
    clock.now += 250
    assert sessions.resolve(staff.token) is None  # older than max_age
    other = sessions.open(Role.ADMIN)
    sessions.close(other.token)
    assert sessions.resolve(other.token) is None


def test_session_store_is_bounded_and_thread_safe():
    store = MemorySessionStore(max_sessions=50)
    sessions = SessionManager(store)
    tokens: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(20):
            token = sessions.open(Role.STAFF).token
            with lock:
                tokens.append(token)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(tokens)) == 160 and len(store) == 50
    live = [t for t in tokens if sessions.resolve(t) is not None]
    assert len(live) == 50  # the oldest sessions were dropped, the newest still work


def test_hash_cli_prints_only_a_usable_hash():
    password = "Ein-neues-Admin-Passwort"
    out = subprocess.run(
        [sys.executable, "-m", "foerderberater.security.hashpw", "--stdin", "--ln", "10"],
        input=password + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert password not in out.stdout + out.stderr
    assert PasswordHash.parse(out.stdout.strip()).verify(password)
    short = subprocess.run(
        [sys.executable, "-m", "foerderberater.security.hashpw", "--stdin"],
        input="kurz\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert short.returncode == 2 and "zu kurz" in short.stderr
