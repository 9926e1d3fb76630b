"""The PostgreSQL + pgvector index backend and the shared state kept next to it.

Chosen by ``FOERDERBERATER_DATABASE_URL`` (see ``index.backend.open_index_backend``). Part of
the index layer: imports core, index and the pure ``security.throttle`` types, nothing from
search upwards. ``psycopg`` is imported only when a connection is opened.
"""
