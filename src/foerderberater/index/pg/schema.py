"""Versioned DDL of the PostgreSQL backend; ``migrate`` applies what is missing, once.

The missing migrations run in one transaction under a transaction-level advisory lock, so two
replicas starting at the same moment cannot apply one twice. Applied versions are recorded in
``fb_migrations``. Never edit a released migration: append a new one.

Layout (migration 1):

- ``index_versions``: one row per written index version (``building`` -> ``ready``) with its
  manifest; ``current_index`` is a single row pointing at the live version — publishing is one
  upsert of that row in one transaction.
- Per version, two tables created by ``writer.write_version`` (not here, their vector columns
  are typed with the embedder's dimension): ``chunks_v<id>`` (text, pages, typed filter columns
  copied from the document, ``vector(d)`` with an HNSW index for inner product on normalised
  vectors, GIN indexes on the filter arrays) and ``sentences_v<id>`` (answer evidence with
  ``halfvec(d)`` vectors, read per document, never searched). Dropping them is how an old
  version is garbage-collected (no VACUUM debt).
- ``documents`` (metadata JSONB), ``skipped_files`` and ``version_blobs`` (the BM25 index of
  the version, loaded into each replica's memory) hang off ``index_versions`` with ON DELETE
  CASCADE.
- Shared application state: ``feedback``, ``login_attempts`` (login back-off per client and
  account, for every replica), ``build_jobs`` (progress of the one running rebuild) and
  ``corpus_files`` (admin uploads and removals when ``FOERDERBERATER_UPLOAD_STORE=database``).

Migration 2: ``upload_quota`` (bytes of the public upload route per client and hour, so the
quota holds however a client's requests are spread over the replicas).
"""

from __future__ import annotations

from typing import Any

# pg_advisory_lock keys (two int4 halves: app tag, purpose)
LOCK_APP = 0x46420001  # "FB" + 1
LOCK_MIGRATE = 1
LOCK_BUILD = 2

_V1 = """
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE index_versions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    state         text NOT NULL DEFAULT 'building' CHECK (state IN ('building', 'ready')),
    manifest      jsonb NOT NULL DEFAULT '{}',
    embedder      text NOT NULL,
    dim           integer NOT NULL,
    chunks        integer NOT NULL DEFAULT 0,
    sentences     integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    ready_at      timestamptz,
    published_at  timestamptz
);

CREATE TABLE current_index (
    only_row      boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version_id    bigint NOT NULL REFERENCES index_versions (id),
    flipped_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
    version_id    bigint NOT NULL REFERENCES index_versions (id) ON DELETE CASCADE,
    doc_id        text NOT NULL,
    slug          text NOT NULL,
    title         text NOT NULL,
    sha256        text NOT NULL,
    n_pages       integer NOT NULL,
    metadata      jsonb NOT NULL,
    PRIMARY KEY (version_id, doc_id)
);

CREATE TABLE skipped_files (
    version_id    bigint NOT NULL REFERENCES index_versions (id) ON DELETE CASCADE,
    path          text NOT NULL,
    reason        text NOT NULL,
    kept_previous boolean NOT NULL
);

CREATE TABLE version_blobs (
    version_id    bigint NOT NULL REFERENCES index_versions (id) ON DELETE CASCADE,
    name          text NOT NULL,
    part          integer NOT NULL,
    data          bytea NOT NULL,
    PRIMARY KEY (version_id, name, part)
);

CREATE TABLE feedback (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created       timestamptz NOT NULL DEFAULT now(),
    rating        text NOT NULL CHECK (rating IN ('gut', 'schlecht')),
    reason        text NOT NULL DEFAULT '',
    comment       text NOT NULL DEFAULT '',
    question      text NOT NULL,
    answer        text NOT NULL,
    sources       jsonb NOT NULL DEFAULT '[]',
    filters       jsonb NOT NULL DEFAULT '{}',
    index_version text NOT NULL DEFAULT ''
);
CREATE INDEX feedback_created ON feedback (created);

CREATE TABLE login_attempts (
    client        text NOT NULL,
    account       text NOT NULL,
    failures      integer NOT NULL,
    last_failure  double precision NOT NULL,   -- seconds since the epoch (app clock)
    locked_until  double precision NOT NULL,
    PRIMARY KEY (client, account)
);
CREATE INDEX login_attempts_last ON login_attempts (last_failure);

CREATE TABLE build_jobs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    state         text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'failed')),
    full_rebuild  boolean NOT NULL DEFAULT false,
    stage         text NOT NULL DEFAULT 'start',
    done          integer NOT NULL DEFAULT 0,
    total         integer NOT NULL DEFAULT 0,
    detail        text NOT NULL DEFAULT '',
    stages        text[] NOT NULL DEFAULT '{}',
    host          text NOT NULL DEFAULT '',
    pid           integer NOT NULL DEFAULT 0,
    backend_pid   integer NOT NULL DEFAULT pg_backend_pid(),
    started_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    error         text NOT NULL DEFAULT '',
    version_name  text NOT NULL DEFAULT '',
    report        jsonb
);
CREATE INDEX build_jobs_started ON build_jobs (started_at DESC);

CREATE TABLE corpus_files (
    path          text PRIMARY KEY,                -- relative to the corpus directory
    data          bytea,                           -- NULL: removed by an admin
    sha256        text NOT NULL DEFAULT '',
    size          bigint NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
"""

_V2 = """
CREATE TABLE upload_quota (
    client        text PRIMARY KEY,
    window_start  timestamptz NOT NULL,            -- database clock: one clock for all replicas
    used          bigint NOT NULL
);
CREATE INDEX upload_quota_window ON upload_quota (window_start);
"""

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "initial schema", _V1),
    (2, "upload quota per client", _V2),
)
LATEST = MIGRATIONS[-1][0]


def applied_versions(conn: Any) -> set[int]:
    exists = conn.execute("SELECT to_regclass('fb_migrations') IS NOT NULL").fetchone()[0]
    if not exists:
        return set()
    return {r[0] for r in conn.execute("SELECT version FROM fb_migrations")}


def migrate(conn: Any) -> list[int]:
    """Apply the missing migrations on ``conn`` (autocommit off); returns the versions applied."""
    done: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_APP, LOCK_MIGRATE))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS fb_migrations (version integer PRIMARY KEY,"
            " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        have = applied_versions(conn)
        for version, name, ddl in MIGRATIONS:
            if version in have:
                continue
            conn.execute(ddl)
            conn.execute(
                "INSERT INTO fb_migrations (version, name) VALUES (%s, %s)", (version, name)
            )
            done.append(version)
    return done
